/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Another CRM Meridian syncs with (HUBSPOT, ZOHO, ODOO) or a CSV file import (CSV). */
export type CrmProvider =
  | 'CSV'
  | 'HUBSPOT'
  | 'ODOO'
  | 'ZOHO';

/** Where a renewal alert stands. */
export type RenewalAlertStatus =
  | 'ACKNOWLEDGED'
  | 'DISMISSED'
  | 'NOTIFIED'
  | 'PENDING'
  | 'RESOLVED'
  | 'SNOOZED';

/** What a team member or API key may do. */
export type Role =
  /** Everything, including team members, API keys and tenant settings. */
  | 'ADMIN'
  /** Reads and writes CRM data. */
  | 'AGENT'
  /** Reads and writes all CRM data. */
  | 'MANAGER'
  /** Reads only; every mutation is FORBIDDEN. */
  | 'VIEWER';

/** OPEN stages hold live deals; a WON or LOST stage closes the deal. */
export type StageKind =
  | 'LOST'
  | 'OPEN'
  | 'WON';

/** BACKFILL (every record), DELTA (changes since the last cursor), PUSH (Meridian activities out), IMPORT (a CSV file). */
export type SyncMode =
  | 'BACKFILL'
  | 'DELTA'
  | 'IMPORT'
  | 'PUSH';

/** QUEUED, RUNNING, then SUCCEEDED, FAILED or CANCELLED. */
export type SyncRunStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** Length of a report's period buckets. Buckets start at local midnight in the tenant's time zone: WEEK on Monday, MONTH on the 1st, QUARTER on 1 January, April, July or October. */
export type Timeframe =
  | 'MONTH'
  | 'QUARTER'
  | 'WEEK';

/** What happened. */
export type TimelineEventType =
  | 'CLIENTS_MERGED'
  | 'CLIENT_ARCHIVED'
  | 'CLIENT_CREATED'
  | 'CLIENT_UPDATED'
  | 'CONVERSATION_INGESTED'
  | 'DEAL_CREATED'
  | 'DEAL_LOST'
  | 'DEAL_STAGE_CHANGED'
  | 'DEAL_UPDATED'
  | 'DEAL_WON'
  | 'DOCUMENT_ADDED'
  | 'DOCUMENT_REMOVED'
  | 'DOCUMENT_STATUS_CHANGED'
  | 'DOCUMENT_UPDATED'
  | 'EXTRACTION_ACCEPTED'
  | 'EXTRACTION_COMPLETED'
  | 'EXTRACTION_REJECTED'
  | 'EXTRACTION_SETTINGS_UPDATED'
  | 'INTERACTION_DELETED'
  | 'INTERACTION_LOGGED'
  | 'INTERACTION_UPDATED'
  | 'LEAD_CONVERTED'
  | 'LEAD_SCORING_UPDATED'
  | 'PIPELINE_ARCHIVED'
  | 'PIPELINE_CREATED'
  | 'PIPELINE_STAGES_REORDERED'
  | 'PIPELINE_STAGE_ARCHIVED'
  | 'PIPELINE_STAGE_CREATED'
  | 'PIPELINE_STAGE_UPDATED'
  | 'PIPELINE_UPDATED'
  | 'PRACTICE_CREATED'
  | 'PRACTICE_RENEWED'
  | 'PRACTICE_STATUS_CHANGED'
  | 'PRACTICE_TYPE_CREATED'
  | 'PRACTICE_TYPE_DEACTIVATED'
  | 'PRACTICE_TYPE_UPDATED'
  | 'PRACTICE_UPDATED'
  | 'QUOTE_ACCEPTED'
  | 'QUOTE_CREATED'
  | 'QUOTE_EXPIRED'
  | 'QUOTE_REJECTED'
  | 'QUOTE_SENT'
  | 'QUOTE_UPDATED'
  | 'RENEWAL_ALERT_ACKNOWLEDGED'
  | 'RENEWAL_ALERT_DISMISSED'
  | 'RENEWAL_ALERT_RAISED'
  | 'RENEWAL_ALERT_REOPENED'
  | 'RENEWAL_ALERT_RESOLVED'
  | 'RENEWAL_ALERT_SNOOZED'
  | 'RENEWAL_SETTINGS_UPDATED'
  | 'SYNC_FINISHED'
  | 'SYNC_STARTED'
  | 'TASK_COMPLETED'
  | 'TASK_CREATED'
  | 'TASK_DELETED'
  | 'TASK_DUE'
  | 'TASK_REOPENED'
  | 'TASK_UPDATED'
  | 'TEAM_MEMBER_DEACTIVATED'
  | 'TEAM_MEMBER_REACTIVATED'
  | 'TEAM_MEMBER_UPDATED'
  | 'TICKET_LINKED'
  | 'TICKET_OPENED'
  | 'TICKET_STATUS_CHANGED'
  | 'TICKET_UNLINKED'
  | 'TICKET_UPDATED';

