import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

import { Money } from '../../platform/graphql/money.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { ClientSource, LifecycleStage } from '../clients/client.enums.js';
import { Pipeline, PipelineStage } from '../deals/pipeline.entity.js';
import { InteractionKind, Sentiment } from '../interactions/interaction.enums.js';
import { PracticeStatus } from '../practices/practice.enums.js';
import { PracticeType } from '../practices/practice-type.entity.js';
import { Channel } from '../shared/channel.js';
import { TeamMember } from '../tenancy/team-member.entity.js';

/** The length of the period buckets of a report. */
export enum Timeframe {
  WEEK = 'WEEK',
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
}

registerEnumType(Timeframe, {
  name: 'Timeframe',
  description:
    "Length of a report's period buckets. Buckets start at local midnight in the tenant's time zone: WEEK on Monday, MONTH on the 1st, QUARTER on 1 January, April, July or October.",
});

/** One period bucket of a count. */
@ObjectType({ description: "A count in one period bucket (bounds in the tenant's time zone, as UTC instants)." })
export class PeriodCount {
  @Field({ description: 'Start of the bucket (inclusive): local midnight in the tenant time zone.' })
  start!: Date;

  @Field({ description: 'End of the bucket (exclusive): the start of the next bucket.' })
  end!: Date;

  @Field(() => Int)
  count!: number;
}

/** The window a report covers, as the server understood the arguments. */
@ObjectType({ description: 'The window a report covers: `from` inclusive, `to` exclusive; null means unbounded.' })
export class ReportWindow {
  @Field(() => Date, { nullable: true })
  from!: Date | null;

  @Field(() => Date, { nullable: true })
  to!: Date | null;

  @Field({ description: 'The tenant\'s IANA time zone, in which buckets and "today" are computed.' })
  timeZone!: string;
}

// ---------------------------------------------------------------- pipeline funnel

@ObjectType({ description: 'One stage of a pipeline funnel.' })
export class FunnelStage {
  /** The stage row (resolved through a loader). */
  stageId!: string;

  @Field(() => PipelineStage)
  stage?: PipelineStage;

  @Field(() => Int, { description: 'Deals of the cohort that have been in this stage (per the stage history).' })
  entered!: number;

  @Field(() => Int, {
    description:
      'Of those, deals that later entered a stage of higher position that is not LOST (a next OPEN stage or WON). Always 0 for WON and LOST stages.',
  })
  convertedToNext!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'convertedToNext / entered; null when nothing entered, or for a WON or LOST stage.',
  })
  conversionRate!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Deals that went from this stage straight to a LOST stage / entered; null when nothing entered, or for a WON or LOST stage. Deals still in the stage count in neither rate.',
  })
  dropOffRate!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Average days a deal of the cohort stayed in this stage, over stays that have ended (left_at set); null when none has.',
  })
  averageDaysInStage!: number | null;
}

@ObjectType({
  description:
    'A pipeline funnel over a cohort: the deals of the pipeline created in the window, followed through their whole stage history.',
})
export class PipelineFunnel {
  pipelineId!: string;

  @Field(() => Pipeline)
  pipeline?: Pipeline;

  @Field(() => ReportWindow)
  window!: ReportWindow;

  @Field(() => Int, { description: 'Deals in the cohort (created in the window).' })
  deals!: number;

  @Field(() => Int, { description: 'Deals of the cohort that are WON now.' })
  won!: number;

  @Field(() => Int, { description: 'Deals of the cohort that are LOST now.' })
  lost!: number;

  @Field(() => Float, { nullable: true, description: 'won / deals; null for an empty cohort.' })
  overallConversionRate!: number | null;

  @Field(() => [FunnelStage], { description: 'Every stage of the pipeline, by position.' })
  stages!: FunnelStage[];
}

// ---------------------------------------------------------------- rep performance

@ObjectType({ description: "A team member's deal results in one period bucket." })
export class RepPeriod {
  @Field({ description: 'Start of the bucket (inclusive).' })
  start!: Date;

  @Field({ description: 'End of the bucket (exclusive).' })
  end!: Date;

  @Field(() => Int, { description: 'Deals created in the bucket.' })
  dealsCreated!: number;

  @Field(() => Int, { description: 'Deals won (closedAt) in the bucket.' })
  dealsWon!: number;

  @Field(() => Int, { description: 'Deals lost (closedAt) in the bucket.' })
  dealsLost!: number;

  @Field(() => [Money], { description: 'Amount of the deals won in the bucket, per currency.' })
  wonValue!: Money[];
}

@ObjectType({ description: "One team member's deal performance over the window (deals by owner)." })
export class RepPerformance {
  teamMemberId!: string | null;

  @Field(() => TeamMember, { nullable: true, description: 'The deals owner; null for deals without an owner.' })
  teamMember?: TeamMember | null;

  @Field(() => Int, { description: 'Deals created in the window.' })
  dealsCreated!: number;

  @Field(() => Int, { description: 'Deals won in the window (closedAt in the window).' })
  dealsWon!: number;

  @Field(() => Int, { description: 'Deals lost in the window (closedAt in the window).' })
  dealsLost!: number;

