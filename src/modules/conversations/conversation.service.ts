import { type EntityManager, LockMode, ref, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { ExtractionError, type ExtractionMeta, type ExtractionResult, type Extractor } from '../../ai/extractor.js';
import type { Principal } from '../../platform/auth/principal.js';
import { escapeLike } from '../../platform/db/like.js';
import { resolveRef } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, toGlobalId } from '../../platform/graphql/global-id.js';
import type { JobQueue } from '../../platform/jobs.js';
import type { Logger } from '../../platform/logger.js';
import { Checks, normalizeEmail } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { ClientSource, LifecycleStage } from '../clients/client.enums.js';
import type { ClientService } from '../clients/client.service.js';
import { matchClients } from '../clients/client-match.js';
import { Direction, InteractionKind, Sentiment } from '../interactions/interaction.enums.js';
import type { InteractionService } from '../interactions/interaction.service.js';
import { Practice } from '../practices/practice.entity.js';
import { CLOSED_PRACTICE_STATUSES } from '../practices/practice.enums.js';
import type { PracticeService } from '../practices/practice.service.js';
import { PracticeType } from '../practices/practice-type.entity.js';
import type { TaskService } from '../tasks/task.service.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import type { ExtractionOutcome } from '../timeline/event-payloads.js';
import { type ConversationTrigger, diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Conversation, type ConversationMessage, Extraction } from './conversation.entity.js';
import { ExtractionDecision, ExtractionStatus, ExtractorKind, Urgency } from './conversation.enums.js';
import type {
  AcceptExtractionInput,
  IngestConversationInput,
  RejectExtractionInput,
  UpdateExtractionSettingsInput,
} from './conversation.input.js';

/** Name of the background job that runs one extraction (`wait: false`). */
export const EXTRACT_JOB = 'extract-conversation';
/** Runs of an extraction job before it is left FAILED (retryable errors only: 429, 5xx, timeouts). */
export const EXTRACT_ATTEMPTS = 3;

const ROLES = new Set(['user', 'assistant', 'agent', 'system']);
const RECENT_PRACTICE_MS = 7 * 24 * 3600 * 1000;

/** How {@link ConversationService.file} is asked to file an extraction. */
interface FileOptions {
  /** A fresh extractor result to store first (the auto-CRM run); absent when accepting. */
  outcome?: { result: ExtractionResult; meta: ExtractionMeta };
  attempt?: number;
  /** `auto`: the tenant's thresholds apply; `accept`: a person files a proposal, thresholds waived. */
  mode: 'auto' | 'accept';
  /** The accepting person. */
  actor?: Principal;
  /** Accept under this client instead of the matched one. */
  clientId?: string | null;
  /** Accept with this practice type instead of the extracted one. */
  practiceTypeCode?: string | null;
}

/** One filing under way: its transaction, trigger, extraction and rules. */
interface Filing {
  tx: EntityManager;
  by: ConversationTrigger;
  ex: Extraction;
  conversation: Conversation;
  result: ExtractionResult;
  accept: boolean;
  /** Identity values below this confidence are ignored. */
  clientMin: number;
  /** Practice intents below this confidence are proposals. */
  practiceMin: number;
}

/** What the client step found: the client (if any), whether it created it, whether a person must decide. */
interface FiledClient {
  client: Client | null;
  created: boolean;
  proposed: boolean;
}

/** What the practice step found (`created`: this extraction has ever created its practice). */
interface FiledPractice {
  practice: Practice | null;
  created: boolean;
  proposed: boolean;
}

/**
 * Size limits of conversations (the env variables CONVERSATION_MAX_*): what one extraction may have
 * to read, so one large ingestion cannot hold the server's CPU or the model's budget.
 */
export interface ConversationLimits {
  /** Longest message, in characters. @default 20_000 */
  maxMessageChars: number;
  /** Most messages in a conversation, all ingestions of its session together. @default 500 */
  maxMessages: number;
  /** Most characters in a conversation, all its messages together. @default 100_000 */
  maxChars: number;
}

/** The limits when nothing is configured (the defaults of src/config.ts). */
export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = {
  maxMessageChars: 20_000,
  maxMessages: 500,
  maxChars: 100_000,
};

/** Data of an {@link EXTRACT_JOB}. */
export interface ExtractJobData {
  tenantId: string;
  extractionId: string;
}

