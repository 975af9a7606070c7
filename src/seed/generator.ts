import { randomUUID } from 'node:crypto';

import { base, de, en, en_AU, en_IN, Faker, fr, id_ID, it, type LocaleDefinition, nl } from '@faker-js/faker';
import {
  type EntityClass,
  type EntityManager,
  type EntityProperty,
  ReferenceKind,
  type RequiredEntityData,
} from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';

import { Client } from '../modules/clients/client.entity.js';
import { ClientKind, ClientSource, LifecycleStage } from '../modules/clients/client.enums.js';
import { Deal, DealStageHistory } from '../modules/deals/deal.entity.js';
import { DealStatus, StageKind } from '../modules/deals/deal.enums.js';
import { Pipeline, PipelineStage } from '../modules/deals/pipeline.entity.js';
import { Interaction } from '../modules/interactions/interaction.entity.js';
import { Direction, InteractionKind, Sentiment } from '../modules/interactions/interaction.enums.js';
import { Practice } from '../modules/practices/practice.entity.js';
import { PaymentStatus, PracticeStatus } from '../modules/practices/practice.enums.js';
import { PracticeType } from '../modules/practices/practice-type.entity.js';
import { Channel } from '../modules/shared/channel.js';
import { Role } from '../modules/tenancy/role.js';
import { TeamMember } from '../modules/tenancy/team-member.entity.js';
import type { Tenant } from '../modules/tenancy/tenant.entity.js';
import { Ticket } from '../modules/tickets/ticket.entity.js';
import { TicketPriority, TicketStatus } from '../modules/tickets/ticket.enums.js';
import { TimelineEvent } from '../modules/timeline/timeline-event.entity.js';
import { TimelineEventType } from '../modules/timeline/timeline-event.enums.js';
import { escapeLike } from '../platform/db/like.js';
import { forkForTenant } from '../platform/db/tenancy.js';
import { Money } from '../platform/graphql/money.js';
import type { Services } from '../services.js';

/**
 * Fixed "now" of generated timestamps (`createdAt`, `occurredAt`, `closedAt`, …): everything
 * happened in the two years before it, so the same seed gives the same data on any day. Business
 * dates that demos need to be current (practice expiry dates, expected close dates) are relative to
 * today instead.
 */
export const SEED_ANCHOR = new Date('2026-11-01T00:00:00.000Z');

/**
 * Seed of the small data set {@link seedDemoData} writes; chosen so that the demo has organisations,
 * deals in every kind of stage, a permit that expired last month and several due for renewal in
 * the next 90 days (expiry dates are offsets from today, so this holds on any day).
 */
export const DEMO_DATA_SEED = 35;

/** Number of clients {@link seedDemoData} writes. */
export const DEMO_DATA_CLIENTS = 25;

/** Clients generated (and inserted, in one transaction) per batch. */
const CLIENT_BATCH = 500;
/** Rows per INSERT statement (keeps every statement well under PostgreSQL's 65535 parameters). */
const INSERT_CHUNK = 1000;
/** Timeline events inserted per transaction. */
const EVENT_TRANSACTION = 10_000;

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Options of {@link generateDataset}. */
export interface GenerateOptions {
  /** Slug of the tenant to fill; created (with its defaults) if missing. */
  tenantSlug: string;
  /** How many clients to generate. */
  clients: number;
  /** Seed of the random generator (default 42): the same seed gives the same names and counts. */
  seed?: number;
  /** Called after every inserted batch of clients. */
  onProgress?: (done: number, total: number) => void;
  services: Services;
}

/** What {@link generateDataset} inserted. */
export interface GenerateResult {
  tenantId: string;
  clients: number;
  practices: number;
  deals: number;
  tickets: number;
  interactions: number;
  events: number;
}

/**
 * Fills a tenant with a realistic, deterministic CRM data set for development, demos and
 * benchmarks: `clients` clients (people of many nationalities, ~10% organisations) with practices,
 * deals (with their stage history), tickets, interactions and one timeline event per record.
 *
 * Creates the tenant (with its practice types and pipeline) and five team members if missing.
 * The same `seed` always gives the same names, emails and counts (emails get a numeric suffix if
 * the tenant already has them). Rows are written with multi-row INSERTs, one transaction per batch
 * of clients; ticket numbers continue the tenant's `ticket` counter. Timeline events are written as
 * already published, so the outbox relay does not broadcast them. `root` is an unscoped
 * EntityManager.
 */
export async function generateDataset(root: EntityManager, opts: GenerateOptions): Promise<GenerateResult> {
  const { tenant } = await opts.services.tenancy.ensureTenant(root, opts.tenantSlug);
  const em = forkForTenant(root, tenant.id);
  const members: SeedMember[] = [];
  for (const m of seedMembers(tenant.slug))
    members.push(await opts.services.tenancy.ensureMember(em, m.email, m.role, m.name));
  const counts = await fillTenant(em, tenant, members, opts.clients, opts.seed ?? 42, opts.onProgress);
  return { tenantId: tenant.id, ...counts };
}

/**
 * Writes a small demo data set ({@link DEMO_DATA_CLIENTS} clients with their practices, deals,
 * tickets, interactions and timeline) into a tenant that has no clients yet; does nothing
 * otherwise, so it is safe to call on every start. `em` is scoped to `tenant`, whose practice types
 * and pipeline must exist (they are seeded when the tenant is created).
 */
export async function seedDemoData(em: EntityManager, tenant: Tenant): Promise<void> {
  if (await em.count(Client, {})) return;
  const members: SeedMember[] = [];
  for (const m of seedMembers(tenant.slug)) {
    const existing = await em.findOne(TeamMember, { email: { $ilike: escapeLike(m.email) } });
    members.push(existing ?? em.create(TeamMember, { email: m.email, name: m.name, role: m.role, active: true }));
  }
  await em.flush();
  await fillTenant(em, tenant, members, DEMO_DATA_CLIENTS, DEMO_DATA_SEED);
}

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

interface SeedMember {
  id: string;
  name: string;
  role: Role;
}

