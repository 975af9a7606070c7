/**
 * The offline interpreter: reads a question in English, Italian or Indonesian with word lists
 * (record kinds, statuses, relative dates, nationalities) and the tenant's own words (team members'
 * first names, practice type codes and names). It is a heuristic: what it does not recognise is
 * returned as unused, and a question with no recognisable condition or record kind is
 * NOT_UNDERSTOOD rather than a broad query.
 */
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import type { CriteriaFilter, CriteriaGroup } from '../criteria/criteria.tree.js';
import type { AskInterpreter, AskVocabulary, Interpretation, NotUnderstood } from './ask.interpreter.js';

/** Lower case, accents removed. */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const CLOSED_PRACTICE = ['COMPLETED', 'REJECTED', 'CANCELLED'];

/** Words naming each record kind (folded; plural and singular). */
const ENTITY_WORDS: [CriteriaEntityName, string[]][] = [
  [
    'INTERACTION',
    [
      'who asked about',
      'who asked for',
      'who asked',
      'chi ha chiesto di',
      'chi ha chiesto informazioni su',
      'chi ha chiesto',
      'siapa yang bertanya tentang',
      'siapa yang bertanya soal',
      'siapa yang bertanya',
      'interactions',
      'interaction',
      'interazioni',
      'interazione',
      'interaksi',
      'contacts with',
      'contatti con',
    ],
  ],
  ['PRACTICE', ['practices', 'practice', 'pratiche', 'pratica', 'cases', 'case', 'praktik', 'berkas', 'permohonan']],
  ['DEAL', ['deals', 'deal', 'trattative', 'trattativa', 'opportunita', 'opportunities', 'opportunity', 'peluang']],
  ['TICKET', ['tickets', 'ticket', 'tiket', 'segnalazioni', 'richieste di assistenza', 'support requests']],
  [
    'CLIENT',
    [
      'clients',
      'client',
      'customers',
      'customer',
      'clienti',
      'cliente',
      'klien',
      'pelanggan',
      'nasabah',
      'who',
      'chi',
      'siapa',
    ],
  ],
];

/** Interaction kinds (each also names the INTERACTION kind). */
const INTERACTION_KINDS: [string, string[]][] = [
  ['CALL', ['calls', 'call', 'phone calls', 'chiamate', 'chiamata', 'telefonate', 'telepon', 'panggilan']],
  ['MEETING', ['meetings', 'meeting', 'riunioni', 'incontri', 'appuntamenti', 'rapat', 'pertemuan']],
  ['WHATSAPP', ['whatsapp messages', 'whatsapp', 'wa']],
  ['EMAIL', ['emails', 'email', 'e-mail', 'mail']],
  ['VISIT', ['visits', 'visite', 'kunjungan']],
];

/** Client lifecycle stages (each also names the CLIENT kind). */
const LIFECYCLE: [string, string[]][] = [
  ['LEAD', ['leads', 'lead', 'calon klien']],
  ['PROSPECT', ['prospects', 'prospect', 'potenziali clienti', 'prospek']],
  ['CHURNED', ['churned', 'lost clients', 'clienti persi']],
];

type StatusRule = { words: string[]; filter: Omit<CriteriaFilter, 'field'> & { field?: string } };

