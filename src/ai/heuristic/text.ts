/** Text helpers shared by the heuristic extractor's parts: spans, sentences, candidates and their ranking. */
import type { ConversationMessage, Extracted } from '../extractor.js';

/** A candidate value found in the text, before the best one is picked. */
export interface Candidate extends Extracted {
  /** Position in the concatenated user text, to break ties (earlier wins). */
  order: number;
}

/** A piece of a text and its offsets. */
export interface Span {
  text: string;
  start: number;
  end: number;
}

/** One user message and its offset in a virtual concatenation, for ordering candidates. */
export interface UserText {
  text: string;
  base: number;
  /** The message before this one (any role), to see whether an agent asked for the name. */
  previous: ConversationMessage | undefined;
}

/** A confidence clamped to [0, 0.99] and rounded to two decimals. */
export const round2 = (n: number) => Math.round(Math.min(0.99, Math.max(0, n)) * 100) / 100;
/** `s` with the regular-expression metacharacters escaped. */
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Unicode-aware word boundaries (JS `\b` only knows ASCII). */
export const B = '(?<![\\p{L}\\p{N}_])';
/** See {@link B}: the end of a word. */
export const E = '(?![\\p{L}\\p{N}_])';
/** An alternation of `words`, longest first, any whitespace between their words. */
export const alt = (words: readonly string[]) =>
  [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => escapeRe(w).replace(/ /g, '\\s+'))
    .join('|');

/** The most confident candidate; the earliest among equally confident ones. */
export function pickBest(cands: Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of cands) {
    if (
      !best ||
      c.confidence > best.confidence + 1e-9 ||
      (Math.abs(c.confidence - best.confidence) < 1e-9 && c.order < best.order)
    ) {
      best = c;
    }
  }
  return best;
}

/** A candidate as the extraction result: rounded confidence, no order. */
export const strip = (c: Candidate | undefined): Extracted | undefined =>
  c ? { value: c.value, confidence: round2(c.confidence), evidence: c.evidence } : undefined;

/** Abbreviations after which a '.' does not end the sentence when a lower-case word follows. */
const ABBREVIATION =
  /(?:^|[\s(])(?:(?:\p{L}\.)+\p{L}?|mr|mrs|ms|dr|st|jl|no|tel|telp|ecc|etc|sig|dott|vs|ltd|inc|co|srl|spa|approx)$/iu;

/** Splits a text into trimmed sentences (on . ! ? and line breaks), keeping their offsets. */
export function sentences(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (const m of text.matchAll(/[.!?…]+(?=\s|$)|\n/g)) {
    const end = m.index + m[0].length;
    if (m[0] === '.' && ABBREVIATION.test(text.slice(start, m.index)) && /^\s+\p{Ll}/u.test(text.slice(end))) continue;
    pushTrimmed(out, text, start, end);
    start = end;
  }
  if (start < text.length) pushTrimmed(out, text, start, text.length);
  return out;
}

function pushTrimmed(out: Span[], text: string, start: number, end: number) {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (end > start) out.push({ text: text.slice(start, end), start, end });
}

/** The sentences of the last few texts asked about (one extraction looks up the same message many times). */
const sentenceCache = new Map<string, Span[]>();

/** The sentence of `text` that contains `index` (the whole trimmed text when none does). */
export function sentenceAt(text: string, index: number): string {
  let spans = sentenceCache.get(text);
  if (!spans) {
    if (sentenceCache.size >= 16) sentenceCache.clear();
    spans = sentences(text);
    sentenceCache.set(text, spans);
  }
  for (const s of spans) if (index >= s.start && index < s.end) return s.text;
  return text.trim();
}

/** The lines of a text, with offsets. */
export function lines(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (const part of text.split('\n')) {
    out.push({ text: part, start, end: start + part.length });
    start += part.length + 1;
  }
  return out;
}

/** Up to 30 characters before `index`, within the same sentence. */
export function clauseBefore(text: string, index: number): string {
  const before = text.slice(Math.max(0, index - 30), index);
  const cut = Math.max(before.lastIndexOf('\n'), ...['. ', '! ', '? '].map((p) => before.lastIndexOf(p) + 1));
  return cut > 0 ? before.slice(cut) : before;
}
