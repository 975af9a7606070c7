/** Reads what a tenant already has (practice types, pipeline, emails) and writes generated batches into it. */
import { type EntityClass, type EntityManager, type EntityProperty, ReferenceKind } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';

import { Client } from '../../modules/clients/client.entity.js';
import { Deal, DealStageHistory } from '../../modules/deals/deal.entity.js';
import { Pipeline, PipelineStage } from '../../modules/deals/pipeline.entity.js';
import { Interaction } from '../../modules/interactions/interaction.entity.js';
import { Practice } from '../../modules/practices/practice.entity.js';
import { PracticeType } from '../../modules/practices/practice-type.entity.js';
import { Quote, QuoteLineItem } from '../../modules/quotes/quote.entity.js';
import { reserveQuoteNumbers } from '../../modules/quotes/quote.rules.js';
import { Task } from '../../modules/tasks/task.entity.js';
import type { Tenant } from '../../modules/tenancy/tenant.entity.js';
import { Ticket } from '../../modules/tickets/ticket.entity.js';
import { reserveTicketNumbers } from '../../modules/tickets/ticket.rules.js';
import { TimelineEvent } from '../../modules/timeline/timeline-event.entity.js';
import { generateBatch } from './clients.js';
import { type Row, SeedContext, type SeedMember, type StageInfo, type TypeInfo } from './context.js';
import { generateQuotes } from './quotes.js';
import { typeLabel } from './util.js';

/** Clients generated (and inserted, in one transaction) per batch. */
const CLIENT_BATCH = 500;
/** Rows per INSERT statement (keeps every statement well under PostgreSQL's 65535 parameters). */
const INSERT_CHUNK = 1000;
/** Timeline events inserted per transaction. */
const EVENT_TRANSACTION = 10_000;

/** How many records of each kind were inserted. */
export interface GeneratedCounts {
  clients: number;
  practices: number;
  deals: number;
  tickets: number;
  interactions: number;
  quotes: number;
  tasks: number;
  events: number;
}

/** A generation context for the tenant of `em`: its practice types, default pipeline and the emails already taken. */
async function loadContext(
  em: EntityManager,
  tenant: Tenant,
  members: SeedMember[],
  seed: number,
  now: Date,
): Promise<SeedContext> {
  const sql = em as SqlEntityManager;
  // Only what the tenant offers now: active practice types, active pipelines and stages.
  const types = (await em.find(PracticeType, { active: true }, { orderBy: { code: 'asc' } })).map((t): TypeInfo => ({
    id: t.id,
    code: t.code,
    name: t.name,
    label: typeLabel(t.code),
    renewable: t.renewable,
    renewalPeriodDays: t.renewalPeriodDays ?? (t.validityMonths ? Math.round(t.validityMonths * 30.4375) : null),
    price: t.defaultPrice ? Number(t.defaultPrice.amount) : null,
    currency: t.defaultPrice?.currency ?? tenant.currency,
  }));
  const pipeline =
    (await em.findOne(Pipeline, { isDefault: true, archivedAt: null }, { orderBy: { createdAt: 'asc' } })) ??
    (await em.findOne(Pipeline, { archivedAt: null }, { orderBy: { createdAt: 'asc' } }));
  const stages = pipeline
    ? (await em.find(PipelineStage, { pipeline, archivedAt: null }, { orderBy: { position: 'asc' } })).map(
        (s): StageInfo => ({
          id: s.id,
          kind: s.kind,
          probability: s.probability,
          position: s.position,
          name: s.name,
        }),
      )
    : [];
  const existing = await sql.execute<{ email: string }[]>(
    'select lower(email) as email from client where tenant_id = ? and email is not null',
    [tenant.id],
  );
  const emails = new Set(existing.map((r) => r.email));
  return new SeedContext(
    tenant.id,
    tenant.currency,
    seed,
    types,
    pipeline?.id ?? null,
    stages,
    members.map((m) => ({ id: m.id, name: m.name, role: m.role })),
    emails,
    now,
  );
}

/**
 * Generates and inserts `count` clients (with related records) into the tenant of `em`; `now` (the
 * application clock's) is the "today" of business dates such as expiry and expected close dates.
 */
export async function fillTenant(
  em: EntityManager,
  tenant: Tenant,
  members: SeedMember[],
  count: number,
  seed: number,
  now: Date,
  onProgress?: (done: number, total: number) => void,
): Promise<GeneratedCounts> {
  const gen = await loadContext(em, tenant, members, seed, now);

  const totals = { clients: 0, practices: 0, deals: 0, tickets: 0, interactions: 0, quotes: 0, tasks: 0, events: 0 };
  // Timeline events are written last, oldest first: their `seq` (insertion order) orders the
  // timeline, so it must follow `occurredAt` across all batches.
  const events: Row<TimelineEvent>[] = [];
  onProgress?.(0, count);
  for (let done = 0; done < count;) {
    const size = Math.min(CLIENT_BATCH, count - done);
    const b = generateBatch(gen, size);
    const q = generateQuotes(gen, b);
    await em.transactional(async (tx) => {
      if (q.quotes.length) q.number(await reserveQuoteNumbers(tx, tenant.id, q.quotes.length));
      if (b.tickets.length) {
        const first = await reserveTicketNumbers(tx, tenant.id, b.tickets.length);
        b.numberTickets?.(first);
      }
      await insertChunked(tx, Client, b.clients);
      await insertChunked(tx, Practice, b.practices);
      await insertChunked(tx, Deal, b.deals);
      await insertChunked(tx, DealStageHistory, b.histories);
      await insertChunked(tx, Ticket, b.tickets);
      await insertChunked(tx, Interaction, b.interactions);
      await insertChunked(tx, Quote, q.quotes);
      await insertChunked(tx, QuoteLineItem, q.lines);
      await insertChunked(tx, Task, b.tasks);
    });
    done += size;
    totals.clients += b.clients.length;
    totals.practices += b.practices.length;
    totals.deals += b.deals.length;
    totals.tickets += b.tickets.length;
    totals.interactions += b.interactions.length;
    totals.quotes += q.quotes.length;
    totals.tasks += b.tasks.length;
    for (const e of b.events) events.push(e);
    for (const e of q.events) events.push(e);
    if (done < count) onProgress?.(done, count);
  }
  events.sort((x, y) => (x.occurredAt as Date).getTime() - (y.occurredAt as Date).getTime());
  for (let i = 0; i < events.length; i += EVENT_TRANSACTION)
    await em.transactional((tx) => insertChunked(tx, TimelineEvent, events.slice(i, i + EVENT_TRANSACTION)));
  totals.events = events.length;
  if (count > 0) onProgress?.(count, count);
  return totals;
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