export type DashboardMoneyFragment = { amount: string, currency: string };

export type DashboardKpisQueryVariables = Exact<{
  from?: string | null | undefined;
}>;


export type DashboardKpisQuery = { dashboardKpis: { clients: number, newClients: number, activePractices: number, openDeals: number, dealsWon: number, conversionRate: number | null, renewalsDue: number, pipelineValue: Array<{ amount: string, currency: string }>, wonValue: Array<{ amount: string, currency: string }> } };

export type DashboardFunnelQueryVariables = Exact<{
  pipelineId: string | number;
  from?: string | null | undefined;
}>;


export type DashboardFunnelQuery = { pipelineFunnel: { deals: number, won: number, lost: number, overallConversionRate: number | null, stages: Array<{ entered: number, convertedToNext: number, conversionRate: number | null, dropOffRate: number | null, averageDaysInStage: number | null, stage: { id: string, name: string, kind: StageKind, position: number } }> } };

export type DashboardRepsQueryVariables = Exact<{
  from?: string | null | undefined;
  timeframe: Timeframe;
}>;


export type DashboardRepsQuery = { repPerformance: { members: Array<{ dealsCreated: number, dealsWon: number, dealsLost: number, winRate: number | null, averageDaysToClose: number | null, velocity: number, teamMember: { id: string, name: string } | null, wonValue: Array<{ amount: string, currency: string }> }> } };

export type DashboardTeamQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardTeamQuery = { teamOverview: Array<{ openPractices: number, openTickets: number, renewalsDue: number, openDeals: number, teamMember: { id: string, name: string } | null, pipelineValue: Array<{ amount: string, currency: string }> }> };

export type DashboardContextQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardContextQuery = { viewer: { id: string, name: string, role: Role } | null, tenant: { id: string, name: string, currency: string, timeZone: string }, pipelines: Array<{ id: string, name: string, isDefault: boolean }> };

export type DashboardRenewalAlertFragment = { id: string, status: RenewalAlertStatus, daysBefore: number, dueDate: string, expiryDate: string, raisedAt: string, client: { id: string, fullName: string } | null, practice: { id: string, type: { name: string } } | null, assignedTo: { id: string, name: string } | null };

export type DashboardRenewalsQueryVariables = Exact<{
  withinDays: number;
}>;


export type DashboardRenewalsQuery = { upcomingRenewals: { totalCount: number, nodes: Array<{ id: string, expiryDate: string | null, type: { name: string }, client: { id: string, fullName: string }, assignedTo: { id: string, name: string } | null }> }, renewalAlerts: { totalCount: number, nodes: Array<{ id: string, status: RenewalAlertStatus, daysBefore: number, dueDate: string, expiryDate: string, raisedAt: string, client: { id: string, fullName: string } | null, practice: { id: string, type: { name: string } } | null, assignedTo: { id: string, name: string } | null }> } };

export type DashboardRenewalRaisedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardRenewalRaisedSubscription = { renewalAlertRaised: { id: string, status: RenewalAlertStatus, daysBefore: number, dueDate: string, expiryDate: string, raisedAt: string, client: { id: string, fullName: string } | null, practice: { id: string, type: { name: string } } | null, assignedTo: { id: string, name: string } | null } };

export type DashboardTimelineEventFragment = { id: string, cursor: string, type: TimelineEventType, summary: string, actorLabel: string, occurredAt: string };

export type DashboardTimelineQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardTimelineQuery = { timeline: { nodes: Array<{ id: string, cursor: string, type: TimelineEventType, summary: string, actorLabel: string, occurredAt: string }> } };

export type DashboardTimelineAddedSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type DashboardTimelineAddedSubscription = { timelineEventAdded: { id: string, cursor: string, type: TimelineEventType, summary: string, actorLabel: string, occurredAt: string } };

