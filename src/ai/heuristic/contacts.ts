/** Contact data: email addresses and phone numbers (normalised to E.164 where the country is known). */
import type { Extracted } from '../extractor.js';
import { CALLING_CODES } from './lexicon/countries.js';
import { countryHint } from './nationality.js';
import { type Candidate, pickBest, strip, type UserText } from './text.js';

// The lookbehind starts a match only at the start of a run of address characters: without it a long
// run with no '@' ("aaaa…") is rescanned from every position (quadratic).
const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

// ---------------------------------------------------------------------------------------------
// Phones

const PHONE_RE = /(?<![\w+@.])(?:\+|00)?\s?\(?\d[\d ().-]{6,22}\d(?!\d)/g;
const PHONE_CONTEXT =
  /(?:phone|tel|telp|telefono|cell|cellulare|mobile|whats\s?app|wa|hp|handphone|nomor|nomer|no\.?|numero|number|call|chiama\w*|contatto|contact|reach)\W{0,6}(?:\w+\W{1,3}){0,3}$/i;
const PHONE_OTHER =
  /(?:husband|wife|partner|office|friend|boss|son|daughter|kantor|suami|istri|bos|teman|moglie|marito|ufficio|amico|figli\w*)\W{0,4}(?:\w+\W{1,3}){0,2}$/i;
const MONEY_BEFORE = /(?:rp\.?|idr|usd|eur|\$|€|£)\s*$/i;

/**
 * E.164 for an international number, or a local one given the country it belongs to: a hint next to
 * the number ("07700 900456 (UK mobile)"), else Indonesia (the business is there), except for
 * Italian mobile numbers in an Italian message. As written (low confidence) when unknown.
 */
export function normalisePhone(
  raw: string,
  hint: string | null = null,
  language: string | null = null,
): { value: string; e164: boolean; confidence: number } | null {
  const cleaned = raw.replace(/\(0\)/g, '');
  let digits = cleaned.replace(/\D/g, '');
  const plus = cleaned.trim().startsWith('+');
  if (digits.length < 8 || digits.length > 15) return null;
  const fixId = (d: string) => (d.startsWith('620') ? '62' + d.slice(3) : d);
  if (plus) {
    digits = fixId(digits);
    return digits.length >= 8 ? { value: '+' + digits, e164: true, confidence: 0.9 } : null;
  }
  if (digits.startsWith('00')) {
    digits = fixId(digits.slice(2));
    return digits.length >= 8 ? { value: '+' + digits, e164: true, confidence: 0.85 } : null;
  }
  const hinted = hint ? CALLING_CODES[hint] : undefined;
  if (hinted && hint !== 'Indonesian') {
    const [code, dropZero] = hinted;
    if (digits.startsWith(code) && digits.length >= 10) return { value: '+' + digits, e164: true, confidence: 0.7 };
    const national = dropZero ? digits.replace(/^0/, '') : digits;
    return { value: '+' + code + national, e164: true, confidence: 0.7 };
  }
  if (digits.startsWith('62') && digits.length >= 10 && digits.length <= 14) {
    return { value: '+' + fixId(digits), e164: true, confidence: 0.8 };
  }
  if (digits.startsWith('08') && digits.length >= 10 && digits.length <= 13) {
    return { value: '+62' + digits.slice(1), e164: true, confidence: 0.85 };
  }
  if (language === 'it' && /^(?:3\d{8,9}|0[1-79]\d{5,9})$/.test(digits)) {
    // An Italian mobile (3xx) or landline (0x, not an Indonesian 08… mobile) in an Italian message.
    return { value: '+39' + digits, e164: true, confidence: 0.6 };
  }
  if (digits.startsWith('0') && digits.length >= 9 && digits.length <= 12) {
    // An Indonesian landline (021…, 0361…) — most likely, but the number could be foreign.
    return { value: '+62' + digits.slice(1), e164: true, confidence: 0.6 };
  }
  return { value: raw.trim(), e164: false, confidence: 0.45 };
}

const LANGUAGE_WORDS: Record<string, RegExp> = {
  en: /\b(?:the|and|is|are|my|i|you|for|to|of|with|please|need|want|thanks|hello|hi)\b/gi,
  it: /\b(?:il|lo|la|gli|le|di|che|per|sono|mi|vorrei|grazie|buongiorno|salve|ciao|non|è|una|uno|con|del|della)\b/gi,
  id: /\b(?:saya|yang|dan|untuk|mau|ingin|di|ke|dari|tidak|bisa|terima|kasih|halo|apa|ini|itu|sy|aku|kak|ya)\b/gi,
};

/** The most likely language of a text ('en', 'it', 'id'), or null when unclear. */
export function languageOf(text: string): string | null {
  let best: string | null = null;
  let bestCount = 1;
  for (const [lang, re] of Object.entries(LANGUAGE_WORDS)) {
    const n = text.match(re)?.length ?? 0;
    if (n > bestCount) {
      best = lang;
      bestCount = n;
    }
  }
  return best;
}

/** The user's email: one written in the messages, or the one the conversation came from. */
export function extractEmail(users: UserText[], userEmail: string | null | undefined): Extracted | undefined {
  const cands: Candidate[] = [];
  for (const u of users) {
    for (const m of u.text.matchAll(EMAIL_RE)) {
      const value = m[0].replace(/\.+$/, '');
      cands.push({ value: value.toLowerCase(), confidence: 0.95, evidence: value, order: u.base + m.index });
    }
  }
  const given = userEmail?.trim();
  if (given && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(given)) {
    const inText = cands.find((c) => c.value === given.toLowerCase());
    if (inText) inText.confidence = 0.97;
    else cands.push({ value: given.toLowerCase(), confidence: 0.9, evidence: null, order: Number.MAX_SAFE_INTEGER });
  }
  return strip(pickBest(cands));
}

/** The user's phone number, not a price, a date or someone else's number. */
export function extractPhone(users: UserText[]): Extracted | undefined {
  const cands: Candidate[] = [];
  for (const u of users) {
    let language: string | null | undefined; // of the whole message: computed once, when a number is found
    for (const m of u.text.matchAll(PHONE_RE)) {
      const start = m.index;
      const raw = m[0].replace(/[\s.(-]+$/, '');
      const before = u.text.slice(Math.max(0, start - 40), start);
      if (MONEY_BEFORE.test(before)) continue;
      // Dates and times ("15/03/2025", "10.30") have at most 8 digits with separators; skip them.
      if (/^\d{1,4}[./-]\d{1,2}[./-]\d{2,4}$/.test(raw.trim())) continue;
      const n = normalisePhone(
        raw,
        countryHint(u.text, start, start + raw.length),
        language === undefined ? (language = languageOf(u.text)) : language,
      );
      if (!n) continue;
      let confidence = n.confidence;
      if (PHONE_CONTEXT.test(before)) confidence += 0.05;
      if (PHONE_OTHER.test(before)) confidence -= 0.3;
      cands.push({ value: n.value, confidence, evidence: raw.trim(), order: u.base + start });
    }
  }
  return strip(pickBest(cands));
}