/** Status words by record kind: the filter each means (field default `status`). */
const STATUS: Record<CriteriaEntityName, StatusRule[]> = {
  PRACTICE: [
    {
      words: ['in progress', 'in corso', 'in lavorazione', 'sedang diproses', 'sedang berjalan', 'diproses'],
      filter: { operator: 'EQ', value: 'IN_PROGRESS' },
    },
    {
      words: [
        'waiting for documents',
        'waiting documents',
        'in attesa di documenti',
        'in attesa documenti',
        'menunggu dokumen',
      ],
      filter: { operator: 'EQ', value: 'WAITING_DOCUMENTS' },
    },
    {
      words: ['payment pending', 'awaiting payment', 'in attesa di pagamento', 'menunggu pembayaran'],
      filter: { operator: 'EQ', value: 'PAYMENT_PENDING' },
    },
    {
      words: ['unpaid', 'not paid', 'non pagate', 'non pagati', 'non pagata', 'belum dibayar', 'belum lunas'],
      filter: { field: 'paymentStatus', operator: 'EQ', value: 'UNPAID' },
    },
    {
      words: [
        'active',
        'open',
        'ongoing',
        'attive',
        'attivi',
        'attiva',
        'aperte',
        'aperti',
        'aktif',
        'terbuka',
        'berjalan',
      ],
      filter: { operator: 'NOT_IN', value: CLOSED_PRACTICE },
    },
    {
      words: ['submitted', 'inviate', 'presentate', 'depositate', 'diajukan'],
      filter: { operator: 'EQ', value: 'SUBMITTED' },
    },
    { words: ['approved', 'approvate', 'approvati', 'disetujui'], filter: { operator: 'EQ', value: 'APPROVED' } },
    {
      words: ['completed', 'finished', 'done', 'completate', 'concluse', 'chiuse', 'selesai'],
      filter: { operator: 'EQ', value: 'COMPLETED' },
    },
    { words: ['rejected', 'rifiutate', 'respinte', 'ditolak'], filter: { operator: 'EQ', value: 'REJECTED' } },
    { words: ['cancelled', 'canceled', 'annullate', 'dibatalkan'], filter: { operator: 'EQ', value: 'CANCELLED' } },
    { words: ['inquiries', 'inquiry', 'richieste', 'pertanyaan'], filter: { operator: 'EQ', value: 'INQUIRY' } },
  ],
  DEAL: [
    {
      words: ['open', 'active', 'ongoing', 'aperte', 'aperti', 'attive', 'in corso', 'terbuka', 'aktif'],
      filter: { operator: 'EQ', value: 'OPEN' },
    },
    { words: ['won', 'vinte', 'vinti', 'menang', 'dimenangkan'], filter: { operator: 'EQ', value: 'WON' } },
    { words: ['lost', 'perse', 'persi', 'kalah', 'gagal'], filter: { operator: 'EQ', value: 'LOST' } },
  ],
  TICKET: [
    {
      words: ['urgent', 'urgenti', 'urgente', 'mendesak', 'darurat'],
      filter: { field: 'priority', operator: 'EQ', value: 'URGENT' },
    },
    {
      words: ['high priority', 'alta priorita', 'prioritas tinggi'],
      filter: { field: 'priority', operator: 'EQ', value: 'HIGH' },
    },
    { words: ['open', 'aperti', 'aperte', 'terbuka'], filter: { operator: 'EQ', value: 'OPEN' } },
    { words: ['pending', 'in attesa', 'tertunda'], filter: { operator: 'EQ', value: 'PENDING' } },
    { words: ['resolved', 'risolti', 'risolte', 'terselesaikan'], filter: { operator: 'EQ', value: 'RESOLVED' } },
    { words: ['closed', 'chiusi', 'chiuse', 'ditutup'], filter: { operator: 'EQ', value: 'CLOSED' } },
  ],
  CLIENT: [
    {
      words: ['inactive', 'inattivi', 'tidak aktif'],
      filter: { field: 'lifecycleStage', operator: 'EQ', value: 'INACTIVE' },
    },
    {
      words: ['organizations', 'organisations', 'companies', 'aziende', 'societa', 'perusahaan'],
      filter: { field: 'kind', operator: 'EQ', value: 'ORGANIZATION' },
    },
  ],
  INTERACTION: [
    { words: ['inbound', 'in entrata', 'masuk'], filter: { field: 'direction', operator: 'EQ', value: 'INBOUND' } },
    { words: ['outbound', 'in uscita', 'keluar'], filter: { field: 'direction', operator: 'EQ', value: 'OUTBOUND' } },
    {
      words: ['negative', 'negative', 'negativi', 'negatif'],
      filter: { field: 'sentiment', operator: 'EQ', value: 'NEGATIVE' },
    },
  ],
};

/** Nationalities as stored (English), with the words for them. */
const NATIONALITIES: [string, string[]][] = [
  [
    'Italian',
    ['italian', 'italians', 'italiano', 'italiani', 'italiana', 'italiane', 'italy', 'italia', 'orang italia'],
  ],
  ['Indonesian', ['indonesian', 'indonesians', 'indonesiano', 'indonesiani', 'indonesia', 'wni']],
  ['Australian', ['australian', 'australians', 'australiano', 'australiani', 'australia']],
  ['American', ['american', 'americans', 'americano', 'americani', 'amerika', 'usa']],
  ['British', ['british', 'english', 'inglese', 'inglesi', 'inggris', 'uk']],
  ['German', ['german', 'germans', 'tedesco', 'tedeschi', 'jerman', 'germany', 'germania']],
  ['French', ['french', 'francese', 'francesi', 'prancis', 'france', 'francia']],
  ['Dutch', ['dutch', 'olandese', 'olandesi', 'belanda', 'netherlands']],
  ['Russian', ['russian', 'russians', 'russo', 'russi', 'rusia', 'russia']],
  ['Chinese', ['chinese', 'cinese', 'cinesi', 'tiongkok', 'china', 'cina']],
  ['Japanese', ['japanese', 'giapponese', 'giapponesi', 'jepang', 'japan', 'giappone']],
  ['Indian', ['indian', 'indians', 'indiano', 'indiani', 'india']],
  ['Spanish', ['spanish', 'spagnolo', 'spagnoli', 'spanyol', 'spain', 'spagna']],
  ['Singaporean', ['singaporean', 'singaporiano', 'singapura', 'singapore']],
];

