import {
  AnalyticsResolver,
  ClientSummaryFieldsResolver,
  ClientSummaryResolver,
  FunnelStageResolver,
  PipelineFunnelResolver,
  PracticeTypeCountResolver,
  RepPerformanceResolver,
  TeamMemberInteractionCountResolver,
  TeamMemberWorkloadResolver,
} from '../modules/analytics/analytics.resolver.js';
import { AskResolver } from '../modules/ask/ask.resolver.js';
import { ClientResolver } from '../modules/clients/client.resolver.js';
import {
  ConversationResolver,
  ExtractionResolver,
  InteractionConversationResolver,
} from '../modules/conversations/conversation.resolver.js';
import { CriteriaResolver } from '../modules/criteria/criteria.resolver.js';
import {
  ClientDealsResolver,
  DealResolver,
  DealStageHistoryResolver,
  PipelineResolver,
} from '../modules/deals/deal.resolver.js';
import { PipelineSetupResolver } from '../modules/deals/pipeline.resolver.js';
import { Interaction } from '../modules/interactions/interaction.entity.js';
import {
  ClientInteractionsResolver,
  DealInteractionsResolver,
  InteractionResolver,
  TicketInteractionsResolver,
} from '../modules/interactions/interaction.resolver.js';
import { LeadResolver } from '../modules/leads/lead.resolver.js';
import { DocumentResolver } from '../modules/practices/document.resolver.js';
import { ClientPracticesResolver, PracticeResolver } from '../modules/practices/practice.resolver.js';
import { PracticeTypeResolver } from '../modules/practices/practice-type.resolver.js';
import {
  ClientQuotesResolver,
  DealQuotesResolver,
  PracticeQuotesResolver,
  QuoteLineItemResolver,
  QuoteResolver,
} from '../modules/quotes/quote.resolver.js';
import {
  ClientRenewalsResolver,
  PracticeRenewalsResolver,
  RenewalResolver,
} from '../modules/renewals/renewal.resolver.js';
import { SearchResolver } from '../modules/search/search.resolver.js';
import { Segment, SegmentChange, SegmentCheckpoint, SegmentMember } from '../modules/segments/segment.entity.js';
import { SegmentResolver } from '../modules/segments/segment.resolver.js';
import { HubspotResolver } from '../modules/sync/hubspot/hubspot.resolver.js';
import {
  ClientFieldSourcesResolver,
  CrmConnectionResolver,
  DealFieldSourcesResolver,
  SyncLogEntryResolver,
  SyncRunResolver,
} from '../modules/sync/sync.resolver.js';
import {
  ClientTasksResolver,
  DealTasksResolver,
  PracticeTasksResolver,
  TaskResolver,
  TeamMemberOpenTasksResolver,
  TicketTasksResolver,
} from '../modules/tasks/task.resolver.js';
import { TenancyResolver } from '../modules/tenancy/tenancy.resolver.js';
import {
  ClientTicketsResolver,
  DealTicketsResolver,
  PracticeTicketsResolver,
  TicketResolver,
} from '../modules/tickets/ticket.resolver.js';
import {
  ClientTimelineResolver,
  DealTimelineResolver,
  PracticeTimelineResolver,
  TicketTimelineResolver,
  TimelineResolver,
} from '../modules/timeline/timeline.resolver.js';
import { Role } from '../platform/auth/role.js';
import { createNodeResolver } from '../platform/graphql/node.resolver.js';
import type { ResolverClasses } from '../platform/graphql/schema.js';
import { entities } from './entities.js';

const INTERNAL = new Set<unknown>([SegmentMember, SegmentChange, SegmentCheckpoint]);

/** `node(id:)` fetches any entity of the list; API keys only for ADMINs; deleted interactions never. */
const NodeResolver = createNodeResolver({
  // The segments' bookkeeping tables (membership, change log, checkpoint) are not API objects.
  entities: entities.filter((e) => !INTERNAL.has(e)),
  roles: { ApiKey: [Role.ADMIN] },
  hidden: {
    Interaction: (node) => (node as Interaction).deletedAt != null,
    Segment: (node) => (node as Segment).deletedAt != null,
  },
});

/** Every resolver class of the API. */
export const resolvers: ResolverClasses = [
  NodeResolver,
  TenancyResolver,
  ClientResolver,
  PracticeResolver,
  ClientPracticesResolver,
  PracticeTypeResolver,
  DocumentResolver,
  DealResolver,
  DealStageHistoryResolver,
  PipelineResolver,
  PipelineSetupResolver,
  ClientDealsResolver,
  TicketResolver,
  ClientTicketsResolver,
  DealTicketsResolver,
  PracticeTicketsResolver,
  InteractionResolver,
  ClientInteractionsResolver,
  DealInteractionsResolver,
  TicketInteractionsResolver,
  LeadResolver,
  TimelineResolver,
  ClientTimelineResolver,
  PracticeTimelineResolver,
  DealTimelineResolver,
  TicketTimelineResolver,
  RenewalResolver,
  PracticeRenewalsResolver,
  ClientRenewalsResolver,
  ConversationResolver,
  ExtractionResolver,
  InteractionConversationResolver,
  QuoteResolver,
  QuoteLineItemResolver,
  ClientQuotesResolver,
  DealQuotesResolver,
  PracticeQuotesResolver,
  AnalyticsResolver,
  PipelineFunnelResolver,
  FunnelStageResolver,
  PracticeTypeCountResolver,
  RepPerformanceResolver,
  TeamMemberInteractionCountResolver,
  TeamMemberWorkloadResolver,
  ClientSummaryResolver,
  ClientSummaryFieldsResolver,
  TaskResolver,
  SegmentResolver,
  ClientTasksResolver,
  DealTasksResolver,
  PracticeTasksResolver,
  TicketTasksResolver,
  TeamMemberOpenTasksResolver,
  CriteriaResolver,
  SearchResolver,
  AskResolver,
  CrmConnectionResolver,
  SyncRunResolver,
  SyncLogEntryResolver,
  ClientFieldSourcesResolver,
  DealFieldSourcesResolver,
  HubspotResolver,
];
