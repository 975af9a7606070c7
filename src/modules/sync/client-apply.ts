import { createHash, randomUUID } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { insertPending } from '../../platform/db/bulk-insert.js';
import { escapeLike } from '../../platform/db/like.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { ValidationFailed } from '../../platform/errors.js';
import { Checks, normalizeEmail } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { ClientSource, LifecycleStage } from '../clients/client.enums.js';
import type { ClientService } from '../clients/client.service.js';
import { matchClients, normalizeName } from '../clients/client-match.js';
import type { SyncTrigger } from '../timeline/timeline.service.js';
import { TimelineEvent } from '../timeline/timeline-event.entity.js';
import { EntityLink, linksByExternalId } from './entity-link.entity.js';
import { kindOf, lifecycleStageOf, type LocalValues } from './field-mappings.js';
import type { ExternalRecord } from './provider.js';
import { type CrmProvider, FieldSourceKind, type SyncObjectType } from './sync.enums.js';

/** What applying one record did (or, in a dry run, would do). */
export interface ApplyOutcome {
  action: 'created' | 'updated' | 'skipped' | 'failed';
  message: string;
  client?: Client;
  /** The Meridian record applied, for the log (deals; client outcomes carry `client`). */
  record?: { type: string; id: string };
  /** A newer local change won over the provider's value: logged as a CONFLICT entry. */
  conflict?: boolean;
}

/** Everything a record is applied with. */
export interface ApplyScope {
  tx: EntityManager;
  trigger: SyncTrigger;
  tenantId: string;
  connectionId: string;
  provider: CrmProvider;
  clients: ClientService;
}

/** Fields of a client a sync writes, in a stable order. */
const CLIENT_FIELDS = ['fullName', 'email', 'phone', 'nationality', 'lifecycleStage', 'tags', 'notes'] as const;
type ClientField = (typeof CLIENT_FIELDS)[number];
type ClientValues = Partial<{ [K in ClientField]: K extends 'tags' ? string[] : string }>;

/** Content hash of a record's mapped values: unchanged content is skipped on the next run. */
export function contentHash(objectType: SyncObjectType, values: LocalValues): string {
  const sorted = Object.keys(values)
    .sort()
    .map((k) => [k, values[k]]);
  return createHash('sha256')
    .update(JSON.stringify([objectType, sorted]))
    .digest('hex');
}

/**
 * Validates mapped values as client fields. Problems are user errors (the row is refused whole);
 * empty values are "no value" (they never clear a field).
 */
function clientValues(values: LocalValues): ClientValues {
  const checks = new Checks();
  const out: ClientValues = {};
  // Names arrive with stray spacing and line breaks from other systems: one space between words.
  const fullName = checks.text('fullName', values.fullName?.replace(/\s+/g, ' ').trim(), 200, { min: 1 });
  if (!fullName)
    checks.add('fullName', 'REQUIRED', 'a name is required (fullName, or First Name / Last Name, or Company name)');
  else out.fullName = fullName;
  const email = values.email ? checks.email('email', values.email) : undefined;
  if (email) out.email = email;
  const phone = values.phone ? checks.phone('phone', values.phone) : undefined;
  if (phone) out.phone = phone;
  const nationality = checks.text('nationality', values.nationality, 64);
  if (nationality) out.nationality = nationality;
  if (values.lifecycleStage) {
    const stage = (LifecycleStage as Record<string, string>)[values.lifecycleStage.toUpperCase()]
      ? values.lifecycleStage.toUpperCase()
      : lifecycleStageOf(values.lifecycleStage);
    if (!stage)
      checks.add(
        'lifecycleStage',
        'INVALID',
        `lifecycleStage "${values.lifecycleStage.slice(0, 40)}" is not one of ${Object.values(LifecycleStage).join(', ')}`,
      );
    else out.lifecycleStage = stage;
  }
  if (values.tags) {
    const tags = checks.list(
      'tags',
      values.tags
        .split(/[;,]/)
        .map((t) => t.trim())
        .filter(Boolean),
      20,
      40,
    );
    if (tags?.length) out.tags = tags;
  }
  const notes = checks.text('notes', values.notes, 10_000);
  if (notes) out.notes = notes;
  checks.throwIfAny();
  return out;
}

