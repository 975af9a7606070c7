import { Cursor } from '@mikro-orm/core';

import { filterIds } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { decodeCursor } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
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
 * Live events loaded once per process, not once per subscriber: with 10,000 subscribers of a
 * tenant one published event is one query, not 10,000. Kept for two seconds (the fan-out), keyed
 * by tenant and event; the row is read-only to the subscription resolvers.
 */
const recentEvents = new Map<string, Promise<TimelineEvent | null>>();

function sharedEvent(ctx: GraphQLContext, tenantId: string, id: string): Promise<TimelineEvent | null> {
  const key = `${tenantId}:${id}`;
  let event = recentEvents.get(key);
  if (!event) {
    event = forkForTenant(ctx.em, tenantId).findOne(TimelineEvent, { id });
    recentEvents.set(key, event);
    setTimeout(() => recentEvents.delete(key), 2000).unref();
  }
  return event;
}

/** The sequence number inside a timeline cursor (the `cursor` of an event or a timeline edge). */
export function seqFromCursor(cursor: string): string {
  try {
    const [seq] = Cursor.decode(decodeCursor(cursor, NEWEST_FIRST as never, 'after')!) as unknown[];
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
 * backlog is read, and live events at or below the last delivered sequence are skipped, so there
 * is no gap and no duplicate at the seam.
 */
export async function timelineStream(
  ctx: GraphQLContext,
  args: TimelineStreamArgs,
): Promise<AsyncIterableIterator<TimelineEvent>> {
  const tenantId = ctx.principal!.tenantId;
  const clientId = args.clientId ? filterIds([args.clientId], 'Client')![0]! : undefined;
  const types = args.types?.length ? new Set<string>(args.types) : undefined;
  let last = args.after ? BigInt(seqFromCursor(args.after)) : undefined;
  const live = await ctx.pubsub.subscribe<TimelinePayload>(timelineTopic(tenantId));
  const where = { ...(clientId ? { client: clientId } : {}), ...(types ? { type: { $in: [...types] } } : {}) };

  async function* events(): AsyncGenerator<TimelineEvent> {
    try {
      if (last !== undefined) {
        for (;;) {
          const em = forkForTenant(ctx.em, tenantId);
          const page: TimelineEvent[] = await em.find(
            TimelineEvent,
            { ...where, seq: { $gt: String(last) } } as never,
            { orderBy: { seq: 'asc' }, limit: BACKLOG_PAGE },
          );
          for (const e of page) {
            last = BigInt(e.seq);
            yield e;
          }
          if (page.length < BACKLOG_PAGE) break;
        }
      }
      for await (const p of live) {
        if (last !== undefined && BigInt(p.seq) <= last) continue;
        if (clientId && p.clientId !== clientId) continue;
        if (types && !types.has(p.type)) continue;
        const e = await sharedEvent(ctx, tenantId, p.id);
        if (!e) continue;
        last = BigInt(e.seq);
        yield e;
      }
    } finally {
      await live.return?.();
    }
  }
  return events();
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
): Promise<AsyncGenerator<string>> {
  const live = await ctx.pubsub.subscribe<TimelinePayload>(timelineTopic(ctx.principal!.tenantId));
  async function* ids(): AsyncGenerator<string> {
    try {
      for await (const p of live) if (p.type === type && p.subjectType === subjectType) yield p.subjectId;
    } finally {
      await live.return?.();
    }
  }
  return ids();
}
