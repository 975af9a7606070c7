import type { EventPayload, EventSource, InteractionFields } from '../timeline/event-payloads.js';
import { payloadFields, type PayloadSource } from '../timeline/payload-fields.js';
import type { TimelineEventType } from '../timeline/timeline-event.enums.js';

/** Fields of an interaction that its event records (all but the summary, which is the event's). */
export const INTERACTION_TRACKED = [
  'kind',
  'direction',
  'sentiment',
  'actionItems',
  'occurredAt',
  'practice',
  'teamMember',
  'conversation',
  'deal',
  'ticket',
  'latitude',
  'longitude',
  'outcome',
  'nextSteps',
] as const;

const REFS = {
  practice: 'Practice',
  teamMember: 'TeamMember',
  conversation: 'Conversation',
  deal: 'Deal',
  ticket: 'Ticket',
} as const;

/** The tracked fields of an interaction (an entity or a generated row), for its events. */
export function interactionFields(i: PayloadSource<(typeof INTERACTION_TRACKED)[number]>): InteractionFields {
  return payloadFields(i, INTERACTION_TRACKED, REFS) as InteractionFields;
}

/** The payload of an interaction being logged (an entity or a generated row). */
export function interactionLoggedPayload(
  i: PayloadSource<(typeof INTERACTION_TRACKED)[number]>,
  source: EventSource,
): EventPayload<TimelineEventType.INTERACTION_LOGGED> {
  return { after: interactionFields(i), source };
}
