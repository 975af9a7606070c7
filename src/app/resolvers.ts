import { ClientResolver } from '../modules/clients/client.resolver.js';
import {
  ConversationResolver,
  ExtractionResolver,
  InteractionConversationResolver,
} from '../modules/conversations/conversation.resolver.js';
import {
  ClientDealsResolver,
  DealResolver,
  DealStageHistoryResolver,
  PipelineResolver,
} from '../modules/deals/deal.resolver.js';
import { ClientInteractionsResolver, InteractionResolver } from '../modules/interactions/interaction.resolver.js';
import { ClientPracticesResolver, PracticeResolver } from '../modules/practices/practice.resolver.js';
import {
  ClientRenewalsResolver,
  PracticeRenewalsResolver,
  RenewalResolver,
} from '../modules/renewals/renewal.resolver.js';
import {
  ClientFieldSourcesResolver,
  CrmConnectionResolver,
  DealFieldSourcesResolver,
  SyncLogEntryResolver,
  SyncRunResolver,
} from '../modules/sync/sync.resolver.js';
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

/** `node(id:)` fetches any entity of the list; API keys only for ADMINs. */
const NodeResolver = createNodeResolver({ entities, roles: { ApiKey: [Role.ADMIN] } });

/** Every resolver class of the API. */
export const resolvers: ResolverClasses = [
  NodeResolver,
  TenancyResolver,
  ClientResolver,
  PracticeResolver,
  ClientPracticesResolver,
  DealResolver,
  DealStageHistoryResolver,
  PipelineResolver,
  ClientDealsResolver,
  TicketResolver,
  ClientTicketsResolver,
  DealTicketsResolver,
  PracticeTicketsResolver,
  InteractionResolver,
  ClientInteractionsResolver,
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
  CrmConnectionResolver,
  SyncRunResolver,
  SyncLogEntryResolver,
  ClientFieldSourcesResolver,
  DealFieldSourcesResolver,
];
