import { type EntityClass, type EntityManager, type FilterQuery, LockMode, ref } from '@mikro-orm/core';

import { escapeLike } from '../../platform/db/like.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, toGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Money } from '../../platform/graphql/money.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import type { LocalEditListener } from '../clients/client.service.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Quote } from '../quotes/quote.entity.js';
import { Task } from '../tasks/task.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { tenantCurrency } from '../tenancy/tenant.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { diff, recordEvent, type Trigger, triggerActor } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Deal, DealStageHistory } from './deal.entity.js';
import { DealStatus, StageKind } from './deal.enums.js';
import type { CreateDealInput, DealFilter, UpdateDealInput } from './deal.input.js';
import { dealCreatedPayload, dealFields as snapshot } from './deal.payloads.js';
import { dealStatusFor } from './deal.rules.js';
import { Pipeline, PipelineStage } from './pipeline.entity.js';

/** The member behind a trigger, if any (the deal's default owner and the stage move's author). */
function memberOf(by: Trigger): string | null {
  return triggerActor(by)?.memberId ?? null;
}

/** The tenant of a change: the person's, or (a sync) the one the EntityManager is scoped to. */
function tenantOf(em: EntityManager, by: Trigger): string {
  const tenantId = triggerActor(by)?.tenantId ?? scopedTenantId(em);
  if (!tenantId) throw new Error('a deal change needs a tenant');
  return tenantId;
}

/**
 * Deals: creation, updates, stage moves with history, winning and losing — for a person, or for a
 * sync applying another CRM's deals (`by`).
 */
export class DealService {
  /** @param onLocalEdit told of fields changed when no sync made the change (field provenance). */
  constructor(private readonly onLocalEdit?: LocalEditListener) {}

  /** Tells the listener which fields a person (not a sync) changed, inside the change's transaction. */
  private async localEdit(tx: EntityManager, by: Trigger, deal: Deal, fields: string[]): Promise<void> {
    if (by.kind === 'sync' || !this.onLocalEdit || !fields.length) return;
    await tx.flush();
    await this.onLocalEdit(tx, 'Deal', deal.id, fields);
  }

  /** Creates a deal in a pipeline stage (default: the default pipeline's first stage). */
  async create(em: EntityManager, actor: Trigger, input: CreateDealInput): Promise<Deal> {
    const checks = new Checks();
    const title = checks.text('title', input.title, 200, { required: true, min: 1 });
    const client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    const owner = await resolveRef(em, checks, 'ownerId', TeamMember, input.ownerId);
    let pipeline = await resolveRef(em, checks, 'pipelineId', Pipeline, input.pipelineId);
    let stage = await resolveRef(em, checks, 'stageId', PipelineStage, input.stageId);
    if (input.pipelineId == null) {
      pipeline = stage
        ? await em.findOne(Pipeline, { id: refId(stage.pipeline)! })
        : await em.findOne(Pipeline, { isDefault: true });
    }
    if (pipeline && stage && refId(stage.pipeline) !== pipeline.id)
      checks.add('stageId', 'STAGE_NOT_IN_PIPELINE', `Stage ${stage.name} is not a stage of pipeline ${pipeline.name}`);
    if (pipeline && input.stageId == null) {
      stage = await em.findOne(
        PipelineStage,
        { pipeline, kind: StageKind.OPEN, archivedAt: null },
        { orderBy: { position: 'asc' } },
      );
    }
    if (pipeline?.archivedAt)
      checks.add('pipelineId', 'ARCHIVED', `Pipeline ${pipeline.name} is archived: it takes no new deals`);
    else if (stage?.archivedAt)
      checks.add('stageId', 'ARCHIVED', `Stage ${stage.name} is archived: no deal can enter it`);
    const amount = checks.money('amount', input.amount, await tenantCurrency(em, tenantOf(em, actor)));
    const probability = checks.int('probability', input.probability, 0, 100);
    const expectedCloseDate = checks.date('expectedCloseDate', input.expectedCloseDate);
    checks.throwIfAny();
    if (!pipeline || !stage)
      throw ValidationFailed.of('pipelineId', 'NO_PIPELINE', 'No pipeline or stage to put the deal in');
    return em.transactional(async (tx) => {
      await this.lockOpenStage(tx, stage);
      const now = new Date();
      const closed = stage.kind !== StageKind.OPEN;
      const deal = tx.create(Deal, {
        title: title!,
        client: client!,
        pipeline: pipeline,
        stage: stage,
        amount: amount ? new Money(amount.amount, amount.currency) : null,
        probability: probability ?? stage.probability,
        expectedCloseDate,
        owner: owner ?? (memberOf(actor) ? tx.getReference(TeamMember, memberOf(actor)!) : null),
        status: dealStatusFor(stage.kind),
        closedAt: closed ? now : null,
      });
      tx.create(DealStageHistory, {
        deal,
        stage: stage,
        enteredAt: now,
        movedBy: memberOf(actor) ? tx.getReference(TeamMember, memberOf(actor)!) : null,
      });
      recordEvent(tx, actor, {
        type: TimelineEventType.DEAL_CREATED,
        subject: deal,
        client: client!,
        summary: `Deal "${deal.title}" created in ${stage.name}`,
        data: dealCreatedPayload(deal, stage),
      });
      return deal;
    });
  }

