import { createHash, randomUUID } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { forkForTenant } from '../../platform/db/tenancy.js';
import { type CrmProviderAdapter, type ProviderContext, ProviderError } from './provider.js';
import type { SyncCursor, SyncRun } from './sync-run.entity.js';

/** Interaction kinds pushed out as the provider's engagements. */
const PUSHED_KINDS = ['CALL', 'MEETING', 'NOTE'];

interface Row {
  id: string;
  kind: string;
  summary: string;
  occurred_at: Date;
  contact_external_id: string;
  pushed_id: string | null;
  pushed_hash: string | null;
}

/** A linked deal whose stage was moved in Meridian, with what was last pushed of it. */
interface DealRow {
  id: string;
  deal_external_id: string;
  stage_id: string;
  stage_name: string;
  stage_kind: 'OPEN' | 'WON' | 'LOST';
  pipeline_name: string;
  pipeline_is_default: boolean;
  pushed_id: string | null;
  pushed_hash: string | null;
}

/** Counters of a push page. */
type Counts = { created: number; updated: number; skipped: number; failed: number };

/** The first id of a page walk. */
const FIRST = '00000000-0000-0000-0000-000000000000';

/**
 * A PUSH run, in two phases: (0) Meridian's calls, meetings and notes of clients linked to the
 * connection's contacts go out as the provider's engagements on that contact, in pages ordered by
 * interaction id; (1) linked deals whose stage was last set in Meridian (field provenance MERIDIAN)
 * have that stage sent to the provider (HubSpot: a PATCH of the deal's `dealstage`). Each push is
 * recorded as an entity link (`ACTIVITY`, `DEAL_STAGE`) with the hash of what was sent: a re-run
 * skips what is unchanged and updates (never duplicates) what changed. Counters, cursor and links
 * are committed per page, fenced by the run's attempt, so a resumed run continues after the last
 * committed page. Returns true when a cancellation was requested.
 */
export async function runPush(
  root: EntityManager,
  run: SyncRun,
  attempt: number,
  adapter: CrmProviderAdapter,
  ctx: ProviderContext,
  start: SyncCursor,
  pageSize: number,
  onPage: () => Promise<void>,
): Promise<boolean> {
  const push = adapter.push?.bind(adapter);
  // startSync refuses PUSH for a provider without `push` (PUSH_NOT_SUPPORTED); a run queued anyway fails.
  if (!push) throw new ProviderError('this provider does not support PUSH', false);
  const commit = (page: PushPage) => commitPushPage(root, run, attempt, ctx, page);
  let rows = start.rows;
  if (start.objectIndex === 0) {
    let after = start.cursor ?? FIRST;
    for (;;) {
      const em = forkForTenant(root, ctx.tenantId) as SqlEntityManager;
      const page = await em.execute<Row[]>(
        `select i.id, i.kind, i.summary, i.occurred_at, l.external_id as contact_external_id,
                p.external_id as pushed_id, p.hash as pushed_hash
           from interaction i
           join entity_link l on l.tenant_id = i.tenant_id and l.connection_id = ? and l.kind = 'CONTACT'
                             and l.local_type = 'Client' and l.local_id = i.client_id
           left join entity_link p on p.tenant_id = i.tenant_id and p.connection_id = ? and p.kind = 'ACTIVITY'
                                  and p.external_id is not null and p.local_id = i.id
          where i.tenant_id = ? and i.deleted_at is null and i.kind in (${PUSHED_KINDS.map(() => '?').join(', ')})
            and i.id > ?
          order by i.id limit ?`,
        [ctx.connectionId, ctx.connectionId, ctx.tenantId, ...PUSHED_KINDS, after, pageSize],
      );
      if (!page.length) break;
      const counts: Counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
      const links: PushLink[] = [];
      for (const r of page) {
        const hash = hashOf([r.kind, r.summary, new Date(r.occurred_at).toISOString(), r.contact_external_id]);
        if (r.pushed_hash === hash) {
          counts.skipped++;
          continue;
        }
        const pushed = await pushOne(counts, r.pushed_id, () =>
          push(ctx, {
            kind: 'ACTIVITY',
            localId: r.id,
            activityKind: r.kind,
            occurredAt: new Date(r.occurred_at),
            summary: r.summary,
            contactExternalId: r.contact_external_id,
            externalId: r.pushed_id,
          }),
        );
        if (pushed) links.push({ localId: r.id, externalId: pushed, hash });
      }
      after = page[page.length - 1].id;
      rows += page.length;
      const cancel = await commit({
        kind: 'ACTIVITY',
        localType: 'Interaction',
        links,
        counts,
        processed: page.length,
        cursor: { ...start, objectIndex: 0, cursor: after, rows },
      });
      await onPage();
      if (cancel) return true;
    }
  }
  let after = start.objectIndex === 1 ? (start.cursor ?? FIRST) : FIRST;
  for (;;) {
    const em = forkForTenant(root, ctx.tenantId) as SqlEntityManager;
    const page = await em.execute<DealRow[]>(
      `select d.id, l.external_id as deal_external_id, s.id as stage_id, s.name as stage_name, s.kind as stage_kind,
              pl.name as pipeline_name, pl.is_default as pipeline_is_default,
              p.external_id as pushed_id, p.hash as pushed_hash
         from deal d
         join entity_link l on l.tenant_id = d.tenant_id and l.connection_id = ? and l.kind = 'DEAL'
                           and l.local_type = 'Deal' and l.local_id = d.id
         join field_source f on f.tenant_id = d.tenant_id and f.record_type = 'Deal' and f.record_id = d.id
                            and f.field = 'stage' and f.source = 'MERIDIAN'
         join pipeline_stage s on s.id = d.stage_id
         join pipeline pl on pl.id = d.pipeline_id
         left join entity_link p on p.tenant_id = d.tenant_id and p.connection_id = ? and p.kind = 'DEAL_STAGE'
                                and p.external_id = l.external_id
        where d.tenant_id = ? and d.id > ?
        order by d.id limit ?`,
      [ctx.connectionId, ctx.connectionId, ctx.tenantId, after, pageSize],
    );
    if (!page.length) return false;
    const counts: Counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
    const links: PushLink[] = [];
    for (const r of page) {
      const hash = hashOf([r.stage_id]);
      if (r.pushed_hash === hash) {
        counts.skipped++;
        continue;
      }
      // A stage push changes a deal that exists at the provider: always counted as updated.
      const pushed = await pushOne(counts, r.deal_external_id, () =>
        push(ctx, {
          kind: 'DEAL_STAGE',
          localId: r.id,
          dealExternalId: r.deal_external_id,
          stageName: r.stage_name,
          stageKind: r.stage_kind,
          pipelineName: r.pipeline_name,
          pipelineIsDefault: Boolean(r.pipeline_is_default),
          externalId: r.pushed_id,
        }),
      );
      if (pushed) links.push({ localId: r.id, externalId: pushed, hash });
    }
    after = page[page.length - 1].id;
    rows += page.length;
    const cancel = await commit({
      kind: 'DEAL_STAGE',
      localType: 'Deal',
      links,
      counts,
      processed: page.length,
      cursor: { ...start, objectIndex: 1, cursor: after, rows },
    });
    await onPage();
    if (cancel) return true;
  }
}

