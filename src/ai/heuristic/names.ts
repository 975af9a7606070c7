/**
 * The client's full name: self-introductions, sign-offs, the answer to "may I have your name?", a
 * name next to contact data, a bare name at the end, and as a last resort the email address.
 */
import type { Extracted } from '../extractor.js';
import { NOT_NAMES, NOT_SURNAMES } from './lexicon/words.js';
import {
  ANSWER_LEAD,
  DASH_SIGN_OFF,
  LOWER_NAME_FROM,
  LOWER_NAME_STRONG,
  NAME_BEFORE_EMAIL,
  NAME_HERE,
  NAME_REQUEST,
  NAME_STICKY,
  NAME_TRIGGERS,
  SIGN_OFF_RE,
} from './name-patterns.js';
import { COUNTRY_WORDS, DEMONYM_WORDS } from './nationality.js';
import { type Candidate, lines, pickBest, sentences, strip, type UserText } from './text.js';

/** Records a name found in the current message; `text.slice(evStart, nameEnd)` is the evidence. */
type PushName = (name: string, evStart: number, nameEnd: number, confidence: number) => void;

/** A name found in a text, and where it is. */
interface Found {
  name: string;
  start: number;
  end: number;
}

/** Whether a capitalised phrase can be a person's name (not "Hello Team", not "Italian"). */
function isPlausibleName(name: string): boolean {
  const tokens = name.split(/\s+/);
  const first = tokens[0].toLowerCase();
  if (NOT_NAMES.has(first) || DEMONYM_WORDS.has(first) || COUNTRY_WORDS.has(first)) return false;
  // Surnames may be demonyms or places (Greco, Russo, French, England) or short words (Nguyen Van An).
  return !NOT_SURNAMES.has(tokens[tokens.length - 1].toLowerCase());
}

/** Drops trailing tokens that are not part of a name ("John Smith Director" → "John Smith"). */
function trimName(name: string): string {
  const tokens = name.split(/[ \t]+/);
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1].toLowerCase();
    if (NOT_SURNAMES.has(last)) tokens.pop();
    else break;
  }
  return tokens.join(' ');
}

/** The name (after an optional title) that starts exactly at `index`, if any. */
function nameAt(text: string, index: number): Found | null {
  NAME_STICKY.lastIndex = index;
  const m = NAME_STICKY.exec(text);
  return m ? { name: m[1], start: index + m[0].indexOf(m[1]), end: index + m[0].length } : null;
}

