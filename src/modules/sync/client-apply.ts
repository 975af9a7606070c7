import { createHash, randomUUID } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { escapeLike } from '../../platform/db/like.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { ValidationFailed } from '../../platform/errors.js';
import { Checks, normalizeEmail } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { ClientSource, LifecycleStage } from '../clients/client.enums.js';
import type { ClientService } from '../clients/client.service.js';
import type { SyncTrigger } from '../timeline/timeline.service.js';
import { EntityLink } from './entity-link.entity.js';
import { kindOf, lifecycleStageOf, type LocalValues } from './field-mappings.js';
import type { ExternalRecord } from './provider.js';
import { type CrmProvider, FieldSourceKind, type SyncObjectType } from './sync.enums.js';

/** What applying one record did (or, in a dry run, would do). */
export interface ApplyOutcome {
  action: 'created' | 'updated' | 'skipped' | 'failed';
  message: string;
  client?: Client;
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
      if (written.length) await recordFieldSources(sp, scope, 'Client', client.id, written);
      return outcome;
    });
  } catch (err) {
    if (err instanceof ValidationFailed) return { action: 'failed', message: err.message };
    throw err;
  }
}

/** Marks `fields` of a record as set by the provider now (field provenance). */
export async function recordFieldSources(
  em: EntityManager,
  scope: Pick<ApplyScope, 'tenantId' | 'provider'>,
  recordType: string,
  recordId: string,
  fields: string[],
): Promise<void> {
  await em.flush();
  const now = new Date();
  const values: unknown[] = [];
  const rows = fields.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  for (const field of fields)
    values.push(
      randomUUID(),
      scope.tenantId,
      recordType,
      recordId,
      field,
      FieldSourceKind.PROVIDER,
      scope.provider,
      now,
    );
  await (em as SqlEntityManager).execute(
    `insert into field_source (id, tenant_id, record_type, record_id, field, source, provider, at)
       values ${rows}
       on conflict (tenant_id, record_type, record_id, field)
       do update set source = excluded.source, provider = excluded.provider, at = excluded.at, updated_at = now()`,
    values,
  );
}
