import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import {
  Arg,
  Args,
  Authorized,
  type ClassType,
  createUnionType,
  Ctx,
  FieldResolver,
  ID,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import { requirePrincipal } from '../../platform/auth/principal.js';
import { filterIds } from '../../platform/db/refs.js';
import { DomainError } from '../../platform/errors.js';
import { childFieldResolver } from '../../platform/graphql/child-field.js';
import {
  ConnectionArgs,
  type ConnectionShape,
  connectionType,
  encodeCursor,
  pageRequest,
  paginate,
  paginateChildren,
} from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { loadById, loadRef } from '../../platform/graphql/loaders.js';
import { Client } from '../clients/client.entity.js';
import { Conversation, Extraction } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Pipeline, PipelineStage } from '../deals/pipeline.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { PracticeType } from '../practices/practice-type.entity.js';
import { Quote } from '../quotes/quote.entity.js';
import { RenewalAlert } from '../renewals/renewal-alert.entity.js';
import { SyncRun } from '../sync/sync-run.entity.js';
import { Task } from '../tasks/task.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { TimelineFilter } from './timeline.input.js';
import { eventCursor, timelineStream, type TimelineStreamArgs } from './timeline.stream.js';
import { TimelineCursors } from './timeline-cursor.js';
import { NEWEST_FIRST, TimelineEvent } from './timeline-event.entity.js';
import { TimelineEventType } from './timeline-event.enums.js';

export const TimelineEventConnection = connectionType(TimelineEvent, 'TimelineEvent');

/** Subject entities by type name (a function: RenewalAlert's module imports this one). */
const subjects = () =>
  ({
    Quote,
    Task,
    SyncRun,
    Client,
    Practice,
    Deal,
    Ticket,
    Interaction,
    RenewalAlert,
    Conversation,
    Extraction,
    PracticeType,
    Pipeline,
    PipelineStage,
    TeamMember,
  }) as const;

/** What a timeline event is about. */
export const TimelineSubject = createUnionType({
  name: 'TimelineSubject',
  description: 'The record a timeline event is about.',
  types: () => Object.values(subjects()) as unknown as readonly [typeof Client, ...(typeof Client)[]],
  resolveType: (value) => value.constructor.name,
});

function where(filter: TimelineFilter | null | undefined): Record<string, unknown> {
  const f = filter ?? {};
  const w: Record<string, unknown> = {};
  if (f.clientId) w.client = filterIds([f.clientId], 'Client')![0];
  const subjects = (
    [
      ['Practice', f.practiceId],
      ['Deal', f.dealId],
      ['Ticket', f.ticketId],
      ['Quote', f.quoteId],
    ] as const
  ).filter(([, id]) => id);
  if (subjects.length > 1)
    w.id = null; // one event has one subject: several can never all match
  else if (subjects[0]) {
    const [type, id] = subjects[0];
    w.subjectType = type;
    w.subjectId = filterIds([id!], type)![0];
  }
  if (f.types?.length) w.type = { $in: f.types };
  if (f.channels?.length) w.channel = { $in: f.channels };
  if (f.from || f.to) w.occurredAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
  return w;
}

function page(ctx: GraphQLContext, args: ConnectionArgs, w: FilterQuery<TimelineEvent>) {
  return sealedPages(ctx, args, (a) =>
    paginate(ctx.em, TimelineEvent, TimelineEventConnection, w, NEWEST_FIRST, pageRequest(a)),
  );
}

/**
 * A `timeline` connection whose cursors are sealed for the caller's tenant (`tp_…`, see
 * {@link TimelineCursors.sealPage}): the keyset order is the global sequence number, which would
 * otherwise let a tenant watch the pace of everyone's activity. `after`/`before` take these cursors
 * (another tenant's: BAD_USER_INPUT) and, for clients paging across a deploy, the old plain ones.
 */
async function sealedPages<C extends ConnectionShape<TimelineEvent>>(
  ctx: GraphQLContext,
  args: ConnectionArgs,
  run: (args: ConnectionArgs) => Promise<C>,
): Promise<C> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  const cursors = ctx.services.timelineCursors;
  const meta = ctx.em.getMetadata().get(TimelineEvent);
  const unseal = (cursor: string | undefined, arg: 'after' | 'before') => {
    if (!cursor || !TimelineCursors.isPage(cursor)) return cursor;
    const seq = cursors.openPage(tenantId, cursor);
    if (seq === undefined) throw DomainError.badInput(`Invalid cursor: ${arg} must come from this list`, arg);
    return encodeCursor(meta, Object.assign(new TimelineEvent(), { seq: String(seq) }), NEWEST_FIRST);
  };
  const connection = await run({ ...args, after: unseal(args.after, 'after'), before: unseal(args.before, 'before') });
  const seal = (event: TimelineEvent) => cursors.sealPage(tenantId, BigInt(event.seq));
  const items = connection.nodes;
  let edges: { cursor: string; node: TimelineEvent }[] | undefined;
  Object.defineProperty(connection, 'edges', {
    enumerable: true,
    get: () => (edges ??= items.map((node) => ({ cursor: seal(node), node }))),
  });
  connection.pageInfo = {
    ...connection.pageInfo,
    startCursor: items.length ? seal(items[0]) : null,
    endCursor: items.length ? seal(items[items.length - 1]) : null,
  };
  return connection;
}

