import type { EntityKey } from '@mikro-orm/core';
import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import { readRowsInPrepared } from '../../platform/db/read-model.js';
import { DomainError } from '../../platform/errors.js';
import {
  buildConnection,
  ChildConnectionArgs,
  type ConnectionShape,
  connectionType,
  DEFAULT_PAGE_SIZE,
  OrderDirection,
  pageRequest,
} from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { fromGlobalId } from '../../platform/graphql/global-id.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import { CriteriaEntity, CriteriaInput, CriteriaNode } from '../criteria/criteria.input.js';
import { Role, WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Segment } from './segment.entity.js';
import { segmentMembershipStream } from './segment.stream.js';
import {
  CreateSegmentInput,
  SegmentFilter,
  SegmentIdInput,
  SegmentMemberConnection,
  SegmentMembershipArgs,
  SegmentMembershipChange,
  SegmentOrder,
  SegmentOrderField,
  SegmentPreview,
  UpdateSegmentInput,
} from './segment.types.js';
import { loadSegmentCount, loadSegmentPage } from './segment-members.loader.js';

export const SegmentConnection = connectionType(Segment, 'Segment');

const ORDER_COLUMNS = {
  NAME: 'name',
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
} as const satisfies Record<SegmentOrderField, EntityKey<Segment>>;

const SegmentPayload = payloadType(
  'SegmentPayload',
  'Result of a segment mutation: the segment, or userErrors (then nothing changed).',
  { segment: () => Segment },
);

@ObjectType({ description: 'What a daily re-check run did.' })
class RunSegmentRecheckPayload {
  @Field(() => Int, { description: 'Segments with time-relative criteria that were re-evaluated.' })
  rechecked!: number;
}

/** Largest `sampleSize` of previewSegment. */
const MAX_SAMPLE = 50;

