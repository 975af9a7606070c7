/** Nationality: "I'm Italian", "sono tedesca", "saya orang Jerman", "Australian passport", and bare demonyms. */
import type { Extracted } from '../extractor.js';
import { COUNTRIES, type Country, NO_STANDALONE, UPPERCASE_ONLY } from './lexicon/countries.js';
import { alt, B, type Candidate, clauseBefore, E, pickBest, strip, type UserText } from './text.js';

/** Countries by their (lower-case) names and by their adjectives. */
const BY_NAME = new Map<string, Country>();
const BY_ADJECTIVE = new Map<string, Country>();
for (const c of COUNTRIES) {
  for (const n of c.names) BY_NAME.set(n, c);
  for (const a of c.adjectives) BY_ADJECTIVE.set(a, c);
}
/** Single-word demonyms: never a first name. */
export const DEMONYM_WORDS = new Set([...BY_ADJECTIVE.keys()].filter((w) => !w.includes(' ')));
/** Single-word country names (except the upper-case-only ones). */
export const COUNTRY_WORDS = new Set([...BY_NAME.keys()].filter((w) => !w.includes(' ') && !UPPERCASE_ONLY.has(w)));
const ADJ = `(${alt([...BY_ADJECTIVE.keys()])})${E}`;
const CTRY = `(${alt([...BY_NAME.keys()])})${E}`;

/** "married to an Indonesian", "sposata con un indonesiano", "dia orang korea": someone else's nationality. */
const OTHER_PERSON_BEFORE =
  /(?:married to|engaged to|to an?|with an?|my (?:wife|husband|partner|boss|friend|son|daughter)|(?:wife|husband|partner) is|con (?:un|una)|sposat[oa] con|moglie|marito|suami(?: saya)?|istri(?: saya)?|dia|bos(?: saya| sy)?|teman(?: saya)?|investor|untuk|for|per|dei|degli|delle)\s+(?:\S+\s+)?$/i;
/** The language, cuisine or products, not a person: "teach French", "Italian restaurant". */
const NOT_PERSON_AFTER =
  /^\s+(?:food|cuisine|wine|restaurant|company|companies|language|lessons?|class(?:es)?|version|market|products?|coffee|style|law|embassy|consulate|cucina|vino|ristorante|azienda|società|lingua|prodotti|ambasciata|consolato)\b/i;
const NOT_PERSON_BEFORE =
  /(?:speak|speaks|learn|learning|teach|teaching|in|into|parlo|parla|insegnare|insegno|imparare|in|an|the|la|il|una|un|lo)\s+$/i;

const NATIONALITY_PATTERNS: { re: RegExp; confidence: number; kind: 'adj' | 'name' }[] = [
  {
    re: new RegExp(
      `${B}(?:i['’]m|i am|im|we['’]re|we are|i['’]m also|both)\\s+(?:a\\s+|an\\s+|both\\s+|also\\s+|half\\s+)?${ADJ}`,
      'giu',
    ),
    confidence: 0.85,
    kind: 'adj',
  },
  {
    re: new RegExp(`${B}(?:sono|siamo)\\s+(?:anche\\s+)?(?:(?:un|una)\\s+)?(?:cittadin[oaie]\\s+)?${ADJ}`, 'giu'),
    confidence: 0.85,
    kind: 'adj',
  },
  {
    re: new RegExp(
      `${B}(?:cittadin[oaie]|di nazionalità|nazionalità|passaporto|nationality|citizenship)\\s*:?\\s+${ADJ}`,
      'giu',
    ),
    confidence: 0.8,
    kind: 'adj',
  },
  {
    re: new RegExp(
      `${B}${ADJ}\\s+(?:citizen|citizens|national|nationals|passport|passport holder|citizenship)${E}`,
      'giu',
    ),
    confidence: 0.8,
    kind: 'adj',
  },
  {
    re: new RegExp(`${B}${CTRY}\\s+(?:citizen|citizens|national|nationals|passport|passport holder)${E}`, 'giu'),
    confidence: 0.75,
    kind: 'name',
  },
  {
    re: new RegExp(
      `${B}(?:warga negara|warganegara|wn|kewarganegaraan|berkewarganegaraan|paspor|nationality|nazionalità)\\s*:?\\s+${CTRY}`,
      'giu',
    ),
    confidence: 0.85,
    kind: 'name',
  },
  {
    re: new RegExp(`${B}(?:saya|aku|sy|kami|gue|gw)\\s+(?:adalah\\s+)?(?:orang|warga)\\s+${CTRY}`, 'giu'),
    confidence: 0.8,
    kind: 'name',
  },
  {
    re: new RegExp(
      `${B}(?:i['’]m|i am|im|we['’]re|we are|i come|we come|originally)(?:\\s+[^\\s.!?]+){0,3}?\\s+from\\s+${CTRY}`,
      'giu',
    ),
    confidence: 0.7,
    kind: 'name',
  },
  {
    re: new RegExp(
      `${B}(?:vengo|veniamo|sono|siamo|arrivo)\\s+(?:da|dalla|dal|dall['’]|dagli|dalle|dagli)\\s*${CTRY}`,
      'giu',
    ),
    confidence: 0.7,
    kind: 'name',
  },
  {
    re: new RegExp(
      `${B}(?:saya|aku|sy|kami|gue|gw)(?:\\s+[^\\s.!?]+){0,3}?\\s+(?:dari|dr\\.?|asal|asli)\\s+${CTRY}`,
      'giu',
    ),
    confidence: 0.7,
    kind: 'name',
  },
  { re: new RegExp(`${B}(?:orang|bule)\\s+${CTRY}`, 'giu'), confidence: 0.55, kind: 'name' },
];
const STANDALONE_ADJ = new RegExp(`${B}${ADJ}`, 'giu');
const COUNTRY_OR_ADJ = new RegExp(`${B}(${alt([...BY_NAME.keys(), ...BY_ADJECTIVE.keys()])})${E}`, 'giu');

