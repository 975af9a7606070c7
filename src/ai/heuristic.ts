/**
 * The heuristic extractor: regular expressions and word lists in English, Italian and Indonesian.
 * No network, no cost, deterministic — the fallback when no LLM is configured. Confidences are meant
 * to be honest (an explicit "my name is" beats a sign-off, which beats a guess from an email address)
 * and every piece of evidence is a verbatim substring of one of the messages.
 */
import type {
  ConversationMessage,
  Extracted,
  ExtractedSentiment,
  ExtractedUrgency,
  ExtractionInput,
  ExtractionMeta,
  ExtractionResult,
  Extractor,
} from './extractor.js';

export interface HeuristicExtractorOptions {
  /** The clock used to judge whether a date mentioned in the conversation is soon (tests). */
  now?: () => Date;
}

/** A candidate value found in the text, before the best one is picked. */
interface Candidate extends Extracted {
  /** Position in the concatenated user text, to break ties (earlier wins). */
  order: number;
}

interface Span {
  text: string;
  start: number;
  end: number;
}

const round2 = (n: number) => Math.round(Math.min(0.99, Math.max(0, n)) * 100) / 100;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Unicode-aware word boundaries (JS `\b` only knows ASCII). */
const B = '(?<![\\p{L}\\p{N}_])';
const E = '(?![\\p{L}\\p{N}_])';
const alt = (words: readonly string[]) =>
  [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => escapeRe(w).replace(/ /g, '\\s+'))
    .join('|');

function pickBest(cands: Candidate[]): Candidate | undefined {
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

const strip = (c: Candidate | undefined): Extracted | undefined =>
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
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start) out.push({ text: text.slice(start, end), start, end });
}

/** The sentences of the last few texts asked about (one extraction looks up the same message many times). */
const sentenceCache = new Map<string, Span[]>();

function sentenceAt(text: string, index: number): string {
  let spans = sentenceCache.get(text);
  if (!spans) {
    if (sentenceCache.size >= 16) sentenceCache.clear();
    spans = sentences(text);
    sentenceCache.set(text, spans);
  }
  for (const s of spans) if (index >= s.start && index < s.end) return s.text;
  return text.trim();
}

// ---------------------------------------------------------------------------------------------
// Emails

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

// ---------------------------------------------------------------------------------------------
// Phones

const PHONE_RE = /(?<![\w+@.])(?:\+|00)?\s?\(?\d[\d ().-]{6,22}\d(?!\d)/g;
const PHONE_CONTEXT =
  /(?:phone|tel|telp|telefono|cell|cellulare|mobile|whats\s?app|wa|hp|handphone|nomor|nomer|no\.?|numero|number|call|chiama\w*|contatto|contact|reach)\W{0,6}(?:\w+\W{1,3}){0,3}$/i;
const PHONE_OTHER =
  /(?:husband|wife|partner|office|friend|boss|son|daughter|kantor|suami|istri|bos|teman|moglie|marito|ufficio|amico|figli\w*)\W{0,4}(?:\w+\W{1,3}){0,2}$/i;
const MONEY_BEFORE = /(?:rp\.?|idr|usd|eur|\$|€|£)\s*$/i;

/** Country calling codes, and whether the national trunk prefix 0 is dropped after them. */
const CALLING_CODES: Record<string, [code: string, dropZero: boolean]> = {
  Indonesian: ['62', true],
  British: ['44', true],
  Irish: ['353', true],
  Italian: ['39', false],
  German: ['49', true],
  French: ['33', true],
  Spanish: ['34', false],
  Dutch: ['31', true],
  Belgian: ['32', true],
  Swiss: ['41', true],
  Austrian: ['43', true],
  Portuguese: ['351', false],
  Polish: ['48', false],
  Swedish: ['46', true],
  Australian: ['61', true],
  'New Zealander': ['64', true],
  American: ['1', false],
  Canadian: ['1', false],
  Singaporean: ['65', false],
  Malaysian: ['60', true],
  Japanese: ['81', true],
  'South Korean': ['82', true],
  Chinese: ['86', true],
  Indian: ['91', true],
  Thai: ['66', true],
  Filipino: ['63', true],
  Brazilian: ['55', true],
};

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

// ---------------------------------------------------------------------------------------------
// Names

const NAME_TOKEN = "\\p{Lu}(?:\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)?|['’]\\p{Lu}\\p{Ll}+)(?:-\\p{L}\\p{Ll}+)?";
const NAME_PARTICLE = "(?:de|da|di|del|della|van|von|der|den|le|la|bin|binti|al|el|dos|du|d['’])";
const NAME = `${NAME_TOKEN}(?:[ \\t]+(?:${NAME_PARTICLE}[ \\t]+)?${NAME_TOKEN}){0,3}`;
const NAME_STICKY = new RegExp(
  `(?:(?:(?:la |il )?(?:signora|signor|signore)|Mr|Mrs|Ms|Miss|Dr|Prof|Ing|Avv|Arch|Dott|Dott\\.ssa|Sig|Sig\\.ra|Pak|Bu|Bapak|Ibu|Kak|Mas|Mbak|Drs|Ir)\\.?[ \\t]+)?(${NAME})${E}`,
  'uy',
);

/** Words that look like a name when capitalised but are not (after "I'm", "sono", "saya", …). */
const NOT_NAMES = new Set(
  `a an the i im not here there from in on at of for to and or but so just also still now currently really very
  interested looking planning writing calling trying sure glad happy sorry fine good ok okay ready new back based living
  working moving married retired single travelling traveling staying going coming hoping thinking wondering
  hello hi hey dear thanks thank thx cheers regards best kind sincerely good morning afternoon evening team sir madam
  please yes no what how when where why who which can could would will shall may might
  ciao salve buongiorno buonasera gentili grazie saluti cordiali distinti cari caro cara egregi sì si certo ok
  io il lo la le gli un una uno in di da per con su tra fra non anche ancora già molto proprio qui
  interessato interessata italiano pensionato pensionata sposato sposata residente titolare
  halo hai selamat pagi siang sore malam permisi terima kasih makasih salam hormat pak bu bapak ibu kak mas mbak min admin
  mau ingin akan sedang sudah belum tidak bukan juga masih baru sangat ada yang dan atau dari di ke untuk
  warga orang tinggal kerja bekerja pindah datang berasal asli lulusan pensiunan
  away far originally arrived arrivato arrivata tornato tornata partito partita rientrato lontano via
  director manager owner ceo founder hr
  kitas kitap npwp bpjs pt pma cv visa bali jakarta indonesia lombok ubud canggu sanur
  monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
  september october november december meridian whatsapp email`
    .split(/\s+/)
    .filter(Boolean),
);

/** Capitalised words that may follow a name but are not part of it ("John Smith Director"). */
const NOT_SURNAMES = new Set(
  `here there director manager owner ceo founder hr team thanks regards cheers grazie saluti salam terima kasih
  kitas kitap npwp bpjs pt pma cv visa bali jakarta lombok ubud canggu sanur whatsapp email
  monday tuesday wednesday thursday friday saturday sunday january february march april june july august
  september october november december`.split(/\s+/),
);

function isPlausibleName(name: string): boolean {
  const tokens = name.split(/\s+/);
  const first = tokens[0]!.toLowerCase();
  if (NOT_NAMES.has(first) || DEMONYM_WORDS.has(first) || COUNTRY_WORDS.has(first)) return false;
  // Surnames may be demonyms or places (Greco, Russo, French, England) or short words (Nguyen Van An).
  return !NOT_SURNAMES.has(tokens[tokens.length - 1]!.toLowerCase());
}

/** Drops trailing tokens that are not part of a name ("John Smith Director" → "John Smith"). */
function trimName(name: string): string {
  const tokens = name.split(/[ \t]+/);
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1]!.toLowerCase();
    if (NOT_SURNAMES.has(last)) tokens.pop();
    else break;
  }
  return tokens.join(' ');
}

