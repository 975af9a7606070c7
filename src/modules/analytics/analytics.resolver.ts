import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { loadById } from '../../platform/graphql/loaders.js';
import { Client } from '../clients/client.entity.js';
import { Pipeline, PipelineStage } from '../deals/pipeline.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { PracticeType } from '../practices/practice-type.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import {
  ClientStats,
  ClientSummary,
  DashboardKpis,
  FunnelStage,
  InteractionStats,
  PipelineFunnel,
  PracticeStats,
  PracticeTypeCount,
  RepPerformance,
  RepPerformanceReport,
  TeamMemberInteractionCount,
  TeamMemberWorkload,
  Timeframe,
} from './analytics.types.js';
import { loadClientSummary } from './client-summary.loader.js';

const FROM = { nullable: true, description: 'Start of the window (inclusive); omitted: unbounded.' } as const;
const TO = { nullable: true, description: 'End of the window (exclusive); omitted: unbounded (up to now).' } as const;
const BUCKETS = {
  defaultValue: Timeframe.MONTH,
  description: 'Length of the period buckets (in the tenant time zone).',
} as const;

/**
 * Analytics for dashboards: read-only, tenant-scoped aggregates, readable by every role. Each query
 * is a few set-based SQL statements (see AnalyticsService).
 */
@Resolver()
export class AnalyticsResolver {
  @Authorized()
  @Query(() => PipelineFunnel, {
    description:
      'Funnel of a pipeline over the deals created in the window: per stage entered, converted to a next stage, drop-off and average days in stage. Another tenant’s pipeline: NOT_FOUND.',
  })
  pipelineFunnel(
    @Arg('pipelineId', () => ID) pipelineId: string,
    @Arg('from', () => Date, FROM) from: Date | null,
    @Arg('to', () => Date, TO) to: Date | null,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.analytics.pipelineFunnel(ctx.em, principal, pipelineId, { from, to });
  }

  @Authorized()
  @Query(() => RepPerformanceReport, {
    description:
      'Deal performance per team member (deal owner) in the window, with the same figures per period bucket.',
  })
  repPerformance(
    @Arg('timeframe', () => Timeframe) timeframe: Timeframe,
    @Arg('from', () => Date, FROM) from: Date | null,
    @Arg('to', () => Date, TO) to: Date | null,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.analytics.repPerformance(ctx.em, principal, timeframe, { from, to });
  }

  @Authorized()
  @Query(() => PracticeStats, {
    description: 'Practices created in the window: counts by status and type; revenue quoted, paid, outstanding.',
  })
  practiceStats(
    @Arg('from', () => Date, FROM) from: Date | null,
    @Arg('to', () => Date, TO) to: Date | null,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.analytics.practiceStats(ctx.em, principal, { from, to });
  }

  @Authorized()
  @Query(() => ClientStats, {
    description:
      'Clients created in the window: by lifecycle stage, source and nationality; new clients per period; lead-to-customer conversion.',
  })
  clientStats(
    @Arg('from', () => Date, FROM) from: Date | null,
    @Arg('to', () => Date, TO) to: Date | null,
    @Arg('timeframe', () => Timeframe, BUCKETS) timeframe: Timeframe,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.analytics.clientStats(ctx.em, principal, timeframe, { from, to });
  }

  @Authorized()
  @Query(() => InteractionStats, {
    description: 'Interactions that occurred in the window: by kind, channel, sentiment, team member and period.',
  })
  interactionStats(
    @Arg('from', () => Date, FROM) from: Date | null,
    @Arg('to', () => Date, TO) to: Date | null,
    @Arg('timeframe', () => Timeframe, BUCKETS) timeframe: Timeframe,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.analytics.interactionStats(ctx.em, principal, timeframe, { from, to });
  }

  @Authorized()
  @Query(() => [TeamMemberWorkload], {
    description:
      "Every active team member's current workload (open practices by status, open tickets, renewals due in 30 days, open deals and pipeline value), then the unassigned work if any.",
  })
  teamOverview(@CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return ctx.services.analytics.teamOverview(ctx.em, principal);
  }

  @Authorized()
  @Query(() => DashboardKpis, {
    description: "Headline figures for a dashboard's header: now, and over the window.",
  })
  dashboardKpis(
    @Arg('from', () => Date, FROM) from: Date | null,
    @Arg('to', () => Date, TO) to: Date | null,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.analytics.dashboardKpis(ctx.em, principal, { from, to });
  }
}

@Resolver(() => PipelineFunnel)
export class PipelineFunnelResolver {
  @FieldResolver(() => Pipeline)
  pipeline(@Root() funnel: PipelineFunnel, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, Pipeline, funnel.pipelineId);
  }
}

@Resolver(() => FunnelStage)
export class FunnelStageResolver {
  @FieldResolver(() => PipelineStage)
  stage(@Root() row: FunnelStage, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, PipelineStage, row.stageId);
  }
}

@Resolver(() => PracticeTypeCount)
export class PracticeTypeCountResolver {
  @FieldResolver(() => PracticeType)
  type(@Root() row: PracticeTypeCount, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, PracticeType, row.typeId);
  }
}

@Resolver(() => RepPerformance)
export class RepPerformanceResolver {
  @FieldResolver(() => TeamMember, { nullable: true })
  teamMember(@Root() row: RepPerformance, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, TeamMember, row.teamMemberId);
  }
}

@Resolver(() => TeamMemberInteractionCount)
export class TeamMemberInteractionCountResolver {
  @FieldResolver(() => TeamMember, { nullable: true })
  teamMember(@Root() row: TeamMemberInteractionCount, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, TeamMember, row.teamMemberId);
  }
}

@Resolver(() => TeamMemberWorkload)
export class TeamMemberWorkloadResolver {
  @FieldResolver(() => TeamMember, { nullable: true })
  teamMember(@Root() row: TeamMemberWorkload, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, TeamMember, row.teamMemberId);
  }
}

/** `Client.summary`: batched for every client of a list (a constant number of statements). */
@Resolver(() => Client)
export class ClientSummaryResolver {
  @FieldResolver(() => ClientSummary, {
    description:
      "The client's context at a glance: open and completed practices, totals quoted and paid, last contact, pending action items, open tickets, next renewal.",
  })
  summary(@Root() client: Client, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return loadClientSummary(ctx, principal, client.id);
  }
}

@Resolver(() => ClientSummary)
export class ClientSummaryFieldsResolver {
  @FieldResolver(() => Practice, { nullable: true, description: 'The practice of nextRenewalDate.' })
  nextRenewal(@Root() summary: ClientSummary, @Ctx() ctx: GraphQLContext) {
    return loadById(ctx, Practice, summary.nextRenewalId);
  }
}