/**
 * An existing live client with this email, else this phone, else (for a record with neither)
 * this name, case and spacing ignored. Email and phone lookups use indexes, so a large import
 * does not scan the client table per row.
 */
async function match(em: EntityManager, v: ClientValues): Promise<Client | null> {
  const live = { archivedAt: null, mergedInto: null };
  if (v.email) {
    const [row] = await (em as SqlEntityManager).execute<{ id: string }[]>(
      `select id from client where tenant_id = ? and lower(email) = ? and archived_at is null and merged_into_id is null limit 1`,
      [scopeTenant(em), normalizeEmail(v.email)],
    );
    if (row) return em.findOne(Client, { id: row.id });
  }
  if (v.phone) {
    const c = await em.findOne(Client, { ...live, phone: v.phone }, { orderBy: { createdAt: 'asc' } });
    if (c) return c;
  }
  if (v.fullName && !v.email && !v.phone) {
    const name = v.fullName.replace(/\s+/g, ' ').trim();
    return em.findOne(Client, { ...live, fullName: { $ilike: escapeLike(name) } }, { orderBy: { createdAt: 'asc' } });
  }
  return null;
}

/** The tenant an EntityManager is scoped to (sync always runs scoped). */
function scopeTenant(em: EntityManager): string {
  const tenantId = scopedTenantId(em);
  if (!tenantId) throw new Error('sync needs a tenant-scoped EntityManager');
  return tenantId;
}

/** The fields of `values` that differ from `client`'s. */
function changes(client: Client, values: ClientValues): ClientValues {
  const out: Record<string, unknown> = {};
  for (const f of CLIENT_FIELDS) {
    const v = values[f];
    if (v === undefined) continue;
    const current = (client as unknown as Record<string, unknown>)[f];
    if (JSON.stringify(current ?? null) !== JSON.stringify(v)) out[f] = v;
  }
  return out;
}

/**
 * Applies a contact or company record: through its entity link when it has one (unchanged
 * content is skipped), else matched like the auto-CRM rules (email, then phone, then name), else
 * created — always through ClientService, so validation, events and the unique email hold as for
 * any other change. The provider is authoritative for contact and company fields: mapped values
 * overwrite Meridian's, empty ones never clear them. Runs in its own savepoint: a refused record
 * leaves nothing behind.
 */
export async function applyClientRecord(
  scope: ApplyScope,
  record: ExternalRecord,
  values: LocalValues,
): Promise<ApplyOutcome> {
  const { tx } = scope;
  let v: ClientValues;
  try {
    v = clientValues(values);
  } catch (err) {
    if (err instanceof ValidationFailed) return { action: 'failed', message: err.message };
    throw err;
  }
  const hash = contentHash(record.objectType, values);
  const externalId = record.externalId || null;
  const link = externalId
    ? await tx.findOne(EntityLink, { connection: scope.connectionId, kind: record.objectType, externalId })
    : null;
  if (link && link.hash === hash) {
    return { action: 'skipped', message: 'unchanged since the last sync' };
  }
  try {
    return await tx.transactional(async (sp) => {
      let client = link ? await sp.findOne(Client, { id: link.localId }) : null;
      client ??= await match(sp, v);
      let outcome: ApplyOutcome;
      let written: string[];
      if (!client) {
        client = await scope.clients.create(sp, scope.trigger, {
          fullName: v.fullName!,
          email: v.email,
          phone: v.phone,
          nationality: v.nationality,
          kind: kindOf(record.objectType),
          lifecycleStage: v.lifecycleStage as LifecycleStage | undefined,
          tags: v.tags,
          notes: v.notes,
          source: ClientSource.IMPORT,
        });
        written = Object.keys(v);
        outcome = { action: 'created', message: `created ${client.fullName}`, client };
      } else {
        const diff = changes(client, v);
        written = Object.keys(diff);
        if (written.length) {
          client = await scope.clients.update(sp, scope.trigger, {
            id: client.nodeId,
            ...diff,
            lifecycleStage: diff.lifecycleStage as LifecycleStage | undefined,
          });
          outcome = { action: 'updated', message: `updated ${client.fullName}: ${written.join(', ')}`, client };
        } else {
          outcome = { action: 'skipped', message: `${client.fullName} already up to date`, client };
        }
      }
      if (externalId) {
        if (link) {
          link.hash = hash;
          link.localId = client.id;
          link.syncedAt = new Date();
          sp.persist(link);
        } else {
          sp.create(EntityLink, {
            connection: scope.connectionId,
            kind: record.objectType,
            externalId,
            localType: 'Client',
            localId: client.id,
            hash,
            syncedAt: new Date(),
          });
        }
      }
      if (written.length)
        await recordFieldSources(sp, scope, [{ recordType: 'Client', recordId: client.id, fields: written }]);
      return outcome;
    });
  } catch (err) {
    if (err instanceof ValidationFailed) return { action: 'failed', message: err.message };
    throw err;
  }
}