/** Self-introductions: trigger (case-insensitive) followed by a capitalised name. */
const NAME_TRIGGERS: { re: RegExp; confidence: number }[] = [
  { re: /(?<![\p{L}])(?:my name is|my name's|my full name is)\s+/giu, confidence: 0.85 },
  { re: /(?<![\p{L}])(?:mi chiamo|il mio nome è|il mio nome e'|mi chiamano)\s+/giu, confidence: 0.85 },
  {
    re: /(?<![\p{L}])(?:nama saya|nama sy|nama aku|namaku|nama ku|perkenalkan,? nama saya|perkenalkan,? saya)\s+/giu,
    confidence: 0.85,
  },
  { re: /(?<![\p{L}])(?:name|full name|nome|nome e cognome|nama|nama lengkap)\s*:\s*/giu, confidence: 0.8 },
  {
    re: /(?<![\p{L}])(?:contact person|contact|kontak|contatto|referente|cp|pic)\s*:\s*/giu,
    confidence: 0.7,
  },
  { re: /(?<![\p{L}])(?:i['’]m|i am|im)\s+/giu, confidence: 0.8 },
  { re: /(?<![\p{L}])(?:this is|it['’]s|here is)\s+/giu, confidence: 0.7 },
  { re: /(?<![\p{L}])(?:ini dengan|dengan saya sendiri,?)\s+/giu, confidence: 0.75 },
  {
    re: /(?<![\p{L}])(?:my details|here are my details|i miei dati|data saya|my contact details)\s*:\s*/giu,
    confidence: 0.7,
  },
  { re: /(?<![\p{L}]|(?:ci|non|che|quali|dove|come|chi|ne)\s)(?:sono|qui è|qui e')\s+/giu, confidence: 0.7 },
  { re: /(?<![\p{L}])(?:saya|sy)\s+/giu, confidence: 0.65 },
  { re: /(?<![\p{L}])(?:aku|gue|gw)\s+/giu, confidence: 0.6 },
];

const SIGN_OFF_RE =
  /(?<![\p{L}])(?:best regards|kind regards|warm regards|regards|best wishes|best|cheers|thanks again|thank you|thanks|thx|sincerely|yours sincerely|cordiali saluti|distinti saluti|un saluto|saluti|grazie mille|grazie|a presto|salam hangat|salam|hormat saya|hormat kami|terima kasih|terimakasih|makasih|wassalam)[ \t]*[,.!]?\s+(?:[-–—][ \t]*)?/giu;

const NAME_REQUEST =
  /your name|who am i speaking|who is this|whom am i|may i have your|il suo nome|il tuo nome|come si chiama|come ti chiami|nome e (?:un )?(?:recapito|contatto|cognome)|lasciarci (?:il )?nome|chi parla|con chi parlo|chi sei|chi scrive|who are you|who['’]s this|siapa ini|boleh tahu nama|dengan siapa|nama (?:bapak|ibu|anda|kakak|kak|lengkap)|dengan (?:bapak|ibu|bapak\/ibu|kak|kakak|siapa)|siapa nama/i;

/** "my name is john", "nama saya budi santoso,": lower-case names after an unambiguous phrase. */
const LOWER_NAME_STRONG =
  /(?<![\p{L}])(?:my name is|my name's|mi chiamo|nama saya|nama sy|nama aku|namaku)\s+(\p{Ll}{2,}(?:[ \t]+\p{Ll}{2,})?)(?=\s*(?:[,.!?\n]|$)|\s+(?:and|e|dan|from|da|dari|dr|here)\s)/gu;
/** "i am chris from new zealand", "saya budi dari surabaya". */
const LOWER_NAME_FROM = /(?<![\p{L}])(?:i am|i['’]m|im|sono|saya|sy|aku)\s+(\p{Ll}{2,})(?=\s+(?:from|dari|dr|da)\s)/gu;
/** A name after a dash at the very end of a message, optionally with contact data. */
const DASH_SIGN_OFF = new RegExp(
  `(?:^|[\\s.!?])[-–—~][ \\t]*(${NAME}|\\p{Ll}{2,})[ \\t]*(?:\\([^)\\n]*\\)|,[^\\n]*|[ \\t]+\\+?\\d[\\d ().-]{6,})?[ \\t]*$`,
  'u',
);

// ---------------------------------------------------------------------------------------------
// Nationalities

interface Country {
  demonym: string;
  /** Country names (English, Italian, Indonesian), lower case. */
  names: string[];
  /** Adjectives/demonyms (English, Italian), lower case. */
  adjectives: string[];
}

const COUNTRIES: Country[] = [
  {
    demonym: 'Italian',
    names: ['italy', 'italia'],
    adjectives: ['italian', 'italians', 'italiano', 'italiana', 'italiani', 'italiane'],
  },
  {
    demonym: 'German',
    names: ['germany', 'germania', 'jerman', 'deutschland'],
    adjectives: ['german', 'germans', 'tedesco', 'tedesca', 'tedeschi', 'tedesche'],
  },
  {
    demonym: 'French',
    names: ['france', 'francia', 'prancis', 'perancis'],
    adjectives: ['french', 'francese', 'francesi'],
  },
  {
    demonym: 'Spanish',
    names: ['spain', 'spagna', 'spanyol'],
    adjectives: ['spanish', 'spaniard', 'spagnolo', 'spagnola', 'spagnoli'],
  },
  {
    demonym: 'Dutch',
    names: ['the netherlands', 'netherlands', 'holland', 'olanda', 'paesi bassi', 'belanda'],
    adjectives: ['dutch', 'olandese', 'olandesi'],
  },
  { demonym: 'Belgian', names: ['belgium', 'belgio', 'belgia'], adjectives: ['belgian', 'belga', 'belgi'] },
  {
    demonym: 'Swiss',
    names: ['switzerland', 'svizzera', 'swiss'],
    adjectives: ['swiss', 'svizzero', 'svizzera', 'svizzeri'],
  },
  { demonym: 'Austrian', names: ['austria'], adjectives: ['austrian', 'austriaco', 'austriaca', 'austriaci'] },
  {
    demonym: 'British',
    names: [
      'the uk',
      'uk',
      'united kingdom',
      'england',
      'great britain',
      'britain',
      'scotland',
      'wales',
      'regno unito',
      'inghilterra',
      'scozia',
      'inggris',
      'britania raya',
      'skotlandia',
    ],
    adjectives: [
      'british',
      'english',
      'scottish',
      'welsh',
      'brit',
      'britannico',
      'britannica',
      'inglese',
      'inglesi',
      'scozzese',
    ],
  },
  { demonym: 'Irish', names: ['ireland', 'irlanda', 'irlandia'], adjectives: ['irish', 'irlandese', 'irlandesi'] },
  { demonym: 'Portuguese', names: ['portugal', 'portogallo'], adjectives: ['portuguese', 'portoghese', 'portoghesi'] },
  {
    demonym: 'Polish',
    names: ['poland', 'polonia', 'polandia'],
    adjectives: ['polish', 'polacco', 'polacca', 'polacchi'],
  },
  { demonym: 'Swedish', names: ['sweden', 'svezia', 'swedia'], adjectives: ['swedish', 'swede', 'svedese', 'svedesi'] },
  {
    demonym: 'Norwegian',
    names: ['norway', 'norvegia', 'norwegia'],
    adjectives: ['norwegian', 'norvegese', 'norvegesi'],
  },
  { demonym: 'Danish', names: ['denmark', 'danimarca'], adjectives: ['danish', 'dane', 'danese', 'danesi'] },
  { demonym: 'Finnish', names: ['finland', 'finlandia'], adjectives: ['finnish', 'finlandese'] },
  { demonym: 'Russian', names: ['russia', 'rusia'], adjectives: ['russian', 'russo', 'russa', 'russi'] },
  { demonym: 'Ukrainian', names: ['ukraine', 'ucraina', 'ukraina'], adjectives: ['ukrainian', 'ucraino', 'ucraina'] },
  {
    demonym: 'Czech',
    names: ['czech republic', 'czechia', 'repubblica ceca', 'ceko'],
    adjectives: ['czech', 'ceco', 'ceca'],
  },
  { demonym: 'Greek', names: ['greece', 'grecia', 'yunani'], adjectives: ['greek', 'greco', 'greca'] },
  { demonym: 'Hungarian', names: ['hungary', 'ungheria', 'hungaria'], adjectives: ['hungarian', 'ungherese'] },
  { demonym: 'Romanian', names: ['romania', 'rumania'], adjectives: ['romanian', 'rumeno', 'rumena'] },
  { demonym: 'Turkish', names: ['turkey', 'türkiye', 'turchia', 'turki'], adjectives: ['turkish', 'turco', 'turca'] },
  { demonym: 'Israeli', names: ['israel', 'israele'], adjectives: ['israeli', 'israeliano', 'israeliana'] },
  {
    demonym: 'American',
    names: [
      'the united states',
      'united states',
      'the usa',
      'usa',
      'the us',
      'us',
      'u.s.',
      'u.s.a.',
      'america',
      'stati uniti',
      'amerika serikat',
      'amerika',
    ],
    adjectives: ['american', 'americans', 'americano', 'americana', 'americani', 'statunitense'],
  },
  { demonym: 'Canadian', names: ['canada', 'kanada'], adjectives: ['canadian', 'canadians', 'canadese', 'canadesi'] },
  { demonym: 'Mexican', names: ['mexico', 'messico', 'meksiko'], adjectives: ['mexican', 'messicano', 'messicana'] },
  {
    demonym: 'Brazilian',
    names: ['brazil', 'brasile', 'brasil'],
    adjectives: ['brazilian', 'brasiliano', 'brasiliana'],
  },
  { demonym: 'Argentinian', names: ['argentina'], adjectives: ['argentinian', 'argentine', 'argentino', 'argentina'] },
  {
    demonym: 'Australian',
    names: ['australia'],
    adjectives: ['australian', 'australians', 'aussie', 'australiano', 'australiana', 'australiani'],
  },
  {
    demonym: 'New Zealander',
    names: ['new zealand', 'nuova zelanda', 'selandia baru'],
    adjectives: ['new zealander', 'kiwi', 'neozelandese'],
  },
  { demonym: 'Japanese', names: ['japan', 'giappone', 'jepang'], adjectives: ['japanese', 'giapponese', 'giapponesi'] },
  { demonym: 'Chinese', names: ['china', 'cina', 'tiongkok'], adjectives: ['chinese', 'cinese', 'cinesi'] },
  {
    demonym: 'South Korean',
    names: ['south korea', 'korea selatan', 'korea', 'corea del sud', 'corea'],
    adjectives: ['south korean', 'korean', 'coreano', 'coreana'],
  },
  { demonym: 'Indian', names: ['india'], adjectives: ['indian', 'indiano', 'indiana'] },
  { demonym: 'Pakistani', names: ['pakistan'], adjectives: ['pakistani'] },
  {
    demonym: 'Singaporean',
    names: ['singapore', 'singapura'],
    adjectives: ['singaporean', 'singaporiano', 'singaporiana'],
  },
  { demonym: 'Malaysian', names: ['malaysia'], adjectives: ['malaysian', 'malese'] },
  {
    demonym: 'Filipino',
    names: ['the philippines', 'philippines', 'filippine', 'filipina'],
    adjectives: ['filipino', 'filipina', 'filippino', 'filippina'],
  },
  {
    demonym: 'Thai',
    names: ['thailand', 'thailandia', 'tailandia'],
    adjectives: ['thai', 'thailandese', 'tailandese'],
  },
  { demonym: 'Vietnamese', names: ['vietnam', 'viet nam'], adjectives: ['vietnamese', 'vietnamita'] },
  {
    demonym: 'South African',
    names: ['south africa', 'sudafrica', 'afrika selatan'],
    adjectives: ['south african', 'sudafricano', 'sudafricana'],
  },
  { demonym: 'Nigerian', names: ['nigeria'], adjectives: ['nigerian', 'nigeriano', 'nigeriana'] },
  {
    demonym: 'Indonesian',
    names: ['indonesia'],
    adjectives: ['indonesian', 'indonesiano', 'indonesiana', 'indonesiani'],
  },
];
/** Country names that are ordinary words in lower case: only accepted as written in capitals. */
const UPPERCASE_ONLY = new Set(['us', 'the us', 'uk', 'the uk']);

const BY_NAME = new Map<string, Country>();
const BY_ADJECTIVE = new Map<string, Country>();
for (const c of COUNTRIES) {
  for (const n of c.names) BY_NAME.set(n, c);
  for (const a of c.adjectives) BY_ADJECTIVE.set(a, c);
}
const DEMONYM_WORDS = new Set([...BY_ADJECTIVE.keys()].filter((w) => !w.includes(' ')));
const COUNTRY_WORDS = new Set([...BY_NAME.keys()].filter((w) => !w.includes(' ') && !UPPERCASE_ONLY.has(w)));
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
/** Too ambiguous alone ("English version", "Indonesian company", "Argentina"). */
const NO_STANDALONE = new Set([
  'english',
  'inglese',
  'inglesi',
  'indonesian',
  'indonesiano',
  'indonesiana',
  'indonesiani',
  'argentina',
  'indiana',
  'svizzera',
  'kiwi',
  'dane',
  'ucraina',
  'russa',
  'filipina',
  'brit',
  'swiss',
  'turca',
]);

// ---------------------------------------------------------------------------------------------
// Companies

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
const COMPANY_NOT_START = new Set(
  'the our my a an sure yes hi hello dear la il lo una un siamo sono della di del presso per and e di perusahaan kami saya thanks regards grazie and at of director ceo owner manager titolare'.split(
    ' ',
  ),
);
/** Words after "PT" that make it a kind of company, not a company name. */
const PT_GENERIC = new Set(['pma', 'pmdn', 'perorangan', 'lokal', 'local', 'baru', 'new', 'tbk']);

// ---------------------------------------------------------------------------------------------
// Practice types

interface PracticePattern {
  re: RegExp;
  confidence: number;
}

/** Aliases of the default practice types: [phrase regex source, confidence]. */
const PRACTICE_ALIASES: Record<string, [string, number][]> = {
  PT_PMA: [
    ['pt\\s*[_-]?\\s*pma', 0.9],
    ['pma', 0.85],
    ['penanaman modal asing', 0.85],
    ['foreign[- ]owned (?:company|companies|business|entity|entities|limited company)', 0.8],
    ['foreign (?:investment )?(?:company|companies|entity|owned)', 0.75],
    ['company (?:formation|incorporation|registration|set[- ]?up|establishment)', 0.75],
    ['business (?:setup|set-up|registration|incorporation|formation)', 0.7],
    [
      '(?:open|opening|set up|setting up|setup|start|starting|register|registering|establish|establishing|incorporate|incorporating|form|forming)(?: up)? (?:a|an|my|our|the)? ?(?:new |local |foreign |small |own |indonesian )?(?:company|companies|business entity|legal entity|corporation|branch|subsidiary)',
      0.75,
    ],
    [
      "(?:aprire|apertura|costituire|costituzione|creare|fondare|registrare)(?: di)? (?:una|la|la mia|una nuova|un['’]?)? ?(?:società|azienda|impresa|filiale)",
      0.75,
    ],
    ['società (?:straniera|estera|indonesiana|a capitale straniero)', 0.75],
    ['perusahaan (?:asing|modal asing|pma)', 0.8],
    [
      '(?:buka|bikin|buat|mendirikan|dirikan|membuat|membuka|mengurus|urus|daftar|pendirian) (?:pt|perusahaan|badan usaha|usaha)',
      0.7,
    ],
    ['società', 0.5],
    ["(?:aprire|costituire|fondare|avviare) (?:una |la |un['’]?)?(?:srl|s\\.r\\.l\\.|spa|ditta|attività)", 0.7],
  ],
  KITAS: [
    ['kitas', 0.9],
    ['itas', 0.85],
    ['limited stay (?:permit|visa)', 0.85],
    ['work(?:ing)? (?:permit|permits|visa|visas)', 0.75],
    ['(?:stay|residence|residency|resident) (?:permit|permits|card|visa)', 0.75],
    ['temporary (?:stay|residence|residency)', 0.75],
    ['(?:remote worker|digital nomad|nomad|e33g|e31a|e23) visa', 0.7],
    ['permess[oi] di (?:soggiorno|lavoro)', 0.75],
    ['vist[oi] (?:di|per|da) lavoro', 0.75],
    ['vist[oi] lavorativ[oi]', 0.75],
    ['izin (?:tinggal|kerja)(?: terbatas)?', 0.75],
    ['(?:visa|kitas) (?:kerja|bekerja|kerjaan)', 0.8],
    ['(?:imta|rptka)', 0.7],
    [
      '(?:work|working|freelance|freelancing) legally|legally (?:work|freelance)|stay long[- ]term|long[- ]term (?:stay|visa)|long stay visa',
      0.55,
    ],
    [
      '(?:digital nomad|remote work(?:er|ing)?)(?: visa| permit)?|vist[oi] (?:per )?(?:i )?nomad[ie] digital[ie]|visa (?:digital )?nomad',
      0.65,
    ],
    [
      'stay longer|extend my stay|restare (?:di più|più a lungo)|rimanere (?:di più|più a lungo)|tinggal lebih lama',
      0.5,
    ],
    ['permit', 0.5],
    ['(?:family|spouse|dependant|dependent) (?:kitas|visa|stay permit)', 0.75],
    // "mau kerja di bali harus pake visa apa?": working and a visa in the same breath.
    [
      '(?:work|working|job|kerja|bekerja|lavorare|lavoro)(?:[ \\t]+[^\\s.!?]+){1,5}?[ \\t]+(?:visa|visto|permit|izin)',
      0.55,
    ],
    [
      '(?:visa|visto|permit)(?:[ \\t]+[^\\s.!?]+){1,3}?[ \\t]+(?:per lavorare|for work|to work|untuk kerja|untuk bekerja)',
      0.55,
    ],
  ],
  KITAP: [
    ['kitap', 0.9],
    ['itap', 0.85],
    ['permanent (?:stay|residence|residency|resident)(?: permit| visa| card)?', 0.8],
    ['permess[oi] (?:di soggiorno )?permanente', 0.75],
    ['(?:residenza|soggiorno) permanente', 0.75],
    ['izin tinggal tetap', 0.8],
  ],
  INVESTOR_KITAS: [
    ['investor[- ]?kitas', 0.9],
    ['kitas (?:investor|investasi|penanam modal)', 0.9],
    ['kitas (?:per |da |come )?investitor[ei]', 0.85],
    ["investor(?:s)?['’]? (?:visa|visas|stay permit|permit)", 0.8],
    ['investment visa', 0.75],
    ['vist[oi] (?:per |da |come )?(?:gli )?investitor[ei]', 0.8],
    ['visa (?:investor|investasi)', 0.8],
    ['(?:investasi|invest|investire|investment|investing)(?:[ \\t]+[^\\s.!?]+){1,6}?[ \\t]+(?:visa|visto|kitas)', 0.55],
  ],
  RETIREMENT_KITAS: [
    ['retirement[- ]?kitas', 0.9],
    ['kitas (?:retirement|pensiun|lansia|lanjut usia)', 0.9],
    ['kitas (?:per |da |come )?pensionat[oaie]', 0.85],
    ['(?:retirement|retiree|retired person|pension|pensioner) (?:visa|visas|permit|stay permit)', 0.8],
    ['(?:visa|izin tinggal) (?:pensiun|lansia|lanjut usia)', 0.8],
    ['vist[oi] (?:per |da |come )?(?:pensionat[oaie]|pensione)', 0.8],
    ['(?:retire|retiring|retirement|retired)', 0.5],
    ['(?:pensione|pensionat[oaie]|pensionamento)', 0.5],
    ['(?:pensiun|pensiunan)', 0.5],
  ],
  NPWP: [
    ['npwp', 0.9],
    ['tax (?:number|id|identification(?: number)?|registration(?: number)?|file number|code)', 0.8],
    ['tax ?payer (?:number|id|registration)', 0.75],
    ['nomor pokok wajib pajak', 0.9],
    ['codice fiscale', 0.75],
    ['(?:numero|codice|identificativo|id) (?:di identificazione )?fiscale', 0.75],
    ['partita iva', 0.7],
    ['(?:nomor|daftar|kartu) pajak', 0.7],
  ],
  BPJS: [
    ['bpjs', 0.9],
    ['national health insurance', 0.85],
    ['(?:health|medical) insurance', 0.75],
    ['social security', 0.75],
    ['(?:asuransi|jaminan) kesehatan', 0.75],
    ['(?:assicurazione|copertura|assistenza) sanitaria', 0.75],
    ['previdenza sociale', 0.7],
    ['(?:jkn|kis)', 0.6],
    ['(?:insurance|asuransi|assicurazione)', 0.5],
  ],
};

/** "I have (had) a KITAS for 4 years": possession, not the service wanted. */
const POSSESSION_BEFORE =
  /(?:i (?:already )?(?:have|had|hold|held)(?: had| held)?|i['’]ve (?:had|held|got)|already have|ho (?:già )?(?:il|la|un|una)?|avevo (?:il|la)?|già (?:il|la)?|sudah (?:punya|ada|pegang)|punya)\s+(?:a\s+|an\s+|my\s+)?$/i;
const INTENT_WORDS =
  /\b(?:want|would like|need|needs|looking for|interested|apply|applying|get|obtain|help|how much|cost|price|requirements?|renew|extend|vorrei|voglio|mi serve|serve|ho bisogno|interessa|richiedere|ottenere|rinnovare|costo|quanto|mau|ingin|butuh|perlu|urus|bikin|buat|biaya|harga|syarat|persyaratan|perpanjang|daftar)\b/i;

function practicePatterns(types: ExtractionInput['practiceTypes']): Map<string, PracticePattern[]> {
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
      for (const m of name.matchAll(/\(([^)]+)\)/g)) if (m[1]!.trim().length > 3) add(phrase(m[1]!), 0.85);
    }
    for (const [src, confidence] of PRACTICE_ALIASES[code.toUpperCase()] ?? []) add(src, confidence);
    out.set(code, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sentiment, urgency, action items

const POSITIVE_WORDS =
  /\b(?:great|perfect|excellent|amazing|awesome|wonderful|happy|glad|love|appreciate|appreciated|helpful|ottimo|ottima|perfetto|perfetta|fantastico|gentilissim[oi]|felice|contento|contenta|bagus|mantap|senang|puas|luar biasa|keren|hebat)\b|[😊🙂😀😃😍👍❤🥰]/giu;
const THANKS_WORDS = /\b(?:thanks|thank you|thx|grazie|terima kasih|terimakasih|makasih|tks)\b|🙏/giu;
const NEGATIVE_WORDS =
  /\b(?:unacceptable|terrible|awful|horrible|disappointed|disappointing|angry|annoyed|frustrated|frustrating|worst|complaint|complain|scam|refund|ridiculous|nobody answers|no one answers|no answer|still waiting|pessimo|pessima|vergogna|deluso|delusa|inaccettabile|arrabbiato|arrabbiata|nessuno (?:mi )?risponde|mai raggiungibili|truffa|rimborso|kecewa|parah|buruk|marah|lambat|lama sekali|tidak ada (?:yang )?(?:balas|jawab)|belum (?:ada )?(?:balasan|dibalas)|menunggu balasan|penipuan)\b|[😡😠😤👎]/giu;

const URGENT_WORDS =
  /\b(?:urgent|urgently|asap|a\.s\.a\.p|emergency|immediately|right away|today|tonight|urgente|urgentissimo|subito|immediatamente|oggi|stasera|segera|secepatnya|mendesak|darurat|hari ini|malam ini|sekarang juga)\b/giu;
const HIGH_WORDS =
  /\b(?:soon|quickly|fast|this week|next week|tomorrow|deadline|expires?|expiring|expired|overstay|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of)|entro|scade|scadenza|in scadenza|scaduto|presto|domani|questa settimana|settimana prossima|prossima settimana|fine mese|cepat|besok|minggu ini|minggu depan|habis|kadaluarsa|kedaluwarsa|batas waktu|buru-buru)\b/giu;
const LOW_WORDS =
  /\b(?:no rush|no hurry|not urgent|just curious|next year|in the future|someday|eventually|nessuna fretta|non è urgente|l['’]anno prossimo|in futuro|tidak buru-buru|gak buru-buru|nggak buru-buru|tahun depan|santai aja)\b/giu;

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

const ACTION_TRIGGERS =
  /\b(?:please|pls|plz|can you|could you|would you|will you|i need|we need|i['’]d like|i would like|send me|let me know|call me|contact me|email me|mi serve|mi servono|ci serve|potete|potreste|può|potrebbe|vorrei|mandatemi|inviatemi|mandami|fatemi sapere|chiamatemi|contattatemi|mi scrivete|tolong|mohon|bisa (?:dibantu|bantu|kirim|tolong|minta|info)|minta|kirimkan|kirim|butuh|perlu|hubungi)\b/i;

// ---------------------------------------------------------------------------------------------

/** One user message and its offset in a virtual concatenation, for ordering candidates. */
interface UserText {
  text: string;
  base: number;
  /** The message before this one (any role), to see whether an agent asked for the name. */
  previous: ConversationMessage | undefined;
}

export class HeuristicExtractor implements Extractor {
  readonly kind = 'HEURISTIC' as const;
  private readonly now: () => Date;

  constructor(options: HeuristicExtractorOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async extract(input: ExtractionInput): Promise<{ result: ExtractionResult; meta: ExtractionMeta }> {
    const started = performance.now();
    const result = this.extractSync(input);
    const meta: ExtractionMeta = {
      extractor: 'HEURISTIC',
      model: null,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
    };
    return { result, meta };
  }

  /** The extraction itself (synchronous; {@link extract} wraps it with the meta). */
  extractSync(input: ExtractionInput): ExtractionResult {
    const users: UserText[] = [];
    let base = 0;
    input.messages.forEach((m, i) => {
      if (m.role.toLowerCase() === 'user' && typeof m.content === 'string' && m.content.trim()) {
        users.push({ text: m.content, base, previous: input.messages[i - 1] });
        base += m.content.length + 1;
      }
    });

    const email = this.email(users, input.userEmail);
    const phone = this.phone(users);
    const fullName = this.fullName(users, input.userEmail ?? email?.value ?? null);
    const nationality = this.nationality(users);
    const company = this.company(users);
    const practice = this.practice(users, input.practiceTypes);

    const client: ExtractionResult['client'] = {};
    if (fullName) client.fullName = fullName;
    if (email) client.email = email;
    if (phone) client.phone = phone;
    if (nationality) client.nationality = nationality;
    if (company) client.company = company;

    const actionItems = this.actionItems(users);
    return {
      client,
      practice,
      sentiment: this.sentiment(users),
      urgency: this.urgency(users),
      actionItems,
      summary: this.summary(users, fullName?.value, practice),
    };
  }

  private email(users: UserText[], userEmail: string | null | undefined): Extracted | undefined {
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

  private phone(users: UserText[]): Extracted | undefined {
    const cands: Candidate[] = [];
    for (const u of users) {
      for (const m of u.text.matchAll(PHONE_RE)) {
        const start = m.index;
        const raw = m[0].replace(/[\s.(-]+$/, '');
        const before = u.text.slice(Math.max(0, start - 40), start);
        if (MONEY_BEFORE.test(before)) continue;
        // Dates and times ("15/03/2025", "10.30") have at most 8 digits with separators; skip them.
        if (/^\d{1,4}[./-]\d{1,2}[./-]\d{2,4}$/.test(raw.trim())) continue;
        const n = normalisePhone(raw, countryHint(u.text, start, start + raw.length), languageOf(u.text));
        if (!n) continue;
        let confidence = n.confidence;
        if (PHONE_CONTEXT.test(before)) confidence += 0.05;
        if (PHONE_OTHER.test(before)) confidence -= 0.3;
        cands.push({ value: n.value, confidence, evidence: raw.trim(), order: u.base + start });
      }
    }
    return strip(pickBest(cands));
  }

  private fullName(users: UserText[], email: string | null): Extracted | undefined {
    const cands: Candidate[] = [];
    /** `text.slice(evStart, nameEnd)` is the evidence; the name is the capitalised, trimmed `name`. */
    const push = (u: UserText, name: string, evStart: number, nameEnd: number, confidence: number) => {
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
    };
    const nameAt = (text: string, index: number) => {
      NAME_STICKY.lastIndex = index;
      const m = NAME_STICKY.exec(text);
      return m ? { name: m[1]!, start: index + m[0].indexOf(m[1]!), end: index + m[0].length } : null;
    };

    for (const u of users) {
      const text = u.text;
      // 1. Self-introductions.
      for (const { re, confidence } of NAME_TRIGGERS) {
        for (const m of text.matchAll(re)) {
          const n = nameAt(text, m.index + m[0].length);
          if (n) push(u, n.name, m.index, n.end, confidence);
        }
      }
      // 1b. The same in lower case, where the phrase leaves no doubt ("my name is john", "i am chris from …").
      for (const m of text.matchAll(LOWER_NAME_STRONG)) push(u, m[1]!, m.index, m.index + m[0].length, 0.6);
      for (const m of text.matchAll(LOWER_NAME_FROM)) push(u, m[1]!, m.index, m.index + m[0].length, 0.55);
      // 2. "Ahmed Khan here".
      for (const m of text.matchAll(new RegExp(`(?<![\\p{L}])(${NAME})[ \\t]+here${E}`, 'gu'))) {
        push(u, m[1]!, m.index, m.index + m[1]!.length, 0.7);
      }
      // 2b. "Tom Baker (tom@bakerdesign.co.uk)".
      for (const m of text.matchAll(new RegExp(`(?<![\\p{L}])(${NAME})[ \\t]*[(<][^()<>\\s]+@`, 'gu'))) {
        push(u, m[1]!, m.index, m.index + m[1]!.length, 0.65);
      }
      // 3. Sign-offs at the end of a message ("Regards,\nJohn Smith", "grazie Roberto").
      for (const m of text.matchAll(SIGN_OFF_RE)) {
        const n = nameAt(text, m.index + m[0].length);
        if (!n) continue;
        const rest = text.slice(n.end);
        if (
          rest.trim() === '' ||
          (/^\s*(?:[,\n(|]|[-–—]\s)/.test(rest) && rest.split('\n').filter((l) => l.trim()).length <= 2)
        ) {
          push(u, n.name, m.index, n.end, 0.6);
        }
      }
      // 3b. A dash sign-off at the very end ("… thx - jess", "Thx. - Hendra (0813-8888-1212)").
      const dash = DASH_SIGN_OFF.exec(text);
      if (dash) {
        const start = dash.index + dash[0].indexOf(dash[1]!);
        push(u, dash[1]!, start, start + dash[1]!.length, /^\p{Lu}/u.test(dash[1]!) ? 0.6 : 0.55);
      }
      // 4. The answer to an agent's "may I have your name?".
      const prev = u.previous;
      if (prev && prev.role.toLowerCase() !== 'user' && NAME_REQUEST.test(prev.content)) {
        const lead =
          /^\s*(?:(?:sure|yes|yeah|ok|okay|of course|hi|hello|hey|certo|certamente|sì|si|va bene|salve|ciao|buongiorno|buonasera|baik|iya|ya|oke|boleh|halo|hai|selamat \p{L}+|pagi|siang|sore|malam)[,.!]?\s+)?(?:(?:it['’]s|i['’]m|sono|saya|dengan)\s+)?/iu.exec(
            text,
          );
        const n = nameAt(text, lead ? lead[0].length : 0);
        if (n) push(u, n.name, n.start, n.end, 0.7);
      }
      // 5. A line or sentence that starts with a name followed by contact data ("- Mark Johnson, mark@x.com",
      //    "Tom Baker (tom@x.co.uk) - designer").
      const all = lines(text);
      for (const line of [...all, ...sentences(text)]) {
        const lead = /^[-–—~*]?[ \t]*/.exec(line.text)!;
        const n = nameAt(text, line.start + lead[0].length);
        if (!n) continue;
        const rest = text.slice(n.end, line.end);
        if (/^[ \t]*[,|/]\s*\S*(?:@|\+?\d[\d\s().-]{6,})/.test(rest)) push(u, n.name, n.start, n.end, 0.6);
        else if (/^[ \t]*[(<][^()<>\s]+@/.test(rest)) push(u, n.name, n.start, n.end, 0.65);
      }
      // 6. A message that ends with a bare full name ("… call me? Luca Ferri"), or a first name on its own line.
      const last = sentences(text).at(-1);
      if (last && last.start > 0) {
        const n = nameAt(text, last.start);
        if (n && n.end === last.end && /\s/.test(n.name)) push(u, n.name, n.start, n.end, 0.55);
      }
      const lastLine = all.filter((l) => l.text.trim()).at(-1);
      if (lastLine && lastLine.start > 0) {
        const lead = /^[ \t]*/.exec(lastLine.text)!;
        const n = nameAt(text, lastLine.start + lead[0].length);
        if (n && text.slice(n.end, lastLine.end).trim() === '' && !/\s/.test(n.name))
          push(u, n.name, n.start, n.end, 0.55);
      }
    }

    // The user's email: confirms a found name, or gives a weak guess (john.smith@ → John Smith).
    const fromEmail = email ? nameFromEmail(email) : null;
    if (fromEmail) {
      for (const c of cands) if (c.value.toLowerCase() === fromEmail.toLowerCase()) c.confidence += 0.05;
      if (!cands.length)
        cands.push({ value: fromEmail, confidence: 0.35, evidence: null, order: Number.MAX_SAFE_INTEGER });
    }
    // Prefer the longer form of the same person ("Lucas" and "Lucas Silva").
    for (const c of cands) {
      if (/\s/.test(c.value)) continue;
      const longer = cands.find((o) => o !== c && o.value.startsWith(c.value + ' '));
      if (longer) c.confidence = Math.min(c.confidence, longer.confidence - 0.01);
    }
    return strip(pickBest(cands));
  }

  private nationality(users: UserText[]): Extracted | undefined {
    const cands: Candidate[] = [];
    for (const u of users) {
      const text = u.text;
      for (const { re, confidence, kind } of NATIONALITY_PATTERNS) {
        for (const m of text.matchAll(re)) {
          const word = m[1]!;
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
        const key = m[1]!.toLowerCase().replace(/\s+/g, ' ');
        if (NO_STANDALONE.has(key)) continue;
        const before = clauseBefore(text, m.index);
        if (OTHER_PERSON_BEFORE.test(before) || NOT_PERSON_BEFORE.test(before)) continue;
        // Only as an apposition ("im 62, american, living"), not as an adjective ("un tecnico italiano").
        if (before.trim() && !/[,;:(\-–]\s*$/.test(before)) continue;
        // "Fabio Greco", "Marco Russo": a capitalised demonym right after a capitalised word is a surname.
        if (/^\p{Lu}/u.test(m[1]!) && /\p{Lu}\p{Ll}+[ \t]+$/u.test(before)) continue;
        if (NOT_PERSON_AFTER.test(text.slice(m.index + m[0].length))) continue;
        const country = BY_ADJECTIVE.get(key);
        if (country) cands.push({ value: country.demonym, confidence: 0.5, evidence: m[0], order: u.base + m.index });
      }
    }
    return strip(pickBest(cands));
  }

  private company(users: UserText[]): Extracted | undefined {
    const cands: Candidate[] = [];
    for (const u of users) {
      for (const m of u.text.matchAll(COMPANY_SUFFIX_RE)) {
        const tokens = m[1]!.split(/[ \t]+/);
        let offset = 0;
        while (tokens.length && (COMPANY_NOT_START.has(tokens[0]!.toLowerCase()) || tokens[0] === '&')) {
          offset += tokens[0]!.length;
          tokens.shift();
          const ws = /^[ \t]+/.exec(m[0].slice(offset));
          offset += ws ? ws[0].length : 0;
        }
        if (!tokens.length) continue;
        const evidence = m[0].slice(offset);
        cands.push({ value: evidence, confidence: 0.8, evidence, order: u.base + m.index + offset });
      }
      for (const m of u.text.matchAll(COMPANY_PREFIX_RE)) {
        const tokens = m[1]!.split(/[ \t]+/);
        if (PT_GENERIC.has(tokens[1]!.toLowerCase())) continue;
        // Stop at words that start a new clause ("PT Maju Jaya Saya…" rarely happens; keep it simple).
        const value = m[1]!;
        cands.push({ value, confidence: tokens.length >= 3 ? 0.8 : 0.7, evidence: value, order: u.base + m.index });
      }
    }
    return strip(pickBest(cands));
  }

  private practice(users: UserText[], types: ExtractionInput['practiceTypes']): ExtractionResult['practice'] {
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
    const kept = hits.filter(
      (h) =>
        !hits.some(
          (o) =>
            o !== h &&
            o.u === h.u &&
            o.start <= h.start &&
            o.end >= h.end &&
            (o.end - o.start > h.end - h.start || (o.end - o.start === h.end - h.start && o.confidence > h.confidence)),
        ),
    );
    if (!kept.length) return null;
    // Per code: the best hit, a little surer when mentioned again.
    const byCode = new Map<string, { best: Hit; mentions: number; intent: boolean }>();
    for (const h of kept) {
      const sentence = sentenceAt(h.u.text, h.start);
      const intent = INTENT_WORDS.test(sentence);
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
      .sort((a, b) => a.hit.u.base + a.hit.start - (b.hit.u.base + b.hit.start))[0]!;
    const h = chosen.hit;
    return {
      value: chosen.code,
      confidence: round2(chosen.confidence),
      evidence: h.u.text.slice(h.start, h.end),
      details: sentenceAt(h.u.text, h.start),
    };
  }

  private sentiment(users: UserText[]): ExtractedSentiment {
    let pos = 0;
    let neg = 0;
    for (const u of users) {
      pos += (u.text.match(POSITIVE_WORDS)?.length ?? 0) + 0.5 * (u.text.match(THANKS_WORDS)?.length ?? 0);
      neg += u.text.match(NEGATIVE_WORDS)?.length ?? 0;
      if (/[!?]{2,}/.test(u.text) && neg > 0) neg += 0.5;
    }
    if (neg >= 1 && neg >= pos) return 'NEGATIVE';
    if (pos >= 1 && pos > neg) return 'POSITIVE';
    return 'NEUTRAL';
  }

  private urgency(users: UserText[]): ExtractedUrgency {
    let urgent = 0;
    let high = 0;
    let low = 0;
    const now = this.now();
    for (const u of users) {
      urgent += u.text.match(URGENT_WORDS)?.length ?? 0;
      high += u.text.match(HIGH_WORDS)?.length ?? 0;
      low += u.text.match(LOW_WORDS)?.length ?? 0;
      if (/!{3,}/.test(u.text)) high++;
      for (const d of datesIn(u.text, now)) {
        const days = (d.getTime() - now.getTime()) / 86_400_000;
        if (days >= -1 && days <= 3) urgent++;
        else if (days > 3 && days <= 14) high++;
      }
    }
    if (urgent > 0 || high >= 3) return 'URGENT';
    if (high > 0) return 'HIGH';
    if (low > 0) return 'LOW';
    return 'NORMAL';
  }

  private actionItems(users: UserText[]): string[] {
    const out: string[] = [];
    for (const u of users) {
      for (const s of sentences(u.text)) {
        if (out.length >= 5) return out;
        if (ACTION_TRIGGERS.test(s.text) && !out.includes(s.text))
          out.push(s.text.length > 200 ? s.text.slice(0, 197) + '…' : s.text);
      }
    }
    return out;
  }

  private summary(users: UserText[], name: string | undefined, practice: ExtractionResult['practice']): string {
    const who = name ?? 'The client';
    const oneLine = (s: string) => {
      const t = s.replace(/\s+/g, ' ').trim();
      return t.length > 160 ? t.slice(0, 157) + '…' : t;
    };
    if (practice) return `${who} asks about ${practice.value}: ${oneLine(practice.details ?? practice.evidence ?? '')}`;
    const all = users.flatMap((u) => sentences(u.text).map((s) => s.text));
    if (!all.length) return 'No message from the client.';
    // The first sentence with some substance (not a bare greeting).
    const first = all.find((s) => s.split(/\s+/).length >= 4) ?? all[0]!;
    return `${who} writes: ${oneLine(first)}`;
  }
}

/** Up to 30 characters before `index`, within the same sentence. */
function clauseBefore(text: string, index: number): string {
  const before = text.slice(Math.max(0, index - 30), index);
  const cut = Math.max(before.lastIndexOf('\n'), ...['. ', '! ', '? '].map((p) => before.lastIndexOf(p) + 1));
  return cut > 0 ? before.slice(cut) : before;
}

/** A country named next to a phone number, on the same line ("07700 900456 (UK mobile)"), as a demonym. */
function countryHint(text: string, start: number, end: number): string | null {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  const lineEnd = nl < 0 ? text.length : nl;
  let before = text.slice(Math.max(lineStart, start - 20), start);
  let after = text.slice(end, Math.min(lineEnd, end + 20));
  // Stay within the sentence: "dia orang korea. no hp 0878…" is an Indonesian number.
  before = before.slice(Math.max(...['. ', '! ', '? '].map((p) => before.lastIndexOf(p) + 1)));
  const stop = after.search(/[.!?](?:\s|$)/);
  if (stop >= 0) after = after.slice(0, stop);
  const window = before + ' ' + after;
  for (const m of window.matchAll(COUNTRY_OR_ADJ)) {
    const key = m[1]!.toLowerCase().replace(/\s+/g, ' ');
    if (UPPERCASE_ONLY.has(key) && m[1] !== m[1]!.toUpperCase()) continue;
    const country = BY_NAME.get(key) ?? BY_ADJECTIVE.get(key);
    if (country) return country.demonym;
  }
  return null;
}

/** The lines of a text, with offsets. */
function lines(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (const part of text.split('\n')) {
    out.push({ text: part, start, end: start + part.length });
    start += part.length + 1;
  }
  return out;
}

/** "john.smith@x" → "John Smith"; null when the local part does not look like a first.last name. */
export function nameFromEmail(email: string): string | null {
  const local = email.split('@')[0]!.replace(/\d+$/, '');
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
  return parts.map((p) => p[0]!.toUpperCase() + p.slice(1).toLowerCase()).join(' ');
}

/** Explicit dates in a text (dd/mm[/yyyy], yyyy-mm-dd, "15 March", "March 15"), resolved near `now`. */
function datesIn(text: string, now: Date): Date[] {
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
    make(m[3] ? Number(m[3]) : undefined, MONTHS[m[2]!.toLowerCase()]!, Number(m[1]));
  for (const m of text.matchAll(DATE_WORDS_US))
    make(m[3] ? Number(m[3]) : undefined, MONTHS[m[1]!.toLowerCase()]!, Number(m[2]));
  return out;
}
