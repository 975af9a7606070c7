/** Tickets of a generated client; their numbers are given once reserved (see `Batch.numberTickets`). */
import { randomUUID } from 'node:crypto';

import { Channel } from '../../modules/shared/channel.js';
import { Ticket } from '../../modules/tickets/ticket.entity.js';
import { TicketPriority, TicketStatus } from '../../modules/tickets/ticket.enums.js';
import { ticketOpenedPayload } from '../../modules/tickets/ticket.payloads.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import type { Batch, ClientCtx, Row, SeedContext, TicketEvent } from './context.js';
import { TICKET_DESCRIPTIONS, TICKET_SUBJECTS } from './reference/records.js';
import { DAY, SEED_ANCHOR } from './util.js';

/** Up to two tickets for the client, numbered 0 until {@link Batch.numberTickets} runs. */
export function generateTickets(g: SeedContext, b: Batch, c: ClientCtx, ticketEvents: TicketEvent[]): void {
  const f = g.f;
  const n = f.helpers.weightedArrayElement([
    { weight: 55, value: 0 },
    { weight: 33, value: 1 },
    { weight: 12, value: 2 },
  ]);
  for (let i = 0; i < n; i++) {
    const practice = c.practices.length && f.number.float() < 0.6 ? f.helpers.arrayElement(c.practices) : null;
    const typeLabel = practice?.label ?? (g.types.length ? g.pickType(c.isOrg).label : 'KITAS');
    const subject = f.helpers.arrayElement(TICKET_SUBJECTS).replace('{type}', typeLabel);
    const createdAt = g.between(c.createdAt, SEED_ANCHOR);
    const status = f.helpers.weightedArrayElement([
      { weight: 25, value: TicketStatus.OPEN },
      { weight: 15, value: TicketStatus.PENDING },
      { weight: 30, value: TicketStatus.RESOLVED },
      { weight: 30, value: TicketStatus.CLOSED },
    ]);
    const resolved = status === TicketStatus.RESOLVED || status === TicketStatus.CLOSED;
    const resolvedAt = resolved ? g.between(createdAt, new Date(createdAt.getTime() + 10 * DAY)) : null;
    const channel = f.helpers.weightedArrayElement([
      { weight: 35, value: Channel.WHATSAPP },
      { weight: 25, value: Channel.EMAIL },
      { weight: 15, value: Channel.WEB },
      { weight: 15, value: Channel.CHAT },
      { weight: 10, value: Channel.PHONE },
    ]);
    const id = randomUUID();
    const ticket: Row<Ticket> = {
      id,
      tenant: g.tenantId,
      number: 0,
      subject,
      description: f.number.float() < 0.7 ? f.helpers.arrayElement(TICKET_DESCRIPTIONS) : null,
      status,
      priority: f.helpers.weightedArrayElement([
        { weight: 20, value: TicketPriority.LOW },
        { weight: 55, value: TicketPriority.NORMAL },
        { weight: 20, value: TicketPriority.HIGH },
        { weight: 5, value: TicketPriority.URGENT },
      ]),
      channel,
      client: c.id,
      deal: c.deals.length && f.number.float() < 0.2 ? f.helpers.arrayElement(c.deals) : null,
      practice: practice?.id ?? null,
      assignee: f.number.float() < 0.85 ? f.helpers.arrayElement(g.writers).id : null,
      resolvedAt,
      createdAt,
      updatedAt: resolvedAt ?? createdAt,
    };
    // Some came by email and were never linked to the client: autoLinkTickets finds them.
    const unlinked = Boolean(c.email) && g.extra.number.float() < 0.15;
    if (unlinked)
      Object.assign(ticket, {
        client: null,
        deal: null,
        practice: null,
        channel: Channel.EMAIL,
        requesterEmail: c.email,
        requesterName: c.fullName,
      });
    const event = g.event(
      TimelineEventType.TICKET_OPENED,
      Ticket.name,
      id,
      unlinked ? null : c.id,
      createdAt,
      '',
      ticketOpenedPayload(ticket),
      ticket.channel as Channel,
    );
    b.tickets.push(ticket);
    b.events.push(event);
    ticketEvents.push({ ticket, event });
  }
}
