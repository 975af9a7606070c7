import type { EntityKey } from '@mikro-orm/core';
import {
  Arg,
  Authorized,
  type ClassType,
  Ctx,
  Field,
  FieldResolver,
  Int,
  Mutation,
  ObjectType,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { childFieldResolver } from '../../platform/graphql/child-field.js';
import {
  ChildConnectionArgs,
  connectionType,
  OrderDirection,
  paginateChildren,
} from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Role, WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { Task } from './task.entity.js';
import {
  ChildTasksArgs,
  CreateTaskInput,
  TaskFilter,
  TaskIdInput,
  TaskOrder,
  TaskOrderField,
  UpdateTaskInput,
} from './task.input.js';
import { taskDueStream, type TaskDueStreamArgs } from './task.stream.js';

export const TaskConnection = connectionType(Task, 'Task');

/** Soonest due first, undated last: the order of a parent's tasks. */
const DUE_FIRST: KeysetOrder<Task> = [{ dueSort: 'asc' }, { id: 'asc' }];

const ORDER_COLUMNS = {
  DUE_AT: 'dueSort',
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
} as const satisfies Record<TaskOrderField, EntityKey<Task>>;

const TaskPayload = payloadType(
  'TaskPayload',
  'Result of a task mutation: the task, or userErrors (then nothing changed).',
  { task: () => Task },
);

const DeleteTaskPayload = payloadType(
  'DeleteTaskPayload',
  'Result of deleteTask: the task as it was before it was deleted, or userErrors.',
  {
    task: { type: () => Task, description: 'The deleted task, as it was (its ID no longer resolves).' },
  },
);

@ObjectType({ description: 'What a task-due scan did.' })
class RunTaskDueScanPayload {
  @Field(() => Int, { description: 'TASK_DUE events this run raised (0 when every due task was already announced).' })
  raised!: number;
}

/** The app clock's now, read once per request, so that `overdue` means one instant in one response. */
const requestNow = new WeakMap<GraphQLContext, Date>();
function nowOf(ctx: GraphQLContext): Date {
  let now = requestNow.get(ctx);
  if (!now) requestNow.set(ctx, (now = ctx.services.tasks.clock.now()));
  return now;
}

/** Tasks. */
@Resolver(() => Task)
export class TaskResolver extends ResourceResolver({
  entity: Task,
  connection: TaskConnection,
  list: { name: 'tasks', description: 'Tasks, filtered and ordered (default: soonest due first, undated last).' },
  filter: { type: TaskFilter, where: (ctx, filter) => ctx.services.tasks.where(filter, nowOf(ctx)) },
  order: {
    type: TaskOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: TaskOrderField.DUE_AT, direction: OrderDirection.ASC },
  },
  get: { name: 'task', description: 'A task by ID (null when not found in your tenant, or deleted).' },
}) {
  @Authorized(WRITER_ROLES)
  @Mutation(() => TaskPayload, {
    description:
      'Creates a task. A deal, practice or ticket given without a client links its client too; all links must be about one client (else CLIENT_MISMATCH).',
  })
  createTask(
    @Arg('input') input: CreateTaskInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ task: await ctx.services.tasks.create(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => TaskPayload, {
    description: 'Changes a task (only the fields given). A new dueAt re-arms TASK_DUE for the new time.',
  })
  updateTask(
    @Arg('input') input: UpdateTaskInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ task: await ctx.services.tasks.update(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => TaskPayload, {
    description: 'Marks an open task done; a completed one is an ALREADY_COMPLETED userError.',
  })
  completeTask(@Arg('input') input: TaskIdInput, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ task: await ctx.services.tasks.complete(ctx.em, principal, input.id) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => TaskPayload, {
    description: 'Opens a completed task again; an open one is a NOT_COMPLETED userError.',
  })
  reopenTask(@Arg('input') input: TaskIdInput, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ task: await ctx.services.tasks.reopen(ctx.em, principal, input.id) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => DeleteTaskPayload, {
    description: 'Deletes a task for good; the TASK_DELETED event on the timeline keeps its fields.',
  })
  deleteTask(@Arg('input') input: TaskIdInput, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ task: await ctx.services.tasks.delete(ctx.em, principal, input.id) }));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RunTaskDueScanPayload, {
    description:
      "Announces your tenant's open tasks whose due time has come now (ADMIN), as the schedule does every TASK_DUE_TICK_SECONDS; idempotent: each due time is announced once.",
  })
  async runTaskDueScan(
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RunTaskDueScanPayload> {
    const raised = await ctx.services.tasks.raiseDue(ctx.em, { tenantId: principal.tenantId, actor: principal });
    return { raised };
  }

  @Subscription(() => Task, {
    description:
      'Tasks of your tenant as they fall due (TASK_DUE, once per due time of an open task); `assignedToMe` keeps those assigned to you.',
    subscribe: ({ args, context }) => taskDueStream(context as GraphQLContext, args as TaskDueStreamArgs),
  })
  taskDue(
    @Root() task: Task,
    @Arg('assignedToMe', () => Boolean, { defaultValue: false }) _assignedToMe: boolean,
  ): Task {
    return task;
  }

  @FieldResolver(() => Boolean, { description: 'Open and due before now (the app clock).' })
  overdue(@Root() t: Task, @Ctx() ctx: GraphQLContext): boolean {
    return !t.completedAt && !!t.dueAt && t.dueAt.getTime() < nowOf(ctx).getTime();
  }

  @FieldResolver(() => TeamMember, { nullable: true, description: 'Who should do it (null: nobody yet).' })
  assignee(@Root() t: Task, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, t.assignee);
  }

  @FieldResolver(() => Client, { nullable: true })
  client(@Root() t: Task, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, t.client);
  }

  @FieldResolver(() => Deal, { nullable: true })
  deal(@Root() t: Task, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Deal, t.deal);
  }

  @FieldResolver(() => Practice, { nullable: true })
  practice(@Root() t: Task, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, t.practice);
  }

  @FieldResolver(() => Ticket, { nullable: true })
  ticket(@Root() t: Task, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Ticket, t.ticket);
  }
}