/** SHA-256 of what is pushed. */
function hashOf(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * One push, counted: the provider's id, or null when the provider refused this item for good
 * (counted failed). Retryable errors and 401s throw: the page is run again.
 */
async function pushOne(
  counts: Counts,
  previous: string | null,
  send: () => Promise<{ externalId: string }>,
): Promise<string | null> {
  try {
    const { externalId } = await send();
    counts[previous ? 'updated' : 'created']++;
    return externalId;
  } catch (err) {
    if (!(err instanceof ProviderError) || err.retryable || err.status === 401) throw err;
    counts.failed++;
    return null;
  }
}

/** An entity link a push made or moved. */
interface PushLink {
  localId: string;
  externalId: string;
  hash: string;
}

/** What a push page commits. */
interface PushPage {
  kind: 'ACTIVITY' | 'DEAL_STAGE';
  localType: string;
  links: PushLink[];
  counts: Counts;
  processed: number;
  cursor: SyncCursor;
}

/** Commits a push page's links, counters and cursor, fenced by the attempt; returns whether a cancel was asked. */
async function commitPushPage(
  root: EntityManager,
  run: SyncRun,
  attempt: number,
  ctx: ProviderContext,
  page: PushPage,
): Promise<boolean> {
  return forkForTenant(root, ctx.tenantId).transactional(async (tx) => {
    const sql = tx as SqlEntityManager;
    for (const l of page.links)
      await sql.execute(
        `insert into entity_link (id, tenant_id, connection_id, kind, external_id, local_type, local_id, hash, synced_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, now())
           on conflict (tenant_id, connection_id, kind, external_id)
           do update set hash = excluded.hash, local_id = excluded.local_id, synced_at = now(), updated_at = now()`,
        [randomUUID(), ctx.tenantId, ctx.connectionId, page.kind, l.externalId, page.localType, l.localId, l.hash],
      );
    const { counts } = page;
    const updated = await sql.execute<{ cancel_requested: boolean }[]>(
      `update sync_run set processed = processed + ?, created = created + ?, updated = updated + ?,
          skipped = skipped + ?, failed = failed + ?, cursor = ?, phase = ?, heartbeat_at = now(), updated_at = now()
        where id = ? and tenant_id = ? and attempts = ? returning cancel_requested`,
      [
        page.processed,
        counts.created,
        counts.updated,
        counts.skipped,
        counts.failed,
        JSON.stringify(page.cursor),
        page.kind,
        run.id,
        ctx.tenantId,
        attempt,
      ],
    );
    if (!updated.length) throw new Error('the run was taken over by another worker');
    return updated[0].cancel_requested;
  });
}
