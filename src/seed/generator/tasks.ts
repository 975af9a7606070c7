/** Tasks of a generated client: follow-ups, calls and deadlines, some done, some overdue, some coming. */
import { randomUUID } from 'node:crypto';

import { base, en, Faker } from '@faker-js/faker';

import { dueSortOf, Task } from '../../modules/tasks/task.entity.js';
import { TaskType } from '../../modules/tasks/task.enums.js';
import { taskCreatedPayload } from '../../modules/tasks/task.payloads.js';
import { TicketPriority } from '../../modules/tickets/ticket.enums.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import type { Batch, ClientCtx, Row, SeedContext } from './context.js';
import { ACTION_ITEMS } from './reference/records.js';
import { DAY, HOUR, SEED_ANCHOR } from './util.js';

/**
 * The tasks' own random source (seeded from the run's), so adding tasks left every other generated
 * record exactly as it was for a given seed.
 */
const fakers = new WeakMap<SeedContext, Faker>();
function fakerOf(g: SeedContext): Faker {
  let f = fakers.get(g);
  if (!f) {
    f = new Faker({ locale: [en, base] });
    f.seed(g.seed * 17 + 5);
    fakers.set(g, f);
  }
  return f;
}

const TITLES: Record<TaskType, string[]> = {
  [TaskType.GENERAL]: ['Update the client file', 'Scan the signed forms'],
  [TaskType.FOLLOW_UP]: ACTION_ITEMS,
  [TaskType.CALL]: ['Call {name} about the documents', 'Call {name} back'],
  [TaskType.MEETING]: ['Meet {name} at the office', 'Video call with {name}'],
  [TaskType.REMINDER]: ['Remind {name} to send the photos', 'Remind {name} of the payment'],
  [TaskType.DEADLINE]: ['Submit the application', 'File the renewal'],
};

/**
 * Up to two tasks for the client, assigned to a writing member (or its owner). Due times are
 * relative to today, so a demo always has overdue, due-soon and later tasks; about a third are
 * done. Open tasks already past due count as announced (no burst of TASK_DUE at the first scan).
 */
export function generateTasks(g: SeedContext, b: Batch, c: ClientCtx): void {
  const f = fakerOf(g);
  const n = f.helpers.weightedArrayElement([
    { weight: 50, value: 0 },
    { weight: 35, value: 1 },
    { weight: 15, value: 2 },
  ]);
  for (let i = 0; i < n; i++) {
    const type = f.helpers.weightedArrayElement([
      { weight: 35, value: TaskType.FOLLOW_UP },
      { weight: 20, value: TaskType.CALL },
      { weight: 10, value: TaskType.MEETING },
      { weight: 15, value: TaskType.REMINDER },
      { weight: 10, value: TaskType.DEADLINE },
      { weight: 10, value: TaskType.GENERAL },
    ]);
    const title = f.helpers.arrayElement(TITLES[type]).replace('{name}', c.fullName);
    const practice = c.practices.length && f.number.float() < 0.5 ? f.helpers.arrayElement(c.practices) : null;
    const createdAt = new Date(
      f.number.int({ min: c.createdAt.getTime(), max: Math.max(c.createdAt.getTime(), SEED_ANCHOR.getTime()) }),
    );
    const dueAt =
      f.number.float() < 0.9 ? new Date(g.today + f.number.int({ min: -20 * 24, max: 30 * 24 }) * HOUR) : null;
    const done = f.number.float() < 0.35;
    const completedAt = done
      ? new Date(Math.max(createdAt.getTime(), g.today - f.number.int({ min: 0, max: 10 }) * DAY))
      : null;
    const id = randomUUID();
    const task: Row<Task> = {
      id,
      tenant: g.tenantId,
      title,
      type,
      priority: f.helpers.weightedArrayElement([
        { weight: 15, value: TicketPriority.LOW },
        { weight: 60, value: TicketPriority.NORMAL },
        { weight: 20, value: TicketPriority.HIGH },
        { weight: 5, value: TicketPriority.URGENT },
      ]),
      dueAt,
      dueSort: dueSortOf(dueAt),
      assignee: c.owner && f.number.float() < 0.6 ? c.owner.id : f.helpers.arrayElement(g.writers).id,
      client: c.id,
      deal: c.deals.length && f.number.float() < 0.2 ? f.helpers.arrayElement(c.deals) : null,
      practice: practice?.id ?? null,
      ticket: null,
      notes: null,
      completedAt,
      dueNotifiedAt: dueAt && !done && dueAt.getTime() <= g.today ? dueAt : null,
      createdAt,
      updatedAt: completedAt ?? createdAt,
    };
    b.tasks.push(task);
    b.events.push(
      g.event(
        TimelineEventType.TASK_CREATED,
        Task.name,
        id,
        c.id,
        createdAt,
        `Task created: ${title}`,
        taskCreatedPayload(task),
      ),
    );
  }
}
