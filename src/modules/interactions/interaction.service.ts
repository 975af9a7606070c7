import { type EntityManager, type FilterQuery, LockMode, ref } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { DomainError } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { diff, recordEvent, type Trigger, triggerActor, triggerSource } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Interaction } from './interaction.entity.js';
import { Direction, InteractionKind } from './interaction.enums.js';
import type {
  GeoPointInput,
  InteractionFilter,
  LogInteractionInput,
  UpdateInteractionInput,
} from './interaction.input.js';
import { interactionFields, interactionLoggedPayload } from './interaction.payloads.js';
import { channelOfInteraction } from './interaction.rules.js';

/** The links and free-text fields logInteraction and updateInteraction share, checked. */
interface Details {
  practice: Practice | null | undefined;
  deal: Deal | null | undefined;
  ticket: Ticket | null | undefined;
  location: { latitude: number; longitude: number } | null | undefined;
  outcome: string | null | undefined;
  nextSteps: string | null | undefined;
}

/** Interactions: calls, chats, emails, meetings, notes, visits and tasks with clients. */
export class InteractionService {
  /**
   * Logs an interaction with a client: the one creation path, for a person's `logInteraction` and
   * a conversation's filing alike (`by`; a conversation's interaction links to it). The team
   * member defaults to the acting person.
   */
  async log(em: EntityManager, by: Trigger, input: LogInteractionInput): Promise<Interaction> {
    const actor = triggerActor(by);
    const checks = new Checks();
    const client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    const member = await resolveRef(em, checks, 'teamMemberId', TeamMember, input.teamMemberId);
    const summary = checks.text('summary', input.summary, 5000, { required: true, min: 1 });
    const actionItems = checks.list('actionItems', input.actionItems, 20, 500);
    this.checkOccurredAt(checks, input.occurredAt);
    const details = await this.checkDetails(em, checks, client?.id ?? null, input);
    checks.throwIfAny();
    return em.transactional((tx) => {
      const interaction = tx.create(Interaction, {
        client: client!,
        practice: details.practice ?? null,
        kind: input.kind,
        direction: input.direction ?? (input.kind === InteractionKind.NOTE ? Direction.INTERNAL : Direction.INBOUND),
        summary: summary!,
        sentiment: input.sentiment ?? null,
        actionItems: actionItems ?? [],
        occurredAt: input.occurredAt ?? new Date(),
        teamMember: member ?? (actor?.memberId ? tx.getReference(TeamMember, actor.memberId) : null),
        conversation: by.kind === 'conversation' ? tx.getReference(Conversation, by.conversation.id) : null,
        deal: details.deal ?? null,
        ticket: details.ticket ?? null,
        latitude: details.location?.latitude ?? null,
        longitude: details.location?.longitude ?? null,
        outcome: details.outcome ?? null,
        nextSteps: details.nextSteps ?? null,
      });
      recordEvent(tx, by, {
        type: TimelineEventType.INTERACTION_LOGGED,
        subject: interaction,
        client: client!,
        channel: channelOfInteraction(input.kind),
        summary: `${input.kind} logged: ${summary!.slice(0, 200)}`,
        data: interactionLoggedPayload(interaction, triggerSource(by)),
      });
      return interaction;
    });
  }