/** One record of a page with its mapped values. */
export interface PageRecord {
  record: ExternalRecord;
  values: LocalValues;
}

/** A new client of a page, with the page's records that make it. */
interface Slot {
  values: ClientValues;
  objectType: SyncObjectType;
  indexes: number[];
}

/**
 * Applies a page of contact and company records at once, with the same rules as
 * {@link applyClientRecord} record by record, in a bounded number of statements whatever the
 * page size: one for the page's entity links, one per matching rule (email, phone, name) for
 * the page, one to load the matched clients, one for taken emails, then one flush (batched
 * inserts of clients, timeline events and links) and one statement for field provenance. Records
 * of the same page that match each other (same email, phone or name) make one client, created
 * once with the later records' values applied over the earlier's. Updates of existing clients go
 * through ClientService.update each (imports mostly create). Nothing is committed here: the
 * caller's transaction commits the page. A database error (e.g. an email taken by a concurrent
 * writer) throws; the caller then applies the page record by record.
 */
export async function applyClientPage(scope: ApplyScope, page: PageRecord[]): Promise<ApplyOutcome[]> {
  const { tx } = scope;
  const outcomes: (ApplyOutcome | undefined)[] = page.map(() => undefined);
  const valid: (ClientValues | null)[] = page.map(({ values }, i) => {
    try {
      return clientValues(values);
    } catch (err) {
      if (!(err instanceof ValidationFailed)) throw err;
      outcomes[i] = { action: 'failed', message: err.message };
      return null;
    }
  });
  const hashes = page.map(({ record, values }) => contentHash(record.objectType, values));
  // The page's links, one statement per object type: with its kind, the lookup is a probe of the
  // unique (tenant, connection, kind, external id) index; without, it reads every link of the
  // connection (a cost that grows with each page of a backfill).
  const externalIds = new Map<SyncObjectType, Set<string>>();
  for (const { record } of page)
    if (record.externalId)
      (externalIds.get(record.objectType) ?? externalIds.set(record.objectType, new Set()).get(record.objectType)!).add(
        record.externalId,
      );
  const links = new Map<string, EntityLink>();
  for (const [kind, ids] of externalIds)
    for (const l of await linksByExternalId(tx, scope.connectionId, kind, ids))
      links.set(`${l.kind}:${l.externalId}`, l);
  const linkOf = (i: number) =>
    page[i].record.externalId ? links.get(`${page[i].record.objectType}:${page[i].record.externalId}`) : undefined;
  page.forEach((_, i) => {
    if (!outcomes[i] && linkOf(i)?.hash === hashes[i])
      outcomes[i] = { action: 'skipped', message: 'unchanged since the last sync' };
  });
  const open = page.map((_, i) => (outcomes[i] ? null : valid[i]));
  const matches = await matchClients(
    tx,
    open.map((v) =>
      v ? { email: v.email ?? null, phone: v.phone ?? null, name: !v.email && !v.phone ? v.fullName : null } : {},
    ),
  );
  const ids = new Set<string>();
  open.forEach((v, i) => {
    if (!v) return;
    const link = linkOf(i);
    if (link) ids.add(link.localId);
    if (matches[i]) ids.add(matches[i].clientId);
  });
  const loaded = new Map<string, Client>();
  if (ids.size) for (const c of await tx.find(Client, { id: { $in: [...ids] } })) loaded.set(c.id, c);

  // Who each record is: an existing client, or a new one of the page (a slot), by the rules'
  // order (email, then phone, then name), records earlier in the page counting as clients.
  const page2 = {
    email: new Map<string, Client | Slot>(),
    phone: new Map<string, Client | Slot>(),
    name: new Map<string, Client | Slot>(),
  };
  const keysOf = (v: ClientValues) => ({
    email: v.email ? normalizeEmail(v.email) : null,
    phone: v.phone ?? null,
    name: !v.email && !v.phone && v.fullName ? normalizeName(v.fullName) : null,
  });
  const remember = (v: ClientValues, target: Client | Slot) => {
    const k = keysOf(v);
    for (const rule of ['email', 'phone', 'name'] as const)
      if (k[rule] && !page2[rule].has(k[rule])) page2[rule].set(k[rule], target);
  };
  const targets: (Client | Slot | null)[] = page.map(() => null);
  const slots: Slot[] = [];
  open.forEach((v, i) => {
    if (!v) return;
    const link = linkOf(i);
    let target: Client | Slot | undefined = link ? loaded.get(link.localId) : undefined;
    if (!target) {
      const k = keysOf(v);
      const m = matches[i];
      for (const rule of ['email', 'phone', 'name'] as const) {
        target =
          (k[rule] ? page2[rule].get(k[rule]) : undefined) ??
          (m?.rule === rule.toUpperCase() ? loaded.get(m.clientId) : undefined);
        if (target) break;
      }
    }
    if (target && !(target instanceof Client)) {
      const slot = target;
      const diff = Object.keys(changesOf(slot.values, v));
      slot.values = { ...slot.values, ...v };
      slot.indexes.push(i);
      outcomes[i] = diff.length
        ? { action: 'updated', message: `updated ${slot.values.fullName}: ${diff.join(', ')}` }
        : { action: 'skipped', message: `${slot.values.fullName} already up to date` };
    } else if (!target) {
      target = { values: { ...v }, objectType: page[i].record.objectType, indexes: [i] };
      slots.push(target);
    }
    targets[i] = target;
    remember(v, target);
  });

  const provenance: { recordId: string; fields: string[] }[] = [];
  const created = await scope.clients.createMany(
    tx,
    scope.trigger,
    slots.map((slot) => ({
      fullName: slot.values.fullName!,
      email: slot.values.email,
      phone: slot.values.phone,
      nationality: slot.values.nationality,
      kind: kindOf(slot.objectType),
      lifecycleStage: slot.values.lifecycleStage as LifecycleStage | undefined,
      tags: slot.values.tags,
      notes: slot.values.notes,
      source: ClientSource.IMPORT,
    })),
  );
  const clientOf = new Map<Slot, Client>();
  slots.forEach((slot, n) => {
    const result = created[n];
    if (result instanceof ValidationFailed) {
      for (const i of slot.indexes) outcomes[i] = { action: 'failed', message: result.message };
      return;
    }
    clientOf.set(slot, result);
    const [first, ...rest] = slot.indexes;
    outcomes[first] = { action: 'created', message: `created ${result.fullName}`, client: result };
    for (const i of rest) outcomes[i] = { ...outcomes[i]!, client: result };
    provenance.push({ recordId: result.id, fields: Object.keys(slot.values) });
  });

  for (let i = 0; i < page.length; i++) {
    const target = targets[i];
    if (!(target instanceof Client)) continue;
    const v = valid[i]!;
    const diff = changes(target, v);
    const written = Object.keys(diff);
    if (!written.length) {
      outcomes[i] = { action: 'skipped', message: `${target.fullName} already up to date`, client: target };
      continue;
    }
    try {
      const client = await tx.transactional((sp) =>
        scope.clients.update(sp, scope.trigger, {
          id: target.nodeId,
          ...diff,
          lifecycleStage: diff.lifecycleStage as LifecycleStage | undefined,
        }),
      );
      outcomes[i] = { action: 'updated', message: `updated ${client.fullName}: ${written.join(', ')}`, client };
      provenance.push({ recordId: client.id, fields: written });
    } catch (err) {
      if (!(err instanceof ValidationFailed)) throw err;
      outcomes[i] = { action: 'failed', message: err.message };
    }
  }

  const now = new Date();
  page.forEach(({ record }, i) => {
    const client = outcomes[i]?.client;
    if (!record.externalId || !client || outcomes[i]?.action === 'failed') return;
    const link = linkOf(i);
    if (link) Object.assign(link, { hash: hashes[i], localId: client.id, syncedAt: now });
    else {
      const made = tx.create(EntityLink, {
        connection: scope.connectionId,
        kind: record.objectType,
        externalId: record.externalId,
        localType: 'Client',
        localId: client.id,
        hash: hashes[i],
        syncedAt: now,
      });
      links.set(`${record.objectType}:${record.externalId}`, made);
    }
  });
  // The page's new clients, their CLIENT_CREATED events and its new links in multi-row INSERTs
  // (the flush's change sets and inlined SQL allocated ~25 KB a record, promoted to the old
  // generation as they lived through the page); the new clients stay managed when the page has
  // associations (they may get their organization next), else they are detached too (no snapshot
  // each, nothing for the commit's flush to compare). The flush writes the rest (updated links).
  const associated = page.some(({ record }) => record.associations?.length);
  await insertPending(tx, [Client, TimelineEvent, EntityLink], associated ? [Client] : []);
  await tx.flush();
  // Just flushed: the provenance rows are written without a second flush (each flush compares
  // every entity the page's EntityManager manages, allocating a snapshot of each).
  await writeFieldSources(
    tx,
    scope.tenantId,
    provenanceRows(
      scope,
      provenance.map((p) => ({ recordType: 'Client', ...p })),
    ),
  );
  return outcomes.map((o) => o!);
}

