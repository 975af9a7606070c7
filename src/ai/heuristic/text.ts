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

/** Abbreviations after which a '.' does not end the sentence when a lower-case word follows (a whole word). */
const ABBREVIATION =
  /^(?:(?:\p{L}\.)+\p{L}?|mr|mrs|ms|dr|st|jl|no|tel|telp|ecc|etc|sig|dott|vs|ltd|inc|co|srl|spa|approx)$/iu;
/** A sentence end: a run of . ! ? … before a space or the end (matched from the run's start only), or a line break. */
const SENTENCE_END = /(?<![.!?…])[.!?…]+(?=\s|$)|\n/g;
/** Whitespace then a lower-case letter, exactly at `lastIndex`. */
const LOWER_NEXT = /\s+\p{Ll}/uy;
const WORD_BREAK = /[\s(]/;

/**
 * Splits a text into trimmed sentences (on . ! ? and line breaks), keeping their offsets. Linear in
 * the text: every test looks at the word before the stop or the text right after it, never at the
 * whole sentence.
 */
export function sentences(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (const m of text.matchAll(SENTENCE_END)) {
    const end = m.index + m[0].length;
    if (m[0] === '.' && abbreviationBefore(text, start, m.index)) {
      LOWER_NEXT.lastIndex = end;
      if (LOWER_NEXT.test(text)) continue;
    }
    pushTrimmed(out, text, start, end);
    start = end;
  }
  if (start < text.length) pushTrimmed(out, text, start, text.length);
  return out;
}

/** Whether the word of `text` that ends at `dot` (and starts at or after `start`) is an abbreviation. */
function abbreviationBefore(text: string, start: number, dot: number): boolean {
  let w = dot;
  while (w > start && !WORD_BREAK.test(text[w - 1])) w--;
  return ABBREVIATION.test(text.slice(w, dot));
}

function pushTrimmed(out: Span[], text: string, start: number, end: number) {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (end > start) out.push({ text: text.slice(start, end), start, end });
}

/** The sentences of each message, split once per extraction (every field looks them up). */
const sentenceCache = new WeakMap<UserText, Span[]>();

/** The sentences of a user message (see {@link sentences}), computed once per message. */
export function sentencesOf(u: UserText): Span[] {
  let spans = sentenceCache.get(u);
  if (!spans) sentenceCache.set(u, (spans = sentences(u.text)));
  return spans;
}

/** The sentence of a user message that contains `index` (the whole trimmed text when none does). */
export function sentenceAt(u: UserText, index: number): string {
  const spans = sentencesOf(u);
  // Binary search: the spans are sorted and disjoint (a linear scan per call is quadratic over a long text).
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (index < s.start) hi = mid - 1;
    else if (index >= s.end) lo = mid + 1;
    else return s.text;
  }
  return u.text.trim();
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
