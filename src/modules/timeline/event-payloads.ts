import { z } from 'zod';

import { Role } from '../../platform/auth/role.js';
import { BantAuthority, BantNeed, BantTimeframe } from '../clients/bant.enums.js';
import { ClientKind, ClientSource, LifecycleStage } from '../clients/client.enums.js';
import { ExtractionDecision, ExtractionStatus, ExtractorKind } from '../conversations/conversation.enums.js';
import { DealStatus, StageKind } from '../deals/deal.enums.js';
import { Direction, InteractionKind, Sentiment } from '../interactions/interaction.enums.js';
import { DocumentStatus, PaymentStatus, PracticeStatus } from '../practices/practice.enums.js';
import { QuoteStatus } from '../quotes/quote.enums.js';
import { RenewalAlertStatus } from '../renewals/renewal.enums.js';
import { Channel } from '../shared/channel.js';
import { TaskType } from '../tasks/task.enums.js';
import { TicketPriority, TicketStatus } from '../tickets/ticket.enums.js';
import { TimelineEventType } from './timeline-event.enums.js';

/*
 * The one payload shape (`TimelineEvent.data`) of every event type, whoever triggers it. Services
 * record events through `recordEvent`, whose `data` is typed by this map, so a wrong payload is a
 * type error; the events test checks every type's stored payload against these schemas, and
 * docs/events.md describes them for readers of the API.
 *
 * Conventions: a record's creation carries `after` (its tracked fields) and `source`; a change
 * carries `before` and `after` of the fields that changed (the audit trail); IDs are global IDs,
 * dates `YYYY-MM-DD`, instants ISO strings, money `{ amount, currency }`.
 */

const id = z.string().min(1);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const instant = z.string().datetime({ offset: true });
const money = z.strictObject({ amount: z.string(), currency: z.string().length(3) });

/** What set a record's creation off: a person (or program) calling the API, a conversation's extraction, or a sync run (CSV import or another CRM). */
export const EventSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('PERSON') }),
  z.strictObject({ kind: z.literal('CONVERSATION'), conversationId: id, sessionId: z.string() }),
  z.strictObject({ kind: z.literal('SYNC'), provider: z.string(), runId: id }),
]);
/** See {@link EventSource}. */
export type EventSource = z.infer<typeof EventSource>;

/** The tracked fields of a client (creation, updates, merges). */
export const ClientFields = z.strictObject({
  fullName: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  nationality: z.string().nullable(),
  kind: z.enum(ClientKind),
  lifecycleStage: z.enum(LifecycleStage),
  leadScore: z.number().int(),
  source: z.enum(ClientSource),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
  owner: id.nullable(),
  organization: id.nullable(),
  budget: money.nullable(),
  authority: z.enum(BantAuthority).nullable(),
  need: z.enum(BantNeed).nullable(),
  needNotes: z.string().nullable(),
  timeframe: z.enum(BantTimeframe).nullable(),
  industry: z.string().nullable(),
  territory: z.string().nullable(),
  address: z
    .strictObject({
      street: z.string().nullable(),
      city: z.string().nullable(),
      region: z.string().nullable(),
      postalCode: z.string().nullable(),
      country: z.string().nullable(),
    })
    .nullable(),
  annualRevenue: money.nullable(),
  employees: z.number().int().nullable(),
  parentOrganization: id.nullable(),
  primaryContact: id.nullable(),
  jobTitle: z.string().nullable(),
  mobile: z.string().nullable(),
  reportsTo: id.nullable(),
});
/** See {@link ClientFields}. */
export type ClientFields = z.infer<typeof ClientFields>;

/** A sync run's outcome (SYNC_STARTED, SYNC_FINISHED). */
export const SyncRunFields = z.strictObject({
  provider: z.string(),
  mode: z.string(),
  objects: z.array(z.string()),
  dryRun: z.boolean(),
  status: z.string(),
  processed: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  error: z.string().nullable(),
});