const EXPIRING = [
  'expiring soon',
  'expiring',
  'about to expire',
  'that expire',
  'expire',
  'in scadenza',
  'che scadono',
  'scadono',
  'scadenza',
  'in scadenza a breve',
  'akan habis masa berlakunya',
  'akan habis',
  'akan kedaluwarsa',
  'segera habis',
  'hampir habis',
  'kedaluwarsa',
  'habis masa berlaku',
];

const CLOSING = [
  'closing',
  'close',
  'to close',
  'in chiusura',
  'da chiudere',
  'che chiudono',
  'chiusura',
  'akan ditutup',
  'closing date',
];
const CREATED = [
  'new',
  'created',
  'added',
  'nuovi',
  'nuove',
  'nuovo',
  'nuova',
  'creati',
  'create',
  'aggiunti',
  'baru',
  'dibuat',
];

/** Words that carry no condition. */
const STOPWORDS = new Set(
  (
    'a an the of for with from to in on at by and or all any me show list find give get what which whose who is are ' +
    'that have has had my our their his her its there this these those please do does did been be being about ' +
    'assigned owned handled belonging belong managed followed' +
    ' il lo la i gli le un una uno di del della dei degli delle da dal dalla dai con per su sul sulla tra fra e o ' +
    'tutti tutte tutto mostra mostrami elenca trova dammi quali quale quanti che sono ha hanno mi ci assegnate ' +
    'assegnati assegnata assegnato seguite seguiti gestite gestiti a al alla ai agli alle nel nella nei' +
    ' yang dan atau dari untuk dengan di ke pada oleh semua tampilkan daftar cari berikan apa mana ada milik ' +
    'ditangani dipegang punya para saya kami tentang soal'
  ).split(/\s+/),
);

/** Whole words of the folded question, with where each starts and ends, and whether a rule used it. */
interface Word {
  original: string;
  start: number;
  end: number;
  used: boolean;
}

/** The question as folded text, its words, and the rules' matches. */
class Reading {
  readonly text: string;
  readonly words: Word[] = [];