/**
 * Conversations in, CRM records out. A conversation is saved first, in its own transaction; the
 * extractor then runs (now, or as a background job) and the auto-CRM rules file what it found —
 * client, practice, interaction and their timeline events in one transaction. Whatever the
 * extractor does (time out, answer nonsense, fail), the conversation stays saved and the
 * extraction ends SUCCEEDED or FAILED with a readable error.
 */
export class ConversationService {
  constructor(
    readonly extractor: Extractor,
    private readonly jobs: JobQueue,
    readonly model: string | null,
    /** The services whose one creation path filing goes through. */
    private readonly records: {
      clients: ClientService;
      practices: PracticeService;
      interactions: InteractionService;
      tasks: TaskService;
    },
    readonly limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS,
  ) {}

  /** Saves (or appends to) a conversation, then extracts and files it now (`wait`) or in the background. */
  async ingest(
    em: EntityManager,
    actor: Principal,
    input: IngestConversationInput,
    logger: Logger,
  ): Promise<{ conversation: Conversation; extraction: Extraction }> {
    const checks = new Checks();
    const sessionId = checks.text('sessionId', input.sessionId, 200, { min: 1, required: true });
    const userEmail = checks.email('userEmail', input.userEmail);
    const { maxMessages, maxMessageChars, maxChars } = this.limits;
    if (!input.messages.length) checks.add('messages', 'REQUIRED', 'Send at least one message');
    if (input.messages.length > maxMessages)
      checks.add(
        'messages',
        'TOO_MANY',
        `${input.messages.length} messages: a conversation holds at most ${maxMessages} (CONVERSATION_MAX_MESSAGES)`,
      );
    let chars = 0;
    input.messages.forEach((m, i) => {
      chars += m.content.length;
      if (!ROLES.has(m.role.trim().toLowerCase()))
        checks.add(['messages', String(i), 'role'], 'INVALID_ROLE', `role must be one of ${[...ROLES].join(', ')}`);
      if (!m.content.trim())
        checks.add(
          ['messages', String(i), 'content'],
          'INVALID_LENGTH',
          `content must be 1–${maxMessageChars} characters`,
        );
      else if (m.content.length > maxMessageChars)
        checks.add(
          ['messages', String(i), 'content'],
          'TOO_LONG',
          `content is ${m.content.length} characters: at most ${maxMessageChars} (CONVERSATION_MAX_MESSAGE_CHARS)`,
        );
    });
    if (chars > maxChars) checks.add('messages', 'TOO_LARGE', tooLarge(chars, maxChars));
    let teamMember: TeamMember | null = null;
    if (input.teamMemberEmail) {
      teamMember = await em.findOne(TeamMember, {
        email: { $ilike: escapeLike(normalizeEmail(input.teamMemberEmail)) },
      });
      if (!teamMember) checks.add('teamMemberEmail', 'NOT_FOUND', `No team member with email ${input.teamMemberEmail}`);
    }
    if (input.metadata && JSON.stringify(input.metadata).length > 20_000)
      checks.add('metadata', 'TOO_LARGE', 'metadata must be at most 20 kB of JSON');
    checks.throwIfAny();
    const messages = input.messages.map((m) => ({ role: m.role.trim().toLowerCase(), content: m.content }));

    const saved = await this.save(em, actor, {
      sessionId: sessionId!,
      userEmail,
      messages,
      teamMember,
      metadata: input.metadata ?? {},
    });
    if (saved.extraction.status === ExtractionStatus.PENDING) {
      if (input.wait) {
        await this.runExtraction(em, actor.tenantId, saved.extraction.id, 1, 1, logger);
      } else {
        try {
          await this.jobs.enqueue(EXTRACT_JOB, {
            tenantId: actor.tenantId,
            extractionId: saved.extraction.id,
          } satisfies ExtractJobData);
        } catch (err) {
          // The conversation is saved; say why nothing will happen rather than lose the request.
          logger.error({ err }, 'could not queue an extraction');
          await em
            .fork()
            .nativeUpdate(
              Extraction,
              { id: saved.extraction.id },
              { status: ExtractionStatus.FAILED, error: `Could not queue the extraction: ${(err as Error).message}` },
            );
        }
      }
    }
    const fresh = em.fork();
    return {
      conversation: await fresh.findOneOrFail(Conversation, { id: saved.conversation.id }),
      extraction: await fresh.findOneOrFail(Extraction, { id: saved.extraction.id }),
    };
  }

