import { type EntityManager, type FilterQuery, LockMode, ref } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

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
import { type TicketLinkRule, TicketPriority, TicketStatus } from './ticket.enums.js';
import type { CreateTicketInput, TicketFilter, UpdateTicketInput } from './ticket.input.js';
import { ticketFields as snapshot, ticketOpenedPayload } from './ticket.payloads.js';
import { reserveTicketNumbers, ticketOpenedSummary } from './ticket.rules.js';
import { type AutoLinkTicketsResult, hasRequester, matchRequesters, type TicketMatch } from './ticket-autolink.js';

/** Tickets per batch of autoLinkTickets, unless told otherwise; and the most allowed. */
const DEFAULT_LINK_BATCH = 500;
const MAX_LINK_BATCH = 5000;
/** How many matches autoLinkTickets shows. */
const SAMPLE_SIZE = 10;
const NIL_ID = '00000000-0000-0000-0000-000000000000';

/** A candidate of autoLinkTickets as selected. */
interface CandidateRow {
  id: string;
  number: number;
  channel: Channel;
  requester_email: string | null;
  requester_phone: string | null;
  requester_company: string | null;
}

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
    const requester = {
      requesterName: checks.text('requesterName', input.requesterName, 200) ?? null,
      requesterEmail: checks.email('requesterEmail', input.requesterEmail) ?? null,
      requesterPhone: checks.phone('requesterPhone', input.requesterPhone) ?? null,
      requesterCompany: checks.text('requesterCompany', input.requesterCompany, 200) ?? null,
    };
    checks.throwIfAny();
    // A ticket about a deal or practice is about its client too, unless told otherwise.
    if (!client && (deal || practice)) client = await em.findOne(Client, { id: refId((deal ?? practice)!.client)! });
    // Else its requester may say who the client is.
    const [match] = !client && hasRequester(requester) ? await matchRequesters(em, [requester]) : [null];
    if (match) client = await em.findOne(Client, { id: match.clientId });
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
        ...requester,
      });
      recordEvent(tx, actor, {
        type: TimelineEventType.TICKET_OPENED,
        subject: ticket,
        client: client ?? null,
        channel: ticket.channel,
        summary: ticketOpenedSummary(ticket.number, ticket.subject),
        data: ticketOpenedPayload(ticket),
      });
      if (match && client) this.recordAutoLink(tx, actor, ticket, client, match, 'CREATE');
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
    if (f.search?.trim()) {
      const like = `%${escapeLike(f.search.trim())}%`;
      where.$or = [{ subject: { $ilike: like } }, { description: { $ilike: like } }];
    }
    if (f.createdAfter || f.createdBefore) {
      where.createdAt = {
        ...(f.createdAfter ? { $gte: f.createdAfter } : {}),
        ...(f.createdBefore ? { $lt: f.createdBefore } : {}),
      };
    }
    return where;
  }

  /**
   * Links the tickets that have a requester but no client to the client their requester matches
   * (see `matchRequesters`), in batches of `batchSize` tickets, one transaction per batch, each
   * link with its TICKET_LINKED event (`match.trigger: BACKFILL`). Idempotent: a linked ticket is
   * no longer a candidate, and a ticket whose client a person unlinked is never linked again. A
   * dry run changes nothing and says how many would be linked, with a sample.
   */
  async autoLink(
    em: EntityManager,
    actor: Principal,
    options: { dryRun: boolean; batchSize?: number | null },
  ): Promise<AutoLinkTicketsResult> {
    const checks = new Checks();
    const batchSize = checks.int('batchSize', options.batchSize ?? DEFAULT_LINK_BATCH, 1, MAX_LINK_BATCH)!;
    checks.throwIfAny();
    const sql = em as SqlEntityManager;
    const result: AutoLinkTicketsResult = {
      dryRun: options.dryRun,
      scanned: 0,
      matched: 0,
      linked: 0,
      batches: 0,
      byRule: [],
      sample: [],
    };
    const byRule = new Map<TicketLinkRule, number>();
    const sample: { ticketId: string; match: TicketMatch }[] = [];
    for (let after = NIL_ID; ;) {
      const rows = await sql.execute<CandidateRow[]>(
        `select t."id", t."number", t."channel", t."requester_email", t."requester_phone", t."requester_company"
         from "ticket" t
         where t."tenant_id" = ? and t."client_id" is null and t."deal_id" is null and t."practice_id" is null
           and ("requester_email" is not null or "requester_phone" is not null or "requester_company" is not null)
           and t."id" > ?
           and not exists (select 1 from "timeline_event" e where e."tenant_id" = t."tenant_id"
             and e."subject_type" = 'Ticket' and e."subject_id" = t."id" and e."type" = 'TICKET_UNLINKED'
             and e."data"->'before'->>'client' is not null)
         order by t."id" limit ?`,
        [actor.tenantId, after, batchSize],
      );
      if (!rows.length) break;
      after = rows.at(-1)!.id;
      result.scanned += rows.length;
      result.batches++;
      const matches = await matchRequesters(
        em,
        rows.map((r) => ({
          requesterEmail: r.requester_email,
          requesterPhone: r.requester_phone,
          requesterCompany: r.requester_company,
        })),
      );
      const found = rows.flatMap((row, i) => (matches[i] ? [{ row, match: matches[i] }] : []));
      if (!options.dryRun && found.length) {
        result.linked += await em.transactional(async (tx) => {
          let linked = 0;
          const clients = new Map(
            (await tx.find(Client, { id: { $in: [...new Set(found.map((f) => f.match.clientId))] } })).map((c) => [
              c.id,
              c,
            ]),
          );
          for (const { row, match } of found) {
            const client = clients.get(match.clientId);
            // Only a ticket still without a client: a concurrent run or person may have linked it.
            const changed = client
              ? await tx.nativeUpdate(Ticket, { id: row.id, client: null }, { client: client.id })
              : 0;
            if (!changed) continue;
            linked++;
            this.recordAutoLink(tx, actor, row, client!, match, 'BACKFILL');
          }
          return linked;
        });
      }
      for (const { row, match } of found) {
        result.matched++;
        byRule.set(match.rule, (byRule.get(match.rule) ?? 0) + 1);
        if (sample.length < SAMPLE_SIZE) sample.push({ ticketId: row.id, match });
      }
      if (rows.length < batchSize) break;
    }
    result.byRule = [...byRule].map(([rule, count]) => ({ rule, count }));
    const tickets = new Map(
      (await em.find(Ticket, { id: { $in: sample.map((s) => s.ticketId) } })).map((t) => [t.id, t]),
    );
    const clients = new Map(
      (await em.find(Client, { id: { $in: sample.map((s) => s.match.clientId) } })).map((c) => [c.id, c]),
    );
    result.sample = sample.flatMap(({ ticketId, match }) => {
      const ticket = tickets.get(ticketId);
      const client = clients.get(match.clientId);
      return ticket && client
        ? [{ ticket, client, rule: match.rule, confidence: match.confidence, value: match.value }]
        : [];
    });
    return result;
  }

  /** The TICKET_LINKED event of a ticket linked to its client by its requester. */
  private recordAutoLink(
    tx: EntityManager,
    actor: Principal,
    ticket: Pick<Ticket, 'id' | 'number' | 'channel'>,
    client: Client,
    match: TicketMatch,
    trigger: 'CREATE' | 'BACKFILL',
  ): void {
    recordEvent(tx, actor, {
      type: TimelineEventType.TICKET_LINKED,
      subject: { constructor: Ticket, id: ticket.id },
      client,
      channel: ticket.channel,
      summary: `Ticket #${ticket.number} linked to ${client.fullName} by ${match.rule.toLowerCase().replace('_', ' ')} (confidence ${match.confidence})`,
      data: {
        before: { client: null },
        after: { client: client.nodeId },
        match: { rule: match.rule, confidence: match.confidence, value: match.value, trigger },
      },
    });
  }

  /** Takes the tenant's next ticket number atomically (row lock on the counter until commit). */
  private async nextNumber(tx: EntityManager, tenantId: string): Promise<number> {
    return reserveTicketNumbers(tx, tenantId, 1);
  }
}