/** The five team members of a seeded tenant. */
function seedMembers(slug: string): { email: string; name: string; role: Role }[] {
  return [
    { email: `manager1@${slug}.example`, name: 'Ayu Lestari', role: Role.MANAGER },
    { email: `agent1@${slug}.example`, name: 'Made Wirawan', role: Role.AGENT },
    { email: `agent2@${slug}.example`, name: 'Komang Sari', role: Role.AGENT },
    { email: `agent3@${slug}.example`, name: 'Putu Pratama', role: Role.AGENT },
    { email: `viewer1@${slug}.example`, name: 'Nyoman Dewi', role: Role.VIEWER },
  ];
}

interface NameList {
  male: readonly string[];
  female: readonly string[];
  last: readonly string[];
  /** Surname of a woman from the (male) surname, e.g. Ivanov → Ivanova. */
  feminine?: (last: string) => string;
}

interface Nationality {
  name: string;
  weight: number;
  /** Country calling code for home-country phone numbers. */
  callingCode: string;
  /** First digits of home-country mobile numbers (after the calling code), and how many digits follow. */
  mobilePrefixes: readonly string[];
  mobileDigits: number;
  /** Faker locale of the names, or hand-written romanised names. */
  locale?: LocaleDefinition;
  names?: NameList;
  domains: readonly string[];
}

const ENGLISH: NameList = {
  male: ['James', 'Oliver', 'Jack', 'William', 'Thomas', 'Noah', 'Liam', 'Ethan', 'Henry', 'Daniel', 'Matthew'],
  female: ['Olivia', 'Charlotte', 'Amelia', 'Emily', 'Isla', 'Grace', 'Sophie', 'Jessica', 'Hannah', 'Lucy', 'Sarah'],
  last: [
    'Smith',
    'Jones',
    'Williams',
    'Brown',
    'Taylor',
    'Wilson',
    'Johnson',
    'Davies',
    'Evans',
    'Roberts',
    'Walker',
    'Wright',
    'Thompson',
    'White',
    'Hughes',
    'Green',
    'Hall',
    'Harris',
    'Clarke',
    'Robinson',
    'Kelly',
    'Murphy',
    'Campbell',
    'Miller',
    'Mitchell',
    'Cooper',
    'Baker',
    'Turner',
  ],
};
const RUSSIAN: NameList = {
  male: ['Alexei', 'Dmitry', 'Ivan', 'Sergei', 'Andrei', 'Mikhail', 'Nikolai', 'Pavel', 'Vladimir', 'Artem', 'Maxim'],
  female: ['Olga', 'Anna', 'Elena', 'Natalia', 'Tatiana', 'Maria', 'Irina', 'Ekaterina', 'Svetlana', 'Yulia', 'Daria'],
  last: ['Ivanov', 'Smirnov', 'Kuznetsov', 'Popov', 'Sokolov', 'Lebedev', 'Kozlov', 'Novikov', 'Morozov', 'Petrov'],
  feminine: (last) => `${last}a`,
};
const JAPANESE: NameList = {
  male: ['Haruto', 'Yuto', 'Sota', 'Ren', 'Takumi', 'Kenji', 'Hiroshi', 'Daiki', 'Kaito', 'Shota'],
  female: ['Yui', 'Aoi', 'Hina', 'Sakura', 'Yuki', 'Mei', 'Emi', 'Akiko', 'Haruka', 'Naomi'],
  last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato'],
};
const KOREAN: NameList = {
  male: ['Min-jun', 'Ji-ho', 'Do-yun', 'Seo-jun', 'Hyun-woo', 'Jae-won', 'Sung-min', 'Tae-yang'],
  female: ['Seo-yeon', 'Ha-eun', 'Ji-woo', 'Su-bin', 'Ye-jin', 'Eun-ji', 'Min-seo', 'Hye-jin'],
  last: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon', 'Jang', 'Lim', 'Han', 'Shin'],
};
const CHINESE: NameList = {
  male: ['Wei', 'Hao', 'Jun', 'Lei', 'Tao', 'Ming', 'Yong', 'Jian', 'Bo', 'Qiang'],
  female: ['Fang', 'Jing', 'Li Na', 'Min', 'Xiu Ying', 'Yan', 'Xin', 'Yu', 'Mei', 'Ting'],
  last: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun'],
};
const SINGAPOREAN: NameList = {
  male: ['Wei Ming', 'Jun Jie', 'Kai Wen', 'Darren', 'Marcus', 'Muhammad Faris', 'Arjun', 'Zhi Hao'],
  female: ['Jia Hui', 'Xin Yi', 'Shu Fen', 'Rachel', 'Nurul Aisyah', 'Priya', 'Hui Min', 'Sharon'],
  last: ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Wong', 'Goh', 'Chua', 'Chan', 'Koh', 'Teo', 'Rahman'],
};

/** Indonesian mobile prefixes (Telkomsel, Indosat, XL, Tri). */
const ID_MOBILE_PREFIXES = ['811', '812', '813', '821', '822', '852', '853', '857', '858', '877', '878', '895', '896'];

const NATIONALITIES: readonly Nationality[] = [
  nationality('Australian', 18, en_AU, '61', ['4'], 8, 'au'),
  nationality('Italian', 8, it, '39', ['320', '328', '333', '340', '347', '349'], 7, 'it'),
  nationality('German', 8, de, '49', ['151', '152', '160', '162', '170', '171', '176'], 8, 'de'),
  nationality('Dutch', 6, nl, '31', ['6'], 8, 'nl'),
  nationality('French', 7, fr, '33', ['6', '7'], 8, 'fr'),
  nationality('American', 9, ENGLISH, '1', ['212', '310', '415', '512', '617', '646', '808', '917'], 7, 'us'),
  nationality('British', 9, ENGLISH, '44', ['7'], 9, 'uk'),
  nationality('Russian', 7, RUSSIAN, '7', ['9'], 9, 'ru'),
  nationality('Japanese', 4, JAPANESE, '81', ['70', '80', '90'], 8, 'jp'),
  nationality('Korean', 4, KOREAN, '82', ['10'], 8, 'kr'),
  nationality('Chinese', 5, CHINESE, '86', ['13', '15', '18'], 9, 'cn'),
  nationality('Indian', 5, en_IN, '91', ['7', '8', '9'], 9, 'in'),
  nationality('Singaporean', 4, SINGAPOREAN, '65', ['8', '9'], 7, 'sg'),
  nationality('Indonesian', 6, id_ID, '62', ID_MOBILE_PREFIXES, 8, 'id'),
];

