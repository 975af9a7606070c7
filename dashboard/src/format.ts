/** Formatting for the panels (the browser's locale; money in its currency). */
export const fmt = {
  int: (n: number) => new Intl.NumberFormat().format(n),
  pct: (rate: number | null | undefined) =>
    rate === null || rate === undefined
      ? '—'
      : new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(rate),
  money: (m: { amount: string; currency: string } | null | undefined) =>
    m
      ? new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency, maximumFractionDigits: 0 }).format(
          Number(m.amount),
        )
      : '—',
  date: (d: string) =>
    new Date(`${d}T00:00:00`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' }),
  time: (t: string) =>
    new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
};

/** Money per currency, as the analytics answer it: "Rp 12,000,000 + $300", or "—" when empty. */
export function moneyList(list: { amount: string; currency: string }[], compact = false): string {
  if (!list.length) return '—';
  return list
    .map((m) =>
      compact
        ? new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency, notation: 'compact' }).format(
            Number(m.amount),
          )
        : fmt.money(m),
    )
    .join(' + ');
}

/** The raw value of a money list, for `data-value` (tests compare it with the API's answer). */
export function moneyValue(list: { amount: string; currency: string }[]): string {
  return list.map((m) => `${m.amount} ${m.currency}`).join(', ');
}

/** The amount in `currency` of a money list (0 when absent), for charts. */
export function amountIn(list: { amount: string; currency: string }[], currency: string): number {
  return Number(list.find((m) => m.currency === currency)?.amount ?? 0);
}
