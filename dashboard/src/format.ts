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