/** The tracked fields of a practice (creation and updates). */
export const PracticeFields = z.strictObject({
  quotedPrice: money.nullable(),
  actualPrice: money.nullable(),
  paymentStatus: z.enum(PaymentStatus),
  amountPaid: money.nullable(),
  startDate: date.nullable(),
  completionDate: date.nullable(),
  expiryDate: date.nullable(),
  assignedTo: id.nullable(),
  notes: z.string().nullable(),
});
/** See {@link PracticeFields}. */
export type PracticeFields = z.infer<typeof PracticeFields>;

/** The tracked fields of a deal (creation and updates). */
export const DealFields = z.strictObject({
  title: z.string(),
  amount: money.nullable(),
  probability: z.number().int(),
  expectedCloseDate: date.nullable(),
  owner: id.nullable(),
});
/** See {@link DealFields}. */
export type DealFields = z.infer<typeof DealFields>;

/** The tracked fields of a ticket (opening and updates). */
export const TicketFields = z.strictObject({
  subject: z.string(),
  description: z.string().nullable(),
  status: z.enum(TicketStatus),
  priority: z.enum(TicketPriority),
  channel: z.enum(Channel),
  assignee: id.nullable(),
  requesterName: z.string().nullable(),
  requesterEmail: z.string().nullable(),
  requesterPhone: z.string().nullable(),
  requesterCompany: z.string().nullable(),
});
/** See {@link TicketFields}. */
export type TicketFields = z.infer<typeof TicketFields>;

/** The tracked fields of a quote (creation and updates); `lineItems` counts its lines. */
export const QuoteFields = z.strictObject({
  number: z.number().int(),
  status: z.enum(QuoteStatus),
  currency: z.string().length(3),
  validUntil: date,
  notes: z.string().nullable(),
  deal: id.nullable(),
  practice: id.nullable(),
  lineItems: z.number().int(),
  subtotal: money,
  discount: money,
  tax: money,
  total: money,
});
/** See {@link QuoteFields}. */
export type QuoteFields = z.infer<typeof QuoteFields>;
/** The tracked fields of a task (creation, updates, deletion). */
export const TaskFields = z.strictObject({
  title: z.string(),
  type: z.enum(TaskType),
  priority: z.enum(TicketPriority),
  dueAt: instant.nullable(),
  assignee: id.nullable(),
  client: id.nullable(),
  deal: id.nullable(),
  practice: id.nullable(),
  ticket: id.nullable(),
  notes: z.string().nullable(),
});
/** See {@link TaskFields}. */
export type TaskFields = z.infer<typeof TaskFields>;

/** An interaction as logged (its fields besides the free-text summary, which is the event's summary). */
export const InteractionFields = z.strictObject({
  kind: z.enum(InteractionKind),
  direction: z.enum(Direction),
  sentiment: z.enum(Sentiment).nullable(),
  actionItems: z.array(z.string()),
  occurredAt: instant,
  practice: id.nullable(),
  teamMember: id.nullable(),
  conversation: id.nullable(),
  deal: id.nullable(),
  ticket: id.nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  outcome: z.string().nullable(),
  nextSteps: z.string().nullable(),
});
/** See {@link InteractionFields}. */
export type InteractionFields = z.infer<typeof InteractionFields>;

/** The tracked fields of a practice type (creation and updates). */
export const PracticeTypeFields = z.strictObject({
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  renewable: z.boolean(),
  renewalPeriodDays: z.number().int().nullable(),
  validityMonths: z.number().int().nullable(),
  defaultPrice: money.nullable(),
  requiredDocuments: z.array(z.string()),
});
/** See {@link PracticeTypeFields}. */
export type PracticeTypeFields = z.infer<typeof PracticeTypeFields>;

/** The tracked fields of a pipeline stage (creation and updates). */
export const StageFields = z.strictObject({
  name: z.string(),
  kind: z.enum(StageKind),
  probability: z.number().int(),
});
/** See {@link StageFields}. */
export type StageFields = z.infer<typeof StageFields>;

/** The tracked fields of a document of a practice (updates and removal). */
export const DocumentFields = z.strictObject({
  name: z.string(),
  kind: z.string(),
  url: z.string().nullable(),
  status: z.enum(DocumentStatus),
});
/** See {@link DocumentFields}. */
export type DocumentFields = z.infer<typeof DocumentFields>;