/** Segments: saved criteria trees whose membership streams its changes. */
@Resolver(() => Segment)
export class SegmentResolver extends ResourceResolver({
  entity: Segment,
  connection: SegmentConnection,
  list: { name: 'segments', description: 'Saved segments of your tenant, filtered and ordered (default: by name).' },
  filter: { type: SegmentFilter, where: (ctx, filter) => ctx.services.segments.where(filter) },
  order: {
    type: SegmentOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: SegmentOrderField.NAME, direction: OrderDirection.ASC },
  },
}) {
  @Authorized()
  @Query(() => Segment, {
    nullable: true,
    description: 'A segment by ID (null when not found in your tenant, or deleted).',
  })
  async segment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Segment | null> {
    // A read-only row (as the `segments` list gives), read by one prepared statement: no fork, no entity.
    const decoded = fromGlobalId(id);
    if (decoded?.type !== Segment.name) return null;
    const [segment] = await readRowsInPrepared(ctx.readEm ?? ctx.em, Segment, 'id', [decoded.id]);
    return segment && !segment.deletedAt ? segment : null;
  }

  @Authorized()
  @Query(() => SegmentPreview, {
    description:
      'What a criteria tree on `entity` selects now — the count and the first `sampleSize` records — without saving a segment. A bad tree is BAD_USER_INPUT with `extensions.userErrors` (paths inside `criteria`); a statement running too long is QUERY_TIMEOUT.',
  })
  async previewSegment(
    @Arg('entity', () => CriteriaEntity) entity: CriteriaEntityName,
    @Arg('criteria', () => CriteriaInput) criteria: CriteriaInput,
    @Arg('sampleSize', () => Int, { defaultValue: 10, description: '0–50.' }) sampleSize: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SegmentPreview> {
    if (sampleSize < 0 || sampleSize > MAX_SAMPLE)
      throw DomainError.badInput(`sampleSize must be 0–${MAX_SAMPLE}`, 'sampleSize');
    const segments = ctx.services.segments;
    const checked = segments.checkQueryCriteria(entity, criteria, 'criteria');
    const read = await segments.readMembers(ctx.readEm ?? ctx.em, entity, checked, {
      count: true,
      pages: sampleSize ? [{ first: sampleSize }] : [],
    });
    return { entity, count: read.count!, sample: read.pages[0]?.rows ?? [] };
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => SegmentPayload, {
    description:
      'Saves a criteria tree as a segment. Saving a question: pass `ask(...).criteria` and `ask(...).entity` here. A bad tree gives userErrors whose `field` is the path inside the tree, e.g. ["input", "criteria", "groups", "0", "filters", "1", "operator"].',
  })
  createSegment(
    @Arg('input') input: CreateSegmentInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ segment: await ctx.services.segments.create(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => SegmentPayload, {
    description:
      'Renames a segment or changes its criteria; the records entering or leaving by new criteria are streamed to `segmentMembershipChanged`.',
  })
  updateSegment(@Arg('input') input: UpdateSegmentInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ segment: await ctx.services.segments.update(ctx.em, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => SegmentPayload, {
    description: 'Deletes a segment (its ID no longer resolves; its subscriptions get nothing more).',
  })
  deleteSegment(@Arg('input') input: SegmentIdInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ segment: await ctx.services.segments.delete(ctx.em, input.id) }));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RunSegmentRecheckPayload, {
    description:
      "Re-evaluates your tenant's segments with time-relative criteria (LAST_N_DAYS, NEXT_N_DAYS) now (ADMIN), as the daily schedule does once per tenant-local day; records entering or leaving are streamed.",
  })
  async runSegmentRecheck(
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RunSegmentRecheckPayload> {
    const rechecked = await ctx.services.segments.recheckTimeRelative(ctx.em, {
      tenantId: principal.tenantId,
      force: true,
    });
    return { rechecked };
  }

  @Subscription(() => SegmentMembershipChange, {
    description:
      'Records entering (ENTERED) or leaving (LEFT) a segment of your tenant as changes to the CRM are processed (each timeline event re-checks only the records it touches, within about SEGMENT_TICK_SECONDS) and as days pass (time-relative criteria, re-checked daily). Membership is compared with the record as it is when its event is processed: a record that enters and leaves again before that shows no change. Resumable: pass the last `cursor` received as `after`.',
    subscribe: ({ args, context }) => segmentMembershipStream(context as GraphQLContext, args as SegmentMembershipArgs),
  })
  segmentMembershipChanged(
    @Root() change: SegmentMembershipChange,
    @Args() _args: SegmentMembershipArgs,
  ): SegmentMembershipChange {
    return change;
  }

  @FieldResolver(() => CriteriaNode, { description: 'The criteria tree, as saved.' })
  criteria(@Root() s: Segment): CriteriaNode {
    return s.criteria as CriteriaNode;
  }

  @FieldResolver(() => Int, { description: 'How many records the segment holds now.' })
  count(@Root() s: Segment, @Ctx() ctx: GraphQLContext): Promise<number> {
    return loadSegmentCount(ctx, s);
  }

  @FieldResolver(() => SegmentMemberConnection, {
    description:
      "The records the segment holds now (evaluated at request time, so always exact), by ID; a connection (first/after). Nodes are of the segment's entity: select with `... on Client { … }`.",
  })
  async members(
    @Root() s: Segment,
    @Args() args: ChildConnectionArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SegmentMemberConnection> {
    const segments = ctx.services.segments;
    const em = ctx.readEm ?? ctx.em;
    const { first = DEFAULT_PAGE_SIZE, after } = pageRequest(args);
    const page = await loadSegmentPage(ctx, s, first, segments.memberAfter(em, s.entity, after));
    return buildConnection(
      SegmentMemberConnection as unknown as new () => ConnectionShape<object>,
      page.rows,
      (member) => segments.memberCursor(em, s.entity, member),
      { hasNextPage: page.hasNextPage, hasPreviousPage: !!after },
      () => loadSegmentCount(ctx, s),
    ) as unknown as SegmentMemberConnection;
  }

  @FieldResolver(() => TeamMember, { nullable: true, description: 'Who saved it (null for a program).' })
  createdBy(@Root() s: Segment, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, s.createdBy);
  }
}
