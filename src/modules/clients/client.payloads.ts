import type { ClientFields, EventPayload, EventSource } from '../timeline/event-payloads.js';
import { payloadFields, type PayloadSource } from '../timeline/payload-fields.js';
import type { TimelineEventType } from '../timeline/timeline-event.enums.js';

/** Fields of a client that events record (creation, updates, merges). */
export const CLIENT_TRACKED = [
  'fullName',
  'email',
  'phone',
  'nationality',
  'kind',
  'lifecycleStage',
  'leadScore',
  'source',
  'tags',
  'notes',
  'owner',
  'organization',
] as const;

/** The tracked fields of a client (an entity or a generated row). */
export function clientFields(c: PayloadSource<(typeof CLIENT_TRACKED)[number]>): ClientFields {
  return payloadFields(c, CLIENT_TRACKED, { owner: 'TeamMember', organization: 'Client' }) as ClientFields;
}

/** The payload of a client's creation. */
export function clientCreatedPayload(
  c: PayloadSource<(typeof CLIENT_TRACKED)[number]>,
  source: EventSource,
): EventPayload<TimelineEventType.CLIENT_CREATED> {
  return { after: clientFields(c), source };
}
