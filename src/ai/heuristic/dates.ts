/** Explicit dates in a message ("15/03", "2025-03-15", "15 March", "March 15th"), in English, Italian and Indonesian. */

const MONTHS: Record<string, number> = {};
[
  ['january', 'jan', 'gennaio', 'gen', 'januari'],
  ['february', 'feb', 'febbraio', 'februari', 'pebruari'],
  ['march', 'mar', 'marzo', 'maret'],
  ['april', 'apr', 'aprile'],
  ['may', 'maggio', 'mei', 'mag'],
  ['june', 'jun', 'giugno', 'juni', 'giu'],
  ['july', 'jul', 'luglio', 'juli', 'lug'],
  ['august', 'aug', 'agosto', 'agustus', 'ago', 'agu'],
  ['september', 'sep', 'sept', 'settembre', 'set'],
  ['october', 'oct', 'ottobre', 'oktober', 'ott', 'okt'],
  ['november', 'nov', 'novembre', 'nopember'],
  ['december', 'dec', 'dicembre', 'desember', 'dic', 'des'],
].forEach((names, i) => names.forEach((n) => (MONTHS[n] = i)));
const DATE_NUMERIC = /\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b/g;
const DATE_ISO = /\b(\d{4})-(\d{2})-(\d{2})\b/g;
const DATE_WORDS = new RegExp(
  `\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${Object.keys(MONTHS).join('|')})\\.?(?:\\s+(\\d{4}))?\\b`,
  'gi',
);
const DATE_WORDS_US = new RegExp(
  `\\b(${Object.keys(MONTHS).join('|')})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`,
  'gi',
);

/** Explicit dates in a text (dd/mm[/yyyy], yyyy-mm-dd, "15 March", "March 15"), resolved near `now`. */
export function datesIn(text: string, now: Date): Date[] {
  const out: Date[] = [];
  const make = (y: number | undefined, month: number, day: number) => {
    if (month < 0 || month > 11 || day < 1 || day > 31) return;
    let year = y ?? now.getFullYear();
    if (year < 100) year += 2000;
    let d = new Date(year, month, day);
    if (y === undefined && d.getTime() < now.getTime() - 86_400_000 * 30) d = new Date(year + 1, month, day);
    out.push(d);
  };
  for (const m of text.matchAll(DATE_ISO)) make(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  for (const m of text.matchAll(DATE_NUMERIC)) {
    if (m[0].length > 10) continue;
    make(m[3] ? Number(m[3]) : undefined, Number(m[2]) - 1, Number(m[1]));
  }
  for (const m of text.matchAll(DATE_WORDS))
    make(m[3] ? Number(m[3]) : undefined, MONTHS[m[2].toLowerCase()], Number(m[1]));
  for (const m of text.matchAll(DATE_WORDS_US))
    make(m[3] ? Number(m[3]) : undefined, MONTHS[m[1].toLowerCase()], Number(m[2]));
  return out;
}