/** The best nationality of the user stated in the messages. */
export function extractNationality(users: UserText[]): Extracted | undefined {
  const cands: Candidate[] = [];
  for (const u of users) {
    const text = u.text;
    for (const { re, confidence, kind } of NATIONALITY_PATTERNS) {
      for (const m of text.matchAll(re)) {
        const word = m[1];
        const key = word.toLowerCase().replace(/\s+/g, ' ');
        if (kind === 'name' && UPPERCASE_ONLY.has(key)) {
          const bare = word.replace(/^the\s+/i, '');
          if (bare !== bare.toUpperCase()) continue;
        }
        const country = kind === 'adj' ? BY_ADJECTIVE.get(key) : BY_NAME.get(key);
        if (!country) continue;
        if (OTHER_PERSON_BEFORE.test(clauseBefore(text, m.index))) continue;
        cands.push({ value: country.demonym, confidence, evidence: m[0], order: u.base + m.index });
      }
    }
    for (const m of text.matchAll(STANDALONE_ADJ)) {
      const key = m[1].toLowerCase().replace(/\s+/g, ' ');
      if (NO_STANDALONE.has(key)) continue;
      const before = clauseBefore(text, m.index);
      if (OTHER_PERSON_BEFORE.test(before) || NOT_PERSON_BEFORE.test(before)) continue;
      // Only as an apposition ("im 62, american, living"), not as an adjective ("un tecnico italiano").
      if (before.trim() && !/[,;:(\-–]\s*$/.test(before)) continue;
      // "Fabio Greco", "Marco Russo": a capitalised demonym right after a capitalised word is a surname.
      if (/^\p{Lu}/u.test(m[1]) && /\p{Lu}\p{Ll}+[ \t]+$/u.test(before)) continue;
      if (NOT_PERSON_AFTER.test(text.slice(m.index + m[0].length))) continue;
      const country = BY_ADJECTIVE.get(key);
      if (country) cands.push({ value: country.demonym, confidence: 0.5, evidence: m[0], order: u.base + m.index });
    }
  }
  return strip(pickBest(cands));
}

/** A country named next to a phone number, on the same line ("07700 900456 (UK mobile)"), as a demonym. */
export function countryHint(text: string, start: number, end: number): string | null {
  // 20 characters either side, within the line (looked for inside those 20 only: a whole-line search
  // per number is quadratic on a long line of numbers).
  let before = text.slice(Math.max(0, start - 20), start);
  before = before.slice(before.lastIndexOf('\n') + 1);
  let after = text.slice(end, end + 20);
  const nl = after.indexOf('\n');
  if (nl >= 0) after = after.slice(0, nl);
  // Stay within the sentence: "dia orang korea. no hp 0878…" is an Indonesian number.
  before = before.slice(Math.max(...['. ', '! ', '? '].map((p) => before.lastIndexOf(p) + 1)));
  const stop = after.search(/[.!?](?:\s|$)/);
  if (stop >= 0) after = after.slice(0, stop);
  const window = before + ' ' + after;
  for (const m of window.matchAll(COUNTRY_OR_ADJ)) {
    const key = m[1].toLowerCase().replace(/\s+/g, ' ');
    if (UPPERCASE_ONLY.has(key) && m[1] !== m[1].toUpperCase()) continue;
    const country = BY_NAME.get(key) ?? BY_ADJECTIVE.get(key);
    if (country) return country.demonym;
  }
  return null;
}