/** The unified timeline: every change, newest first. */
@Resolver(() => TimelineEvent)
export class TimelineResolver {
  @Authorized()
  @Query(() => TimelineEventConnection, { description: 'Everything that happened, newest first, filtered.' })
  timeline(
    @Args() args: ConnectionArgs,
    @Arg('filter', () => TimelineFilter, { nullable: true }) filter: TimelineFilter | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return page(ctx, args, where(filter));
  }

  @Subscription(() => TimelineEvent, {
    description:
      'Timeline events of your tenant in the order they are committed, optionally of one client and some types. With `after` (the `cursor` of the last event you saw), first replays every event committed after it, in order, then continues live: no gap (an event whose transaction committed late is delivered in its commit place, never skipped), no duplicate. After a reconnect, resubscribe with the last `cursor` you received.',
    subscribe: ({ args, context }) => timelineStream(context as GraphQLContext, args as TimelineStreamArgs),
  })
  timelineEventAdded(
    @Root() event: TimelineEvent,
    @Arg('clientId', () => ID, { nullable: true }) _clientId: string | null,
    @Arg('types', () => [TimelineEventType], { nullable: true }) _types: TimelineEventType[] | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'Resume after this event: its `cursor` (or an edge cursor of `timeline`).',
    })
    _after: string | null,
  ): TimelineEvent {
    return event;
  }

  @FieldResolver(() => String, {
    description:
      "Where the event stands in delivery order (commit order): pass it as `after` to `timelineEventAdded` to resume after it. Opaque and valid only for your tenant. (To page the `timeline`, use its edges' cursors.)",
  })
  cursor(@Root() e: TimelineEvent, @Ctx() ctx: GraphQLContext): Promise<string> {
    return eventCursor(ctx, e);
  }

  @FieldResolver(() => TeamMember, {
    nullable: true,
    description: 'The team member who did it (null for API keys and the system: see actorLabel).',
  })
  actor(@Root() e: TimelineEvent, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, e.actor);
  }

  @FieldResolver(() => Client, { nullable: true })
  client(@Root() e: TimelineEvent, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, e.client);
  }

  @FieldResolver(() => TimelineSubject, {
    nullable: true,
    description: 'The record the event is about (null if it was deleted).',
  })
  subject(@Root() e: TimelineEvent, @Ctx() ctx: GraphQLContext) {
    const all = subjects();
    const entity: EntityClass<object> | undefined = all[e.subjectType as keyof typeof all];
    return entity ? loadById(ctx, entity, e.subjectId) : null;
  }
}

/**
 * `timeline(first, after, …)` on a parent: the connection of its events, newest first. Forward
 * pages of all parents in one statement (`paginateChildren`: rows where `fk` is one of the
 * parents, plus `subjectType` when given); `last`/`before` page each parent on its own.
 */
function timelineOf<P extends { id: string }>(
  parent: ClassType<P>,
  description: string,
  fk: 'client' | 'subjectId',
  subjectType?: string,
) {
  const where = subjectType ? { subjectType } : {};
  return childFieldResolver(parent, {
    name: 'timeline',
    type: () => TimelineEventConnection,
    description,
    args: ConnectionArgs,
    resolve: (p, args, ctx) =>
      args.last !== undefined || args.before !== undefined
        ? page(ctx, args, { ...where, [fk]: p.id })
        : sealedPages(ctx, args, (a) =>
            paginateChildren(ctx, TimelineEvent, TimelineEventConnection, fk, p.id, where, NEWEST_FIRST, a),
          ),
  });
}

/** `Client.timeline`. */
export const ClientTimelineResolver = timelineOf(
  Client,
  "The client's timeline: its own events and those of its practices, deals, tickets and interactions.",
  'client',
);
/** `Practice.timeline`. */
export const PracticeTimelineResolver = timelineOf(
  Practice,
  "The practice's events, newest first.",
  'subjectId',
  'Practice',
);
/** `Deal.timeline`. */
export const DealTimelineResolver = timelineOf(Deal, "The deal's events, newest first.", 'subjectId', 'Deal');
/** `Ticket.timeline`. */
export const TicketTimelineResolver = timelineOf(Ticket, "The ticket's events, newest first.", 'subjectId', 'Ticket');
