/** Company names: a legal-form suffix ("Rossi S.r.l.", "Acme Pty Ltd") or prefix ("PT Maju Jaya"). */
import type { Extracted } from '../extractor.js';
import { COMPANY_NOT_START, PT_GENERIC } from './lexicon/words.js';
import { type Candidate, pickBest, strip, type UserText } from './text.js';

const CO_TOKEN = "(?:\\p{Lu}[\\p{L}\\p{N}'’&-]*|&)";
const CO_SUFFIX =
  '(?:S\\.r\\.l\\.s\\.|S\\.r\\.l\\.s|Srls|S\\.r\\.l\\.|S\\.r\\.l|Srl|SRL|srl|s\\.r\\.l\\.|S\\.n\\.c\\.|S\\.a\\.s|S\\.p\\.A\\.|SpA|S\\.p\\.A|S\\.a\\.s\\.|Snc|Pte\\.?\\s+Ltd\\.?|Pty\\.?\\s+Ltd\\.?|Sdn\\.?\\s+Bhd\\.?|Co\\.,?\\s+Ltd\\.?|Ltd\\.|Ltd|Limited|LLC|L\\.L\\.C\\.|Inc\\.|Inc|Corp\\.|Corp|Corporation|GmbH|AG|B\\.V\\.|BV|N\\.V\\.|SARL|SAS|S\\.A\\.|SA|Tbk|LLP|PLC|plc)';
const COMPANY_SUFFIX_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])(${CO_TOKEN}(?:[ \\t]+(?:${CO_TOKEN}|and|e|di|de|of|van|und)){0,5})[ \\t]+(${CO_SUFFIX})(?![\\p{L}\\p{N}])`,
  'gu',
);
const COMPANY_PREFIX_RE = new RegExp(
  `(?<![\\p{L}\\p{N}])((?:PT|CV|UD|Firma|Yayasan)\\.?(?:[ \\t]+(?:\\p{Lu}[\\p{L}\\p{N}'’&-]*|&)){1,5})(?![\\p{L}\\p{N}])`,
  'gu',
);

/** The best company named by the user. */
export function extractCompany(users: UserText[]): Extracted | undefined {
  const cands: Candidate[] = [];
  for (const u of users) {
    for (const m of u.text.matchAll(COMPANY_SUFFIX_RE)) {
      const tokens = m[1].split(/[ \t]+/);
      let offset = 0;
      while (tokens.length && (COMPANY_NOT_START.has(tokens[0].toLowerCase()) || tokens[0] === '&')) {
        offset += tokens[0].length;
        tokens.shift();
        const ws = /^[ \t]+/.exec(m[0].slice(offset));
        offset += ws ? ws[0].length : 0;
      }
      if (!tokens.length) continue;
      const evidence = m[0].slice(offset);
      cands.push({ value: evidence, confidence: 0.8, evidence, order: u.base + m.index + offset });
    }
    for (const m of u.text.matchAll(COMPANY_PREFIX_RE)) {
      const tokens = m[1].split(/[ \t]+/);
      if (PT_GENERIC.has(tokens[1].toLowerCase())) continue;
      // Stop at words that start a new clause ("PT Maju Jaya Saya…" rarely happens; keep it simple).
      const value = m[1];
      cands.push({ value, confidence: tokens.length >= 3 ? 0.8 : 0.7, evidence: value, order: u.base + m.index });
    }
  }
  return strip(pickBest(cands));
}