/**
 * A nationality. Emails use reserved domains only (`<country>.example`, example.com, example.org:
 * RFC 2606), so no generated address can reach a real mailbox.
 */
function nationality(
  name: string,
  weight: number,
  names: LocaleDefinition | NameList,
  callingCode: string,
  mobilePrefixes: readonly string[],
  mobileDigits: number,
  country: string,
): Nationality {
  const hand = 'last' in names && Array.isArray(names.last);
  return {
    name,
    weight,
    callingCode,
    mobilePrefixes,
    mobileDigits,
    ...(hand ? { names: names as NameList } : { locale: names as LocaleDefinition }),
    domains: [`${country}.example`, 'example.com', 'example.org'],
  };
}

const ORG_WORDS_1 = ['Bali', 'Nusa', 'Ubud', 'Canggu', 'Seminyak', 'Lombok', 'Java', 'Sunda', 'Garuda', 'Komodo'];
const ORG_WORDS_2 = ['Tropical', 'Island', 'Ocean', 'Coral', 'Lotus', 'Banyan', 'Sunrise', 'Green', 'Blue', 'Golden'];
const ORG_WORDS_3 = [
  'Villas',
  'Hospitality',
  'Trading',
  'Ventures',
  'Consulting',
  'Wellness',
  'Surf',
  'Studio',
  'Foods',
];
const ORG_WORDS_4 = ['Design', 'Property', 'Logistics', 'Energy', 'Digital', 'Retreats', 'Coffee', 'Furniture'];

const TAGS = [
  'vip',
  'retiree',
  'investor',
  'digital-nomad',
  'family',
  'bali',
  'jakarta',
  'lombok',
  'newsletter',
  'referral-partner',
  'repeat-customer',
  'price-sensitive',
  'speaks-indonesian',
];

/** How often people need each practice type (unknown types: 5). */
const PERSON_TYPE_WEIGHTS: Partial<Record<string, number>> = {
  KITAS: 30,
  RETIREMENT_KITAS: 12,
  INVESTOR_KITAS: 10,
  KITAP: 6,
  NPWP: 12,
  BPJS: 10,
  PT_PMA: 6,
};
/** Practice types of organisations. */
const ORG_TYPE_WEIGHTS: Partial<Record<string, number>> = { PT_PMA: 5, NPWP: 3, BPJS: 2 };

const LOST_REASONS = [
  'Price too high',
  'Chose another agent',
  'Plans changed',
  'No response after proposal',
  'Did not meet the visa requirements',
  'Postponed to next year',
  'Handled it themselves',
];

const TICKET_DESCRIPTIONS = [
  'Could you please check and let me know?',
  'I sent the documents last week but have not heard back.',
  'Please call me back when you have an update.',
  'This is urgent: my current permit expires soon.',
  'My agent at the office said you would send it by email.',
  'Thank you for your help so far!',
];

const TICKET_SUBJECTS = [
  'Question about {type} requirements',
  'When will my {type} be ready?',
  'Passport return after {type}',
  'Request for an invoice copy',
  'Change of address for {type}',
  'Payment confirmation not received',
  'Documents uploaded for {type}',
  'Immigration office appointment',
  'Sponsor letter needs correction',
  'Renewal reminder for {type}',
  'Add a family member to {type}',
  'Refund request',
];

/** What an interaction was about, and which way it went (`{type}`: a practice type). */
const INTERACTION_SUMMARIES: Record<InteractionKind, readonly [string, Direction][]> = {
  CHAT: [
    ['Asked about {type} processing times', Direction.INBOUND],
    ['Asked how much {type} costs', Direction.INBOUND],
    ['Sent the document checklist for {type}', Direction.OUTBOUND],
  ],
  EMAIL: [
    ['Sent the quotation for {type}', Direction.OUTBOUND],
    ['Received the signed sponsor letter', Direction.INBOUND],
    ['Emailed the list of documents for {type}', Direction.OUTBOUND],
    ['Asked for an update on {type}', Direction.INBOUND],
  ],
  CALL: [
    ['Called to check the status of {type}', Direction.INBOUND],
    ['Explained the {type} renewal process', Direction.OUTBOUND],
    ['Follow-up call after the proposal', Direction.OUTBOUND],
  ],
  WHATSAPP: [
    ['Asked when to visit the immigration office', Direction.INBOUND],
    ['Confirmed the payment for {type}', Direction.INBOUND],
    ['Reminded about the {type} expiry date', Direction.OUTBOUND],
    ['Shared new passport photos', Direction.INBOUND],
  ],
  MEETING: [
    ['Meeting at the office about {type}', Direction.OUTBOUND],
    ['Video call to plan the company setup', Direction.OUTBOUND],
    ['Met to sign the {type} documents', Direction.INBOUND],
  ],
  NOTE: [
    ['Prefers contact in the morning', Direction.INTERNAL],
    ['Client is moving to Lombok next year', Direction.INTERNAL],
    ['Wants a discount for the family', Direction.INTERNAL],
    ['Passport expires soon: check before submitting {type}', Direction.INTERNAL],
  ],
};

const CLIENT_NOTES = [
  'Prefers WhatsApp over email',
  'Referred by an existing client',
  'Spends half the year in Bali',
  'Needs an English-speaking notary',
  'Family of four: spouse and two children',
];

const ACTION_ITEMS = [
  'Send the quotation',
  'Request a passport copy',
  'Book the immigration appointment',
  'Chase the payment',
  'Prepare the sponsor letter',
  'Call back next week',
  'Check the expiry date',
];

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

interface TypeInfo {
  id: string;
  code: string;
  name: string;
  /** Short name for summaries, e.g. "Retirement KITAS". */
  label: string;
  renewable: boolean;
  renewalPeriodDays: number | null;
  price: number | null;
  currency: string;
}

interface StageInfo {
  id: string;
  kind: StageKind;
  probability: number;
  position: number;
  name: string;
}

type Row<T extends object> = RequiredEntityData<T>;

