/**
 * Quote arithmetic, in exact decimals (decimal.js; never binary floats).
 *
 * The rounding rule: every amount of a line is rounded **half-up** (ties away from zero) to the
 * currency's minor unit ({@link minorDigits}: 0 decimals for IDR, JPY, KRW…, 2 for the others),
 * then the quote's amounts are the sums of its lines' rounded amounts:
 *
 * - line subtotal = round(quantity × unit price)
 * - line discount = round(line subtotal × discount % / 100)
 * - line tax      = round((line subtotal − line discount) × tax rate % / 100)
 * - line total    = line subtotal − line discount + line tax
 * - quote subtotal, discount, tax, total = the sums of the lines' (so total = subtotal − discount + tax)
 */
import { Decimal } from 'decimal.js';

/** A private Decimal constructor: 40 significant digits, half-up; the global one stays untouched. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

/**
 * Currencies without a minor unit in practice (ISO 4217 lists IDR with 2, but rupiah amounts are
 * never written with cents). Three-decimal currencies (BHD, KWD…) use 2: amounts are stored as
 * numeric(…, 2).
 */
const ZERO_DECIMAL = new Set([
  'IDR',
  'JPY',
  'KRW',
  'VND',
  'CLP',
  'ISK',
  'PYG',
  'UGX',
  'XAF',
  'XOF',
  'XPF',
  'KMF',
  'GNF',
  'RWF',
  'VUV',
  'BIF',
  'DJF',
]);

/** Decimal places of a currency's minor unit (0 or 2). */
export function minorDigits(currency: string): number {
  return ZERO_DECIMAL.has(currency.toUpperCase()) ? 0 : 2;
}

/** One line as given: decimal strings. Percentages are 0–100. */
export interface LineInput {
  quantity: string;
  unitPrice: string;
  discountPercent: string;
  taxRate: string;
}

/**
 * The rounded amounts of a line or a quote, written with two decimals like every `Money` amount
 * (an IDR amount, rounded to whole rupiah, reads "1000.00").
 */
export interface Amounts {
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
}

/** A line's rounded amounts (see the module comment for the rule). */
export function lineAmounts(line: LineInput, currency: string): Amounts {
  const dp = minorDigits(currency);
  const round = (d: Decimal) => d.toDecimalPlaces(dp, Decimal.ROUND_HALF_UP);
  const subtotal = round(new D(line.quantity).times(line.unitPrice));
  const discount = round(subtotal.times(line.discountPercent).dividedBy(100));
  const net = subtotal.minus(discount);
  const tax = round(net.times(line.taxRate).dividedBy(100));
  const total = net.plus(tax);
  return {
    subtotal: subtotal.toFixed(2),
    discount: discount.toFixed(2),
    tax: tax.toFixed(2),
    total: total.toFixed(2),
  };
}

/** A quote's amounts: its lines' rounded amounts summed (all zero without lines). */
export function quoteAmounts(lines: readonly LineInput[], currency: string): { lines: Amounts[]; totals: Amounts } {
  const each = lines.map((l) => lineAmounts(l, currency));
  const sum = (k: keyof Amounts) => each.reduce((acc, a) => acc.plus(a[k]), new D(0)).toFixed(2);
  return {
    lines: each,
    totals: { subtotal: sum('subtotal'), discount: sum('discount'), tax: sum('tax'), total: sum('total') },
  };
}

/** Whether `value` is a decimal with at most `dp` decimals. */
export function hasAtMostDecimals(value: string, dp: number): boolean {
  return new D(value).decimalPlaces() <= dp;
}

/** `a` compared with `b` (-1, 0, 1), exactly. */
export function compareDecimal(a: string, b: string): number {
  return new D(a).comparedTo(b);
}