/**
 * `tasks(first, after, filter)` on a parent: a connection of its tasks, soonest due first; the page
 * of all the parents of a list in one statement.
 */
function tasksOf(parent: ClassType<{ id: string }>, fk: 'client' | 'deal' | 'practice' | 'ticket', noun: string) {
  return childFieldResolver(parent, {
    name: 'tasks',
    type: () => TaskConnection,
    description: `The ${noun}'s tasks, soonest due first (undated last). A connection (first/after), filtered like \`tasks\`.`,
    args: ChildTasksArgs,
    resolve: ({ id }, { filter, ...page }, ctx) => {
      const where = ctx.services.tasks.where(
        { ...filter, clientId: undefined, dealId: undefined, practiceId: undefined, ticketId: undefined },
        nowOf(ctx),
      ) as Record<string, unknown>;
      return paginateChildren(ctx, Task, TaskConnection, fk, id, where, DUE_FIRST, page);
    },
  });
}

/** `Client.tasks`. */
export const ClientTasksResolver = tasksOf(Client, 'client', 'client');
/** `Deal.tasks`. */
export const DealTasksResolver = tasksOf(Deal, 'deal', 'deal');
/** `Practice.tasks`. */
export const PracticeTasksResolver = tasksOf(Practice, 'practice', 'practice');
/** `Ticket.tasks`. */
export const TicketTasksResolver = tasksOf(Ticket, 'ticket', 'ticket');

/** `TeamMember.openTasks`: what a member has to do, soonest due first. */
export const TeamMemberOpenTasksResolver = childFieldResolver(TeamMember, {
  name: 'openTasks',
  type: () => TaskConnection,
  description: "The member's open (not completed) tasks, soonest due first (undated last). A connection (first/after).",
  args: ChildConnectionArgs,
  resolve: ({ id }, page, ctx) =>
    paginateChildren(ctx, Task, TaskConnection, 'assignee', id, { completedAt: null }, DUE_FIRST, page),
});
