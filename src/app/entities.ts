import { Address } from '../modules/clients/address.js';
import { Client } from '../modules/clients/client.entity.js';
import { ClientMerge } from '../modules/clients/client-merge.entity.js';
import { LeadScoring } from '../modules/clients/lead-scoring.entity.js';
import { Conversation, Extraction } from '../modules/conversations/conversation.entity.js';
import { Deal, DealStageHistory } from '../modules/deals/deal.entity.js';
import { Pipeline, PipelineStage } from '../modules/deals/pipeline.entity.js';
import { Interaction } from '../modules/interactions/interaction.entity.js';
import { Document } from '../modules/practices/document.entity.js';
import { Practice } from '../modules/practices/practice.entity.js';
import { PracticeType } from '../modules/practices/practice-type.entity.js';
import { Quote, QuoteLineItem } from '../modules/quotes/quote.entity.js';
import { RenewalAlert, RenewalScan } from '../modules/renewals/renewal-alert.entity.js';
import { Segment, SegmentChange, SegmentCheckpoint, SegmentMember } from '../modules/segments/segment.entity.js';
import { CrmConnection } from '../modules/sync/crm-connection.entity.js';
import { EntityLink } from '../modules/sync/entity-link.entity.js';
import { FieldMapping, FieldSource, SyncFileChunk } from '../modules/sync/field-mapping.entity.js';
import { OAuthStateUse } from '../modules/sync/hubspot/oauth-state.entity.js';
import { SyncWebhookEvent } from '../modules/sync/hubspot/webhook-event.entity.js';
import { SyncLogEntry, SyncRun } from '../modules/sync/sync-run.entity.js';
import { Task } from '../modules/tasks/task.entity.js';
import { ApiKey } from '../modules/tenancy/api-key.entity.js';
import { TeamMember } from '../modules/tenancy/team-member.entity.js';
import { TenantCounter } from '../modules/tenancy/tenant-counter.entity.js';
import { Ticket } from '../modules/tickets/ticket.entity.js';
import { TimelineEvent } from '../modules/timeline/timeline-event.entity.js';
import { IdempotencyKey } from '../platform/db/idempotency-key.entity.js';
import { Tenant } from '../platform/db/tenant.entity.js';
import { Money } from '../platform/graphql/money.js';

/** Every entity (and embeddable) class, in one list for MikroORM discovery. */
export const entities = [
  Tenant,
  TenantCounter,
  TeamMember,
  ApiKey,
  Client,
  ClientMerge,
  PracticeType,
  Practice,
  Document,
  Pipeline,
  PipelineStage,
  Deal,
  DealStageHistory,
  Ticket,
  Interaction,
  TimelineEvent,
  RenewalAlert,
  RenewalScan,
  Conversation,
  Extraction,
  IdempotencyKey,
  Quote,
  QuoteLineItem,
  Task,
  Segment,
  SegmentMember,
  SegmentChange,
  SegmentCheckpoint,
  CrmConnection,
  SyncRun,
  SyncLogEntry,
  EntityLink,
  SyncWebhookEvent,
  OAuthStateUse,
  FieldMapping,
  FieldSource,
  SyncFileChunk,
  Money,
  LeadScoring,
  Address,
];