/** Rows of one batch of clients, ready for insertMany. */
interface Batch {
  clients: Row<Client>[];
  practices: Row<Practice>[];
  deals: Row<Deal>[];
  histories: Row<DealStageHistory>[];
  tickets: Row<Ticket>[];
  interactions: Row<Interaction>[];
  events: Row<TimelineEvent>[];
  /** Completes ticket rows and their events once their numbers are reserved. */
  numberTickets: ((first: number) => void) | null;
}

/** Everything the generator needs about the tenant and its random sources. */
class Generator {
  private readonly f: Faker;
  private readonly nameFakers = new Map<string, Faker>();
  private readonly today: number;
  private readonly writers: SeedMember[];
  private readonly orgs: { id: string; name: string }[] = [];
  private readonly nationalityWeights: { weight: number; value: Nationality }[];
  private readonly personTypeWeights: { weight: number; value: TypeInfo }[];
  private readonly orgTypeWeights: { weight: number; value: TypeInfo }[];

  constructor(
    private readonly tenantId: string,
    private readonly currency: string,
    seed: number,
    private readonly types: TypeInfo[],
    private readonly pipelineId: string | null,
    private readonly stages: StageInfo[],
    members: SeedMember[],
    private readonly emails: Set<string>,
  ) {
    this.f = new Faker({ locale: [en, base] });
    this.f.seed(seed);
    NATIONALITIES.forEach((n, i) => {
      if (!n.locale) return;
      const nf = new Faker({ locale: [n.locale, en, base] });
      nf.seed(seed * 31 + i + 1);
      this.nameFakers.set(n.name, nf);
    });
    const now = new Date();
    this.today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    this.writers = members.filter((m) => m.role !== Role.VIEWER);
    this.nationalityWeights = NATIONALITIES.map((n) => ({ weight: n.weight, value: n }));
    this.personTypeWeights = types.map((t) => ({ weight: PERSON_TYPE_WEIGHTS[t.code] ?? 5, value: t }));
    this.orgTypeWeights = types
      .filter((t) => ORG_TYPE_WEIGHTS[t.code])
      .map((t) => ({ weight: ORG_TYPE_WEIGHTS[t.code]!, value: t }));
  }

  /** A practice type for a person or an organisation, the common ones more often. */
  private pickType(isOrg: boolean): TypeInfo {
    const weights = isOrg && this.orgTypeWeights.length ? this.orgTypeWeights : this.personTypeWeights;
    return this.f.helpers.weightedArrayElement(weights);
  }

  /** Generates `count` clients with everything that belongs to them. */
  batch(count: number): Batch {
    const b: Batch = {
      clients: [],
      practices: [],
      deals: [],
      histories: [],
      tickets: [],
      interactions: [],
      events: [],
      numberTickets: null,
    };
    const ticketEvents: { ticket: Row<Ticket>; event: Row<TimelineEvent> }[] = [];
    for (let i = 0; i < count; i++) this.client(b, ticketEvents);
    if (ticketEvents.length)
      b.numberTickets = (first) =>
        ticketEvents.forEach(({ ticket, event }, i) => {
          ticket.number = first + i;
          event.summary = clip(`Ticket #${ticket.number} opened: ${ticket.subject}`);
        });
    return b;
  }

  private client(b: Batch, ticketEvents: { ticket: Row<Ticket>; event: Row<TimelineEvent> }[]): void {
    const f = this.f;
    const id = randomUUID();
    const isOrg = f.number.float() < 0.1;
    const origin = f.helpers.weightedArrayElement(this.nationalityWeights);
    const stage = f.helpers.weightedArrayElement([
      { weight: 30, value: LifecycleStage.LEAD },
      { weight: 20, value: LifecycleStage.PROSPECT },
      { weight: 35, value: LifecycleStage.CUSTOMER },
      { weight: 10, value: LifecycleStage.INACTIVE },
      { weight: 5, value: LifecycleStage.CHURNED },
    ]);
    const createdAt = this.past(SEED_ANCHOR.getTime() - 730 * DAY);
    let fullName: string;
    let email: string | null;
    let phone: string | null;
    let organization: string | null = null;
    if (isOrg) {
      fullName = `PT ${f.helpers.arrayElement(ORG_WORDS_1)} ${f.helpers.arrayElement(ORG_WORDS_2)} ${f.helpers.arrayElement(f.datatype.boolean() ? ORG_WORDS_3 : ORG_WORDS_4)}`;
      email = this.uniqueEmail('info', `${asciiSlug(fullName.slice(3), '')}.example`);
      phone = `+62361${f.string.numeric(6)}`;
    } else {
      const { first, last } = this.personName(origin);
      fullName = `${first} ${last}`;
      email =
        f.number.float() < 0.05
          ? null
          : this.uniqueEmail(
              f.helpers.arrayElement([`${first}.${last}`, `${first}${last}`, `${first[0]}${last}`, `${first}_${last}`]),
              f.helpers.arrayElement(origin.domains),
            );
      const p = f.number.float();
      phone =
        p < 0.75
          ? `+62${f.helpers.arrayElement(ID_MOBILE_PREFIXES)}${f.string.numeric(f.number.int({ min: 7, max: 8 }))}`
          : p < 0.95
            ? `+${origin.callingCode}${f.helpers.arrayElement(origin.mobilePrefixes)}${f.string.numeric(origin.mobileDigits)}`
            : null;
      if (this.orgs.length && f.number.float() < 0.25) organization = f.helpers.arrayElement(this.orgs).id;
    }
    const owner = f.number.float() < 0.9 ? f.helpers.arrayElement(this.writers) : null;
    const leadScore = {
      LEAD: [5, 60],
      PROSPECT: [30, 85],
      CUSTOMER: [50, 100],
      INACTIVE: [10, 50],
      CHURNED: [0, 25],
    }[stage];
    b.clients.push({
      id,
      tenant: this.tenantId,
      kind: isOrg ? ClientKind.ORGANIZATION : ClientKind.PERSON,
      fullName,
      email,
      phone,
      nationality: isOrg ? 'Indonesian' : origin.name,
      lifecycleStage: stage,
      leadScore: f.number.int({ min: leadScore[0]!, max: leadScore[1]! }),
      source: f.helpers.weightedArrayElement([
        { weight: 15, value: ClientSource.WHATSAPP },
        { weight: 15, value: ClientSource.WEB },
        { weight: 20, value: ClientSource.REFERRAL },
        { weight: 10, value: ClientSource.EMAIL },
        { weight: 8, value: ClientSource.CHAT },
        { weight: 8, value: ClientSource.PHONE },
        { weight: 8, value: ClientSource.WALK_IN },
        { weight: 10, value: ClientSource.IMPORT },
        { weight: 6, value: ClientSource.OTHER },
      ]),
      tags: f.helpers.arrayElements(TAGS, { min: 0, max: 3 }),
      owner: owner?.id ?? null,
      organization,
      notes: f.number.float() < 0.15 ? f.helpers.arrayElement(CLIENT_NOTES) : null,
      archivedAt:
        stage === LifecycleStage.CHURNED && f.number.float() < 0.3 ? this.between(createdAt, SEED_ANCHOR) : null,
      createdAt,
      updatedAt: createdAt,
    });
    if (isOrg) this.orgs.push({ id, name: fullName });
    b.events.push(
      this.event(TimelineEventType.CLIENT_CREATED, Client.name, id, id, createdAt, `Client ${fullName} created`),
    );

    const ctx: ClientCtx = { id, fullName, isOrg, createdAt, stage, owner, practices: [], deals: [] };
    this.practices(b, ctx);
    this.deals(b, ctx);
    this.tickets(b, ctx, ticketEvents);
    this.interactions(b, ctx);
  }

