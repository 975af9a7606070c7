/** Time and text helpers of the seed generator. */

/**
 * Fixed "now" of generated timestamps (`createdAt`, `occurredAt`, `closedAt`, …): everything
 * happened in the two years before it, so the same seed gives the same data on any day. Business
 * dates that demos need to be current (practice expiry dates, expected close dates) are relative to
 * today instead.
 */
export const SEED_ANCHOR = new Date('2026-11-01T00:00:00.000Z');

/** Milliseconds in a day. */
export const DAY = 86_400_000;
/** Milliseconds in an hour. */
export const HOUR = 3_600_000;

/** Lowercase ASCII: accents stripped, anything but letters and digits replaced by `sep`. */
export function asciiSlug(value: string, sep: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, sep)
    .replace(/\.{2,}/g, '.');
}

/** Short readable name of a practice type code: RETIREMENT_KITAS → "Retirement KITAS". */
export function typeLabel(code: string): string {
  const acronyms = new Set(['KITAS', 'KITAP', 'PT', 'PMA', 'NPWP', 'BPJS']);
  return code
    .split('_')
    .map((w) => (acronyms.has(w) ? w : capitalize(w)))
    .join(' ');
}

/** `YYYY-MM-DD` of an instant (UTC). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The same instant `months` later (UTC calendar). */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

/** `value` rounded to a multiple of `step`, at least `step`. */
export function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

/** `text` cut to `max` characters, with an ellipsis when cut. */
export function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "WHATSAPP" → "Whatsapp". */
export function capitalize(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
