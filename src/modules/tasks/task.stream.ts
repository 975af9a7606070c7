import { requirePrincipal } from '../../platform/auth/principal.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import { liveSubjectIds } from '../timeline/timeline.stream.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Task } from './task.entity.js';

/** Arguments of `taskDue`. */
export interface TaskDueStreamArgs {
  assignedToMe?: boolean | null;
}

/**
 * Tasks of the subscriber's tenant as they fall due. Fed by the timeline outbox (each announced
 * task commits a TASK_DUE event), so a task announced by a worker reaches subscribers on every API
 * instance, and one announced while Redis was down arrives when it returns. A task deleted before
 * delivery is skipped.
 */
export async function taskDueStream(
  ctx: GraphQLContext,
  args: TaskDueStreamArgs,
): Promise<AsyncIterableIterator<Task>> {
  const principal = requirePrincipal(ctx.principal);
  if (args.assignedToMe && !principal.memberId)
    throw DomainError.badInput('assignedToMe needs a team member: API keys are assigned nothing', 'assignedToMe');
  const due = await liveSubjectIds(ctx, TimelineEventType.TASK_DUE, 'Task');

  async function* tasks(): AsyncGenerator<Task> {
    for await (const id of due) {
      const task = await forkForTenant(ctx.em, principal.tenantId).findOne(Task, { id });
      if (!task) continue;
      if (args.assignedToMe && task.assignee?.id !== principal.memberId) continue;
      yield task;
    }
  }
  return endSourceOnReturn(tasks(), due);
}
