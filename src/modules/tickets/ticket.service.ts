import { type EntityManager, type FilterQuery, LockMode, ref } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { escapeLike } from '../../platform/db/like.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, fromGlobalId, toGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Channel } from '../shared/channel.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Ticket } from './ticket.entity.js';
import { TicketPriority, TicketStatus } from './ticket.enums.js';
import type { CreateTicketInput, TicketFilter, UpdateTicketInput } from './ticket.input.js';
import { ticketFields as snapshot, ticketOpenedPayload } from './ticket.payloads.js';
import { reserveTicketNumbers, ticketOpenedSummary } from './ticket.rules.js';

/** The relations a ticket can be linked through, by the GraphQL type of the target. */
const LINKS = { Client: 'client', Deal: 'deal', Practice: 'practice' } as const;
type LinkType = keyof typeof LINKS;

/**
 * Adds a CLIENT_MISMATCH check on `field` unless the given client ids (of the ticket's client, and
 * of its deal's and practice's clients; null where none) are all one: a ticket is about one client.
 */
function checkOneClient(checks: Checks, field: string, clientIds: (string | null | undefined)[], what: string): void {
  if (new Set(clientIds.filter((id) => id != null)).size > 1)
    checks.add(field, 'CLIENT_MISMATCH', `${what} belongs to another client than the rest of the ticket`);
}

/** Tickets: sequential numbers per tenant, status changes, links to clients, deals and practices. */
export class TicketService {
  /** Opens a ticket with the tenant's next number. */
  async create(em: EntityManager, actor: Principal, input: CreateTicketInput): Promise<Ticket> {
    const checks = new Checks();
    const subject = checks.text('subject', input.subject, 300, { required: true, min: 1 });
    const description = checks.text('description', input.description, 20_000);
    let client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    const deal = await resolveRef(em, checks, 'dealId', Deal, input.dealId);
    const practice = await resolveRef(em, checks, 'practiceId', Practice, input.practiceId);
    const assignee = await resolveRef(em, checks, 'assigneeId', TeamMember, input.assigneeId);
    checkOneClient(checks, 'dealId', [client?.id, refId(deal?.client)], 'That deal');
    checkOneClient(checks, 'practiceId', [client?.id ?? refId(deal?.client), refId(practice?.client)], 'That practice');
    checks.throwIfAny();
    // A ticket about a deal or practice is about its client too, unless told otherwise.
    if (!client && (deal || practice)) client = await em.findOne(Client, { id: refId((deal ?? practice)!.client)! });
    return em.transactional(async (tx) => {
      const ticket = tx.create(Ticket, {
        number: await this.nextNumber(tx, actor.tenantId),
        subject: subject!,
        description,
        priority: input.priority ?? TicketPriority.NORMAL,
        channel: input.channel ?? Channel.WEB,
        status: TicketStatus.OPEN,
        client: client ?? null,
        deal: deal ?? null,
        practice: practice ?? null,
        assignee: assignee ?? null,
      });
      recordEvent(tx, actor, {
        type: TimelineEventType.TICKET_OPENED,
        subject: ticket,
        client: client ?? null,
        channel: ticket.channel,
        summary: ticketOpenedSummary(ticket.number, ticket.subject),
        data: ticketOpenedPayload(ticket),
      });
      return ticket;
    });
  }

  /** Changes a ticket; resolving sets resolvedAt, reopening clears it. */
  async update(em: EntityManager, actor: Principal, input: UpdateTicketInput): Promise<Ticket> {
    // The ticket row stays locked from reading its state to the commit, so concurrent changes run one after another.
    return em.transactional((tx) => this.updateLocked(tx, actor, input));
  }