/** What filing an extraction did (completion, failure and acceptance). */
export const ExtractionOutcome = z.strictObject({
  status: z.enum(ExtractionStatus),
  decision: z.enum(ExtractionDecision).nullable(),
  extractor: z.enum(ExtractorKind),
  error: z.string().nullable(),
  confidence: z.number().nullable(),
  practiceTypeCode: z.string().nullable(),
  practiceConfidence: z.number().nullable(),
  clientCreated: z.boolean(),
  practiceCreated: z.boolean(),
});
/** See {@link ExtractionOutcome}. */
export type ExtractionOutcome = z.infer<typeof ExtractionOutcome>;

/** `{ before, after }` of the changed fields, both with the keys of `fields` (all optional). */
function change<S extends z.core.$ZodLooseShape>(fields: z.ZodObject<S>) {
  const partial = fields.partial();
  return z.strictObject({ before: partial, after: partial });
}

/** `{ before: { status }, after: { status } }` of a status move. */
function statusMove<T extends z.core.util.EnumLike>(statuses: T) {
  return z.strictObject({
    before: z.strictObject({ status: z.enum(statuses) }),
    after: z.strictObject({ status: z.enum(statuses) }),
  });
}

const settings = z.strictObject({
  alertOffsetsDays: z.array(z.number().int()),
  scanTime: z.string(),
  timeZone: z.string(),
});
const thresholds = z.strictObject({
  clientConfidenceThreshold: z.number(),
  practiceConfidenceThreshold: z.number(),
});
const ticketLinks = z.strictObject({ client: id.nullable(), deal: id.nullable(), practice: id.nullable() }).partial();
/** How a ticket was matched to its client by the auto-linking rules. */
const ticketMatch = z.strictObject({
  rule: z.enum(['EMAIL', 'PHONE', 'ORGANIZATION_NAME']),
  confidence: z.number().min(0).max(1),
  value: z.string(),
  trigger: z.enum(['CREATE', 'BACKFILL']),
});
const leadScoreWeights = z.strictObject({
  budgetWeight: z.number().int(),
  authorityWeight: z.number().int(),
  needWeight: z.number().int(),
  timelineWeight: z.number().int(),
});
const dealPosition = z.strictObject({ stage: id, stageName: z.string(), status: z.enum(DealStatus) });

/** One event type's documentation: its payload schema and who emits it. */
export interface EventDefinition {
  /** The shape of `TimelineEvent.data`. */
  payload: z.ZodType;
  /** Which operations (and triggers) record it. */
  emittedBy: string;
}

/**
 * Every event type's payload and emitters. `satisfies` makes a missing type a compile error; the
 * events test makes a type never produced through the API (or wrongly shaped) a test failure.
 */
