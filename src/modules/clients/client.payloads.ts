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
  'budget',
  'authority',
  'need',
  'needNotes',
  'timeframe',
  'industry',
  'territory',
  'address',
  'annualRevenue',
  'employees',
  'parentOrganization',
  'primaryContact',
  'jobTitle',
  'mobile',
  'reportsTo',
] as const;

/** The tracked fields of a client (an entity or a generated row). */
export function clientFields(c: PayloadSource<(typeof CLIENT_TRACKED)[number]>): ClientFields {
  const fields = payloadFields(c, CLIENT_TRACKED, {
    owner: 'TeamMember',
    organization: 'Client',
    parentOrganization: 'Client',
    primaryContact: 'Client',
    reportsTo: 'Client',
  }) as ClientFields;
  const a = fields.address;
  if (a) {
    fields.address = {
      street: a.street ?? null,
      city: a.city ?? null,
      region: a.region ?? null,
      postalCode: a.postalCode ?? null,
      country: a.country ?? null,
    };
  }
  return fields;
}

/** The payload of a client's creation. */
export function clientCreatedPayload(
  c: PayloadSource<(typeof CLIENT_TRACKED)[number]>,
  source: EventSource,
): EventPayload<TimelineEventType.CLIENT_CREATED> {
  return { after: clientFields(c), source };
}