  private practices(b: Batch, c: ClientCtx): void {
    const f = this.f;
    if (!this.types.length) return;
    const [min, max] = {
      LEAD: [0, 1],
      PROSPECT: [0, 2],
      CUSTOMER: [1, 3],
      INACTIVE: [1, 2],
      CHURNED: [0, 2],
    }[c.stage];
    const n = f.number.int({ min: min!, max: max! });
    for (let i = 0; i < n; i++) {
      const type = this.pickType(c.isOrg);
      const status = this.practiceStatus(c.stage);
      const createdAt = this.between(c.createdAt, SEED_ANCHOR);
      const dates = this.practiceDates(type, status);
      const quoted = type.price ? roundTo(type.price * f.number.float({ min: 0.9, max: 1.2 }), 100_000) : null;
      const started = !(
        [PracticeStatus.INQUIRY, PracticeStatus.QUOTATION_SENT, PracticeStatus.PAYMENT_PENDING] as string[]
      ).includes(status);
      const payment = this.paymentStatus(status);
      const actual = quoted && started ? (f.number.float() < 0.2 ? roundTo(quoted * 0.9, 100_000) : quoted) : null;
      const paid =
        payment === PaymentStatus.PAID
          ? (actual ?? quoted)
          : payment === PaymentStatus.PARTIAL && (actual ?? quoted)
            ? roundTo((actual ?? quoted)! / 2, 100_000)
            : null;
      const id = randomUUID();
      b.practices.push({
        id,
        tenant: this.tenantId,
        client: c.id,
        type: type.id,
        status,
        quotedPrice: quoted === null || status === PracticeStatus.INQUIRY ? null : this.money(quoted, type.currency),
        actualPrice: actual === null ? null : this.money(actual, type.currency),
        paymentStatus: payment,
        amountPaid: paid === null ? null : this.money(paid, type.currency),
        ...dates,
        assignedTo: c.owner?.id ?? null,
        notes: null,
        renewalOf: null,
        createdAt,
        updatedAt: createdAt,
      });
      c.practices.push({ id, label: type.label });
      b.events.push(
        this.event(
          TimelineEventType.PRACTICE_CREATED,
          Practice.name,
          id,
          c.id,
          createdAt,
          `Practice ${type.label} opened for ${c.fullName}`,
        ),
      );
    }
  }

  private practiceStatus(stage: LifecycleStage): PracticeStatus {
    const f = this.f;
    switch (stage) {
      case LifecycleStage.LEAD:
        return f.helpers.weightedArrayElement([
          { weight: 6, value: PracticeStatus.INQUIRY },
          { weight: 3, value: PracticeStatus.QUOTATION_SENT },
          { weight: 1, value: PracticeStatus.CANCELLED },
        ]);
      case LifecycleStage.PROSPECT:
        return f.helpers.weightedArrayElement([
          { weight: 3, value: PracticeStatus.INQUIRY },
          { weight: 4, value: PracticeStatus.QUOTATION_SENT },
          { weight: 3, value: PracticeStatus.PAYMENT_PENDING },
          { weight: 1, value: PracticeStatus.CANCELLED },
        ]);
      case LifecycleStage.INACTIVE:
      case LifecycleStage.CHURNED:
        return f.helpers.weightedArrayElement([
          { weight: 6, value: PracticeStatus.COMPLETED },
          { weight: 2, value: PracticeStatus.CANCELLED },
          { weight: 1, value: PracticeStatus.REJECTED },
        ]);
      default:
        return f.helpers.weightedArrayElement([
          { weight: 3, value: PracticeStatus.PAYMENT_PENDING },
          { weight: 6, value: PracticeStatus.IN_PROGRESS },
          { weight: 4, value: PracticeStatus.WAITING_DOCUMENTS },
          { weight: 4, value: PracticeStatus.SUBMITTED },
          { weight: 3, value: PracticeStatus.APPROVED },
          { weight: 20, value: PracticeStatus.COMPLETED },
          { weight: 1, value: PracticeStatus.REJECTED },
          { weight: 1, value: PracticeStatus.CANCELLED },
        ]);
    }
  }

  private paymentStatus(status: PracticeStatus): PaymentStatus {
    const f = this.f;
    switch (status) {
      case PracticeStatus.INQUIRY:
      case PracticeStatus.QUOTATION_SENT:
        return PaymentStatus.UNPAID;
      case PracticeStatus.PAYMENT_PENDING:
        return f.number.float() < 0.3 ? PaymentStatus.PARTIAL : PaymentStatus.UNPAID;
      case PracticeStatus.COMPLETED:
      case PracticeStatus.APPROVED:
        return PaymentStatus.PAID;
      case PracticeStatus.CANCELLED:
        return f.number.float() < 0.2 ? PaymentStatus.REFUNDED : PaymentStatus.UNPAID;
      case PracticeStatus.REJECTED:
        return f.number.float() < 0.5 ? PaymentStatus.REFUNDED : PaymentStatus.PAID;
      default:
        return f.number.float() < 0.7 ? PaymentStatus.PAID : PaymentStatus.PARTIAL;
    }
  }

