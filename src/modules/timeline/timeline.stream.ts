import { Cursor, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { requirePrincipal } from '../../platform/auth/principal.js';
import { filterIds } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { decodeCursor } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { refId } from '../../platform/graphql/loaders.js';
import type { PubSub } from '../../platform/pubsub.js';
import { AsyncQueue, endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import { RELAY_LOCK, type TimelinePayload, timelineTopic } from './outbox.js';
import { TimelineCursors } from './timeline-cursor.js';
import { NEWEST_FIRST, TimelineEvent } from './timeline-event.entity.js';
import type { TimelineEventType } from './timeline-event.enums.js';

/** Arguments of `timelineEventAdded`. */
export interface TimelineStreamArgs {
  clientId?: string | null;
  types?: TimelineEventType[] | null;
  after?: string | null;
}

/** Rows read per query when replaying or catching up. */
const BACKLOG_PAGE = 500;

/**
 * What one subscriber was given, to drop repeats: events arrive in increasing delivery position
 * (the outbox publishes them so), so anything at or below the last position is a repeat (a replay
 * meeting live events at its seam, a catch-up meeting live ones); and the ids of the last `size`
 * events, because a relay round that failed after publishing publishes its events again under new
 * positions.
 */
export class Delivered {
  private readonly ids = new Set<string>();

  /** @param last Positions at or below it were given before (the `after` of a resumed stream). */
  constructor(
    private last: bigint | undefined = undefined,
    private readonly size = 1024,
  ) {}

  /** The highest position handed over (or the resume point). */
  get position(): bigint | undefined {
    return this.last;
  }

  /** True the first time event `id` is offered at a new position (and records it), false for a repeat. */
  offer(id: string, position: bigint): boolean {
    if (this.last !== undefined && position <= this.last) return false;
    this.last = position;
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

/**
 * Reads committed events of a tenant after a delivery position, in position order, a page at a
 * time. The first read waits for a relay round in progress (the relay's lock, taken shared): the
 * relay publishes before it commits, so without it an event published just before a live
 * subscription opened could still be uncommitted, hence missing from the read, and lost.
 */
async function* positionedAfter(
  em: EntityManager,
  tenantId: string,
  where: FilterQuery<TimelineEvent>,
  after: bigint,
): AsyncGenerator<TimelineEvent> {
  let waited = false;
  for (;;) {
    const fork = forkForTenant(em, tenantId) as SqlEntityManager;
    const read = (m: EntityManager) =>
      m.find(
        TimelineEvent,
        { ...(where as object), tenant: tenantId, position: { $gt: String(after) } },
        { orderBy: { position: 'asc' }, limit: BACKLOG_PAGE },
      );
    const page = waited
      ? await read(fork)
      : await fork.transactional(async (tx) => {
          await tx.execute('select pg_advisory_xact_lock_shared(?)', [RELAY_LOCK]);
          return read(tx);
        });
    waited = true;
    for (const e of page) {
      after = BigInt(e.position!);
      yield e;
    }
    if (page.length < BACKLOG_PAGE) return;
  }
}

/** One consumer of a tenant's timeline topic in this process. */
interface TimelineListener {
  /** Whether it wants this event (synchronous, cheap: called for every event of the tenant). */
  accepts(p: TimelinePayload, position: bigint): boolean;
  /** Whether it needs the event's row (loaded once for all who need it). */
  needsRow: boolean;
  /** Hands over the event, with its row if `needsRow` (null when the row is gone). */
  deliver(p: TimelinePayload, row: TimelineEvent | null): void;
  /** The row could not be loaded: the consumer's stream ends with this error. */
  fail(err: unknown): void;
}

/**
 * The live timeline of one tenant in this process: ONE PubSub subscription and ONE row load per
 * event, however many subscribers. With 10,000 dashboards of a tenant, an event is one query and
 * one object, handed to every subscriber whose filter accepts it; the very same row object lets
 * the SubscriptionFanout execute the subscription selection once per distinct selection.
 * Opened by its first listener, closed when its last one leaves. The row is read-only to resolvers.
 *
 * **Interrupted subscriptions.** With Redis, this instance's subscription is down while its
 * connection reconnects, and what other instances publish meanwhile never reaches it. When the
 * PubSub reports the subscription active again ({@link PubSub.onResubscribed}), the events
 * published since are read from PostgreSQL (positions above the highest this timeline had seen)
 * and delivered like live ones; an event at or below the last position processed is a repeat and
 * dropped once for all listeners. Events are processed one at a time, so the catch-up and live
 * events stay in position order.
 */
class TenantTimeline {
  private readonly listeners = new Set<TimelineListener>();
  private live: AsyncIterableIterator<TimelinePayload> | undefined;
  private closed = false;
  /** Events received and not processed yet (see processPending). */
  private readonly pending: TimelinePayload[] = [];
  /** Resolves once the PubSub subscription is active: what is published after it is delivered. */
  readonly ready: Promise<void>;
  /** The position of the last event processed (live events may meet caught-up ones). */
  private processed: bigint | undefined;
  /**
   * Where a catch-up starts: the highest position processed (or, at first, the tenant's newest);
   * undefined when the tenant has no positioned event yet, null when the newest could not be read.
   */
  private highWater: Promise<bigint | null | undefined> | bigint | null | undefined;
  /** The end of the processing so far: events are processed one after another. */
  private processing: Promise<void> = Promise.resolve();
  private readonly stopCatchingUp: (() => void) | undefined;

  constructor(
    pubsub: PubSub,
    private readonly tenantId: string,
    private readonly em: EntityManager,
    private readonly onClose: () => void,
  ) {
    this.ready = pubsub.subscribe<TimelinePayload>(timelineTopic(tenantId)).then(
      (live) => {
        if (this.closed) void live.return?.();
        else void this.run((this.live = live));
      },
      (err: unknown) => {
        this.close();
        throw err;
      },
    );
    if (pubsub.onResubscribed) {
      // Where a catch-up would start if the subscription drops before any event arrives.
      this.highWater = this.newestPosition().catch(() => null);
      this.stopCatchingUp = pubsub.onResubscribed(() => void this.serially(() => this.catchUp()));
    }
  }

  /** Adds a listener; the returned function removes it (closing the subscription after the last one). */
  add(listener: TimelineListener): () => void {
    this.listeners.add(listener);
    return () => {
      if (this.listeners.delete(listener) && !this.listeners.size) this.close();
    };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.stopCatchingUp?.();
    void this.live?.return?.();
  }

  private serially(work: () => Promise<void>): Promise<void> {
    return (this.processing = this.processing.then(work, work));
  }

  private async run(live: AsyncIterableIterator<TimelinePayload>): Promise<void> {
    for await (const p of live) {
      this.pending.push(p);
      if (this.pending.length === 1) void this.serially(() => this.processPending());
    }
  }

  /**
   * Processes the events received so far, in order, with the rows of all of them read in one
   * query: under a burst of events the reads stay a few per second, not one per event.
   */
  private async processPending(): Promise<void> {
    const batch = this.pending.splice(0, BACKLOG_PAGE);
    if (this.pending.length) void this.serially(() => this.processPending());
    let rows: Map<string, TimelineEvent> | undefined;
    if ([...this.listeners].some((l) => l.needsRow)) {
      try {
        const found = await forkForTenant(this.em, this.tenantId).find(TimelineEvent, {
          id: { $in: batch.map((p) => p.id) },
        });
        rows = new Map(found.map((r) => [r.id, r]));
      } catch {
        rows = undefined; // process() reads each row itself, and reports a failure to its listeners
      }
    }
    for (const p of batch) {
      const row = rows?.get(p.id);
      // The relay publishes before it commits: the row may not show its position yet.
      if (row) row.position = p.position;
      await this.process(p, rows && (row ?? null));
    }
  }

  /** The tenant's newest delivery position (undefined when it has none). */
  private async newestPosition(): Promise<bigint | undefined> {
    const [newest] = await forkForTenant(this.em, this.tenantId).find(
      TimelineEvent,
      { position: { $ne: null } },
      { orderBy: { position: 'desc' }, limit: 1, fields: ['position'] },
    );
    return newest?.position ? BigInt(newest.position) : undefined;
  }

  /** Delivers the events published after the highest one seen (see the class comment). */
  private async catchUp(): Promise<void> {
    if (this.closed) return;
    const high = await this.highWater;
    // Not knowing where this timeline stood, a catch-up could only replay the tenant's whole history.
    if (high === null) return;
    try {
      for await (const row of positionedAfter(this.em, this.tenantId, {}, high ?? 0n)) {
        await this.process(payloadOf(row), row);
        if (this.closed) return;
      }
    } catch (err) {
      for (const l of this.listeners) l.fail(err);
    }
  }

  /** Hands one event to the listeners that accept it, loading its row once if one of them needs it. */
  /** `loaded`: the event's row, null when it is gone, undefined when not read yet. */
  private async process(p: TimelinePayload, loaded?: TimelineEvent | null): Promise<void> {
    let position: bigint;
    try {
      position = BigInt(p.position);
    } catch {
      return; // not a payload of this outbox (nor of an older version's, which had no position)
    }
    if (this.processed !== undefined && position <= this.processed) return;
    this.processed = position;
    const high = this.highWater instanceof Promise ? await this.highWater : this.highWater;
    if (high === undefined || high === null || position > high) this.highWater = position;
    const targets: TimelineListener[] = [];
    let needsRow = false;
    for (const l of this.listeners) {
      if (!l.accepts(p, position)) continue;
      targets.push(l);
      needsRow ||= l.needsRow;
    }
    if (!targets.length) return;
    let row: TimelineEvent | null = loaded ?? null;
    if (needsRow && loaded === undefined) {
      try {
        row = await forkForTenant(this.em, this.tenantId).findOne(TimelineEvent, { id: p.id });
        // The relay publishes before it commits: the row may not show its position yet.
        if (row) row.position = p.position;
      } catch (err) {
        for (const l of targets) if (l.needsRow) l.fail(err);
        for (const l of targets) if (!l.needsRow) deliver(l, p, null);
        return;
      }
    }
    for (const l of targets) deliver(l, p, row);
  }
}

/** The outbox payload of an event row. */
function payloadOf(row: TimelineEvent): TimelinePayload {
  return {
    id: row.id,
    seq: String(row.seq),
    position: String(row.position),
    type: row.type,
    clientId: refId(row.client),
    subjectType: row.subjectType,
    subjectId: row.subjectId,
  };
}

/** Hands an event to one listener; its failure ends its own stream, never the tenant's. */
function deliver(l: TimelineListener, p: TimelinePayload, row: TimelineEvent | null): void {
  try {
    l.deliver(p, row);
  } catch (err) {
    l.fail(err);
  }
}

/** Open tenant timelines, per PubSub (several apps may share a process, e.g. in tests). */
const timelines = new WeakMap<PubSub, Map<string, TenantTimeline>>();

/** Adds `listener` to the live timeline of the context's tenant; resolves once it is subscribed. */
async function listen(ctx: GraphQLContext, listener: TimelineListener): Promise<() => void> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  let byTenant = timelines.get(ctx.pubsub);
  if (!byTenant) timelines.set(ctx.pubsub, (byTenant = new Map<string, TenantTimeline>()));
  let timeline = byTenant.get(tenantId);
  if (!timeline) {
    const tenants = byTenant;
    const created: TenantTimeline = new TenantTimeline(ctx.pubsub, tenantId, ctx.em, () => {
      if (tenants.get(tenantId) === created) tenants.delete(tenantId);
    });
    byTenant.set(tenantId, (timeline = created));
  }
  const remove = timeline.add(listener);
  try {
    await timeline.ready;
  } catch (err) {
    remove();
    throw err;
  }
  return remove;
}

/** The sequence number inside a timeline connection cursor (an edge's `cursor` of `timeline`). */
function seqFromCursor(cursor: string): string | undefined {
  try {
    const [seq] = Cursor.decode(decodeCursor(cursor, NEWEST_FIRST, 'after')!);
    if (typeof seq === 'string' || typeof seq === 'number') {
      const s = String(seq);
      if (/^\d+$/.test(s)) return s;
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

/**
 * The resume point of an event of the tenant: its position, or, while the relay has not given it
 * one, the tenant's highest position now (every event positioned later, this one included, comes
 * after it). One statement, so both are read in the same snapshot. Null when there is no such event.
 */
async function resumePointOf(
  em: EntityManager,
  tenantId: string,
  event: { id: string } | { seq: string },
): Promise<bigint | null> {
  const [key, value] = 'id' in event ? ['id', event.id] : ['seq', event.seq];
  const [row] = await (em as SqlEntityManager).execute<{ position: string | null; found: boolean }[]>(
    `select coalesce(e."position", (select max("position") from timeline_event where tenant_id = ?), 0) as "position",
            e.id is not null as found
       from (select 1) one left join timeline_event e on e.tenant_id = ? and e.${key} = ?`,
    [tenantId, tenantId, value],
  );
  return row?.found ? BigInt(row.position ?? 0) : null;
}

/**
 * The `cursor` of an event: its delivery position sealed for the tenant (see {@link TimelineCursors}).
 * An event read before the relay positioned it (milliseconds after its commit) gets the resume
 * point of {@link resumePointOf}: resuming from it may repeat a few events, never skip one.
 */
export async function eventCursor(ctx: GraphQLContext, event: TimelineEvent): Promise<string> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  const position = event.position
    ? BigInt(event.position)
    : ((await resumePointOf(ctx.em, tenantId, { id: event.id })) ?? 0n);
  return ctx.services.timelineCursors.seal(tenantId, position);
}

/**
 * The delivery position to resume after: from an event's `cursor`, or from an edge cursor of the
 * `timeline` connection (also how cursors from before delivery positions existed keep working).
 */
async function resumeAfter(ctx: GraphQLContext, tenantId: string, after: string): Promise<bigint> {
  if (TimelineCursors.isSealed(after)) {
    const position = ctx.services.timelineCursors.open(tenantId, after);
    if (position !== undefined) return position;
  } else if (TimelineCursors.isPage(after)) {
    const seq = ctx.services.timelineCursors.openPage(tenantId, after);
    const position =
      seq !== undefined && (await resumePointOf(forkForTenant(ctx.em, tenantId), tenantId, { seq: String(seq) }));
    if (typeof position === 'bigint') return position;
  } else {
    const seq = seqFromCursor(after);
    const position = seq && (await resumePointOf(forkForTenant(ctx.em, tenantId), tenantId, { seq }));
    if (typeof position === 'bigint') return position;
  }
  throw DomainError.badInput('Invalid timeline cursor', 'after');
}

/**
 * The events of the subscriber's tenant matching `args`, in delivery (commit) order: first (with
 * `after`) every committed event after that cursor, then live ones. The live subscription is
 * opened before the backlog is read, and repeats are dropped ({@link Delivered}), so there is no
 * gap and no duplicate at the seam (nor when the outbox delivers an event twice), and an event
 * that commits after a later-numbered one is never skipped: positions are given in commit order.
 */
export async function timelineStream(
  ctx: GraphQLContext,
  args: TimelineStreamArgs,
): Promise<AsyncIterableIterator<TimelineEvent>> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  const clientId = args.clientId ? filterIds([args.clientId], 'Client')![0] : undefined;
  const types = args.types?.length ? new Set<TimelineEventType>(args.types) : undefined;
  const after = args.after ? await resumeAfter(ctx, tenantId, args.after) : undefined;
  const delivered = new Delivered(after);

  const queue = new AsyncQueue<TimelineEvent>(() => remove());
  const remove = await listen(ctx, {
    accepts(p, position) {
      if ((clientId && p.clientId !== clientId) || (types && !types.has(p.type))) return false;
      if (after !== undefined) return true; // the seam is checked as events are read, after the backlog
      return delivered.offer(p.id, position);
    },
    needsRow: true,
    deliver: (_p, row) => {
      if (row) queue.push(row);
    },
    fail: (err) => queue.fail(err),
  });
  if (after === undefined) return queue;

  const where: FilterQuery<TimelineEvent> = {
    ...(clientId ? { client: clientId } : {}),
    ...(types ? { type: { $in: [...types] } } : {}),
  };
  async function* events(): AsyncGenerator<TimelineEvent> {
    try {
      for await (const e of positionedAfter(ctx.em, tenantId, where, after!))
        if (delivered.offer(e.id, BigInt(e.position!))) yield e;
      for await (const e of queue) if (delivered.offer(e.id, BigInt(e.position!))) yield e;
    } finally {
      await queue.return();
    }
  }
  return endSourceOnReturn(events(), queue);
}

/**
 * Ids of the subjects of `type` events of the subscriber's tenant, as the outbox publishes them
 * (so they arrive on every API instance, and after a Redis outage). Subscribed before it returns;
 * unsubscribed when the consumer stops.
 */
export async function liveSubjectIds(
  ctx: GraphQLContext,
  type: TimelineEventType,
  subjectType: string,
): Promise<AsyncIterableIterator<string>> {
  const queue = new AsyncQueue<string>(() => remove());
  const remove = await listen(ctx, {
    accepts: (p) => p.type === type && p.subjectType === subjectType,
    needsRow: false,
    deliver: (p) => queue.push(p.subjectId),
    fail: (err) => queue.fail(err),
  });
  return queue;
}