/** The fields of `next` that differ from `current`'s (values of the same page). */
function changesOf(current: ClientValues, next: ClientValues): ClientValues {
  const out: Record<string, unknown> = {};
  for (const f of CLIENT_FIELDS)
    if (next[f] !== undefined && JSON.stringify(current[f] ?? null) !== JSON.stringify(next[f])) out[f] = next[f];
  return out;
}

/** Marks fields of records as set by the provider now (field provenance), in batched statements. */
export async function recordFieldSources(
  em: EntityManager,
  scope: Pick<ApplyScope, 'tenantId' | 'provider'>,
  records: { recordType: string; recordId: string; fields: string[] }[],
): Promise<void> {
  await em.flush();
  await writeFieldSources(em, scope.tenantId, provenanceRows(scope, records));
}

/** The field provenance rows of records whose `fields` the provider set. */
function provenanceRows(
  scope: Pick<ApplyScope, 'provider'>,
  records: { recordType: string; recordId: string; fields: string[] }[],
) {
  return records.flatMap((r) =>
    r.fields.map((field) => ({ ...r, field, source: FieldSourceKind.PROVIDER, provider: scope.provider })),
  );
}

/**
 * Upserts field provenance rows, at most 3,000 per statement, parameterised (a CSV page of 400
 * records has ~2,800: inlined, one statement's text was ~300 KB).
 */
