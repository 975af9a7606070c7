import type { EntityKey } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { connectionType, OrderDirection } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { registerFastChildren, registerFastRelation } from '../../platform/graphql/fast-path.js';
import { loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Deal, DealStageHistory } from './deal.entity.js';
import {
  CreateDealInput,
  DealFilter,
  DealOrder,
  DealOrderField,
  LoseDealInput,
  MoveDealStageInput,
  UpdateDealInput,
  WinDealInput,
} from './deal.input.js';
import { Pipeline, PipelineStage } from './pipeline.entity.js';

export const DealConnection = connectionType(Deal, 'Deal');

const ORDER_COLUMNS = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  EXPECTED_CLOSE_DATE: 'expectedCloseDate',
} as const satisfies Record<DealOrderField, EntityKey<Deal>>;

const DealPayload = payloadType(
  'DealPayload',
  'Result of a deal mutation: the deal, or userErrors (then nothing changed).',
  { deal: () => Deal },
);

/** Pipelines, deals and their stage moves. */
@Resolver(() => Deal)
export class DealResolver extends ResourceResolver({
  entity: Deal,
  connection: DealConnection,
  list: { name: 'deals', description: 'Deals, filtered and ordered (default: newest first).' },
  filter: {
    type: DealFilter,
    where: (ctx, filter) =>
      ctx.services.criteria.andWhere(() => ctx.em, 'DEAL', ctx.services.deals.where(filter), filter?.where),
  },
  order: {
    type: DealOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: DealOrderField.CREATED_AT, direction: OrderDirection.DESC },
    nonNullWhenSortedBy: [DealOrderField.EXPECTED_CLOSE_DATE],
  },
  get: { name: 'deal' },
}) {
  @Authorized()
  @Query(() => [Pipeline], { description: "The tenant's pipelines (the default first, then by name)." })
  pipelines(
    @Arg('includeArchived', { defaultValue: false, description: 'Also list archived pipelines.' })
    includeArchived: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.em.find(Pipeline, includeArchived ? {} : { archivedAt: null }, {
      orderBy: [{ isDefault: 'desc' }, { name: 'asc' }, { id: 'asc' }],
    });
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => DealPayload, {
    description: "Creates a deal (default: the default pipeline's first stage, you as owner).",
  })
  createDeal(
    @Arg('input') input: CreateDealInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ deal: await ctx.services.deals.create(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => DealPayload)
  updateDeal(
    @Arg('input') input: UpdateDealInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ deal: await ctx.services.deals.update(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => DealPayload, {
    description: 'Moves a deal to another stage of its pipeline, recording stage history.',
  })
  moveDealStage(
    @Arg('input') input: MoveDealStageInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      deal: await ctx.services.deals.move(ctx.em, principal, input.id, input.stageId, input.lostReason),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => DealPayload, { description: 'Closes a deal as won (status WON, closedAt set).' })
  winDeal(@Arg('input') input: WinDealInput, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ deal: await ctx.services.deals.win(ctx.em, principal, input.id) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => DealPayload, {
    description: 'Closes a deal as lost with a reason (status LOST, closedAt and lostReason set).',
  })
  loseDeal(@Arg('input') input: LoseDealInput, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({
      deal: await ctx.services.deals.lose(ctx.em, principal, input.id, input.reason),
    }));
  }

  @FieldResolver(() => Client)
  client(@Root() deal: Deal, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, deal.client);
  }

  @FieldResolver(() => Pipeline)
  pipeline(@Root() deal: Deal, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Pipeline, deal.pipeline);
  }

  @FieldResolver(() => PipelineStage)
  stage(@Root() deal: Deal, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, PipelineStage, deal.stage);
  }

  @FieldResolver(() => TeamMember, { nullable: true })
  owner(@Root() deal: Deal, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, deal.owner);
  }

  @FieldResolver(() => [DealStageHistory], {
    description:
      'Every stage the deal has been in, oldest first. A plain list: bounded by the stages of its pipeline a deal passes through.',
  })
  stageHistory(@Root() deal: Deal, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, DealStageHistory, 'deal', deal.id, {}, [{ enteredAt: 'asc' }, { id: 'asc' }]);
  }
}

@Resolver(() => DealStageHistory)
export class DealStageHistoryResolver {
  @FieldResolver(() => PipelineStage)
  stage(@Root() h: DealStageHistory, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, PipelineStage, h.stage);
  }

  @FieldResolver(() => TeamMember, { nullable: true })
  movedBy(@Root() h: DealStageHistory, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, h.movedBy);
  }
}

@Resolver(() => Pipeline)
export class PipelineResolver {
  @FieldResolver(() => [PipelineStage], {
    description: 'Stages in order; archived stages (listed last) only with includeArchived.',
  })
  stages(
    @Arg('includeArchived', { defaultValue: false, description: 'Also list archived stages.' })
    includeArchived: boolean,
    @Root() pipeline: Pipeline,
    @Ctx() ctx: GraphQLContext,
  ) {
    return loadChildren(ctx, PipelineStage, 'pipeline', pipeline.id, includeArchived ? {} : { archivedAt: null }, [
      { position: 'asc' },
      { id: 'asc' },
    ]);
  }
}

const NEWEST_FIRST: KeysetOrder<Deal> = [{ createdAt: 'desc' }, { id: 'desc' }];

/** The condition of `Client.deals(filter)` (besides the client). */
const clientDealsWhere = (ctx: GraphQLContext, filter: DealFilter | null | undefined) =>
  ctx.services.deals.where({ ...filter, clientId: undefined }) as Record<string, unknown>;

/** Deals of a client. */
@Resolver(() => Client)
export class ClientDealsResolver {
  @FieldResolver(() => [Deal], {
    description:
      "The client's deals, newest first. A plain list: a client has a handful of deals (one per sale), unlike its interactions.",
  })
  deals(
    @Root() client: Client,
    @Arg('filter', () => DealFilter, { nullable: true }) filter: DealFilter | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return loadChildren(ctx, Deal, 'client', client.id, clientDealsWhere(ctx, filter), NEWEST_FIRST);
  }
}

// The fast path (platform/graphql/fast-path.ts) answers these the way the resolvers above do.
registerFastRelation(Deal, 'client', { kind: 'ref', entity: Client, fk: 'client' });
registerFastRelation(Deal, 'pipeline', { kind: 'ref', entity: Pipeline, fk: 'pipeline' });
registerFastRelation(Deal, 'stage', { kind: 'ref', entity: PipelineStage, fk: 'stage' });
registerFastRelation(Deal, 'owner', { kind: 'ref', entity: TeamMember, fk: 'owner' });
registerFastChildren(Client, 'deals', Deal, 'client', clientDealsWhere);
