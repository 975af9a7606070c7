/** The practice type the user asks about, from the tenant's practice types and their known aliases. */
import type { ExtractionInput, ExtractionResult } from '../extractor.js';
import { PRACTICE_ALIASES } from './lexicon/practices.js';
import { B, E, escapeRe, round2, sentenceAt, type UserText } from './text.js';

interface PracticePattern {
  re: RegExp;
  confidence: number;
}

/** "I have (had) a KITAS for 4 years": possession, not the service wanted. */
const POSSESSION_BEFORE =
  /(?:i (?:already )?(?:have|had|hold|held)(?: had| held)?|i['’]ve (?:had|held|got)|already have|ho (?:già )?(?:il|la|un|una)?|avevo (?:il|la)?|già (?:il|la)?|sudah (?:punya|ada|pegang)|punya)\s+(?:a\s+|an\s+|my\s+)?$/i;
const INTENT_WORDS =
  /\b(?:want|would like|need|needs|looking for|interested|apply|applying|get|obtain|help|how much|cost|price|requirements?|renew|extend|vorrei|voglio|mi serve|serve|ho bisogno|interessa|richiedere|ottenere|rinnovare|costo|quanto|mau|ingin|butuh|perlu|urus|bikin|buat|biaya|harga|syarat|persyaratan|perpanjang|daftar)\b/i;

/** Compiled patterns of the last few sets of practice types (a tenant's rarely change). */
const patternCache = new Map<string, Map<string, PracticePattern[]>>();

function practicePatterns(types: ExtractionInput['practiceTypes']): Map<string, PracticePattern[]> {
  const key = JSON.stringify(types);
  let cached = patternCache.get(key);
  if (!cached) {
    if (patternCache.size >= 32) patternCache.clear();
    patternCache.set(key, (cached = compilePatterns(types)));
  }
  return cached;
}

function compilePatterns(types: ExtractionInput['practiceTypes']): Map<string, PracticePattern[]> {
  const out = new Map<string, PracticePattern[]>();
  for (const { code, name } of types) {
    const list: PracticePattern[] = [];
    const add = (src: string, confidence: number) =>
      list.push({ re: new RegExp(`${B}(?:${src})${E}`, 'giu'), confidence });
    const phrase = (s: string) => escapeRe(s.trim()).replace(/[\s_-]+/g, '[\\s_-]*');
    add(phrase(code), 0.9);
    if (name.trim()) {
      const main = name.replace(/\([^)]*\)/g, '').trim();
      if (main) add(phrase(main), 0.85);
      for (const m of name.matchAll(/\(([^)]+)\)/g)) if (m[1].trim().length > 3) add(phrase(m[1]), 0.85);
    }
    for (const [src, confidence] of PRACTICE_ALIASES[code.toUpperCase()] ?? []) add(src, confidence);
    out.set(code, list);
  }
  return out;
}

/** A hit's place in its message, for {@link covered}. */
interface Located {
  start: number;
  end: number;
  confidence: number;
  u: UserText;
}

/**
 * For each hit, whether another hit of the same message covers it: a longer one around it, or one
 * on the same span with a higher confidence. Sorted once (start ascending, end descending), so
 * n log n rather than comparing every pair.
 */
function covered(hits: Located[]): boolean[] {
  const out = new Array<boolean>(hits.length).fill(false);
  const byMessage = new Map<UserText, number[]>();
  hits.forEach((h, i) => {
    const list = byMessage.get(h.u);
    if (list) list.push(i);
    else byMessage.set(h.u, [i]);
  });
  for (const list of byMessage.values()) {
    list.sort((a, b) => hits[a].start - hits[b].start || hits[b].end - hits[a].end);
    let maxEndBefore = -1; // the furthest end among hits starting before the current start
    for (let g = 0; g < list.length;) {
      const start = hits[list[g]].start;
      let next = g;
      while (next < list.length && hits[list[next]].start === start) next++;
      const groupEnd = hits[list[g]].end; // the longest hit starting here
      // The best confidence per end among the hits starting here.
      const bestAt = new Map<number, number>();
      for (let k = g; k < next; k++) {
        const h = hits[list[k]];
        bestAt.set(h.end, Math.max(bestAt.get(h.end) ?? -Infinity, h.confidence));
      }
      for (let k = g; k < next; k++) {
        const h = hits[list[k]];
        out[list[k]] = maxEndBefore >= h.end || groupEnd > h.end || bestAt.get(h.end)! > h.confidence;
      }
      maxEndBefore = Math.max(maxEndBefore, groupEnd);
      g = next;
    }
  }
  return out;
}

/** The main practice type asked about, with the sentence that asks as details. */
export function extractPractice(
  users: UserText[],
  types: ExtractionInput['practiceTypes'],
): ExtractionResult['practice'] {
  const patterns = practicePatterns(types);
  interface Hit {
    code: string;
    confidence: number;
    start: number;
    end: number;
    u: UserText;
  }
  const hits: Hit[] = [];
  for (const u of users) {
    for (const [code, list] of patterns) {
      for (const { re, confidence } of list) {
        for (const m of u.text.matchAll(re)) {
          if (!m[0]) continue;
          let c = confidence;
          const before = u.text.slice(Math.max(0, m.index - 30), m.index);
          if (POSSESSION_BEFORE.test(before)) c -= 0.2;
          hits.push({ code, confidence: c, start: m.index, end: m.index + m[0].length, u });
        }
      }
    }
  }
  // The most specific match wins: drop a hit inside a longer one ("KITAS" in "investor KITAS").
  const inner = covered(hits);
  const kept = hits.filter((_h, i) => !inner[i]);
  if (!kept.length) return null;
  // Per code: the best hit, a little surer when mentioned again.
  const byCode = new Map<string, { best: Hit; mentions: number; intent: boolean }>();
  const intentOf = new Map<UserText, Map<string, boolean>>();
  for (const h of kept) {
    const sentence = sentenceAt(h.u, h.start);
    // One test per distinct sentence: a long sentence mentioned by many hits is scanned once.
    let known = intentOf.get(h.u);
    if (!known) intentOf.set(h.u, (known = new Map<string, boolean>()));
    let intent = known.get(sentence);
    if (intent === undefined) known.set(sentence, (intent = INTENT_WORDS.test(sentence)));
    const cur = byCode.get(h.code);
    const better =
      !cur ||
      h.confidence > cur.best.confidence ||
      (h.confidence === cur.best.confidence && h.u.base + h.start < cur.best.u.base + cur.best.start);
    if (!cur) byCode.set(h.code, { best: h, mentions: 1, intent });
    else {
      cur.mentions++;
      cur.intent ||= intent;
      if (better) cur.best = h;
    }
  }
  const scored = [...byCode.entries()].map(([code, v]) => ({
    code,
    hit: v.best,
    confidence: Math.min(0.95, v.best.confidence + 0.03 * (v.mentions - 1) + (v.intent ? 0.02 : 0)),
  }));
  // The first-mentioned intent among the near-best ones is the main one.
  const top = Math.max(...scored.map((s) => s.confidence));
  const chosen = scored
    .filter((s) => s.confidence >= top - 0.1)
    .sort((a, b) => a.hit.u.base + a.hit.start - (b.hit.u.base + b.hit.start))[0];
  const h = chosen.hit;
  return {
    value: chosen.code,
    confidence: round2(chosen.confidence),
    evidence: h.u.text.slice(h.start, h.end),
    details: sentenceAt(h.u, h.start),
  };
}