  @Field(() => [Money], { description: 'Amount of the deals created in the window, per currency.' })
  totalValue!: Money[];

  @Field(() => [Money], { description: 'Amount of the deals won in the window, per currency.' })
  wonValue!: Money[];

  @Field(() => Float, { nullable: true, description: 'dealsWon / (dealsWon + dealsLost); null when none closed.' })
  winRate!: number | null;

  @Field(() => [Money], {
    description: 'Average amount of the deals won in the window, per currency (deals without an amount left out).',
  })
  averageDealSize!: Money[];

  @Field(() => Float, {
    nullable: true,
    description: 'Average days from creation to closing of the deals won in the window; null when none.',
  })
  averageDaysToClose!: number | null;

  @Field(() => Float, {
    description:
      "Deals won per week: dealsWon / the window's length in weeks (an open `from` starts at the tenant's first deal, an open `to` ends now; at least one week).",
  })
  velocity!: number;

  @Field(() => [RepPeriod], { description: 'The same figures per period bucket of the window, oldest first.' })
  periods!: RepPeriod[];
}

@ObjectType({ description: 'Deal performance per team member.' })
export class RepPerformanceReport {
  @Field(() => Timeframe)
  timeframe!: Timeframe;

  @Field(() => ReportWindow)
  window!: ReportWindow;

  @Field(() => [RepPerformance], {
    description: 'Every active team member (and deals without an owner, if any), most won value first.',
  })
  members!: RepPerformance[];
}

// ---------------------------------------------------------------- practice stats

@ObjectType({ description: 'Practices in one status.' })
export class PracticeStatusCount {
  @Field(() => PracticeStatus)
  status!: PracticeStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Practices of one practice type.' })
export class PracticeTypeCount {
  typeId!: string;

  @Field(() => PracticeType)
  type?: PracticeType;

  @Field(() => Int)
  count!: number;
}

@ObjectType({
  description:
    'Practices created in the window: counts by status and type, and revenue per currency. CANCELLED and REJECTED practices count in the status figures only.',
})
export class PracticeStats {
  @Field(() => ReportWindow)
  window!: ReportWindow;

  @Field(() => Int, { description: 'Practices created in the window.' })
  total!: number;

  @Field(() => [PracticeStatusCount], { description: 'Counts by current status (statuses with none left out).' })
  byStatus!: PracticeStatusCount[];

  @Field(() => [PracticeTypeCount], { description: 'Counts by practice type, largest first.' })
  byType!: PracticeTypeCount[];

  @Field(() => [Money], { description: 'Sum of quoted prices, per currency.' })
  quoted!: Money[];

  @Field(() => [Money], { description: 'Sum of amounts paid, per currency.' })
  paid!: Money[];

  @Field(() => [Money], {
    description:
      'Per currency: price (actual, else quoted) minus amount paid, for practices not PAID or REFUNDED, never below 0.',
  })
  outstanding!: Money[];
}

// ---------------------------------------------------------------- client stats

@ObjectType({ description: 'Clients in one lifecycle stage.' })
export class LifecycleStageCount {
  @Field(() => LifecycleStage)
  stage!: LifecycleStage;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Clients from one source.' })
export class ClientSourceCount {
  @Field(() => ClientSource)
  source!: ClientSource;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Clients of one nationality.' })
export class NationalityCount {
  @Field(() => String, { nullable: true, description: 'As recorded; null for clients without one.' })
  nationality!: string | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Lead-to-customer conversion of the clients created in the window.' })
export class LeadConversion {
  @Field(() => Int, { description: 'Clients created in the window.' })
  clients!: number;

  @Field(() => Int, { description: 'Of those, clients now CUSTOMER or CHURNED (they became customers).' })
  converted!: number;

  @Field(() => Float, { nullable: true, description: 'converted / clients; null when no client.' })
  rate!: number | null;
}

@ObjectType({ description: 'Clients created in the window (archived and merged clients left out).' })
export class ClientStats {
  @Field(() => ReportWindow)
  window!: ReportWindow;

  @Field(() => Timeframe)
  timeframe!: Timeframe;

  @Field(() => Int, { description: 'Clients created in the window.' })
  total!: number;

  @Field(() => [LifecycleStageCount], { description: 'By current lifecycle stage.' })
  byLifecycleStage!: LifecycleStageCount[];

  @Field(() => [ClientSourceCount], { description: 'By source, largest first.' })
  bySource!: ClientSourceCount[];

  @Field(() => [NationalityCount], { description: 'By nationality, largest first (at most 50).' })
  byNationality!: NationalityCount[];

  @Field(() => [PeriodCount], { description: 'New clients per period bucket of the window, oldest first.' })
  newClients!: PeriodCount[];

