import type { EventPayload, EventSource, PracticeFields } from '../timeline/event-payloads.js';
import { globalRef, payloadFields, type PayloadSource } from '../timeline/payload-fields.js';
import type { TimelineEventType } from '../timeline/timeline-event.enums.js';
import type { PracticeStatus } from './practice.enums.js';

/** Fields of a practice that events record (creation and updates). */
export const PRACTICE_TRACKED = [
  'quotedPrice',
  'actualPrice',
  'paymentStatus',
  'amountPaid',
  'startDate',
  'completionDate',
  'expiryDate',
  'assignedTo',
  'notes',
] as const;

/** The tracked fields of a practice (an entity or a generated row). */
export function practiceFields(p: PayloadSource<(typeof PRACTICE_TRACKED)[number]>): PracticeFields {
  return payloadFields(p, PRACTICE_TRACKED, { assignedTo: 'TeamMember' }) as PracticeFields;
}

/** The payload of a practice's creation; `typeCode` is the code of its practice type. */
export function practiceCreatedPayload(
  p: PayloadSource<(typeof PRACTICE_TRACKED)[number] | 'status' | 'renewalOf'>,
  typeCode: string,
  source: EventSource,
): EventPayload<TimelineEventType.PRACTICE_CREATED> {
  return {
    after: {
      type: typeCode,
      status: p.status as PracticeStatus,
      ...practiceFields(p),
      renewalOf: globalRef('Practice', p.renewalOf),
    },
    source,
  };
}
