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

/**
 * A PUSH run: Meridian's calls, meetings and notes of clients linked to the connection's contacts
 * go out as the provider's engagements on that contact, in pages ordered by interaction id. Each
 * push is recorded as an `ACTIVITY` entity link with the hash of what was sent: a re-run skips
 * what is unchanged and updates (never duplicates) what changed. Counters, cursor and links are
 * committed per page, fenced by the run's attempt, so a resumed run continues after the last
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
  let after = start.cursor ?? '00000000-0000-0000-0000-000000000000';
  let rows = start.rows;
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
    if (!page.length) return false;
    const counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
    const links: { localId: string; externalId: string; hash: string; update: boolean }[] = [];
    for (const r of page) {
      const hash = createHash('sha256')
        .update(JSON.stringify([r.kind, r.summary, new Date(r.occurred_at).toISOString(), r.contact_external_id]))
        .digest('hex');
      if (r.pushed_hash === hash) {
        counts.skipped++;
        continue;
      }
      try {
        const { externalId } = await push(ctx, {
          kind: 'ACTIVITY',
          localId: r.id,
          activityKind: r.kind,
          occurredAt: new Date(r.occurred_at),
          summary: r.summary,
          contactExternalId: r.contact_external_id,
          externalId: r.pushed_id,
        });
        links.push({ localId: r.id, externalId, hash, update: r.pushed_id !== null });
        counts[r.pushed_id ? 'updated' : 'created']++;
      } catch (err) {
        if (!(err instanceof ProviderError) || err.retryable || err.status === 401) throw err;
        counts.failed++;
      }
    }
    after = page[page.length - 1].id;
    rows += page.length;
    const cancel = await forkForTenant(root, ctx.tenantId).transactional(async (tx) => {
      const sql = tx as SqlEntityManager;
      for (const l of links)
        await sql.execute(
          `insert into entity_link (id, tenant_id, connection_id, kind, external_id, local_type, local_id, hash, synced_at)
             values (?, ?, ?, 'ACTIVITY', ?, 'Interaction', ?, ?, now())
             on conflict (tenant_id, connection_id, kind, external_id)
             do update set hash = excluded.hash, synced_at = now(), updated_at = now()`,
          [randomUUID(), ctx.tenantId, ctx.connectionId, l.externalId, l.localId, l.hash],
        );
      const updated = await sql.execute<{ cancel_requested: boolean }[]>(
        `update sync_run set processed = processed + ?, created = created + ?, updated = updated + ?,
            skipped = skipped + ?, failed = failed + ?, cursor = ?, phase = 'ACTIVITY', heartbeat_at = now(), updated_at = now()
          where id = ? and tenant_id = ? and attempts = ? returning cancel_requested`,
        [
          page.length,
          counts.created,
          counts.updated,
          counts.skipped,
          counts.failed,
          JSON.stringify({ ...start, objectIndex: 0, cursor: after, rows } satisfies SyncCursor),
          run.id,
          ctx.tenantId,
          attempt,
        ],
      );
      if (!updated.length) throw new Error('the run was taken over by another worker');
      return updated[0].cancel_requested;
    });
    await onPage();
    if (cancel) return true;
  }
}
