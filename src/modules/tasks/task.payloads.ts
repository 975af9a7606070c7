import type { EventPayload, TaskFields } from '../timeline/event-payloads.js';
import { payloadFields, type PayloadSource } from '../timeline/payload-fields.js';
import type { TimelineEventType } from '../timeline/timeline-event.enums.js';

/** Fields of a task that events record (creation, updates, deletion). */
export const TASK_TRACKED = [
  'title',
  'type',
  'priority',
  'dueAt',
  'assignee',
  'client',
  'deal',
  'practice',
  'ticket',
  'notes',
] as const;

/** The tracked fields of a task (an entity or a generated row). */
export function taskFields(t: PayloadSource<(typeof TASK_TRACKED)[number]>): TaskFields {
  return payloadFields(t, TASK_TRACKED, {
    assignee: 'TeamMember',
    client: 'Client',
    deal: 'Deal',
    practice: 'Practice',
    ticket: 'Ticket',
  }) as TaskFields;
}

/** The payload of a task's creation by a person or program (the seed generator's rows too). */
export function taskCreatedPayload(
  t: PayloadSource<(typeof TASK_TRACKED)[number]>,
): EventPayload<TimelineEventType.TASK_CREATED> {
  return { after: taskFields(t), source: { kind: 'PERSON' } };
}
