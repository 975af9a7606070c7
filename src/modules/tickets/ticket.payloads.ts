import type { EventPayload, TicketFields } from '../timeline/event-payloads.js';
import { payloadFields, type PayloadSource } from '../timeline/payload-fields.js';
import type { TimelineEventType } from '../timeline/timeline-event.enums.js';

/** Fields of a ticket that events record (opening and updates). */
export const TICKET_TRACKED = [
  'subject',
  'description',
  'status',
  'priority',
  'channel',
  'assignee',
  'requesterName',
  'requesterEmail',
  'requesterPhone',
  'requesterCompany',
] as const;

/** The tracked fields of a ticket (an entity or a generated row). */
export function ticketFields(t: PayloadSource<(typeof TICKET_TRACKED)[number]>): TicketFields {
  return payloadFields(t, TICKET_TRACKED, { assignee: 'TeamMember' }) as TicketFields;
}

/** The payload of a ticket's opening. */
export function ticketOpenedPayload(
  t: PayloadSource<(typeof TICKET_TRACKED)[number]>,
): EventPayload<TimelineEventType.TICKET_OPENED> {
  return { after: ticketFields(t) };
}