  constructor(question: string) {
    const parts = question.match(/[\p{L}\p{N}@][\p{L}\p{N}\p{M}@._'’-]*/gu) ?? [];
    let text = '';
    for (const original of parts) {
      const clean = original.replace(/['’]s$/u, '').replace(/[._'’-]+$/u, '');
      const folded = fold(clean).replace(/['’]/gu, ' ');
      if (!folded) continue;
      if (text) text += ' ';
      this.words.push({ original: clean, start: text.length, end: text.length + folded.length, used: false });
      text += folded;
    }
    this.text = text;
  }

  /**
   * Finds the first unused occurrence of any phrase (longest first), marks its words used and
   * returns where it was; null when none occurs.
   */
  take(phrases: readonly string[]): { index: number; phrase: string } | null {
    const sorted = [...phrases].sort((a, b) => b.length - a.length);
    for (const phrase of sorted) {
      let from = 0;
      for (;;) {
        const i = this.text.indexOf(phrase, from);
        if (i < 0) break;
        from = i + 1;
        const end = i + phrase.length;
        const words = this.words.filter((w) => w.end > i && w.start < end);
        const whole = words.length > 0 && words[0].start === i && words.at(-1)!.end === end;
        if (!whole || words.some((w) => w.used)) continue;
        for (const w of words) w.used = true;
        return { index: i, phrase };
      }
    }
    return null;
  }

  /** Every unused occurrence of a phrase among `phrases` (see {@link take}). */
  takeAll(phrases: readonly string[]): { index: number; phrase: string }[] {
    const out: { index: number; phrase: string }[] = [];
    for (let hit = this.take(phrases); hit; hit = this.take(phrases)) out.push(hit);
    return out;
  }

  /** Marks the words of the first match of `re` over the folded text used; returns the match. */
  takeRegex(re: RegExp): RegExpExecArray | null {
    const m = re.exec(this.text);
    if (!m) return null;
    const end = m.index + m[0].length;
    const words = this.words.filter((w) => w.end > m.index && w.start < end);
    if (words.some((w) => w.used)) return null;
    for (const w of words) w.used = true;
    return m;
  }

  /** Runs of unused words that are not stop words, as written. */
  unused(): string[] {
    const runs: string[] = [];
    let run: string[] = [];
    for (const w of this.words) {
      const stop = STOPWORDS.has(fold(w.original));
      if (!w.used && !stop) run.push(w.original);
      else if (w.used || run.length) {
        if (run.length) runs.push(run.join(' '));
        run = [];
      }
    }
    if (run.length) runs.push(run.join(' '));
    return runs;
  }
}

/** Field of each kind of condition, by record kind (absent: the condition does not apply). */
const FIELDS: Record<
  CriteriaEntityName,
  { member: string; practiceType?: string; nationality: string; expiry?: string; text?: string }
> = {
  PRACTICE: {
    member: 'assignedTo.email',
    practiceType: 'type.code',
    nationality: 'client.nationality',
    expiry: 'expiryDate',
    text: 'notes',
  },
  CLIENT: {
    member: 'owner.email',
    practiceType: 'practices.type.code',
    nationality: 'nationality',
    expiry: 'practices.expiryDate',
    text: 'fullName',
  },
  DEAL: { member: 'owner.email', nationality: 'client.nationality', text: 'title' },
  TICKET: {
    member: 'assignee.email',
    practiceType: 'practice.type.code',
    nationality: 'client.nationality',
    expiry: 'practice.expiryDate',
    text: 'subject',
  },
  INTERACTION: {
    member: 'teamMember.email',
    practiceType: 'practice.type.code',
    nationality: 'client.nationality',
    text: 'summary',
  },
};

const one = (field: string, values: string[]): CriteriaFilter =>
  values.length === 1
    ? { field, operator: 'EQ', value: values[0] }
    : { field, operator: 'IN', value: [...new Set(values)] };

/** `YYYY-MM-DD` of `date` plus `days`. */
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** First and last day of the month of `date`. */
export function monthOf(date: string): [string, string] {
  const start = `${date.slice(0, 7)}-01`;
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  d.setUTCDate(0);
  return [start, d.toISOString().slice(0, 10)];
}

/** Monday and Sunday of the week of `date`. */
export function weekOf(date: string): [string, string] {
  const dow = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
  const monday = addDays(date, -dow);
  return [monday, addDays(monday, 6)];
}

type DateCondition = { operator: string; value: unknown };

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  seven: 7,
  ten: 10,
  thirty: 30,
  sixty: 60,
  ninety: 90,
  uno: 1,
  due: 2,
  tre: 3,
  sette: 7,
  dieci: 10,
  trenta: 30,
  sessanta: 60,
  novanta: 90,
  satu: 1,
  dua: 2,
  tiga: 3,
  tujuh: 7,
  sepuluh: 10,
  'tiga puluh': 30,
};
const N = `(\\d{1,4}|${Object.keys(NUMBER_WORDS).join('|')})`;
const num = (s: string) => NUMBER_WORDS[s] ?? Number(s);

/** The relative-date phrase of the question, as a condition on a date field. */
function readDate(r: Reading, today: string): { condition: DateCondition; future: boolean } | null {
  const next = r.takeRegex(
    new RegExp(
      `(?:(?:in |within )?(?:the )?next ${N} days|(?:nei |entro i )?prossimi ${N} giorni|entro ${N} giorni|${N} hari (?:ke depan|mendatang|lagi)|dalam ${N} hari)`,
    ),
  );
  if (next) {
    const n = num(next.slice(1).find((g) => g !== undefined)!);
    return { condition: { operator: 'NEXT_N_DAYS', value: n }, future: true };
  }
  const last = r.takeRegex(
    new RegExp(
      `(?:(?:in |over )?(?:the )?(?:last|past) ${N} days|(?:negli )?ultimi ${N} giorni|${N} hari terakhir|dalam ${N} hari terakhir)`,
    ),
  );
  if (last) {
    const n = num(last.slice(1).find((g) => g !== undefined)!);
    return { condition: { operator: 'LAST_N_DAYS', value: n }, future: false };
  }
  if (r.take(['today', 'oggi', 'hari ini', 'odierne', 'di oggi']))
    return { condition: { operator: 'LAST_N_DAYS', value: 0 }, future: false };
  if (r.take(['yesterday', 'ieri', 'kemarin'])) {
    const y = addDays(today, -1);
    return { condition: { operator: 'BETWEEN', value: [y, y] }, future: false };
  }
  if (r.take(['tomorrow', 'domani', 'besok'])) {
    const t = addDays(today, 1);
    return { condition: { operator: 'BETWEEN', value: [t, t] }, future: true };
  }
  if (r.take(['this month', 'questo mese', 'del mese', 'bulan ini', 'entro fine mese', 'this months']))
    return { condition: { operator: 'BETWEEN', value: monthOf(today) }, future: false };
  if (r.take(['next month', 'il mese prossimo', 'prossimo mese', 'bulan depan'])) {
    const [, end] = monthOf(today);
    return { condition: { operator: 'BETWEEN', value: monthOf(addDays(end, 1)) }, future: true };
  }
  if (r.take(['this week', 'questa settimana', 'minggu ini']))
    return { condition: { operator: 'BETWEEN', value: weekOf(today) }, future: false };
  if (r.take(['last week', 'la settimana scorsa', 'settimana scorsa', 'minggu lalu'])) {
    return { condition: { operator: 'BETWEEN', value: weekOf(addDays(today, -7)) }, future: false };
  }
  return null;
}

/** The entity named first in the question, if any. */
function readEntity(r: Reading): { entity: CriteriaEntityName; implied: CriteriaFilter[] } | null {
  const found: { index: number; entity: CriteriaEntityName; implied: CriteriaFilter[] }[] = [];
  for (const [kind, words] of INTERACTION_KINDS) {
    const hit = r.take(words);
    if (hit)
      found.push({
        index: hit.index,
        entity: 'INTERACTION',
        implied: [{ field: 'kind', operator: 'EQ', value: kind }],
      });
  }
  for (const [stage, words] of LIFECYCLE) {
    const hit = r.take(words);
    if (hit)
      found.push({
        index: hit.index,
        entity: 'CLIENT',
        implied: [{ field: 'lifecycleStage', operator: 'EQ', value: stage }],
      });
  }
  for (const [entity, words] of ENTITY_WORDS) {
    for (const hit of r.takeAll(words)) found.push({ index: hit.index, entity, implied: [] });
  }
  if (!found.length) return null;
  found.sort((a, b) => a.index - b.index);
  const entity = found[0].entity;
  // Conditions implied by the words naming that entity ("calls" and "leads") apply; other mentions are context.
  return { entity, implied: found.filter((f) => f.entity === entity).flatMap((f) => f.implied) };
}

/** The heuristic interpreter. */
export class HeuristicAskInterpreter implements AskInterpreter {
  readonly kind = 'HEURISTIC' as const;

  interpret(question: string, vocabulary: AskVocabulary): Promise<Interpretation | NotUnderstood> {
    return Promise.resolve(interpretQuestion(question, vocabulary));
  }
}

/**
 * Reads `question` with `vocabulary` (pure: the same question and vocabulary always give the same
 * tree). See the module comment.
 */
export function interpretQuestion(question: string, vocabulary: AskVocabulary): Interpretation | NotUnderstood {
  // Quoted text is a literal to look for; keep it out of the word rules.
  const quoted: string[] = [];
  const rest = question.replace(/["“”«»]([^"“”«»]{1,200})["“”«»]/gu, (_, q: string) => {
    quoted.push(q.trim());
    return ' ';
  });
  const r = new Reading(rest);

  const date = readDate(r, vocabulary.today);
  const expiring = r.take(EXPIRING) !== null;
  const closing = r.take(CLOSING) !== null;
  const created = r.take(CREATED) !== null;

  // Practice types: by code (PT_PMA as "pt pma" too) and by name, longest first.
  const typeWords = new Map<string, string>();
  for (const t of vocabulary.practiceTypes) {
    typeWords.set(fold(t.code).replaceAll('_', ' '), t.code);
    typeWords.set(fold(t.code), t.code);
    typeWords.set(fold(t.name), t.code);
  }
  const types = r.takeAll([...typeWords.keys()]).map((h) => typeWords.get(h.phrase)!);

  const entityHit = readEntity(r);

  // Team members by full name or first name (every member of that first name).
  const memberWords = new Map<string, string[]>();
  for (const m of vocabulary.members) {
    const full = fold(m.name).trim();
    const first = full.split(/\s+/)[0];
    for (const key of new Set([full, first])) {
      if (key.length < 2 || STOPWORDS.has(key)) continue;
      memberWords.set(key, [...(memberWords.get(key) ?? []), m.email]);
    }
  }
  const memberEmails = r.takeAll([...memberWords.keys()]).flatMap((h) => memberWords.get(h.phrase)!);

  const nationalityWords = new Map<string, string>();
  for (const [value, words] of NATIONALITIES) for (const w of words) nationalityWords.set(w, value);
  const nationalities = r.takeAll([...nationalityWords.keys()]).map((h) => nationalityWords.get(h.phrase)!);

  let entity: CriteriaEntityName | null = entityHit?.entity ?? null;
  if (!entity && (types.length || expiring)) entity = 'PRACTICE';
  if (!entity && closing) entity = 'DEAL';
  if (!entity) {
    // Status words of practices alone ("in progress for Marco") are about practices.
    const probe = new Reading(rest);
    if (STATUS.PRACTICE.some((s) => probe.take(s.words))) entity = 'PRACTICE';
  }
  if (!entity)
    return {
      understood: false,
      reason:
        'The question names no kind of record (clients, practices, deals, tickets, interactions) nor a practice type.',
      unused: r.unused(),
    };
  // Clients "with an expiring KITAS": one practice must be both, so the answer lists those practices.
  if (entity === 'CLIENT' && types.length && expiring) entity = 'PRACTICE';

  const fields = FIELDS[entity];
  const filters: CriteriaFilter[] = [...(entityHit?.entity === entity ? entityHit.implied : [])];
  const anyOf: CriteriaGroup['anyOf'] = [];
  const unusedExtra: string[] = [];

  if (memberEmails.length) filters.push(one(fields.member, memberEmails));
  const statusFilters = new Map<string, CriteriaFilter[]>();
  for (const rule of STATUS[entity]) {
    if (!r.take(rule.words)) continue;
    const f = { field: rule.filter.field ?? 'status', operator: rule.filter.operator, value: rule.filter.value };
    statusFilters.set(f.field, [...(statusFilters.get(f.field) ?? []), f]);
  }
  for (const [field, list] of statusFilters) {
    const eq = list.filter((f) => f.operator === 'EQ').map((f) => f.value as string);
    if (eq.length) filters.push(one(field, eq));
    else filters.push(list[0]);
  }

  if (types.length) {
    if (!fields.practiceType) unusedExtra.push(...types);
    else if (entity === 'INTERACTION') {
      // An interaction is about a practice type when it is linked to such a practice or names it.
      const names = [...new Set(types)].map((code) => code.replaceAll('_', ' '));
      anyOf.push({
        groups: [
          { filters: [one(fields.practiceType, types)] },
          ...names.map((n) => ({ filters: [{ field: 'summary', operator: 'CONTAINS', value: n }] })),
        ],
      });
    } else filters.push(one(fields.practiceType, types));
  }
  if (nationalities.length) filters.push(one(fields.nationality, nationalities));
  for (const q of quoted) if (fields.text) filters.push({ field: fields.text, operator: 'CONTAINS', value: q });

  if (expiring) {
    if (!fields.expiry) unusedExtra.push('expiring');
    else {
      const window = date?.condition.operator === 'NEXT_N_DAYS' || date?.condition.operator === 'BETWEEN';
      filters.push({ field: fields.expiry, ...(window ? date.condition : { operator: 'NEXT_N_DAYS', value: 30 }) });
    }
  }
  if (date && !(expiring && fields.expiry)) {
    const field =
      entity === 'INTERACTION'
        ? 'occurredAt'
        : entity === 'DEAL' && (closing || (date.future && !created))
          ? 'expectedCloseDate'
          : entity === 'PRACTICE' && date.future && !created
            ? 'expiryDate'
            : 'createdAt';
    filters.push({ field, ...date.condition });
  }

  const unused = [...r.unused(), ...unusedExtra];
  if (!filters.length && !anyOf.length && unused.length)
    return {
      understood: false,
      reason: `No condition recognised in the question (not understood: ${unused.map((u) => `"${u}"`).join(', ')}).`,
      unused,
    };
  const group: CriteriaGroup = { filters };
  if (anyOf.length) group.anyOf = anyOf;
  return { understood: true, entity, criteria: { groups: filters.length || anyOf.length ? [group] : [] }, unused };
}