  /**
   * Changes a deal's title, amount, probability, expected close date, owner, client or lost
   * reason. A new client must be a live client of the tenant (NOT_FOUND otherwise), and the deal's
   * tickets, quotes, tasks and interactions must not belong to its current client (CLIENT_MISMATCH:
   * they are about one client; unlink them first). A lostReason is only for a lost deal. The
   * DEAL_UPDATED event of a client change is on the client the deal leaves (its later events are
   * on the new one), so the records of both are re-checked.
   */
  async update(em: EntityManager, actor: Trigger, input: UpdateDealInput): Promise<Deal> {
    const deal = await this.get(em, input.id);
    const checks = new Checks();
    const title = checks.text('title', input.title, 200, { min: 1 });
    const owner = await resolveRef(em, checks, 'ownerId', TeamMember, input.ownerId);
    const client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    const amount = checks.money('amount', input.amount, await tenantCurrency(em, tenantOf(em, actor)));
    const probability = checks.int('probability', input.probability, 0, 100);
    const expectedCloseDate = checks.date('expectedCloseDate', input.expectedCloseDate);
    const lostReason = checks.text('lostReason', input.lostReason, 500, { min: 1 });
    if (input.title === null) checks.add('title', 'REQUIRED', 'title cannot be cleared');
    if (input.clientId === null) checks.add('clientId', 'REQUIRED', 'A deal always has a client');
    if (client?.archivedAt) checks.add('clientId', 'ARCHIVED', `Client ${client.fullName} is archived`);
    else if (client && client.id !== refId(deal.client) && (await this.linkedToClient(em, deal)))
      checks.add(
        'clientId',
        'CLIENT_MISMATCH',
        "The deal's tickets, quotes, tasks or interactions belong to its current client: unlink them first",
      );
    if (input.lostReason !== undefined && deal.status !== DealStatus.LOST)
      checks.add('lostReason', 'NOT_LOST', `A lostReason is only for a lost deal; this one is ${deal.status}`);
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const before = this.snapshot(deal);
      const formerClient = deal.client;
      if (title) deal.title = title;
      if (amount !== undefined) deal.amount = amount ? new Money(amount.amount, amount.currency) : null;
      if (probability != null) deal.probability = probability;
      if (expectedCloseDate !== undefined) deal.expectedCloseDate = expectedCloseDate;
      if (input.ownerId !== undefined) deal.owner = owner ? ref(owner) : null;
      if (client) deal.client = ref(client);
      if (input.lostReason !== undefined) deal.lostReason = lostReason ?? null;
      tx.persist(deal);
      const change = diff(before, this.snapshot(deal));
      if (change) {
        recordEvent(tx, actor, {
          type: TimelineEventType.DEAL_UPDATED,
          subject: deal,
          client: formerClient,
          summary: `Deal "${deal.title}" updated: ${Object.keys(change.after).join(', ')}${client && change.after.client ? ` (now ${client.fullName}'s)` : ''}`,
          data: change,
        });
        await this.localEdit(tx, actor, deal, Object.keys(change.after));
      }
      return deal;
    });
  }

  /** The fields a DEAL_UPDATED event compares: the tracked ones, the client and the lost reason. */
  private snapshot(deal: Deal) {
    return {
      ...snapshot(deal),
      client: toGlobalId('Client', refId(deal.client)!),
      lostReason: deal.lostReason ?? null,
    };
  }

  /** Whether a ticket, quote, task or (not deleted) interaction linked to the deal belongs to its current client. */
  private async linkedToClient(em: EntityManager, deal: Deal): Promise<boolean> {
    const where = { deal: deal.id, client: refId(deal.client)! };
    for (const entity of [Ticket, Quote, Task, Interaction] as const) {
      const filter = entity === Interaction ? { ...where, deletedAt: null } : where;
      if (await em.count(entity as EntityClass<object>, filter)) return true;
    }
    return false;
  }

  /** Moves a deal to a stage of its pipeline, recording the stage history; WON/LOST stages close it. */
  async move(
    em: EntityManager,
    actor: Trigger,
    globalId: string,
    stageGlobalId: string,
    lostReason?: string,
  ): Promise<Deal> {
    // The deal row stays locked from the checks to the commit, so concurrent moves run one after another.
    return em.transactional(async (tx) => {
      const deal = await this.get(tx, globalId, true);
      const checks = new Checks();
      const stage = await resolveRef(tx, checks, 'stageId', PipelineStage, stageGlobalId);
      if (stage && refId(stage.pipeline) !== refId(deal.pipeline))
        checks.add('stageId', 'STAGE_NOT_IN_PIPELINE', `Stage ${stage.name} is not in the deal's pipeline`);
      if (stage && stage.id === refId(deal.stage))
        checks.add('stageId', 'SAME_STAGE', `The deal is already in ${stage.name}`);
      if (stage && stage.id !== refId(deal.stage) && !(await this.lockOpenStage(tx, stage, false)))
        checks.add('stageId', 'ARCHIVED', `Stage ${stage.name} is archived: no deal can enter it`);
      const why = checks.text('lostReason', lostReason, 500, { min: 1 });
      if (why && stage && stage.kind !== StageKind.LOST)
        checks.add(
          'lostReason',
          'NOT_A_LOST_STAGE',
          `A lostReason is only for a LOST stage; ${stage.name} is ${stage.kind}`,
        );
      checks.throwIfAny();
      return this.enterStage(tx, actor, deal, stage!, why ?? undefined);
    });
  }

  /** Closes a deal as won: moves it to its pipeline's WON stage. */
  async win(em: EntityManager, actor: Trigger, globalId: string): Promise<Deal> {
    return em.transactional(async (tx) => {
      const deal = await this.get(tx, globalId, true);
      if (deal.status === DealStatus.WON) throw ValidationFailed.of('id', 'ALREADY_WON', 'The deal is already won');
      const stage = await this.closingStage(tx, deal, StageKind.WON);
      return this.enterStage(tx, actor, deal, stage);
    });
  }

  /** Closes a deal as lost, with a reason: moves it to its pipeline's LOST stage. */
  async lose(em: EntityManager, actor: Trigger, globalId: string, reason: string): Promise<Deal> {
    return em.transactional(async (tx) => {
      const deal = await this.get(tx, globalId, true);
      const checks = new Checks();
      const why = checks.text('reason', reason, 500, { required: true, min: 1 });
      if (deal.status === DealStatus.LOST) checks.add('id', 'ALREADY_LOST', 'The deal is already lost');
      checks.throwIfAny();
      const stage = await this.closingStage(tx, deal, StageKind.LOST);
      return this.enterStage(tx, actor, deal, stage, why!);
    });
  }

  /**
   * The deal with a global ID in the caller's tenant, or NOT_FOUND. With `lock` (inside a
   * transaction), its row is locked until commit and its state re-read after the lock. (Not
   * `findOne` with a lockMode: its tenant-filter joins make PostgreSQL drop a row whose stage
   * changed while it waited.)
   */
  async get(em: EntityManager, globalId: string, lock = false): Promise<Deal> {
    const deal = await em.findOne(Deal, { id: expectGlobalId(globalId, 'Deal') });
    if (!deal) throw DomainError.notFound('Deal', globalId);
    if (lock) {
      await em.lock(deal, LockMode.PESSIMISTIC_WRITE);
      await em.refreshOrFail(deal);
    }
    return deal;
  }

  /** The where clause of a deal list. */
  where(filter: DealFilter | null | undefined): FilterQuery<Deal> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    if (f.pipelineId) where.pipeline = filterIds([f.pipelineId], 'Pipeline')![0];
    if (f.stageIds?.length) where.stage = { $in: filterIds(f.stageIds, 'PipelineStage') };
    if (f.statuses?.length) where.status = { $in: f.statuses };
    if (f.ownerIds?.length) where.owner = { $in: filterIds(f.ownerIds, 'TeamMember') };
    if (f.expectedCloseFrom || f.expectedCloseTo) {
      Checks.assertFilterDates('filter', {
        expectedCloseFrom: f.expectedCloseFrom,
        expectedCloseTo: f.expectedCloseTo,
      });
      where.expectedCloseDate = {
        ...(f.expectedCloseFrom ? { $gte: f.expectedCloseFrom } : {}),
        ...(f.expectedCloseTo ? { $lte: f.expectedCloseTo } : {}),
      };
    }
    if (f.search?.trim()) where.title = { $ilike: `%${escapeLike(f.search.trim())}%` };
    return where;
  }

  private async closingStage(em: EntityManager, deal: Deal, kind: StageKind): Promise<PipelineStage> {
    const stage = await em.findOne(
      PipelineStage,
      { pipeline: refId(deal.pipeline)!, kind, archivedAt: null },
      { orderBy: { position: 'asc' } },
    );
    if (!stage) throw ValidationFailed.of('id', 'NO_CLOSING_STAGE', `The deal's pipeline has no ${kind} stage`);
    await this.lockOpenStage(em, stage);
    return stage;
  }

  /**
   * Share-locks a stage a deal is about to enter (inside the transaction), so archivePipelineStage,
   * which locks it for update, cannot archive it in between; then re-reads whether it is archived.
   * Returns whether it is still open to deals; with `orThrow`, an archived stage is a user error.
   */
  private async lockOpenStage(tx: EntityManager, stage: PipelineStage, orThrow = true): Promise<boolean> {
    await tx.lock(stage, LockMode.PESSIMISTIC_READ);
    const current = await tx.refreshOrFail(stage);
    if (current.archivedAt && orThrow)
      throw ValidationFailed.of('stageId', 'ARCHIVED', `Stage ${current.name} is archived: no deal can enter it`);
    return !current.archivedAt;
  }

  private enterStage(
    em: EntityManager,
    actor: Trigger,
    deal: Deal,
    stage: PipelineStage,
    lostReason?: string,
  ): Promise<Deal> {
    return em.transactional(async (tx) => {
      const now = new Date();
      const fromStageId = refId(deal.stage)!;
      const fromStatus = deal.status;
      const open = await tx.findOne(DealStageHistory, { deal, leftAt: null });
      if (open) open.leftAt = now;
      tx.create(DealStageHistory, {
        deal,
        stage,
        enteredAt: now,
        movedBy: memberOf(actor) ? tx.getReference(TeamMember, memberOf(actor)!) : null,
      });
      deal.stage = tx.getReference(PipelineStage, stage.id, { wrapped: true });
      deal.probability = stage.probability;
      deal.status = dealStatusFor(stage.kind);
      deal.closedAt = deal.status === DealStatus.OPEN ? null : now;
      deal.lostReason = deal.status === DealStatus.LOST ? (lostReason ?? deal.lostReason ?? null) : null;
      tx.persist(deal);
      const from = { stage: toGlobalId('PipelineStage', fromStageId), status: fromStatus };
      const to = {
        stage: stage.nodeId,
        stageName: stage.name,
        status: deal.status,
        lostReason: deal.lostReason ?? null,
      };
      recordEvent(tx, actor, {
        type: TimelineEventType.DEAL_STAGE_CHANGED,
        subject: deal,
        client: deal.client,
        summary: `Deal "${deal.title}" moved to ${stage.name}`,
        data: { before: from, after: to },
      });
      if (deal.status !== fromStatus && deal.status !== DealStatus.OPEN) {
        const closed = { subject: deal, client: deal.client };
        const before = { status: fromStatus };
        recordEvent(
          tx,
          actor,
          deal.status === DealStatus.WON
            ? {
                ...closed,
                type: TimelineEventType.DEAL_WON,
                summary: `Deal "${deal.title}" won`,
                data: { before, after: { status: DealStatus.WON, closedAt: now.toISOString(), lostReason: null } },
              }
            : {
                ...closed,
                type: TimelineEventType.DEAL_LOST,
                summary: `Deal "${deal.title}" lost${deal.lostReason ? `: ${deal.lostReason}` : ''}`,
                data: {
                  before,
                  after: { status: DealStatus.LOST, closedAt: now.toISOString(), lostReason: deal.lostReason ?? null },
                },
              },
        );
      }
      await this.localEdit(tx, actor, deal, ['stage', 'status', 'lostReason']);
      return deal;
    });
  }
}
