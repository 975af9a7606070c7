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
] as const;

/** The payload of an interaction being logged (an entity or a generated row). */
export function interactionLoggedPayload(
  i: PayloadSource<(typeof INTERACTION_TRACKED)[number]>,
  source: EventSource,
): EventPayload<TimelineEventType.INTERACTION_LOGGED> {
  const after = payloadFields(i, INTERACTION_TRACKED, {
    practice: 'Practice',
    teamMember: 'TeamMember',
    conversation: 'Conversation',
  }) as InteractionFields;
  return { after, source };
}