  /**
   * Start, completion and expiry dates. Completed renewable practices expire between six months
   * ago and eighteen months from today, so renewal alerts always have something to show.
   */
  private practiceDates(
    type: TypeInfo,
    status: PracticeStatus,
  ): { startDate: string | null; completionDate: string | null; expiryDate: string | null } {
    const f = this.f;
    const today = this.today;
    switch (status) {
      case PracticeStatus.INQUIRY:
      case PracticeStatus.QUOTATION_SENT:
      case PracticeStatus.PAYMENT_PENDING:
        return { startDate: null, completionDate: null, expiryDate: null };
      case PracticeStatus.COMPLETED: {
        if (type.renewable) {
          const from = addMonths(today, -6);
          const to = addMonths(today, 18);
          const expiry = from + f.number.int({ min: 0, max: Math.round((to - from) / DAY) }) * DAY;
          const validity = (type.renewalPeriodDays ?? 365) * DAY;
          const completion = Math.min(expiry - validity, today - f.number.int({ min: 1, max: 30 }) * DAY);
          const start = completion - f.number.int({ min: 14, max: 75 }) * DAY;
          return { startDate: isoDate(start), completionDate: isoDate(completion), expiryDate: isoDate(expiry) };
        }
        const completion = today - f.number.int({ min: 7, max: 700 }) * DAY;
        const start = completion - f.number.int({ min: 14, max: 90 }) * DAY;
        return { startDate: isoDate(start), completionDate: isoDate(completion), expiryDate: null };
      }
      case PracticeStatus.CANCELLED:
        return {
          startDate: f.datatype.boolean() ? isoDate(today - f.number.int({ min: 30, max: 600 }) * DAY) : null,
          completionDate: null,
          expiryDate: null,
        };
      case PracticeStatus.REJECTED:
        return {
          startDate: isoDate(today - f.number.int({ min: 30, max: 500 }) * DAY),
          completionDate: null,
          expiryDate: null,
        };
      default:
        return {
          startDate: isoDate(today - f.number.int({ min: 3, max: 120 }) * DAY),
          completionDate: null,
          expiryDate: null,
        };
    }
  }

  private deals(b: Batch, c: ClientCtx): void {
    const f = this.f;
    if (!this.pipelineId || !this.stages.length || !this.types.length) return;
    const n = f.helpers.weightedArrayElement([
      { weight: 40, value: 0 },
      { weight: 45, value: 1 },
      { weight: 15, value: 2 },
    ]);
    for (let i = 0; i < n; i++) {
      const stage = f.helpers.weightedArrayElement(
        this.stages.map((s) => ({ weight: s.kind === StageKind.WON ? 25 : 15, value: s })),
      );
      const type = this.pickType(c.isOrg);
      const createdAt = this.between(c.createdAt, SEED_ANCHOR);
      const closed = stage.kind !== StageKind.OPEN;
      const closedAt = closed ? this.between(createdAt, new Date(createdAt.getTime() + 90 * DAY)) : null;
      const owner = c.owner ?? f.helpers.arrayElement(this.writers);
      const title = f.helpers.arrayElement([
        `${type.name} for ${c.fullName}`,
        `${type.label} – ${c.fullName}`,
        `${c.fullName}: ${type.name}`,
      ]);
      const id = randomUUID();
      const amount = roundTo((type.price ?? 10_000_000) * f.number.int({ min: 1, max: 3 }), 100_000);
      b.deals.push({
        id,
        tenant: this.tenantId,
        title: clip(title, 200),
        client: c.id,
        pipeline: this.pipelineId,
        stage: stage.id,
        amount: this.money(amount, type.currency),
        probability: stage.probability,
        expectedCloseDate: closedAt
          ? isoDate(closedAt.getTime())
          : isoDate(this.today + f.number.int({ min: 7, max: 120 }) * DAY),
        owner: owner.id,
        status:
          stage.kind === StageKind.WON
            ? DealStatus.WON
            : stage.kind === StageKind.LOST
              ? DealStatus.LOST
              : DealStatus.OPEN,
        closedAt,
        lostReason: stage.kind === StageKind.LOST ? f.helpers.arrayElement(LOST_REASONS) : null,
        createdAt,
        updatedAt: closedAt ?? createdAt,
      });
      b.histories.push({
        id: randomUUID(),
        tenant: this.tenantId,
        deal: id,
        stage: stage.id,
        enteredAt: closedAt ?? this.between(createdAt, SEED_ANCHOR),
        leftAt: null,
        movedBy: owner.id,
        createdAt,
        updatedAt: createdAt,
      });
      c.deals.push(id);
      b.events.push(
        this.event(TimelineEventType.DEAL_CREATED, Deal.name, id, c.id, createdAt, `Deal "${title}" created`),
      );
    }
  }