  @Field(() => LeadConversion)
  leadConversion!: LeadConversion;
}

// ---------------------------------------------------------------- interaction stats

@ObjectType({ description: 'Interactions of one kind.' })
export class InteractionKindCount {
  @Field(() => InteractionKind)
  kind!: InteractionKind;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Interactions over one channel (derived from the kind; MEETING and NOTE have none).' })
export class InteractionChannelCount {
  @Field(() => Channel, { nullable: true, description: 'Null for meetings and notes.' })
  channel!: Channel | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Interactions of one sentiment.' })
export class SentimentCount {
  @Field(() => Sentiment, { nullable: true, description: 'Null when no sentiment was recorded.' })
  sentiment!: Sentiment | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "One team member's interactions." })
export class TeamMemberInteractionCount {
  teamMemberId!: string | null;

  @Field(() => TeamMember, { nullable: true, description: 'Null for interactions logged without a team member.' })
  teamMember?: TeamMember | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Interactions that occurred in the window.' })
export class InteractionStats {
  @Field(() => ReportWindow)
  window!: ReportWindow;

  @Field(() => Timeframe)
  timeframe!: Timeframe;

  @Field(() => Int, { description: 'Interactions that occurred (occurredAt) in the window.' })
  total!: number;

  @Field(() => [InteractionKindCount])
  byKind!: InteractionKindCount[];

  @Field(() => [InteractionChannelCount])
  byChannel!: InteractionChannelCount[];

  @Field(() => [SentimentCount])
  bySentiment!: SentimentCount[];

  @Field(() => [TeamMemberInteractionCount], { description: 'Largest first.' })
  byTeamMember!: TeamMemberInteractionCount[];

  @Field(() => [PeriodCount], { description: 'Interactions per period bucket of the window, oldest first.' })
  perPeriod!: PeriodCount[];
}

// ---------------------------------------------------------------- team overview

@ObjectType({ description: "One team member's current workload." })
export class TeamMemberWorkload {
  teamMemberId!: string | null;

  @Field(() => TeamMember, { nullable: true, description: 'Null for the unassigned work (no assignee or owner).' })
  teamMember?: TeamMember | null;

  @Field(() => Int, { description: 'Open practices assigned (not COMPLETED, REJECTED or CANCELLED).' })
  openPractices!: number;

  @Field(() => [PracticeStatusCount], { description: 'Open practices assigned, by status.' })
  openPracticesByStatus!: PracticeStatusCount[];

  @Field(() => Int, { description: 'Tickets assigned that are OPEN or PENDING.' })
  openTickets!: number;

  @Field(() => Int, {
    description: 'Assigned renewable practices expiring within 30 days (as upcomingRenewals(withinDays: 30)).',
  })
  renewalsDue!: number;

  @Field(() => Int, { description: 'OPEN deals owned.' })
  openDeals!: number;

  @Field(() => [Money], { description: 'Amount of the OPEN deals owned, per currency.' })
  pipelineValue!: Money[];
}

// ---------------------------------------------------------------- client summary

@ObjectType({ description: "A client's context at a glance." })
export class ClientSummary {
  @Field(() => Int, { description: 'Practices not COMPLETED, REJECTED or CANCELLED.' })
  openPractices!: number;

  @Field(() => Int, { description: 'COMPLETED practices.' })
  completedPractices!: number;

  @Field(() => [Money], { description: 'Quoted prices of all practices not CANCELLED or REJECTED, per currency.' })
  totalQuoted!: Money[];

  @Field(() => [Money], { description: 'Amounts paid on all practices, per currency.' })
  totalPaid!: Money[];

  @Field(() => Date, { nullable: true, description: 'When the latest interaction occurred.' })
  lastContactAt!: Date | null;

  @Field(() => [String], {
    description: 'Action items of the latest interaction that has any (empty when none).',
  })
  pendingActionItems!: string[];

  @Field(() => Int, { description: 'Tickets OPEN or PENDING.' })
  openTickets!: number;

  nextRenewalId!: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Expiry date of the next renewable, live, not renewed practice expiring today or later.',
  })
  nextRenewalDate!: string | null;
}

// ---------------------------------------------------------------- dashboard KPIs

@ObjectType({ description: "Headline figures for a dashboard's header." })
export class DashboardKpis {
  @Field(() => ReportWindow)
  window!: ReportWindow;

  @Field(() => Int, { description: 'Clients now (not archived or merged).' })
  clients!: number;

  @Field(() => Int, { description: 'Clients created in the window.' })
  newClients!: number;

  @Field(() => Int, { description: 'Practices now open (not COMPLETED, REJECTED or CANCELLED).' })
  activePractices!: number;

  @Field(() => Int, { description: 'OPEN deals now.' })
  openDeals!: number;

  @Field(() => [Money], { description: 'Amount of the OPEN deals now, per currency.' })
  pipelineValue!: Money[];

  @Field(() => Int, { description: 'Deals won in the window (closedAt).' })
  dealsWon!: number;

  @Field(() => [Money], { description: 'Amount of the deals won in the window, per currency.' })
  wonValue!: Money[];

  @Field(() => Float, {
    nullable: true,
    description: 'Deals won / deals closed (won or lost) in the window; null when none closed.',
  })
  conversionRate!: number | null;

  @Field(() => Int, {
    description: 'Renewable practices expiring within 30 days (as upcomingRenewals(withinDays: 30)).',
  })
  renewalsDue!: number;
}