export async function writeFieldSources(
  em: EntityManager,
  tenantId: string,
  rows: {
    recordType: string;
    recordId: string;
    field: string;
    source: FieldSourceKind;
    provider: CrmProvider | null;
  }[],
): Promise<void> {
  const now = new Date();
  const db = (em as SqlEntityManager).getKysely<{ field_source: Record<string, unknown> }>();
  for (let start = 0; start < rows.length; start += 3000)
    await db
      .insertInto('field_source')
      .values(
        rows.slice(start, start + 3000).map((r) => ({
          id: randomUUID(),
          tenant_id: tenantId,
          record_type: r.recordType,
          record_id: r.recordId,
          field: r.field,
          source: r.source,
          provider: r.provider,
          at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'record_type', 'record_id', 'field']).doUpdateSet((eb) => ({
          source: eb.ref('excluded.source'),
          provider: eb.ref('excluded.provider'),
          at: eb.ref('excluded.at'),
          updated_at: now,
        })),
      )
      .execute();
}

/**
 * Marks fields of a record as set in Meridian now (a person's edit), for the fields a sync set
 * before (fields no sync ever wrote have no provenance to keep). One statement.
 */
export async function markLocalEdits(
  em: EntityManager,
  recordType: string,
  recordId: string,
  fields: string[],
): Promise<void> {
  if (!fields.length) return;
  await (em as SqlEntityManager).execute(
    `update field_source set source = ?, provider = null, at = now(), updated_at = now()
      where tenant_id = ? and record_type = ? and record_id = ? and field in (?)`,
    [FieldSourceKind.MERIDIAN, scopeTenant(em), recordType, recordId, fields],
  );
}