  private tickets(b: Batch, c: ClientCtx, ticketEvents: { ticket: Row<Ticket>; event: Row<TimelineEvent> }[]): void {
    const f = this.f;
    const n = f.helpers.weightedArrayElement([
      { weight: 55, value: 0 },
      { weight: 33, value: 1 },
      { weight: 12, value: 2 },
    ]);
    for (let i = 0; i < n; i++) {
      const practice = c.practices.length && f.number.float() < 0.6 ? f.helpers.arrayElement(c.practices) : null;
      const typeLabel = practice?.label ?? (this.types.length ? this.pickType(c.isOrg).label : 'KITAS');
      const subject = f.helpers.arrayElement(TICKET_SUBJECTS).replace('{type}', typeLabel);
      const createdAt = this.between(c.createdAt, SEED_ANCHOR);
      const status = f.helpers.weightedArrayElement([
        { weight: 25, value: TicketStatus.OPEN },
        { weight: 15, value: TicketStatus.PENDING },
        { weight: 30, value: TicketStatus.RESOLVED },
        { weight: 30, value: TicketStatus.CLOSED },
      ]);
      const resolved = status === TicketStatus.RESOLVED || status === TicketStatus.CLOSED;
      const resolvedAt = resolved ? this.between(createdAt, new Date(createdAt.getTime() + 10 * DAY)) : null;
      const channel = f.helpers.weightedArrayElement([
        { weight: 35, value: Channel.WHATSAPP },
        { weight: 25, value: Channel.EMAIL },
        { weight: 15, value: Channel.WEB },
        { weight: 15, value: Channel.CHAT },
        { weight: 10, value: Channel.PHONE },
      ]);
      const id = randomUUID();
      const ticket: Row<Ticket> = {
        id,
        tenant: this.tenantId,
        number: 0,
        subject,
        description: f.number.float() < 0.7 ? f.helpers.arrayElement(TICKET_DESCRIPTIONS) : null,
        status,
        priority: f.helpers.weightedArrayElement([
          { weight: 20, value: TicketPriority.LOW },
          { weight: 55, value: TicketPriority.NORMAL },
          { weight: 20, value: TicketPriority.HIGH },
          { weight: 5, value: TicketPriority.URGENT },
        ]),
        channel,
        client: c.id,
        deal: c.deals.length && f.number.float() < 0.2 ? f.helpers.arrayElement(c.deals) : null,
        practice: practice?.id ?? null,
        assignee: f.number.float() < 0.85 ? f.helpers.arrayElement(this.writers).id : null,
        resolvedAt,
        createdAt,
        updatedAt: resolvedAt ?? createdAt,
      };
      const event = this.event(TimelineEventType.TICKET_OPENED, Ticket.name, id, c.id, createdAt, '', channel);
      b.tickets.push(ticket);
      b.events.push(event);
      ticketEvents.push({ ticket, event });
    }
  }

  private interactions(b: Batch, c: ClientCtx): void {
    const f = this.f;
    const n = f.number.int({ min: 0, max: 4 });
    for (let i = 0; i < n; i++) {
      const kind = f.helpers.weightedArrayElement([
        { weight: 25, value: InteractionKind.WHATSAPP },
        { weight: 20, value: InteractionKind.EMAIL },
        { weight: 15, value: InteractionKind.CALL },
        { weight: 15, value: InteractionKind.CHAT },
        { weight: 10, value: InteractionKind.MEETING },
        { weight: 15, value: InteractionKind.NOTE },
      ]);
      const practice = c.practices.length && f.number.float() < 0.5 ? f.helpers.arrayElement(c.practices) : null;
      const [template, direction] = f.helpers.arrayElement(INTERACTION_SUMMARIES[kind]);
      const summary = template.replace('{type}', practice?.label ?? 'KITAS');
      const occurredAt = this.between(c.createdAt, SEED_ANCHOR);
      const member = f.helpers.arrayElement(this.writers);
      const id = randomUUID();
      b.interactions.push({
        id,
        tenant: this.tenantId,
        client: c.id,
        practice: practice?.id ?? null,
        kind,
        direction,
        summary,
        sentiment:
          kind === InteractionKind.NOTE
            ? null
            : f.helpers.weightedArrayElement([
                { weight: 45, value: Sentiment.POSITIVE },
                { weight: 40, value: Sentiment.NEUTRAL },
                { weight: 15, value: Sentiment.NEGATIVE },
              ]),
        actionItems: f.number.float() < 0.3 ? f.helpers.arrayElements(ACTION_ITEMS, { min: 1, max: 2 }) : [],
        occurredAt,
        teamMember: member.id,
        createdAt: occurredAt,
        updatedAt: occurredAt,
      });
      b.events.push(
        this.event(
          TimelineEventType.INTERACTION_LOGGED,
          Interaction.name,
          id,
          c.id,
          occurredAt,
          `${capitalize(kind)} logged: ${summary}`,
          INTERACTION_CHANNEL[kind],
        ),
      );
    }
  }

  private event(
    type: TimelineEventType,
    subjectType: string,
    subjectId: string,
    clientId: string,
    occurredAt: Date,
    summary: string,
    channel: Channel | null = null,
  ): Row<TimelineEvent> {
    return {
      id: randomUUID(),
      tenant: this.tenantId,
      type,
      occurredAt,
      actor: null,
      actorLabel: 'seed',
      subjectType,
      subjectId,
      client: clientId,
      channel,
      summary: clip(summary),
      data: {},
      publishedAt: occurredAt,
      createdAt: occurredAt,
      updatedAt: occurredAt,
    };
  }

  private personName(n: Nationality): { first: string; last: string } {
    const female = this.f.datatype.boolean();
    if (n.names) {
      const first = this.f.helpers.arrayElement(female ? n.names.female : n.names.male);
      const last = this.f.helpers.arrayElement(n.names.last);
      return { first, last: female && n.names.feminine ? n.names.feminine(last) : last };
    }
    const nf = this.nameFakers.get(n.name)!;
    const sex = female ? 'female' : 'male';
    return { first: nf.person.firstName(sex), last: nf.person.lastName(sex) };
  }

  /** A lowercase email unique in the tenant: `local@domain`, with a number appended if taken. */
  private uniqueEmail(local: string, domain: string): string {
    const stem = asciiSlug(local, '.').replace(/^[._]+|[._]+$/g, '') || 'client';
    let email = `${stem}@${domain}`;
    for (let n = 2; this.emails.has(email); n++) email = `${stem}${n}@${domain}`;
    this.emails.add(email);
    return email;
  }

  private money(amount: number, currency: string): Money {
    return new Money(amount.toFixed(2), currency || this.currency);
  }

  /** A random instant between `from` and the anchor. */
  private past(from: number): Date {
    return new Date(this.f.number.int({ min: from, max: SEED_ANCHOR.getTime() - HOUR }));
  }

  /** A random instant between `from` and `to` (capped at the anchor). */
  private between(from: Date, to: Date): Date {
    const max = Math.min(to.getTime(), SEED_ANCHOR.getTime());
    return new Date(this.f.number.int({ min: from.getTime(), max: Math.max(from.getTime(), max) }));
  }
}

interface ClientCtx {
  id: string;
  fullName: string;
  isOrg: boolean;
  createdAt: Date;
  stage: LifecycleStage;
  owner: SeedMember | null;
  practices: { id: string; label: string }[];
  deals: string[];
}