/** Adds a candidate: the name trimmed and capitalised, a lone first name a little less sure; implausible ones dropped. */
function pushName(
  cands: Candidate[],
  u: UserText,
  name: string,
  evStart: number,
  nameEnd: number,
  confidence: number,
): void {
  let value = trimName(name);
  if (value !== name) nameEnd -= name.length - value.length;
  value = value.replace(/(^|[\s-])(\p{Ll})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
  if (!isPlausibleName(value)) return;
  // A lone first name is a weaker fact than a full name.
  const single = !/\s/.test(value);
  cands.push({
    value,
    confidence: confidence - (single ? 0.05 : 0),
    evidence: u.text.slice(evStart, nameEnd),
    order: u.base + evStart,
  });
}

/** 1. Self-introductions ("my name is …", "sono …", "nama saya …"), also in lower case where unambiguous. */
function selfIntroductions(text: string, push: PushName): void {
  for (const { re, confidence } of NAME_TRIGGERS) {
    for (const m of text.matchAll(re)) {
      const n = nameAt(text, m.index + m[0].length);
      if (n) push(n.name, m.index, n.end, confidence);
    }
  }
  // The same in lower case, where the phrase leaves no doubt ("my name is john", "i am chris from …").
  for (const m of text.matchAll(LOWER_NAME_STRONG)) push(m[1], m.index, m.index + m[0].length, 0.6);
  for (const m of text.matchAll(LOWER_NAME_FROM)) push(m[1], m.index, m.index + m[0].length, 0.55);
}

/** 2. "Ahmed Khan here", "Tom Baker (tom@bakerdesign.co.uk)". */
function namesWithMarkers(text: string, push: PushName): void {
  for (const m of text.matchAll(NAME_HERE)) push(m[1], m.index, m.index + m[1].length, 0.7);
  for (const m of text.matchAll(NAME_BEFORE_EMAIL)) push(m[1], m.index, m.index + m[1].length, 0.65);
}

/** 3. Sign-offs at the end of a message ("Regards,\nJohn Smith", "grazie Roberto", "… thx - jess"). */
function signOffs(text: string, push: PushName): void {
  for (const m of text.matchAll(SIGN_OFF_RE)) {
    const n = nameAt(text, m.index + m[0].length);
    if (!n) continue;
    const rest = text.slice(n.end);
    if (
      rest.trim() === '' ||
      (/^\s*(?:[,\n(|]|[-–—]\s)/.test(rest) && rest.split('\n').filter((l) => l.trim()).length <= 2)
    ) {
      push(n.name, m.index, n.end, 0.6);
    }
  }
  // A dash sign-off at the very end ("… thx - jess", "Thx. - Hendra (0813-8888-1212)").
  const dash = DASH_SIGN_OFF.exec(text);
  if (dash) {
    const start = dash.index + dash[0].indexOf(dash[1]);
    push(dash[1], start, start + dash[1].length, /^\p{Lu}/u.test(dash[1]) ? 0.6 : 0.55);
  }
}

/** 4. The answer to an agent's "may I have your name?". */
function answerToNameRequest(u: UserText, push: PushName): void {
  const prev = u.previous;
  if (!prev || prev.role.toLowerCase() === 'user' || !NAME_REQUEST.test(prev.content)) return;
  const lead = ANSWER_LEAD.exec(u.text);
  const n = nameAt(u.text, lead ? lead[0].length : 0);
  if (n) push(n.name, n.start, n.end, 0.7);
}

/**
 * 5. A line or sentence that starts with a name followed by contact data ("- Mark Johnson, mark@x.com",
 * "Tom Baker (tom@x.co.uk) - designer").
 */
function namesBeforeContactData(text: string, push: PushName): void {
  for (const line of [...lines(text), ...sentences(text)]) {
    const lead = /^[-–—~*]?[ \t]*/.exec(line.text)!;
    const n = nameAt(text, line.start + lead[0].length);
    if (!n) continue;
    const rest = text.slice(n.end, line.end);
    if (/^[ \t]*[,|/]\s*\S*(?:@|\+?\d[\d\s().-]{6,})/.test(rest)) push(n.name, n.start, n.end, 0.6);
    else if (/^[ \t]*[(<][^()<>\s]+@/.test(rest)) push(n.name, n.start, n.end, 0.65);
  }
}

/** 6. A message that ends with a bare full name ("… call me? Luca Ferri"), or a first name on its own line. */
function trailingNames(text: string, push: PushName): void {
  const last = sentences(text).at(-1);
  if (last && last.start > 0) {
    const n = nameAt(text, last.start);
    if (n && n.end === last.end && /\s/.test(n.name)) push(n.name, n.start, n.end, 0.55);
  }
  const lastLine = lines(text)
    .filter((l) => l.text.trim())
    .at(-1);
  if (lastLine && lastLine.start > 0) {
    const lead = /^[ \t]*/.exec(lastLine.text)!;
    const n = nameAt(text, lastLine.start + lead[0].length);
    if (n && text.slice(n.end, lastLine.end).trim() === '' && !/\s/.test(n.name)) push(n.name, n.start, n.end, 0.55);
  }
}

/** The user's email confirms a found name, or gives a weak guess (john.smith@ → John Smith). */
function weighEmail(cands: Candidate[], email: string | null): void {
  const fromEmail = email ? nameFromEmail(email) : null;
  if (!fromEmail) return;
  for (const c of cands) if (c.value.toLowerCase() === fromEmail.toLowerCase()) c.confidence += 0.05;
  if (!cands.length) cands.push({ value: fromEmail, confidence: 0.35, evidence: null, order: Number.MAX_SAFE_INTEGER });
}

/** Prefers the longer form of the same person ("Lucas" and "Lucas Silva"). */
function preferLongerForms(cands: Candidate[]): void {
  for (const c of cands) {
    if (/\s/.test(c.value)) continue;
    const longer = cands.find((o) => o !== c && o.value.startsWith(c.value + ' '));
    if (longer) c.confidence = Math.min(c.confidence, longer.confidence - 0.01);
  }
}

/** The best full name of the user; `email` is the user's address, if known. */
export function extractFullName(users: UserText[], email: string | null): Extracted | undefined {
  const cands: Candidate[] = [];
  for (const u of users) {
    const push: PushName = (name, evStart, nameEnd, confidence) =>
      pushName(cands, u, name, evStart, nameEnd, confidence);
    selfIntroductions(u.text, push);
    namesWithMarkers(u.text, push);
    signOffs(u.text, push);
    answerToNameRequest(u, push);
    namesBeforeContactData(u.text, push);
    trailingNames(u.text, push);
  }
  weighEmail(cands, email);
  preferLongerForms(cands);
  return strip(pickBest(cands));
}

/** "john.smith@x" → "John Smith"; null when the local part does not look like a first.last name. */
export function nameFromEmail(email: string): string | null {
  const local = email.split('@')[0].replace(/\d+$/, '');
  const parts = local.split(/[._-]+/).filter(Boolean);
  if (parts.length < 2 || parts.length > 3) return null;
  if (!parts.every((p) => /^\p{L}{2,}$/u.test(p))) return null;
  if (
    parts.some(
      (p) =>
        NOT_NAMES.has(p.toLowerCase()) ||
        ['info', 'admin', 'sales', 'contact', 'office', 'hello', 'support', 'mail'].includes(p.toLowerCase()),
    )
  )
    return null;
  return parts.map((p) => p[0].toUpperCase() + p.slice(1).toLowerCase()).join(' ');
}