  private async updateLocked(em: EntityManager, actor: Principal, input: UpdateTicketInput): Promise<Ticket> {
    const ticket = await this.get(em, input.id, true);
    const checks = new Checks();
    const subject = checks.text('subject', input.subject, 300, { min: 1 });
    const description = checks.text('description', input.description, 20_000);
    const assignee = await resolveRef(em, checks, 'assigneeId', TeamMember, input.assigneeId);
    if (input.subject === null) checks.add('subject', 'REQUIRED', 'subject cannot be cleared');
    checks.throwIfAny();
    return em.transactional((tx) => {
      const before = snapshot(ticket);
      if (subject) ticket.subject = subject;
      if (description !== undefined) ticket.description = description;
      if (input.priority) ticket.priority = input.priority;
      if (input.channel) ticket.channel = input.channel;
      if (input.assigneeId !== undefined) ticket.assignee = assignee ? ref(assignee) : null;
      const statusChanged = input.status && input.status !== ticket.status;
      if (input.status && statusChanged) {
        ticket.status = input.status;
        if (input.status === TicketStatus.RESOLVED) ticket.resolvedAt = new Date();
        else if (input.status !== TicketStatus.CLOSED) ticket.resolvedAt = null;
      }
      tx.persist(ticket);
      const change = diff(before, snapshot(ticket));
      if (change) {
        recordEvent(tx, actor, {
          type: statusChanged ? TimelineEventType.TICKET_STATUS_CHANGED : TimelineEventType.TICKET_UPDATED,
          subject: ticket,
          client: ticket.client ?? null,
          channel: ticket.channel,
          summary: statusChanged
            ? `Ticket #${ticket.number} ${String(before.status)} → ${ticket.status}`
            : `Ticket #${ticket.number} updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      }
      return ticket;
    });
  }

  /** Links (or, with `link: false`, unlinks) a ticket to a client, a deal or a practice. */
  async link(
    em: EntityManager,
    actor: Principal,
    globalId: string,
    targetGlobalId: string,
    link: boolean,
  ): Promise<Ticket> {
    return em.transactional((tx) => this.linkIn(tx, actor, globalId, targetGlobalId, link));
  }

  /** {@link link} within the transaction `em`, the ticket row locked. */
  private async linkIn(
    ...[em, actor, globalId, targetGlobalId, link]: Parameters<TicketService['link']>
  ): Promise<Ticket> {
    const ticket = await this.get(em, globalId, true);
    const decoded = fromGlobalId(targetGlobalId);
    const type = decoded?.type as LinkType | undefined;
    if (!type || !(type in LINKS))
      throw ValidationFailed.of('targetId', 'INVALID_TARGET', 'targetId must be the ID of a Client, Deal or Practice');
    const checks = new Checks();
    const entity = { Client, Deal, Practice }[type];
    const target = (await resolveRef<Client | Deal | Practice>(em, checks, 'targetId', entity, targetGlobalId)) as
      Client | Deal | Practice | undefined;
    if (link && target) {
      const deal = type === 'Deal' ? (target as Deal) : ticket.deal && (await em.findOne(Deal, { id: ticket.deal.id }));
      const practice =
        type === 'Practice'
          ? (target as Practice)
          : ticket.practice && (await em.findOne(Practice, { id: ticket.practice.id }));
      const client = type === 'Client' ? target.id : refId(ticket.client);
      checkOneClient(
        checks,
        'targetId',
        [client, refId(deal?.client), refId(practice?.client)],
        `That ${type.toLowerCase()}`,
      );
    }
    checks.throwIfAny();
    const field = LINKS[type];
    const current = refId(ticket[field]);
    if (link && current === target!.id) return ticket;
    if (!link && current !== target!.id)
      throw ValidationFailed.of('targetId', 'NOT_LINKED', `Ticket #${ticket.number} is not linked to that ${type}`);
    return em.transactional((tx) => {
      (ticket as unknown as Record<string, unknown>)[field] = link ? target : null;
      tx.persist(ticket);
      const client = type === 'Client' ? (target as Client) : (ticket.client ?? null);
      recordEvent(tx, actor, {
        type: link ? TimelineEventType.TICKET_LINKED : TimelineEventType.TICKET_UNLINKED,
        subject: ticket,
        client,
        channel: ticket.channel,
        summary: `Ticket #${ticket.number} ${link ? 'linked to' : 'unlinked from'} ${type} ${targetGlobalId}`,
        data: {
          before: { [field]: current ? toGlobalId(type, current) : null },
          after: { [field]: link ? targetGlobalId : null },
        },
      });
      return ticket;
    });
  }

  /**
   * The ticket with a global ID in the caller's tenant, or NOT_FOUND. With `lock` (inside a
   * transaction), its row is locked until commit and its state re-read after the lock.
   */
  async get(em: EntityManager, globalId: string, lock = false): Promise<Ticket> {
    const ticket = await em.findOne(Ticket, { id: expectGlobalId(globalId, 'Ticket') });
    if (!ticket) throw DomainError.notFound('Ticket', globalId);
    if (lock) {
      await em.lock(ticket, LockMode.PESSIMISTIC_WRITE);
      await em.refreshOrFail(ticket);
    }
    return ticket;
  }

  /** The where clause of a ticket list. */
  where(filter: TicketFilter | null | undefined): FilterQuery<Ticket> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    const statuses = [...(f.statuses ?? []), ...(f.status ? [f.status] : [])];
    if (statuses.length) where.status = { $in: statuses };
    if (f.priorities?.length) where.priority = { $in: f.priorities };
    if (f.channels?.length) where.channel = { $in: f.channels };
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    if (f.dealId) where.deal = filterIds([f.dealId], 'Deal')![0];
    if (f.practiceId) where.practice = filterIds([f.practiceId], 'Practice')![0];
    if (f.assigneeIds?.length) where.assignee = { $in: filterIds(f.assigneeIds, 'TeamMember') };
    if (f.search?.trim()) where.subject = { $ilike: `%${escapeLike(f.search.trim())}%` };
    if (f.createdAfter || f.createdBefore) {
      where.createdAt = {
        ...(f.createdAfter ? { $gte: f.createdAfter } : {}),
        ...(f.createdBefore ? { $lt: f.createdBefore } : {}),
      };
    }
    return where;
  }

  /** Takes the tenant's next ticket number atomically (row lock on the counter until commit). */
  private async nextNumber(tx: EntityManager, tenantId: string): Promise<number> {
    return reserveTicketNumbers(tx, tenantId, 1);
  }
}