const INTERACTION_CHANNEL: Record<InteractionKind, Channel | null> = {
  CHAT: Channel.CHAT,
  EMAIL: Channel.EMAIL,
  CALL: Channel.PHONE,
  WHATSAPP: Channel.WHATSAPP,
  MEETING: null,
  NOTE: null,
};

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/** Generates and inserts `count` clients (with related records) into the tenant of `em`. */
async function fillTenant(
  em: EntityManager,
  tenant: Tenant,
  members: SeedMember[],
  count: number,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Omit<GenerateResult, 'tenantId'>> {
  const sql = em as SqlEntityManager;
  const types = (await em.find(PracticeType, {}, { orderBy: { code: 'asc' } })).map((t): TypeInfo => ({
    id: t.id,
    code: t.code,
    name: t.name,
    label: typeLabel(t.code),
    renewable: t.renewable,
    renewalPeriodDays: t.renewalPeriodDays ?? null,
    price: t.defaultPrice ? Number(t.defaultPrice.amount) : null,
    currency: t.defaultPrice?.currency ?? tenant.currency,
  }));
  const pipeline =
    (await em.findOne(Pipeline, { isDefault: true }, { orderBy: { createdAt: 'asc' } })) ??
    (await em.findOne(Pipeline, {}, { orderBy: { createdAt: 'asc' } }));
  const stages = pipeline
    ? (await em.find(PipelineStage, { pipeline }, { orderBy: { position: 'asc' } })).map((s): StageInfo => ({
        id: s.id,
        kind: s.kind,
        probability: s.probability,
        position: s.position,
        name: s.name,
      }))
    : [];
  const existing = await sql.execute<{ email: string }[]>(
    'select lower(email) as email from client where tenant_id = ? and email is not null',
    [tenant.id],
  );
  const emails = new Set(existing.map((r) => r.email));
  const gen = new Generator(
    tenant.id,
    tenant.currency,
    seed,
    types,
    pipeline?.id ?? null,
    stages,
    members.map((m) => ({ id: m.id, name: m.name, role: m.role })),
    emails,
  );

  const totals = { clients: 0, practices: 0, deals: 0, tickets: 0, interactions: 0, events: 0 };
  // Timeline events are written last, oldest first: their `seq` (insertion order) orders the
  // timeline, so it must follow `occurredAt` across all batches.
  const events: Row<TimelineEvent>[] = [];
  onProgress?.(0, count);
  for (let done = 0; done < count;) {
    const size = Math.min(CLIENT_BATCH, count - done);
    const b = gen.batch(size);
    await em.transactional(async (tx) => {
      if (b.tickets.length) {
        const first = await reserveTicketNumbers(tx as SqlEntityManager, tenant.id, b.tickets.length);
        b.numberTickets?.(first);
      }
      await insertChunked(tx, Client, b.clients);
      await insertChunked(tx, Practice, b.practices);
      await insertChunked(tx, Deal, b.deals);
      await insertChunked(tx, DealStageHistory, b.histories);
      await insertChunked(tx, Ticket, b.tickets);
      await insertChunked(tx, Interaction, b.interactions);
    });
    done += size;
    totals.clients += b.clients.length;
    totals.practices += b.practices.length;
    totals.deals += b.deals.length;
    totals.tickets += b.tickets.length;
    totals.interactions += b.interactions.length;
    for (const e of b.events) events.push(e);
    if (done < count) onProgress?.(done, count);
  }
  events.sort((x, y) => (x.occurredAt as Date).getTime() - (y.occurredAt as Date).getTime());
  for (let i = 0; i < events.length; i += EVENT_TRANSACTION)
    await em.transactional((tx) => insertChunked(tx, TimelineEvent, events.slice(i, i + EVENT_TRANSACTION)));
  totals.events = events.length;
  if (count > 0) onProgress?.(count, count);
  return totals;
}

/**
 * Reserves `n` ticket numbers by advancing the tenant's `ticket` counter (creating it if missing,
 * and never below the highest existing ticket number); returns the first reserved number.
 */
async function reserveTicketNumbers(em: SqlEntityManager, tenantId: string, n: number): Promise<number> {
  const rows = await em.execute<{ value: string | number }[]>(
    `insert into tenant_counter (tenant_id, name, value)
     select ?, 'ticket', coalesce(max(number), 0) + ? from ticket where tenant_id = ?
     on conflict (tenant_id, name) do update set value = greatest(tenant_counter.value + ?, excluded.value)
     returning value`,
    [tenantId, n, tenantId, n],
  );
  return Number(rows[0]!.value) - n + 1;
}

/** Inserts `rows` with multi-row INSERTs of at most {@link INSERT_CHUNK} rows. */
async function insertChunked<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  rows: Row<T>[],
): Promise<void> {
  const flat = flattenEmbeddables(em, entity, rows);
  for (let i = 0; i < flat.length; i += INSERT_CHUNK) await em.insertMany(entity, flat.slice(i, i + INSERT_CHUNK));
}

/**
 * `insertMany` with plain objects does not flatten embeddables: it wants the flattened properties
 * (`quotedPrice` → `quoted_price_amount`, `quoted_price_currency`). Converts rows accordingly.
 */
function flattenEmbeddables<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: Row<T>[]): Row<T>[] {
  const props: EntityProperty<T>[] = Object.values(em.getMetadata(entity).properties);
  const embedded = props.filter((p) => p.kind === ReferenceKind.EMBEDDED && !p.embedded && !p.object);
  if (!embedded.length) return rows;
  return rows.map((row) => {
    const out: Record<string, unknown> = { ...row };
    for (const prop of embedded) {
      const value = out[prop.name] as Record<string, unknown> | null | undefined;
      delete out[prop.name];
      for (const [key, sub] of Object.entries<EntityProperty>(prop.embeddedProps)) out[sub.name] = value?.[key] ?? null;
    }
    return out as Row<T>;
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Lowercase ASCII: accents stripped, anything but letters and digits replaced by `sep`. */
function asciiSlug(value: string, sep: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, sep)
    .replace(/\.{2,}/g, '.');
}

/** Short readable name of a practice type code: RETIREMENT_KITAS → "Retirement KITAS". */
function typeLabel(code: string): string {
  const acronyms = new Set(['KITAS', 'KITAP', 'PT', 'PMA', 'NPWP', 'BPJS']);
  return code
    .split('_')
    .map((w) => (acronyms.has(w) ? w : capitalize(w)))
    .join(' ');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function capitalize(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