  /** Changes an interaction (not its client); INTERACTION_UPDATED with the fields that changed. */
  async update(em: EntityManager, actor: Principal, input: UpdateInteractionInput): Promise<Interaction> {
    return em.transactional(async (tx) => {
      const interaction = await this.get(tx, input.id, true);
      const checks = new Checks();
      const summary = checks.text('summary', input.summary, 5000, { min: 1 });
      if (input.summary === null) checks.add('summary', 'REQUIRED', 'summary cannot be cleared');
      if (input.occurredAt === null) checks.add('occurredAt', 'REQUIRED', 'occurredAt cannot be cleared');
      const actionItems = checks.list('actionItems', input.actionItems, 20, 500);
      this.checkOccurredAt(checks, input.occurredAt);
      const member = await resolveRef(tx, checks, 'teamMemberId', TeamMember, input.teamMemberId);
      const details = await this.checkDetails(tx, checks, refId(interaction.client), input);
      checks.throwIfAny();
      const before = snapshot(interaction);
      if (input.kind) interaction.kind = input.kind;
      if (input.direction) interaction.direction = input.direction;
      if (summary) interaction.summary = summary;
      if (input.sentiment !== undefined) interaction.sentiment = input.sentiment;
      if (input.actionItems !== undefined) interaction.actionItems = actionItems ?? [];
      if (input.occurredAt) interaction.occurredAt = input.occurredAt;
      if (input.teamMemberId !== undefined) interaction.teamMember = member ? ref(member) : null;
      if (input.practiceId !== undefined) interaction.practice = details.practice ? ref(details.practice) : null;
      if (input.dealId !== undefined) interaction.deal = details.deal ? ref(details.deal) : null;
      if (input.ticketId !== undefined) interaction.ticket = details.ticket ? ref(details.ticket) : null;
      if (details.location !== undefined) {
        interaction.latitude = details.location?.latitude ?? null;
        interaction.longitude = details.location?.longitude ?? null;
      }
      if (details.outcome !== undefined) interaction.outcome = details.outcome;
      if (details.nextSteps !== undefined) interaction.nextSteps = details.nextSteps;
      tx.persist(interaction);
      const change = diff(before, snapshot(interaction));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.INTERACTION_UPDATED,
          subject: interaction,
          client: interaction.client,
          channel: channelOfInteraction(interaction.kind),
          summary: `${interaction.kind} updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      return interaction;
    });
  }

  /**
   * Deletes an interaction softly: it is hidden from every list (and a second delete is
   * NOT_FOUND); the INTERACTION_DELETED event keeps what it was.
   */
  async delete(em: EntityManager, actor: Principal, globalId: string): Promise<Interaction> {
    return em.transactional(async (tx) => {
      const interaction = await this.get(tx, globalId, true);
      const before = { ...snapshot(interaction), deleted: false as const };
      interaction.deletedAt = new Date();
      tx.persist(interaction);
      recordEvent(tx, actor, {
        type: TimelineEventType.INTERACTION_DELETED,
        subject: interaction,
        client: interaction.client,
        channel: channelOfInteraction(interaction.kind),
        summary: `${interaction.kind} deleted: ${interaction.summary.slice(0, 200)}`,
        data: { before, after: { deleted: true } },
      });
      return interaction;
    });
  }

  /**
   * The live (not deleted) interaction with a global ID in the caller's tenant, or NOT_FOUND. With
   * `lock` (inside a transaction), its row is locked until commit and re-read after the lock.
   */
  async get(em: EntityManager, globalId: string, lock = false): Promise<Interaction> {
    const interaction = await em.findOne(Interaction, { id: expectGlobalId(globalId, 'Interaction'), deletedAt: null });
    if (!interaction) throw DomainError.notFound('Interaction', globalId);
    if (lock) {
      await em.lock(interaction, LockMode.PESSIMISTIC_WRITE);
      await em.refreshOrFail(interaction);
      if (interaction.deletedAt) throw DomainError.notFound('Interaction', globalId);
    }
    return interaction;
  }

  /** The where clause of an interaction list: never the deleted ones. */
  where(filter: InteractionFilter | null | undefined): FilterQuery<Interaction> {
    const f = filter ?? {};
    const where: Record<string, unknown> = { deletedAt: null };
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    if (f.practiceId) where.practice = filterIds([f.practiceId], 'Practice')![0];
    if (f.dealId) where.deal = filterIds([f.dealId], 'Deal')![0];
    if (f.ticketId) where.ticket = filterIds([f.ticketId], 'Ticket')![0];
    if (f.kinds?.length) where.kind = { $in: f.kinds };
    if (f.sentiments?.length) where.sentiment = { $in: f.sentiments };
    if (f.teamMemberIds?.length) where.teamMember = { $in: filterIds(f.teamMemberIds, 'TeamMember') };
    if (f.from || f.to) where.occurredAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
    return where;
  }

  private checkOccurredAt(checks: Checks, occurredAt: Date | null | undefined): void {
    if (occurredAt && occurredAt.getTime() > Date.now() + 60_000)
      checks.add('occurredAt', 'IN_FUTURE', 'occurredAt cannot be in the future');
  }

  /** Checks the practice, deal, ticket, location, outcome and next steps against the interaction's client. */
  private async checkDetails(
    em: EntityManager,
    checks: Checks,
    clientId: string | null,
    input: {
      practiceId?: string | null;
      dealId?: string | null;
      ticketId?: string | null;
      location?: GeoPointInput | null;
      outcome?: string | null;
      nextSteps?: string | null;
    },
  ): Promise<Details> {
    const practice = await resolveRef(em, checks, 'practiceId', Practice, input.practiceId);
    const deal = await resolveRef(em, checks, 'dealId', Deal, input.dealId);
    const ticket = await resolveRef(em, checks, 'ticketId', Ticket, input.ticketId);
    if (clientId && practice && refId(practice.client) !== clientId)
      checks.add('practiceId', 'NOT_CLIENTS_PRACTICE', 'The practice belongs to another client');
    if (clientId && deal && refId(deal.client) !== clientId)
      checks.add('dealId', 'NOT_CLIENTS_DEAL', 'The deal belongs to another client');
    if (clientId && ticket && ticket.client && refId(ticket.client) !== clientId)
      checks.add('ticketId', 'NOT_CLIENTS_TICKET', 'The ticket belongs to another client');
    return {
      practice,
      deal,
      ticket,
      location: checkLocation(checks, input.location),
      outcome: checks.text('outcome', input.outcome, 2000),
      nextSteps: checks.text('nextSteps', input.nextSteps, 2000),
    };
  }
}

/** A location in range (latitude −90…90, longitude −180…180), or null to clear. */
function checkLocation(
  checks: Checks,
  location: GeoPointInput | null | undefined,
): { latitude: number; longitude: number } | null | undefined {
  if (location === undefined || location === null) return location;
  const { latitude, longitude } = location;
  let ok = true;
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
    checks.add(['location', 'latitude'], 'OUT_OF_RANGE', 'latitude must be between -90 and 90');
    ok = false;
  }
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
    checks.add(['location', 'longitude'], 'OUT_OF_RANGE', 'longitude must be between -180 and 180');
    ok = false;
  }
  return ok ? { latitude, longitude } : undefined;
}

/** The tracked fields of an interaction and its summary (what INTERACTION_UPDATED compares). */
function snapshot(i: Interaction) {
  return { ...interactionFields(i), summary: i.summary };
}
