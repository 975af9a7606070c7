/** Clients (people and organisations), each with its practices, deals, tickets and interactions. */
import { randomUUID } from 'node:crypto';

import { Client } from '../../modules/clients/client.entity.js';
import { ClientKind, ClientSource, LifecycleStage } from '../../modules/clients/client.enums.js';
import { clientCreatedPayload } from '../../modules/clients/client.payloads.js';
import { ticketOpenedSummary } from '../../modules/tickets/ticket.rules.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import { type Batch, type ClientCtx, type Row, SEED_SOURCE, type SeedContext, type TicketEvent } from './context.js';
import { generateDeals } from './deals.js';
import { generateInteractions } from './interactions.js';
import { fillProfile } from './leads.js';
import { generatePractices } from './practices.js';
import {
  ID_MOBILE_PREFIXES,
  type Nationality,
  ORG_WORDS_1,
  ORG_WORDS_2,
  ORG_WORDS_3,
  ORG_WORDS_4,
} from './reference/people.js';
import { CLIENT_NOTES, TAGS } from './reference/records.js';
import { generateTasks } from './tasks.js';
import { generateTickets } from './tickets.js';
import { asciiSlug, clip, DAY, SEED_ANCHOR } from './util.js';

/** Generates `count` clients with everything that belongs to them. */
export function generateBatch(g: SeedContext, count: number): Batch {
  const b: Batch = {
    clients: [],
    practices: [],
    deals: [],
    histories: [],
    tickets: [],
    interactions: [],
    tasks: [],
    events: [],
    numberTickets: null,
  };
  const ticketEvents: TicketEvent[] = [];
  for (let i = 0; i < count; i++) generateClient(g, b, ticketEvents);
  if (ticketEvents.length)
    b.numberTickets = (first) =>
      ticketEvents.forEach(({ ticket, event }, i) => {
        ticket.number = first + i;
        event.summary = clip(ticketOpenedSummary(ticket.number, ticket.subject as string));
      });
  return b;
}

/** One client (a person, or an organisation one time in ten), then its practices, deals, tickets and interactions. */
function generateClient(g: SeedContext, b: Batch, ticketEvents: TicketEvent[]): void {
  const f = g.f;
  const id = randomUUID();
  const isOrg = f.number.float() < 0.1;
  const origin = f.helpers.weightedArrayElement(g.nationalityWeights);
  const stage = f.helpers.weightedArrayElement([
    { weight: 30, value: LifecycleStage.LEAD },
    { weight: 20, value: LifecycleStage.PROSPECT },
    { weight: 35, value: LifecycleStage.CUSTOMER },
    { weight: 10, value: LifecycleStage.INACTIVE },
    { weight: 5, value: LifecycleStage.CHURNED },
  ]);
  const createdAt = g.past(SEED_ANCHOR.getTime() - 730 * DAY);
  let fullName: string;
  let email: string | null;
  let phone: string | null;
  let organization: string | null = null;
  if (isOrg) {
    fullName = `PT ${f.helpers.arrayElement(ORG_WORDS_1)} ${f.helpers.arrayElement(ORG_WORDS_2)} ${f.helpers.arrayElement(f.datatype.boolean() ? ORG_WORDS_3 : ORG_WORDS_4)}`;
    email = uniqueEmail(g, 'info', `${asciiSlug(fullName.slice(3), '')}.example`);
    phone = `+62361${f.string.numeric(6)}`;
  } else {
    const { first, last } = personName(g, origin);
    fullName = `${first} ${last}`;
    email =
      f.number.float() < 0.05
        ? null
        : uniqueEmail(
            g,
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
    if (g.orgs.length && f.number.float() < 0.25) organization = f.helpers.arrayElement(g.orgs).id;
  }
  const owner = f.number.float() < 0.9 ? f.helpers.arrayElement(g.writers) : null;
  const leadScore = {
    LEAD: [5, 60],
    PROSPECT: [30, 85],
    CUSTOMER: [50, 100],
    INACTIVE: [10, 50],
    CHURNED: [0, 25],
  }[stage];
  const client: Row<Client> = {
    id,
    tenant: g.tenantId,
    kind: isOrg ? ClientKind.ORGANIZATION : ClientKind.PERSON,
    fullName,
    email,
    phone,
    nationality: isOrg ? 'Indonesian' : origin.name,
    lifecycleStage: stage,
    leadScore: f.number.int({ min: leadScore[0], max: leadScore[1] }),
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
    archivedAt: stage === LifecycleStage.CHURNED && f.number.float() < 0.3 ? g.between(createdAt, SEED_ANCHOR) : null,
    createdAt,
    updatedAt: createdAt,
  };
  fillProfile(g, b, client, isOrg);
  b.clients.push(client);
  if (isOrg) g.orgs.push({ id, name: fullName });
  b.events.push(
    g.event(
      TimelineEventType.CLIENT_CREATED,
      Client.name,
      id,
      id,
      createdAt,
      `Client ${fullName} created`,
      clientCreatedPayload(client, SEED_SOURCE),
    ),
  );

  const ctx: ClientCtx = { id, fullName, isOrg, createdAt, stage, owner, practices: [], deals: [], email };
  generatePractices(g, b, ctx);
  generateDeals(g, b, ctx);
  generateTickets(g, b, ctx, ticketEvents);
  generateInteractions(g, b, ctx);
  generateTasks(g, b, ctx);
}

/** A first and last name typical of the nationality. */
function personName(g: SeedContext, n: Nationality): { first: string; last: string } {
  const female = g.f.datatype.boolean();
  if (n.names) {
    const first = g.f.helpers.arrayElement(female ? n.names.female : n.names.male);
    const last = g.f.helpers.arrayElement(n.names.last);
    return { first, last: female && n.names.feminine ? n.names.feminine(last) : last };
  }
  const nf = g.nameFakers.get(n.name)!;
  const sex = female ? 'female' : 'male';
  return { first: nf.person.firstName(sex), last: nf.person.lastName(sex) };
}

/** A lowercase email unique in the tenant: `local@domain`, with a number appended if taken. */
function uniqueEmail(g: SeedContext, local: string, domain: string): string {
  const stem = asciiSlug(local, '.').replace(/^[._]+|[._]+$/g, '') || 'client';
  let email = `${stem}@${domain}`;
  for (let n = 2; g.emails.has(email); n++) email = `${stem}${n}@${domain}`;
  g.emails.add(email);
  return email;
}
