import { requirePrincipal } from '../../platform/auth/principal.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { fromGlobalId } from '../../platform/graphql/global-id.js';
import { tenantTopic } from '../../platform/pubsub.js';
import { endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import { FINISHED } from './sync.engine.js';
import { SyncRun } from './sync-run.entity.js';

/** Least time between two deliveries of one run: at most 4 events per second per run. */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * `syncProgress(runId)`: the run as it moves. Runs publish a notice after each committed page and
 * every PROGRESS_TICK_MS (500 ms) while they execute; each notice marks its run dirty, and a dirty run is read and delivered at most every
 * {@link PROGRESS_INTERVAL_MS}, so fast runs are throttled while the latest state (and therefore
 * the final one) is always what is delivered. With `runId`, its current state first (a finished
 * run: its final state, then the stream ends); without, every run of the tenant.
 */
export async function syncProgressStream(
  ctx: GraphQLContext,
  args: { runId?: string | null },
): Promise<AsyncIterableIterator<SyncRun>> {
  const principal = requirePrincipal(ctx.principal);
  const em = () => forkForTenant(ctx.em, principal.tenantId);
  let runId: string | null = null;
  if (args.runId) {
    const decoded = fromGlobalId(args.runId);
    const run = decoded?.type === 'SyncRun' ? await em().findOne(SyncRun, { id: decoded.id }) : null;
    if (!run) throw DomainError.notFound('SyncRun', args.runId);
    runId = run.id;
  }
  const source = await ctx.pubsub.subscribe<{ runId: string }>(tenantTopic(principal.tenantId, 'sync'));

  async function* progress(): AsyncGenerator<SyncRun> {
    if (runId) {
      const run = await em().findOne(SyncRun, { id: runId });
      if (!run) return;
      yield run;
      if (FINISHED.includes(run.status)) return;
    }
    const dirty = new Set<string>();
    const last = new Map<string, number>();
    let next = source.next();
    for (;;) {
      const now = Date.now();
      let wait = Infinity;
      for (const id of dirty) wait = Math.min(wait, Math.max(0, (last.get(id) ?? 0) + PROGRESS_INTERVAL_MS - now));
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        if (wait !== Infinity) timer = setTimeout(() => resolve('tick'), wait);
      });
      const got = await Promise.race([next, tick]);
      clearTimeout(timer);
      if (got !== 'tick') {
        if (got.done) return;
        if (!runId || got.value.runId === runId) dirty.add(got.value.runId);
        next = source.next();
        continue;
      }
      for (const id of [...dirty]) {
        if ((last.get(id) ?? 0) + PROGRESS_INTERVAL_MS > Date.now()) continue;
        dirty.delete(id);
        last.set(id, Date.now());
        const run = await em().findOne(SyncRun, { id });
        if (!run) continue;
        yield run;
        if (runId && FINISHED.includes(run.status)) return;
      }
    }
  }
  return endSourceOnReturn(progress(), source);
}