  /** The conversation's own transaction: create or append, an extraction to run (or SKIPPED), the event. */
  private async save(
    em: EntityManager,
    actor: Principal,
    input: {
      sessionId: string;
      userEmail: string | null | undefined;
      messages: ConversationMessage[];
      teamMember: TeamMember | null;
      metadata: Record<string, unknown>;
    },
  ): Promise<{ conversation: Conversation; extraction: Extraction }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await em.fork().transactional(async (tx) => {
          let conversation = await tx.findOne(
            Conversation,
            { sessionId: input.sessionId },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          const created = !conversation;
          conversation ??= tx.create(Conversation, { sessionId: input.sessionId, messages: [] });
          const added = newMessages(conversation.messages, input.messages);
          conversation.messages = [...conversation.messages, ...added];
          this.checkSize(conversation.messages);
          conversation.userEmail ??= input.userEmail ?? null;
          conversation.teamMember ??= input.teamMember ? ref(TeamMember, input.teamMember.id) : null;
          conversation.metadata = { ...conversation.metadata, ...input.metadata };
          const extraction = tx.create(Extraction, {
            conversation,
            extractor: this.extractor.kind === 'ANTHROPIC' ? ExtractorKind.ANTHROPIC : ExtractorKind.HEURISTIC,
            model: this.model,
            messageCount: conversation.messages.length,
            status: added.length ? ExtractionStatus.PENDING : ExtractionStatus.SKIPPED,
            error: added.length ? null : 'No new messages since the last extraction: nothing to do',
            decision: added.length ? null : ExtractionDecision.NONE,
            completedAt: added.length ? null : new Date(),
          });
          recordEvent(tx, actor, {
            type: TimelineEventType.CONVERSATION_INGESTED,
            subject: conversation,
            client: conversation.client ?? null,
            summary: `Conversation ${input.sessionId}: ${added.length} new message${added.length === 1 ? '' : 's'}`,
            data: {
              after: {
                sessionId: input.sessionId,
                created,
                newMessages: added.length,
                messages: conversation.messages.length,
              },
            },
          });
          return { conversation, extraction };
        });
      } catch (err) {
        // Two first messages of one session at once: the loser appends to the winner's conversation.
        if (err instanceof UniqueConstraintViolationException && attempt < 3) continue;
        throw err;
      }
    }
  }

  /** The whole conversation (earlier ingestions and this one) within the limits, else a user error on `messages`. */
  private checkSize(messages: ConversationMessage[]): void {
    const { maxMessages, maxChars } = this.limits;
    const chars = messages.reduce((n, m) => n + m.content.length, 0);
    const checks = new Checks();
    if (messages.length > maxMessages)
      checks.add(
        'messages',
        'TOO_MANY',
        `the conversation would have ${messages.length} messages: at most ${maxMessages} (CONVERSATION_MAX_MESSAGES)`,
      );
    if (chars > maxChars)
      checks.add('messages', 'TOO_LARGE', tooLarge(chars, maxChars, 'the conversation would have '));
    checks.throwIfAny();
  }

  /**
   * Extractions of every tenant left PENDING for `staleSeconds` without a change: their job was
   * lost (a crash of the process running it inline, or between saving and queueing). At most
   * `limit`, oldest first, each with a job key that changes whenever the extraction does, so a
   * sweep never queues a second run of one already queued.
   */
  async stalePending(
    root: EntityManager,
    staleSeconds: number,
    limit = 100,
  ): Promise<{ data: ExtractJobData; key: string }[]> {
    const rows = await (root.fork() as SqlEntityManager).execute<
      { id: string; tenant_id: string; updated_at: Date | string }[]
    >(
      `select id, tenant_id, updated_at from extraction
        where status = ? and updated_at < now() - make_interval(secs => ?)
        order by updated_at limit ?`,
      [ExtractionStatus.PENDING, staleSeconds, limit],
    );
    return rows.map((r) => ({
      data: { tenantId: r.tenant_id, extractionId: r.id },
      key: `${EXTRACT_JOB}-${r.id}-${new Date(r.updated_at).getTime()}`,
    }));
  }

  /**
   * Runs the extractor on a PENDING extraction and files the result. Never throws for the
   * extractor's failures: they end the extraction FAILED (or, when `attempt < maxAttempts` and the
   * failure is retryable, leave it PENDING and return `retry: true` for the job engine).
   */
  async runExtraction(
    root: EntityManager,
    tenantId: string,
    extractionId: string,
    attempt: number,
    maxAttempts: number,
    logger: Logger,
  ): Promise<{ retry: boolean }> {
    const em = forkForTenant(root, tenantId);
    const extraction = await em.findOne(Extraction, { id: extractionId }, { populate: ['conversation'] as const });
    if (!extraction || extraction.status !== ExtractionStatus.PENDING) return { retry: false }; // done already
    const conversation = extraction.conversation.unwrap();
    const types = await em.find(PracticeType, { active: true }, { orderBy: { code: 'asc' } });
    let outcome: { result: ExtractionResult; meta: ExtractionMeta };
    try {
      outcome = await this.extractor.extract({
        messages: conversation.messages.slice(0, extraction.messageCount),
        userEmail: conversation.userEmail,
        practiceTypes: types.map((t) => ({ code: t.code, name: t.name })),
      });
    } catch (err) {
      const e =
        err instanceof ExtractionError ? err : new ExtractionError(`Extractor error: ${(err as Error).message}`, false);
      const retry = e.retryable && attempt < maxAttempts;
      if (!(err instanceof ExtractionError)) logger.error({ err }, 'extractor threw an unexpected error');
      await this.fail(
        root,
        tenantId,
        extractionId,
        attempt,
        retry ? `${e.message} (attempt ${attempt}; will retry)` : e.message,
        e.meta,
        !retry,
      );
      return { retry };
    }
    try {
      await this.file(root, tenantId, extractionId, { outcome, attempt, mode: 'auto' });
    } catch (err) {
      logger.error({ err }, 'filing an extraction failed');
      await this.fail(
        root,
        tenantId,
        extractionId,
        attempt,
        `Could not file the extraction: ${(err as Error).message}`,
        outcome.meta,
        true,
      );
    }
    return { retry: false };
  }

  /** Records a failed run: PENDING again (to be retried) or FAILED with an EXTRACTION_COMPLETED event. */
  private async fail(
    root: EntityManager,
    tenantId: string,
    extractionId: string,
    attempt: number,
    error: string,
    meta: Partial<ExtractionMeta> | undefined,
    final: boolean,
  ): Promise<void> {
    await forkForTenant(root, tenantId).transactional(async (tx) => {
      const ex = await tx.findOneOrFail(Extraction, { id: extractionId }, { populate: ['conversation'] as const });
      ex.attempts = attempt;
      ex.error = error.slice(0, 2000);
      this.applyMeta(ex, meta);
      if (!final) return;
      ex.status = ExtractionStatus.FAILED;
      ex.completedAt = new Date();
      recordEvent(tx, null, {
        type: TimelineEventType.EXTRACTION_COMPLETED,
        subject: ex,
        client: ex.conversation.unwrap().client ?? null,
        summary: `Extraction failed: ${error}`.slice(0, 500),
        data: { after: outcome(ex, false) },
      });
    });
  }

  private applyMeta(ex: Extraction, meta: Partial<ExtractionMeta> | undefined): void {
    if (!meta) return;
    if (meta.model !== undefined) ex.model = meta.model;
    if (meta.latencyMs !== undefined) ex.latencyMs = Math.round(meta.latencyMs);
    if (meta.inputTokens !== undefined) ex.inputTokens = meta.inputTokens;
    if (meta.outputTokens !== undefined) ex.outputTokens = meta.outputTokens;
    if (meta.costUsd !== undefined) ex.costUsd = meta.costUsd;
  }

  /**
   * Files an extraction in one transaction: the auto-CRM rules (`auto`: thresholds apply) or a
   * person's acceptance (`accept`: thresholds waived, optional corrections). Each record goes
   * through its module's one creation path, triggered by the conversation. Below a threshold the
   * extraction becomes a PROPOSAL.
   */
  private async file(
    root: EntityManager,
    tenantId: string,
    extractionId: string,
    opts: FileOptions,
  ): Promise<Extraction> {
    return forkForTenant(root, tenantId).transactional(async (tx) => {
      const f = await this.startFiling(tx, tenantId, extractionId, opts);
      const client = await this.resolveClient(f, opts.clientId);
      const practice = await this.openPractice(f, client.client, opts.practiceTypeCode);
      await this.logInteraction(f, client.client, practice.practice);
      const ex = this.conclude(f, client, practice);
      await this.fileTasks(f, client.client, practice.practice);
      return ex;
    });
  }

  /** Locks the extraction, stores a fresh extractor outcome on it, and sets the filing's rules. */
  private async startFiling(
    tx: EntityManager,
    tenantId: string,
    extractionId: string,
    opts: FileOptions,
  ): Promise<Filing> {
    const tenant = await tx.findOneOrFail(Tenant, { id: tenantId });
    const ex = await tx.findOneOrFail(Extraction, { id: extractionId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const conversation = await tx.findOneOrFail(Conversation, { id: ex.conversation.id });
    if (opts.outcome) this.storeOutcome(ex, opts.outcome, opts.attempt);
    const accept = opts.mode === 'accept';
    return {
      tx,
      by: { kind: 'conversation', conversation, acceptedBy: opts.actor ?? null },
      ex,
      conversation,
      result: ex.data!,
      accept,
      clientMin: accept ? 0 : tenant.clientConfidenceThreshold,
      practiceMin: accept ? 0 : tenant.practiceConfidenceThreshold,
    };
  }

  /** Copies an extractor's result and metrics onto the extraction (SUCCEEDED). */
  private storeOutcome(ex: Extraction, outcome: { result: ExtractionResult; meta: ExtractionMeta }, attempt?: number) {
    const { result: r, meta } = outcome;
    this.applyMeta(ex, meta);
    ex.data = r;
    ex.attempts = attempt ?? ex.attempts + 1;
    ex.status = ExtractionStatus.SUCCEEDED;
    ex.error = null;
    ex.completedAt = new Date();
    ex.clientName = r.client.fullName?.value.slice(0, 200) ?? null;
    ex.clientEmail = r.client.email?.value.slice(0, 320) ?? null;
    ex.clientPhone = r.client.phone?.value.slice(0, 32) ?? null;
    ex.confidence = identityConfidence(r);
    ex.practiceTypeCode = r.practice?.value ?? null;
    ex.practiceConfidence = r.practice?.confidence ?? null;
    ex.sentiment = Sentiment[r.sentiment] ?? null;
    ex.urgency = Urgency[r.urgency] ?? null;
    ex.actionItems = r.actionItems.slice(0, 20).map((a) => a.slice(0, 500));
    ex.summary = r.summary.slice(0, 1000);
  }

  /**
   * The client: the one given (accept), or already filed for this extraction, or linked to the
   * conversation; else matched by email, then phone, then full name; else created (LEAD, or
   * PROSPECT with a practice intent; source CHAT). An existing client only has its empty fields
   * filled. A result that names someone too unsurely for either is a proposal.
   */
  private async resolveClient(f: Filing, clientId: string | null | undefined): Promise<FiledClient> {
    const { tx, ex, conversation, result: r } = f;
    let client: Client | null = null;
    if (clientId) {
      const checks = new Checks();
      client = (await resolveRef(tx, checks, 'clientId', Client, clientId)) ?? null;
      checks.throwIfAny();
    } else if (ex.resultClient) client = await tx.findOne(Client, { id: ex.resultClient.id });
    else if (conversation.client) client = await tx.findOne(Client, { id: conversation.client.id });
    const identity = sureIdentity(r, f.clientMin);
    if (client) {
      await this.records.clients.fillEmpty(tx, f.by, client, identity);
      return { client, created: false, proposed: false };
    }
    if (!r.client.fullName && !r.client.email && !r.client.phone)
      return { client: null, created: false, proposed: false };
    const { email, phone, fullName, nationality } = identity;
    if (!email && !phone && !fullName) return { client: null, created: false, proposed: true };
    const match = await this.match(tx, { email, phone, fullName });
    if (match) {
      await this.records.clients.fillEmpty(tx, f.by, match, identity);
      return { client: match, created: false, proposed: false };
    }
    const wantsPractice = Boolean(r.practice && r.practice.confidence >= f.practiceMin);
    const created = await this.records.clients.create(tx, f.by, {
      fullName: fullName ?? email ?? phone!,
      email,
      phone,
      nationality,
      source: ClientSource.CHAT,
      lifecycleStage: wantsPractice ? LifecycleStage.PROSPECT : LifecycleStage.LEAD,
      ownerId: memberId(conversation.teamMember),
    });
    return { client: created, created: true, proposed: false };
  }

  /**
   * The practice: the one already filed for this extraction; else, for a sure intent (or the
   * type a person gave), the client's open practice of that type from the last 7 days, or a new
   * one in INQUIRY assigned to the conversation's team member. An unsure intent, or one without a
   * client (or, for the auto-CRM, with an archived client), is a proposal.
   */
  private async openPractice(
    f: Filing,
    client: Client | null,
    typeCode: string | null | undefined,
  ): Promise<FiledPractice> {
    const { tx, ex, result: r } = f;
    const filed = ex.resultPractice ? await tx.findOne(Practice, { id: ex.resultPractice.id }) : null;
    const code = (typeCode ?? r.practice?.value)?.trim().toUpperCase();
    if (filed || !code) return { practice: filed, created: ex.practiceCreated, proposed: false };
    const intentSure = Boolean(typeCode) || Boolean(r.practice && r.practice.confidence >= f.practiceMin);
    if (!client || !intentSure || (client.archivedAt && !f.accept))
      return { practice: null, created: ex.practiceCreated, proposed: true };
    const type = await tx.findOne(PracticeType, { code });
    // A deactivated type named by a person is createPractice's user error; guessed, it is ignored.
    if (!type || (!type.active && !typeCode)) {
      if (typeCode)
        throw ValidationFailed.of('practiceTypeCode', 'UNKNOWN_PRACTICE_TYPE', `Unknown practice type "${code}"`);
      return { practice: null, created: ex.practiceCreated, proposed: false }; // the extractor's guess: ignored
    }
    const recent = await tx.findOne(
      Practice,
      {
        client,
        type,
        status: { $nin: [...CLOSED_PRACTICE_STATUSES] },
        createdAt: { $gte: new Date(Date.now() - RECENT_PRACTICE_MS) },
      },
      { orderBy: { createdAt: 'desc' } },
    );
    if (recent) return { practice: recent, created: ex.practiceCreated, proposed: false };
    const practice = await this.records.practices.create(tx, f.by, {
      clientId: client.nodeId,
      practiceTypeCode: type.code,
      assignedToId: memberId(f.conversation.teamMember),
      notes: r.practice?.details?.slice(0, 10_000) ?? null,
    });
    return { practice, created: true, proposed: false };
  }

  /** One CHAT interaction per filed extraction; the conversation gets linked to the client. */
  private async logInteraction(f: Filing, client: Client | null, practice: Practice | null): Promise<void> {
    const { tx, ex, conversation, result: r } = f;
    if (!client || ex.resultInteractionId) return;
    const interaction = await this.records.interactions.log(tx, f.by, {
      clientId: client.nodeId,
      practiceId: practice?.nodeId ?? null,
      kind: InteractionKind.CHAT,
      direction: Direction.INBOUND,
      summary: (r.summary.trim() || `Conversation ${conversation.sessionId}`).slice(0, 5000),
      sentiment: Sentiment[r.sentiment] ?? null,
      actionItems: r.actionItems.slice(0, 20).map((a) => a.slice(0, 500)),
      teamMemberId: memberId(conversation.teamMember),
    });
    ex.resultInteractionId = interaction.id;
    conversation.client ??= ref(client);
  }

  /**
   * The action items of an applied or accepted extraction with a client become FOLLOW_UP tasks of
   * the conversation's team member, linked to the client and practice (each item once per
   * conversation; see TaskService.fromActionItems). A proposal files none until it is accepted.
   */
  private async fileTasks(f: Filing, client: Client | null, practice: Practice | null): Promise<void> {
    const { ex } = f;
    if (!client || (ex.decision !== ExtractionDecision.APPLIED && ex.decision !== ExtractionDecision.ACCEPTED)) return;
    await this.records.tasks.fromActionItems(f.tx, f.by, {
      conversation: f.conversation,
      client,
      practice,
      urgency: ex.urgency,
      items: ex.actionItems,
    });
  }

  /** Stores what was filed and the decision on the extraction, with its COMPLETED or ACCEPTED event. */
  private conclude(f: Filing, client: FiledClient, practice: FiledPractice): Extraction {
    const { tx, ex } = f;
    ex.resultClient = client.client ? ref(client.client) : null;
    ex.clientCreated ||= client.created;
    ex.resultPractice = practice.practice ? ref(practice.practice) : null;
    ex.practiceCreated = practice.created;
    ex.decision = f.accept
      ? ExtractionDecision.ACCEPTED
      : client.proposed || practice.proposed
        ? ExtractionDecision.PROPOSED
        : client.client || practice.practice
          ? ExtractionDecision.APPLIED
          : ExtractionDecision.NONE;
    const after = outcome(ex, client.created);
    const event = { subject: ex, client: client.client };
    recordEvent(
      tx,
      f.by,
      f.accept
        ? {
            ...event,
            type: TimelineEventType.EXTRACTION_ACCEPTED,
            summary: `Extraction accepted${client.client ? ` for ${client.client.fullName}` : ''}`,
            data: { before: { decision: ExtractionDecision.PROPOSED }, after },
          }
        : {
            ...event,
            type: TimelineEventType.EXTRACTION_COMPLETED,
            summary: `${ex.extractor === ExtractorKind.HEURISTIC ? 'Heuristic' : 'Claude'} extraction ${ex.decision.toLowerCase()}: ${ex.summary ?? ''}`,
            data: { after },
          },
    );
    return ex;
  }

  /** An existing live client with this email, else this phone, else this full name (case and spacing ignored). */
  private async match(
    em: EntityManager,
    by: { email?: string; phone?: string; fullName?: string },
  ): Promise<Client | null> {
    const [found] = await matchClients(em, [{ email: by.email, phone: by.phone, name: by.fullName }]);
    return found ? em.findOne(Client, { id: found.clientId }) : null;
  }

  /** Files a PROPOSED extraction (thresholds waived), optionally under another client or practice type. */
  async accept(em: EntityManager, actor: Principal, input: AcceptExtractionInput): Promise<Extraction> {
    const ex = await this.proposal(em, input.id);
    const filed = await this.file(em, actor.tenantId, ex.id, {
      mode: 'accept',
      actor,
      clientId: input.clientId,
      practiceTypeCode: input.practiceTypeCode,
    });
    return em.fork().findOneOrFail(Extraction, { id: filed.id });
  }

  /** Declines a PROPOSED extraction: nothing is filed. */
  async reject(em: EntityManager, actor: Principal, input: RejectExtractionInput): Promise<Extraction> {
    const checks = new Checks();
    const reason = checks.text('reason', input.reason, 1000);
    checks.throwIfAny();
    const ex = await this.proposal(em, input.id);
    return em.transactional(async (tx) => {
      const locked = await tx.findOneOrFail(Extraction, { id: ex.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (locked.decision !== ExtractionDecision.PROPOSED) throw notProposed(locked);
      locked.decision = ExtractionDecision.REJECTED;
      const conversation = await tx.findOneOrFail(Conversation, { id: locked.conversation.id });
      recordEvent(tx, actor, {
        type: TimelineEventType.EXTRACTION_REJECTED,
        subject: locked,
        client: conversation.client ?? null,
        summary: `Extraction rejected${reason ? `: ${reason}` : ''}`,
        data: {
          before: { decision: ExtractionDecision.PROPOSED },
          after: { decision: locked.decision, reason: reason ?? null },
        },
      });
      return locked;
    });
  }

  private async proposal(em: EntityManager, globalId: string): Promise<Extraction> {
    const ex = await em.findOne(Extraction, { id: expectGlobalId(globalId, 'Extraction') });
    if (!ex) throw DomainError.notFound('Extraction', globalId);
    if (ex.decision !== ExtractionDecision.PROPOSED) throw notProposed(ex);
    return ex;
  }

  /** Changes the auto-CRM thresholds (ADMIN). */
  async updateSettings(em: EntityManager, actor: Principal, input: UpdateExtractionSettingsInput): Promise<Tenant> {
    const checks = new Checks();
    for (const k of ['clientConfidenceThreshold', 'practiceConfidenceThreshold'] as const) {
      const v = input[k];
      if (v !== undefined && v !== null && !(v >= 0 && v <= 1))
        checks.add(k, 'OUT_OF_RANGE', `${k} must be from 0 to 1`);
    }
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const tenant = await tx.findOneOrFail(Tenant, { id: actor.tenantId });
      const before = {
        clientConfidenceThreshold: tenant.clientConfidenceThreshold,
        practiceConfidenceThreshold: tenant.practiceConfidenceThreshold,
      };
      if (input.clientConfidenceThreshold != null) tenant.clientConfidenceThreshold = input.clientConfidenceThreshold;
      if (input.practiceConfidenceThreshold != null)
        tenant.practiceConfidenceThreshold = input.practiceConfidenceThreshold;
      const changed = diff(before, {
        clientConfidenceThreshold: tenant.clientConfidenceThreshold,
        practiceConfidenceThreshold: tenant.practiceConfidenceThreshold,
      });
      if (changed)
        recordEvent(tx, actor, {
          type: TimelineEventType.EXTRACTION_SETTINGS_UPDATED,
          subject: tenant,
          summary: 'Auto-CRM thresholds changed',
          data: changed,
        });
      return tenant;
    });
  }
}

function notProposed(ex: Extraction): ValidationFailed {
  return ValidationFailed.of(
    'id',
    'NOT_PROPOSED',
    `This extraction is ${ex.decision ?? ex.status}, not a proposal: only PROPOSED extractions can be accepted or rejected`,
  );
}

/**
 * The client fields of a result sure enough to use (confidence at least `min`), cleaned: extracted
 * values are never trusted, invalid ones are dropped.
 */
function sureIdentity(
  r: ExtractionResult,
  min: number,
): { email?: string; phone?: string; fullName?: string; nationality?: string } {
  const sure = <T>(v: { value: T; confidence: number } | undefined | null) =>
    v && v.confidence >= min ? v.value : undefined;
  const checks = new Checks();
  return {
    email: sure(r.client.email) ? (checks.email('email', r.client.email!.value) ?? undefined) : undefined,
    phone: sure(r.client.phone) ? (checks.phone('phone', r.client.phone!.value) ?? undefined) : undefined,
    fullName: sure(r.client.fullName)?.trim().slice(0, 200) || undefined,
    nationality: sure(r.client.nationality)?.trim().slice(0, 64) || undefined,
  };
}

/** The global ID of a team member reference, or null. */
function memberId(member: { id: string } | null | undefined): string | null {
  return member ? toGlobalId('TeamMember', member.id) : null;
}

/** The payload of an extraction's COMPLETED/ACCEPTED event (`clientCreated`: by this filing). */
function outcome(ex: Extraction, clientCreated: boolean): ExtractionOutcome {
  return {
    status: ex.status,
    decision: ex.decision ?? null,
    extractor: ex.extractor,
    error: ex.error ?? null,
    confidence: ex.confidence ?? null,
    practiceTypeCode: ex.practiceTypeCode ?? null,
    practiceConfidence: ex.practiceConfidence ?? null,
    clientCreated,
    practiceCreated: ex.practiceCreated,
  };
}

/** The identity confidence of a result: its surest email, phone or name. */
function identityConfidence(r: ExtractionResult): number | null {
  const cs = [r.client.email, r.client.phone, r.client.fullName].filter(Boolean).map((v) => v!.confidence);
  return cs.length ? Math.max(...cs) : null;
}

/**
 * The messages of `incoming` not yet in `stored`: when `incoming` repeats the stored transcript
 * (a channel resending everything), only what follows it; otherwise every message whose
 * position-matched copy differs is new, so resending the same messages adds nothing.
 */
function newMessages(stored: ConversationMessage[], incoming: ConversationMessage[]): ConversationMessage[] {
  const same = (a: ConversationMessage, b: ConversationMessage) => a.role === b.role && a.content === b.content;
  if (incoming.length >= stored.length && stored.every((m, i) => same(m, incoming[i])))
    return incoming.slice(stored.length);
  // A batch of only new messages, or an overlapping tail: drop the prefix that repeats the stored tail.
  for (let k = Math.min(stored.length, incoming.length); k > 0; k--) {
    const tail = stored.slice(stored.length - k);
    if (tail.every((m, i) => same(m, incoming[i]))) return incoming.slice(k);
  }
  return incoming;
}

/** The message of a conversation over CONVERSATION_MAX_CHARS. */
function tooLarge(chars: number, max: number, lead = ''): string {
  return `${lead}${chars} characters of messages: at most ${max} per conversation (CONVERSATION_MAX_CHARS)`;
}
