import { Cursor, type EntityManager, type FilterQuery } from '@mikro-orm/core';

import { requirePrincipal } from '../../platform/auth/principal.js';
import { filterIds } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { decodeCursor } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { refId } from '../../platform/graphql/loaders.js';
import type { PubSub } from '../../platform/pubsub.js';
import { AsyncQueue, endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import { type TimelinePayload, timelineTopic } from './outbox.js';
import { NEWEST_FIRST, TimelineEvent } from './timeline-event.entity.js';
import type { TimelineEventType } from './timeline-event.enums.js';

/** Arguments of `timelineEventAdded`. */
export interface TimelineStreamArgs {
  clientId?: string | null;
  types?: TimelineEventType[] | null;
  after?: string | null;
}

const BACKLOG_PAGE = 500;

/**
 * The events one subscriber was already given, by sequence number, to drop duplicates (the outbox
 * may deliver an event twice; a replay meets live events at its seam) WITHOUT dropping events that
 * arrive out of sequence order: sequence numbers are taken at insert, but transactions commit (and
 * the outbox publishes) in commit order, so event 100 can arrive after event 101. It keeps the
 * last `size` delivered numbers; while fewer were delivered, anything not among them is new; once
 * full, a number below all of them counts as already given (older than any plausible reordering).
 */
export class DeliveredSeqs {
  private readonly recent: bigint[] = [];
  private next = 0;

  /** @param floor Numbers at or below it were given before (the `after` cursor of a resumed stream). */
  constructor(
    private readonly floor: bigint | undefined = undefined,
    private readonly size = 64,
  ) {}

  /** True the first time `seq` is offered (and records it), false for a number already given. */
  offer(seq: bigint): boolean {
    if (this.floor !== undefined && seq <= this.floor) return false;
    if (this.recent.includes(seq)) return false;
    if (this.recent.length === this.size) {
      let min = this.recent[0];
      for (const s of this.recent) if (s < min) min = s;
      if (seq < min) return false;
      this.recent[this.next] = seq;
      this.next = (this.next + 1) % this.size;
    } else this.recent.push(seq);
    return true;
  }
}

/** One consumer of a tenant's timeline topic in this process. */
interface TimelineListener {
  /** Whether it wants this event (synchronous, cheap: called for every event of the tenant). */
  accepts(p: TimelinePayload, seq: bigint): boolean;
  /** Whether it needs the event's row (loaded once for all who need it). */
  needsRow: boolean;
  /** Hands over the event, with its row if `needsRow` (null when the row is gone). */
  deliver(p: TimelinePayload, row: TimelineEvent | null): void;
  /** The row could not be loaded: the consumer's stream ends with this error. */
  fail(err: unknown): void;
}

/** Rows read per query when catching up after an interrupted subscription. */
const CATCH_UP_PAGE = 500;

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
 * published since are read from PostgreSQL (sequence numbers above the highest this timeline had
 * seen) and delivered like live ones; events seen twice are dropped once for all listeners. Events
 * are processed one at a time, so the catch-up and live events stay in order.
 */
class TenantTimeline {
  private readonly listeners = new Set<TimelineListener>();
  private live: AsyncIterableIterator<TimelinePayload> | undefined;
  private closed = false;
  /** Resolves once the PubSub subscription is active: what is published after it is delivered. */
  readonly ready: Promise<void>;
  /** Events already processed (live events may meet caught-up ones, and the outbox may repeat one). */
  private readonly seen = new DeliveredSeqs(undefined, 1024);
  /**
   * The highest sequence number known to be delivered (or, at first, the tenant's newest event);
   * undefined when the tenant has no event yet, null when the newest could not be read.
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
      this.highWater = this.newestSeq().catch(() => null);
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
    for await (const p of live) await this.serially(() => this.process(p));
  }

  /** The tenant's newest event's sequence number (undefined when it has none). */
  private async newestSeq(): Promise<bigint | undefined> {
    const [newest] = await forkForTenant(this.em, this.tenantId).find(
      TimelineEvent,
      {},
      { orderBy: { seq: 'desc' }, limit: 1, fields: ['seq'] },
    );
    return newest ? BigInt(newest.seq) : undefined;
  }

  /** Delivers the events published after the highest one seen (see the class comment). */
  private async catchUp(): Promise<void> {
    if (this.closed) return;
    const high = await this.highWater;
    // Not knowing where this timeline stood, a catch-up could only replay the tenant's whole history.
    if (high === null) return;
    let after = high ?? -1n;
    try {
      for (;;) {
        const rows = await forkForTenant(this.em, this.tenantId).find(
          TimelineEvent,
          { seq: { $gt: String(after) }, publishedAt: { $ne: null } },
          { orderBy: { seq: 'asc' }, limit: CATCH_UP_PAGE },
        );
        for (const row of rows) {
          after = BigInt(row.seq);
          await this.process(payloadOf(row), row);
        }
        if (rows.length < CATCH_UP_PAGE || this.closed) return;
      }
    } catch (err) {
      for (const l of this.listeners) l.fail(err);
    }
  }

  /** Hands one event to the listeners that accept it, loading its row once if one of them needs it. */
  private async process(p: TimelinePayload, loaded?: TimelineEvent): Promise<void> {
    let seq: bigint;
    try {
      seq = BigInt(p.seq);
    } catch {
      return; // not a payload of the outbox
    }
    if (!this.seen.offer(seq)) return;
    const high = this.highWater instanceof Promise ? await this.highWater : this.highWater;
    if (high === undefined || high === null || seq > high) this.highWater = seq;
    const targets: TimelineListener[] = [];
    let needsRow = false;
    for (const l of this.listeners) {
      if (!l.accepts(p, seq)) continue;
      targets.push(l);
      needsRow ||= l.needsRow;
    }
    if (!targets.length) return;
    let row: TimelineEvent | null = loaded ?? null;
    if (needsRow && !loaded) {
      try {
        row = await forkForTenant(this.em, this.tenantId).findOne(TimelineEvent, { id: p.id });
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

/** The sequence number inside a timeline cursor (the `cursor` of an event or a timeline edge). */
export function seqFromCursor(cursor: string): string {
  try {
    const [seq] = Cursor.decode(decodeCursor(cursor, NEWEST_FIRST, 'after')!);
    if (typeof seq === 'string' || typeof seq === 'number') {
      const s = String(seq);
      if (/^\d+$/.test(s)) return s;
    }
  } catch {
    /* fall through */
  }
  throw DomainError.badInput('Invalid timeline cursor', 'after');
}

/**
 * The events of the subscriber's tenant matching `args`: first (with `after`) every committed
 * event after that cursor, in order, then live ones. The live subscription is opened before the
 * backlog is read, and events already delivered are skipped ({@link DeliveredSeqs}), so there is
 * no gap and no duplicate at the seam (nor when the outbox delivers an event twice), and an event
 * that commits after a later-numbered one is still delivered.
 */
export async function timelineStream(
  ctx: GraphQLContext,
  args: TimelineStreamArgs,
): Promise<AsyncIterableIterator<TimelineEvent>> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  const clientId = args.clientId ? filterIds([args.clientId], 'Client')![0] : undefined;
  const types = args.types?.length ? new Set<string>(args.types) : undefined;
  let last = args.after ? BigInt(seqFromCursor(args.after)) : undefined;
  const replay = last !== undefined;
  const delivered = new DeliveredSeqs(last);

  const queue = new AsyncQueue<TimelineEvent>(() => remove());
  const remove = await listen(ctx, {
    accepts(p, seq) {
      if ((clientId && p.clientId !== clientId) || (types && !types.has(p.type))) return false;
      if (replay) return true; // the seam is checked as events are read, after the backlog
      return delivered.offer(seq);
    },
    needsRow: true,
    deliver: (_p, row) => {
      if (row) queue.push(row);
    },
    fail: (err) => queue.fail(err),
  });
  if (!replay) return queue;

  const where = { ...(clientId ? { client: clientId } : {}), ...(types ? { type: { $in: [...types] } } : {}) };
  async function* events(): AsyncGenerator<TimelineEvent> {
    try {
      for (;;) {
        const em = forkForTenant(ctx.em, tenantId);
        const page: TimelineEvent[] = await em.find(
          TimelineEvent,
          { ...where, seq: { $gt: String(last) } } as FilterQuery<TimelineEvent>,
          {
            orderBy: { seq: 'asc' },
            limit: BACKLOG_PAGE,
          },
        );
        for (const e of page) {
          last = BigInt(e.seq);
          delivered.offer(last);
          yield e;
        }
        if (page.length < BACKLOG_PAGE) break;
      }
      for await (const e of queue) if (delivered.offer(BigInt(e.seq))) yield e;
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