export type DashboardSyncRunFragment = { id: string, mode: SyncMode, provider: CrmProvider, status: SyncRunStatus, phase: string | null, fileName: string | null, dryRun: boolean, processed: number, total: number | null, created: number, updated: number, skipped: number, failed: number, error: string | null, createdAt: string, updatedAt: string, finishedAt: string | null };

export type DashboardSyncRunsQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardSyncRunsQuery = { syncRuns: { totalCount: number, nodes: Array<{ id: string, mode: SyncMode, provider: CrmProvider, status: SyncRunStatus, phase: string | null, fileName: string | null, dryRun: boolean, processed: number, total: number | null, created: number, updated: number, skipped: number, failed: number, error: string | null, createdAt: string, updatedAt: string, finishedAt: string | null }> } };

export type DashboardSyncProgressSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type DashboardSyncProgressSubscription = { syncProgress: { id: string, mode: SyncMode, provider: CrmProvider, status: SyncRunStatus, phase: string | null, fileName: string | null, dryRun: boolean, processed: number, total: number | null, created: number, updated: number, skipped: number, failed: number, error: string | null, createdAt: string, updatedAt: string, finishedAt: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const DashboardMoneyFragmentDoc = new TypedDocumentString(`
    fragment DashboardMoney on Money {
  amount
  currency
}
    `, {"fragmentName":"DashboardMoney"}) as unknown as TypedDocumentString<DashboardMoneyFragment, unknown>;
export const DashboardRenewalAlertFragmentDoc = new TypedDocumentString(`
    fragment DashboardRenewalAlert on RenewalAlert {
  id
  status
  daysBefore
  dueDate
  expiryDate
  raisedAt
  client {
    id
    fullName
  }
  practice {
    id
    type {
      name
    }
  }
  assignedTo {
    id
    name
  }
}
    `, {"fragmentName":"DashboardRenewalAlert"}) as unknown as TypedDocumentString<DashboardRenewalAlertFragment, unknown>;
export const DashboardTimelineEventFragmentDoc = new TypedDocumentString(`
    fragment DashboardTimelineEvent on TimelineEvent {
  id
  cursor
  type
  summary
  actorLabel
  occurredAt
}
    `, {"fragmentName":"DashboardTimelineEvent"}) as unknown as TypedDocumentString<DashboardTimelineEventFragment, unknown>;
export const DashboardSyncRunFragmentDoc = new TypedDocumentString(`
    fragment DashboardSyncRun on SyncRun {
  id
  mode
  provider
  status
  phase
  fileName
  dryRun
  processed
  total
  created
  updated
  skipped
  failed
  error
  createdAt
  updatedAt
  finishedAt
}
    `, {"fragmentName":"DashboardSyncRun"}) as unknown as TypedDocumentString<DashboardSyncRunFragment, unknown>;
export const DashboardKpisDocument = new TypedDocumentString(`
    query DashboardKpis($from: DateTime) {
  dashboardKpis(from: $from) {
    clients
    newClients
    activePractices
    openDeals
    pipelineValue {
      ...DashboardMoney
    }
    dealsWon
    wonValue {
      ...DashboardMoney
    }
    conversionRate
    renewalsDue
  }
}
    fragment DashboardMoney on Money {
  amount
  currency
}`) as unknown as TypedDocumentString<DashboardKpisQuery, DashboardKpisQueryVariables>;
export const DashboardFunnelDocument = new TypedDocumentString(`
    query DashboardFunnel($pipelineId: ID!, $from: DateTime) {
  pipelineFunnel(pipelineId: $pipelineId, from: $from) {
    deals
    won
    lost
    overallConversionRate
    stages {
      stage {
        id
        name
        kind
        position
      }
      entered
      convertedToNext
      conversionRate
      dropOffRate
      averageDaysInStage
    }
  }
}
    `) as unknown as TypedDocumentString<DashboardFunnelQuery, DashboardFunnelQueryVariables>;
export const DashboardRepsDocument = new TypedDocumentString(`
    query DashboardReps($from: DateTime, $timeframe: Timeframe!) {
  repPerformance(from: $from, timeframe: $timeframe) {
    members {
      teamMember {
        id
        name
      }
      dealsCreated
      dealsWon
      dealsLost
      winRate
      wonValue {
        ...DashboardMoney
      }
      averageDaysToClose
      velocity
    }
  }
}
    fragment DashboardMoney on Money {
  amount
  currency
}`) as unknown as TypedDocumentString<DashboardRepsQuery, DashboardRepsQueryVariables>;
export const DashboardTeamDocument = new TypedDocumentString(`
    query DashboardTeam {
  teamOverview {
    teamMember {
      id
      name
    }
    openPractices
    openTickets
    renewalsDue
    openDeals
    pipelineValue {
      ...DashboardMoney
    }
  }
}
    fragment DashboardMoney on Money {
  amount
  currency
}`) as unknown as TypedDocumentString<DashboardTeamQuery, DashboardTeamQueryVariables>;
export const DashboardContextDocument = new TypedDocumentString(`
    query DashboardContext {
  viewer {
    id
    name
    role
  }
  tenant {
    id
    name
    currency
    timeZone
  }
  pipelines {
    id
    name
    isDefault
  }
}
    `) as unknown as TypedDocumentString<DashboardContextQuery, DashboardContextQueryVariables>;
export const DashboardRenewalsDocument = new TypedDocumentString(`
    query DashboardRenewals($withinDays: Int!) {
  upcomingRenewals(withinDays: $withinDays, first: 8) {
    totalCount
    nodes {
      id
      expiryDate
      type {
        name
      }
      client {
        id
        fullName
      }
      assignedTo {
        id
        name
      }
    }
  }
  renewalAlerts(first: 8, filter: {statuses: [PENDING, NOTIFIED]}) {
    totalCount
    nodes {
      ...DashboardRenewalAlert
    }
  }
}
    fragment DashboardRenewalAlert on RenewalAlert {
  id
  status
  daysBefore
  dueDate
  expiryDate
  raisedAt
  client {
    id
    fullName
  }
  practice {
    id
    type {
      name
    }
  }
  assignedTo {
    id
    name
  }
}`) as unknown as TypedDocumentString<DashboardRenewalsQuery, DashboardRenewalsQueryVariables>;
export const DashboardRenewalRaisedDocument = new TypedDocumentString(`
    subscription DashboardRenewalRaised {
  renewalAlertRaised {
    ...DashboardRenewalAlert
  }
}
    fragment DashboardRenewalAlert on RenewalAlert {
  id
  status
  daysBefore
  dueDate
  expiryDate
  raisedAt
  client {
    id
    fullName
  }
  practice {
    id
    type {
      name
    }
  }
  assignedTo {
    id
    name
  }
}`) as unknown as TypedDocumentString<DashboardRenewalRaisedSubscription, DashboardRenewalRaisedSubscriptionVariables>;
export const DashboardTimelineDocument = new TypedDocumentString(`
    query DashboardTimeline {
  timeline(first: 20) {
    nodes {
      ...DashboardTimelineEvent
    }
  }
}
    fragment DashboardTimelineEvent on TimelineEvent {
  id
  cursor
  type
  summary
  actorLabel
  occurredAt
}`) as unknown as TypedDocumentString<DashboardTimelineQuery, DashboardTimelineQueryVariables>;
export const DashboardTimelineAddedDocument = new TypedDocumentString(`
    subscription DashboardTimelineAdded($after: String) {
  timelineEventAdded(after: $after) {
    ...DashboardTimelineEvent
  }
}
    fragment DashboardTimelineEvent on TimelineEvent {
  id
  cursor
  type
  summary
  actorLabel
  occurredAt
}`) as unknown as TypedDocumentString<DashboardTimelineAddedSubscription, DashboardTimelineAddedSubscriptionVariables>;
export const DashboardSyncRunsDocument = new TypedDocumentString(`
    query DashboardSyncRuns {
  syncRuns(first: 6) {
    totalCount
    nodes {
      ...DashboardSyncRun
    }
  }
}
    fragment DashboardSyncRun on SyncRun {
  id
  mode
  provider
  status
  phase
  fileName
  dryRun
  processed
  total
  created
  updated
  skipped
  failed
  error
  createdAt
  updatedAt
  finishedAt
}`) as unknown as TypedDocumentString<DashboardSyncRunsQuery, DashboardSyncRunsQueryVariables>;
export const DashboardSyncProgressDocument = new TypedDocumentString(`
    subscription DashboardSyncProgress {
  syncProgress {
    ...DashboardSyncRun
  }
}
    fragment DashboardSyncRun on SyncRun {
  id
  mode
  provider
  status
  phase
  fileName
  dryRun
  processed
  total
  created
  updated
  skipped
  failed
  error
  createdAt
  updatedAt
  finishedAt
}`) as unknown as TypedDocumentString<DashboardSyncProgressSubscription, DashboardSyncProgressSubscriptionVariables>;