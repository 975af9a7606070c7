import { lineAmounts, type LineInput, minorDigits, quoteAmounts } from './quote.math.js';

const line = (quantity: string, unitPrice: string, discountPercent = '0', taxRate = '0'): LineInput => ({
  quantity,
  unitPrice,
  discountPercent,
  taxRate,
});

describe('quote arithmetic', () => {
  it('knows IDR has no minor unit and EUR has two decimals', () => {
    expect(minorDigits('IDR')).toBe(0);
    expect(minorDigits('idr')).toBe(0);
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('USD')).toBe(2);
  });

  it('rounds a line half-up at exactly 0.005 (EUR), where a binary float would round down', () => {
    // 1.005 is 1.00499999999999989… as a double: Math.round(1.005 * 100) / 100 gives 1.
    expect(Math.round(1.005 * 100) / 100).toBe(1);
    expect(lineAmounts(line('1', '1.005'), 'EUR').subtotal).toBe('1.01');
    expect(lineAmounts(line('0.5', '0.01'), 'EUR').subtotal).toBe('0.01'); // 0.005 → 0.01
    expect(lineAmounts(line('0.5', '0.01'), 'EUR').total).toBe('0.01');
    expect(lineAmounts(line('1', '0.004'), 'EUR').subtotal).toBe('0.00');
    // Discount and tax ties: 10.05 × 50 % = 5.025 → 5.03; net 5.02 × 12.5 % = 0.6275 → 0.63.
    expect(lineAmounts(line('1', '10.05', '50', '12.5'), 'EUR')).toEqual({
      subtotal: '10.05',
      discount: '5.03',
      tax: '0.63',
      total: '5.65',
    });
  });

  it('rounds IDR to whole rupiah and EUR to cents for the same line', () => {
    const l = line('3', '333.33', '10', '11');
    // 999.99 → IDR 1000; discount 100; tax 11 % of 900 = 99; total 999.
    expect(lineAmounts(l, 'IDR')).toEqual({
      subtotal: '1000.00',
      discount: '100.00',
      tax: '99.00',
      total: '999.00',
    });
    // EUR: 999.99; discount 99.999 → 100.00; net 899.99; tax 98.9989 → 99.00; total 998.99.
    expect(lineAmounts(l, 'EUR')).toEqual({ subtotal: '999.99', discount: '100.00', tax: '99.00', total: '998.99' });
    expect(lineAmounts(line('1', '0.5'), 'IDR').subtotal).toBe('1.00'); // half a rupiah rounds up
    expect(lineAmounts(line('1', '0.49'), 'IDR').subtotal).toBe('0.00');
  });

  it('sums the rounded lines: many lines of a third of a cent', () => {
    // Each line 1 × 0.333… is not expressible; use 1/3-cent-ish prices: 0.5 × 0.01 = 0.005 → 0.01 each.
    const lines = Array.from({ length: 1000 }, () => line('0.5', '0.01'));
    const { totals } = quoteAmounts(lines, 'EUR');
    // Rounded per line (0.01 each), not once on the sum (5.00): the rule is per line.
    expect(totals).toEqual({ subtotal: '10.00', discount: '0.00', tax: '0.00', total: '10.00' });
    const mixed = Array.from({ length: 200 }, (_, i) =>
      line(String((i % 7) + 1), `${i}.${String(i % 100).padStart(2, '0')}`, String(i % 15), '11'),
    );
    const q = quoteAmounts(mixed, 'EUR');
    const cents = (s: string) => BigInt(s.replace('.', ''));
    const sum = (k: 'subtotal' | 'discount' | 'tax' | 'total') => q.lines.reduce((a, l) => a + cents(l[k]), 0n);
    expect(cents(q.totals.subtotal)).toBe(sum('subtotal'));
    expect(cents(q.totals.total)).toBe(sum('total'));
    expect(cents(q.totals.total)).toBe(sum('subtotal') - sum('discount') + sum('tax'));
  });

  it('gives a zero net and zero tax for a 100 % discount', () => {
    expect(lineAmounts(line('2', '1500000', '100', '11'), 'IDR')).toEqual({
      subtotal: '3000000.00',
      discount: '3000000.00',
      tax: '0.00',
      total: '0.00',
    });
  });

  it('adds no tax at a zero tax rate', () => {
    expect(lineAmounts(line('4', '12.34', '0', '0'), 'EUR')).toEqual({
      subtotal: '49.36',
      discount: '0.00',
      tax: '0.00',
      total: '49.36',
    });
  });

  it('is exact on large amounts (beyond 2^53 in minor units)', () => {
    const { totals } = quoteAmounts([line('999999', '999999999999.99', '0', '11')], 'EUR');
    const cents = 99_999_999_999_999n * 999_999n; // in integer cents, exactly
    expect(totals.subtotal).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
    const taxCents = (cents * 11n + 50n) / 100n; // 11 %, half-up
    expect(totals.tax).toBe(`${taxCents / 100n}.${String(taxCents % 100n).padStart(2, '0')}`);
  });

  it('answers zero for a quote without lines', () => {
    expect(quoteAmounts([], 'IDR').totals).toEqual({ subtotal: '0.00', discount: '0.00', tax: '0.00', total: '0.00' });
    expect(quoteAmounts([], 'EUR').totals.total).toBe('0.00');
  });
});