export const EVENTS = {
  CLIENT_CREATED: {
    payload: z.strictObject({ after: ClientFields, source: EventSource }),
    emittedBy: '`createClient` (PERSON); filing a conversation that names a new client (CONVERSATION)',
  },
  CLIENT_UPDATED: {
    payload: change(ClientFields.extend({ archived: z.boolean() })),
    emittedBy:
      '`updateClient`; `archiveClient(archived: false)` (restore: `archived`); filing a conversation that fills empty fields (email, phone, nationality)',
  },
  CLIENT_ARCHIVED: {
    payload: z.strictObject({
      before: z.strictObject({ archived: z.literal(false) }),
      after: z.strictObject({ archived: z.literal(true) }),
    }),
    emittedBy: '`archiveClient(archived: true)`',
  },
  CLIENTS_MERGED: {
    payload: z.strictObject({
      merged: ClientFields.extend({ id }),
      moved: z.strictObject({
        practices: z.number().int(),
        deals: z.number().int(),
        tickets: z.number().int(),
        interactions: z.number().int(),
        tasks: z.number().int(),
        quotes: z.number().int(),
        renewalAlerts: z.number().int(),
        conversations: z.number().int(),
        extractions: z.number().int(),
        timelineEvents: z.number().int(),
        members: z.number().int(),
      }),
      ...change(ClientFields).shape,
    }),
    emittedBy:
      '`mergeClients` (on the survivor; `before`/`after`: the survivor fields filled from the merged client, empty when none)',
  },
  PRACTICE_CREATED: {
    payload: z.strictObject({
      after: PracticeFields.extend({ type: z.string(), status: z.enum(PracticeStatus), renewalOf: id.nullable() }),
      source: EventSource,
    }),
    emittedBy:
      '`createPractice` and `renewPractice` (PERSON; `renewalOf` set by a renewal); filing a conversation with a practice intent (CONVERSATION)',
  },
  PRACTICE_UPDATED: { payload: change(PracticeFields), emittedBy: '`updatePractice`' },
  PRACTICE_STATUS_CHANGED: { payload: statusMove(PracticeStatus), emittedBy: '`transitionPractice`' },
  DOCUMENT_ADDED: {
    payload: z.strictObject({
      document: z.strictObject({ id, name: z.string(), kind: z.string(), status: z.enum(DocumentStatus) }),
    }),
    emittedBy: '`addPracticeDocument` (subject: the practice)',
  },
  DEAL_CREATED: {
    payload: z.strictObject({ after: DealFields.extend(dealPosition.shape) }),
    emittedBy: '`createDeal`',
  },
  DEAL_UPDATED: {
    payload: change(DealFields.extend({ client: id, lostReason: z.string().nullable() })),
    emittedBy:
      "`updateDeal`; a sync applying another CRM's deal changes (the client follows the deal's associations). A change of `client` is recorded on the client the deal leaves",
  },
  DEAL_STAGE_CHANGED: {
    payload: z.strictObject({
      before: z.strictObject({ stage: id, status: z.enum(DealStatus) }),
      after: dealPosition.extend({ lostReason: z.string().nullable() }),
    }),
    emittedBy: '`moveDealStage`, `winDeal`, `loseDeal`',
  },
  DEAL_WON: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.enum(DealStatus) }),
      after: z.strictObject({ status: z.literal(DealStatus.WON), closedAt: instant, lostReason: z.null() }),
    }),
    emittedBy: '`winDeal`, or `moveDealStage` into a WON stage (after DEAL_STAGE_CHANGED)',
  },
  DEAL_LOST: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.enum(DealStatus) }),
      after: z.strictObject({
        status: z.literal(DealStatus.LOST),
        closedAt: instant,
        lostReason: z.string().nullable(),
      }),
    }),
    emittedBy: '`loseDeal`, or `moveDealStage` into a LOST stage (after DEAL_STAGE_CHANGED)',
  },
  TICKET_OPENED: { payload: z.strictObject({ after: TicketFields }), emittedBy: '`createTicket`' },
  TICKET_UPDATED: { payload: change(TicketFields), emittedBy: '`updateTicket` without a status change' },
  TICKET_STATUS_CHANGED: {
    payload: change(TicketFields),
    emittedBy: '`updateTicket` with a new status (with any other fields changed in the same call)',
  },
  TICKET_LINKED: {
    payload: z.strictObject({ before: ticketLinks, after: ticketLinks, match: ticketMatch.optional() }),
    emittedBy:
      '`linkTicket` (one of `client`, `deal`, `practice`); the auto-linking of a ticket to its client by its requester (`match`: the rule EMAIL, PHONE or ORGANIZATION_NAME, its confidence, the value matched, and `trigger`: CREATE for `createTicket`, BACKFILL for `autoLinkTickets`)',
  },
  TICKET_UNLINKED: {
    payload: z.strictObject({ before: ticketLinks, after: ticketLinks }),
    emittedBy: '`unlinkTicket` (one of `client`, `deal`, `practice`)',
  },
  INTERACTION_LOGGED: {
    payload: z.strictObject({ after: InteractionFields, source: EventSource }),
    emittedBy: '`logInteraction` (PERSON); filing a conversation for a client (CONVERSATION, kind CHAT)',
  },
  INTERACTION_UPDATED: {
    payload: change(InteractionFields.extend({ summary: z.string() })),
    emittedBy: '`updateInteraction` (only when something changed)',
  },
  INTERACTION_DELETED: {
    payload: z.strictObject({
      before: InteractionFields.extend({ summary: z.string(), deleted: z.literal(false) }),
      after: z.strictObject({ deleted: z.literal(true) }),
    }),
    emittedBy: '`deleteInteraction` (soft: the interaction is hidden from every list)',
  },
  LEAD_CONVERTED: {
    payload: z.strictObject({
      before: z.strictObject({ lifecycleStage: z.enum(LifecycleStage), organization: id.nullable() }),
      after: z.strictObject({ lifecycleStage: z.literal(LifecycleStage.CUSTOMER), organization: id.nullable() }),
      organizationCreated: z.boolean(),
      deal: id.nullable(),
    }),
    emittedBy:
      '`convertLead` (subject: the converted client; the organisation and deal it creates have their own CLIENT_CREATED and DEAL_CREATED)',
  },
  LEAD_SCORING_UPDATED: {
    payload: change(leadScoreWeights).extend({ rescored: z.number().int() }),
    emittedBy: '`updateLeadScoring` (only when a weight changed; `rescored`: clients whose score was recomputed)',
  },
  PRACTICE_RENEWED: {
    payload: z.strictObject({ after: z.strictObject({ renewedBy: id }) }),
    emittedBy: '`renewPractice` (subject: the old practice; `renewedBy`: the new one)',
  },
  RENEWAL_ALERT_RAISED: {
    payload: z.strictObject({
      after: z.strictObject({
        status: z.literal(RenewalAlertStatus.PENDING),
        practiceType: z.string(),
        expiryDate: date,
        daysBefore: z.number().int(),
        asOf: date,
      }),
    }),
    emittedBy: 'the renewal scan: scheduled (actor "system") or `runRenewalScan`',
  },
  RENEWAL_ALERT_ACKNOWLEDGED: { payload: statusMove(RenewalAlertStatus), emittedBy: '`acknowledgeRenewalAlert`' },
  RENEWAL_ALERT_SNOOZED: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.enum(RenewalAlertStatus) }),
      after: z.strictObject({ status: z.literal(RenewalAlertStatus.SNOOZED), snoozedUntil: date }),
    }),
    emittedBy: '`snoozeRenewalAlert`',
  },
  RENEWAL_ALERT_REOPENED: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.literal(RenewalAlertStatus.SNOOZED) }),
      after: z.strictObject({ status: z.literal(RenewalAlertStatus.PENDING) }),
    }),
    emittedBy: 'the renewal scan on or after the snooze date: scheduled (actor "system") or `runRenewalScan`',
  },
  RENEWAL_ALERT_DISMISSED: { payload: statusMove(RenewalAlertStatus), emittedBy: '`dismissRenewalAlert`' },
  RENEWAL_ALERT_RESOLVED: {
    payload: statusMove(RenewalAlertStatus),
    emittedBy: '`renewPractice` (each open alert of the old practice)',
  },
  RENEWAL_SETTINGS_UPDATED: {
    payload: change(settings),
    emittedBy: '`updateRenewalSettings` (only when something changed)',
  },
  CONVERSATION_INGESTED: {
    payload: z.strictObject({
      after: z.strictObject({
        sessionId: z.string(),
        created: z.boolean(),
        newMessages: z.number().int(),
        messages: z.number().int(),
      }),
    }),
    emittedBy: '`ingestConversation` (also when nothing is new: `newMessages` 0)',
  },
  EXTRACTION_COMPLETED: {
    payload: z.strictObject({ after: ExtractionOutcome }),
    emittedBy:
      'the extraction of an ingested conversation, filed by the auto-CRM (actor "system"): SUCCEEDED with a decision, or FAILED with an error',
  },
  EXTRACTION_ACCEPTED: {
    payload: z.strictObject({
      before: z.strictObject({ decision: z.literal(ExtractionDecision.PROPOSED) }),
      after: ExtractionOutcome,
    }),
    emittedBy: '`acceptExtraction`',
  },
  EXTRACTION_REJECTED: {
    payload: z.strictObject({
      before: z.strictObject({ decision: z.literal(ExtractionDecision.PROPOSED) }),
      after: z.strictObject({ decision: z.literal(ExtractionDecision.REJECTED), reason: z.string().nullable() }),
    }),
    emittedBy: '`rejectExtraction`',
  },
  EXTRACTION_SETTINGS_UPDATED: {
    payload: change(thresholds),
    emittedBy: '`updateExtractionSettings` (only when something changed)',
  },
  QUOTE_CREATED: { payload: z.strictObject({ after: QuoteFields }), emittedBy: '`createQuote`' },
  QUOTE_UPDATED: {
    payload: change(QuoteFields),
    emittedBy: '`updateQuote` of a DRAFT quote (only when something changed)',
  },
  QUOTE_SENT: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.literal(QuoteStatus.DRAFT) }),
      after: z.strictObject({ status: z.literal(QuoteStatus.SENT), validUntil: date, total: money }),
    }),
    emittedBy: '`sendQuote` (a linked practice in INQUIRY moves to QUOTATION_SENT, with its own event)',
  },
  QUOTE_ACCEPTED: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.literal(QuoteStatus.SENT) }),
      after: z.strictObject({
        status: z.literal(QuoteStatus.ACCEPTED),
        total: money,
        practiceMovedTo: z.enum(PracticeStatus).nullable(),
        dealWon: z.boolean(),
      }),
    }),
    emittedBy:
      '`acceptQuote` (then a linked practice in QUOTATION_SENT moves to PAYMENT_PENDING and a linked open deal is won, with their own events)',
  },
  QUOTE_REJECTED: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.literal(QuoteStatus.SENT) }),
      after: z.strictObject({ status: z.literal(QuoteStatus.REJECTED), reason: z.string().nullable() }),
    }),
    emittedBy: '`rejectQuote`',
  },
  QUOTE_EXPIRED: {
    payload: z.strictObject({
      before: z.strictObject({ status: z.literal(QuoteStatus.SENT) }),
      after: z.strictObject({ status: z.literal(QuoteStatus.EXPIRED), validUntil: date, asOf: date }),
    }),
    emittedBy: 'the quote expiry schedule (actor "system"), the first run after the tenant-local day passes validUntil',
  },
  PRACTICE_TYPE_CREATED: {
    payload: z.strictObject({ after: PracticeTypeFields }),
    emittedBy: '`createPracticeType` (subject: the practice type)',
  },
  PRACTICE_TYPE_UPDATED: {
    payload: change(PracticeTypeFields),
    emittedBy: '`updatePracticeType` (only when something changed)',
  },
  PRACTICE_TYPE_DEACTIVATED: {
    payload: z.strictObject({
      before: z.strictObject({ active: z.literal(true) }),
      after: z.strictObject({ active: z.literal(false) }),
    }),
    emittedBy: '`deactivatePracticeType`',
  },
  PIPELINE_CREATED: {
    payload: z.strictObject({
      after: z.strictObject({
        name: z.string(),
        isDefault: z.boolean(),
        stages: z.array(StageFields.extend({ id, position: z.number().int() })),
      }),
    }),
    emittedBy: '`createPipeline` (subject: the pipeline; its stages in order)',
  },
  PIPELINE_UPDATED: {
    payload: change(z.strictObject({ name: z.string(), isDefault: z.boolean() })),
    emittedBy:
      '`updatePipeline` (only when something changed); making a pipeline the default also records one on the previous default',
  },
  PIPELINE_ARCHIVED: {
    payload: z.strictObject({
      before: z.strictObject({ archived: z.literal(false) }),
      after: z.strictObject({ archived: z.literal(true) }),
    }),
    emittedBy: '`archivePipeline`',
  },
  PIPELINE_STAGE_CREATED: {
    payload: z.strictObject({ pipeline: id, after: StageFields.extend({ position: z.number().int() }) }),
    emittedBy: '`createPipelineStage` (subject: the stage)',
  },
  PIPELINE_STAGE_UPDATED: {
    payload: z.strictObject({ pipeline: id, ...change(StageFields).shape }),
    emittedBy: '`updatePipelineStage` (only when something changed; subject: the stage)',
  },
  PIPELINE_STAGES_REORDERED: {
    payload: z.strictObject({
      before: z.strictObject({ stages: z.array(id) }),
      after: z.strictObject({ stages: z.array(id) }),
    }),
    emittedBy: '`reorderPipelineStages` (subject: the pipeline; its active stages in the old and new order)',
  },
  PIPELINE_STAGE_ARCHIVED: {
    payload: z.strictObject({
      pipeline: id,
      before: z.strictObject({ archived: z.literal(false) }),
      after: z.strictObject({ archived: z.literal(true) }),
    }),
    emittedBy: '`archivePipelineStage` (subject: the stage)',
  },
  DOCUMENT_UPDATED: {
    payload: z.strictObject({ document: id, ...change(DocumentFields).shape }),
    emittedBy: '`updateDocument` without a status change (subject: the practice)',
  },
  DOCUMENT_STATUS_CHANGED: {
    payload: z.strictObject({ document: id, ...change(DocumentFields).shape }),
    emittedBy:
      '`updateDocument` with a new status (with any other fields changed in the same call; subject: the practice)',
  },
  DOCUMENT_REMOVED: {
    payload: z.strictObject({ document: DocumentFields.extend({ id }) }),
    emittedBy: '`removeDocument` (subject: the practice; the document as it was)',
  },
  TEAM_MEMBER_DEACTIVATED: {
    payload: z.strictObject({
      before: z.strictObject({ active: z.literal(true) }),
      after: z.strictObject({ active: z.literal(false) }),
      revokedApiKeys: z.array(id),
    }),
    emittedBy:
      '`deactivateTeamMember`, or `updateTeamMember(active: false)` (subject: the member; `revokedApiKeys`: the keys they had created)',
  },
  TEAM_MEMBER_REACTIVATED: {
    payload: z.strictObject({
      before: z.strictObject({ active: z.literal(false) }),
      after: z.strictObject({ active: z.literal(true) }),
    }),
    emittedBy: '`reactivateTeamMember`, or `updateTeamMember(active: true)` (subject: the member)',
  },
  TEAM_MEMBER_UPDATED: {
    payload: change(z.strictObject({ name: z.string(), role: z.enum(Role) })),
    emittedBy:
      '`updateTeamMember` changing the name or role (subject: the member; only the fields that changed); the `token` command with `--role` changing an existing member\'s role (actor "system")',
  },
  TASK_CREATED: {
    payload: z.strictObject({ after: TaskFields, source: EventSource }),
    emittedBy:
      '`createTask` (PERSON); filing a conversation whose extraction has action items, one task per new item (CONVERSATION)',
  },
  TASK_UPDATED: { payload: change(TaskFields), emittedBy: '`updateTask` (only when something changed)' },
  TASK_COMPLETED: {
    payload: z.strictObject({
      before: z.strictObject({ completedAt: z.null() }),
      after: z.strictObject({ completedAt: instant }),
    }),
    emittedBy: '`completeTask`',
  },
  TASK_REOPENED: {
    payload: z.strictObject({
      before: z.strictObject({ completedAt: instant }),
      after: z.strictObject({ completedAt: z.null() }),
    }),
    emittedBy: '`reopenTask`',
  },
  TASK_DELETED: {
    payload: z.strictObject({ before: TaskFields.extend({ completedAt: instant.nullable() }) }),
    emittedBy: '`deleteTask` (the task row is removed; `before` keeps its fields)',
  },
  TASK_DUE: {
    payload: z.strictObject({ after: z.strictObject({ dueAt: instant, asOf: instant }) }),
    emittedBy:
      'the task-due scan, once per due time of an open task: scheduled (actor "system") or `runTaskDueScan` (`asOf`: the scan\'s clock)',
  },
  SYNC_STARTED: {
    payload: z.strictObject({ after: SyncRunFields.pick({ provider: true, mode: true, objects: true, dryRun: true }) }),
    emittedBy: '`startSync` and `POST /imports` (a CSV import), when the run is queued',
  },
  SYNC_FINISHED: {
    payload: z.strictObject({ after: SyncRunFields }),
    emittedBy: 'a sync run ending (actor "system"): SUCCEEDED, FAILED (with `error`) or CANCELLED',
  },
} as const satisfies Record<TimelineEventType, EventDefinition>;

/** The payload (`TimelineEvent.data`) of an event type. */
export type EventPayload<T extends TimelineEventType> = z.input<(typeof EVENTS)[T]['payload']>;

/** The payloads of every event type, by type. */
export type EventPayloads = { [T in TimelineEventType]: EventPayload<T> };
