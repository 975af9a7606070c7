import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';

import { ChildConnectionArgs } from '../../platform/graphql/connection.js';
import { orderInput } from '../../platform/graphql/resource.js';
import { TicketPriority } from '../tickets/ticket.enums.js';
import { TaskType } from './task.enums.js';

@InputType({
  description:
    'A new task. Links are optional; a deal, practice or ticket given without a client links its client too, and all links must be about one client.',
})
export class CreateTaskInput {
  @Field({ description: '1–300 characters.' })
  title!: string;

  @Field(() => TaskType, { nullable: true, description: 'Default GENERAL.' })
  type?: TaskType | null;

  @Field(() => TicketPriority, { nullable: true, description: 'Default NORMAL.' })
  priority?: TicketPriority | null;

  @Field(() => Date, { nullable: true, description: 'When the task is due (may be in the past: then it is overdue).' })
  dueAt?: Date | null;

  @Field(() => ID, { nullable: true, description: 'The team member who should do it. Default: nobody.' })
  assigneeId?: string | null;

  @Field(() => ID, { nullable: true })
  clientId?: string | null;

  @Field(() => ID, { nullable: true })
  dealId?: string | null;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;

  @Field(() => ID, { nullable: true })
  ticketId?: string | null;

  @Field(() => String, { nullable: true, description: 'Up to 10 000 characters.' })
  notes?: string | null;
}

@InputType({
  description:
    'Changes to a task: only the fields given change; null clears an optional field. A new dueAt re-arms TASK_DUE.',
})
export class UpdateTaskInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => TaskType, { nullable: true })
  type?: TaskType | null;

  @Field(() => TicketPriority, { nullable: true })
  priority?: TicketPriority | null;

  @Field(() => Date, { nullable: true })
  dueAt?: Date | null;

  @Field(() => ID, { nullable: true })
  assigneeId?: string | null;

  @Field(() => ID, { nullable: true })
  clientId?: string | null;

  @Field(() => ID, { nullable: true })
  dealId?: string | null;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;

  @Field(() => ID, { nullable: true })
  ticketId?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}

@InputType({ description: 'A task, by its ID.' })
export class TaskIdInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Filters on tasks; all given fields must match.' })
export class TaskFilter {
  @Field(() => [ID], { nullable: true, description: 'Tasks assigned to any of these team members.' })
  assigneeIds?: string[];

  @Field({ nullable: true, description: 'true: not completed; false: completed.' })
  open?: boolean;

  @Field({
    nullable: true,
    description: 'true: open and due before now (the app clock); false: completed, undated or not yet due.',
  })
  overdue?: boolean;

  @Field(() => Date, { nullable: true, description: 'Due before this instant (exclusive).' })
  dueBefore?: Date;

  @Field(() => Date, { nullable: true, description: 'Due at or after this instant.' })
  dueAfter?: Date;

  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  dealId?: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string;

  @Field(() => ID, { nullable: true })
  ticketId?: string;

  @Field(() => [TaskType], { nullable: true })
  types?: TaskType[];

  @Field(() => [TicketPriority], { nullable: true })
  priorities?: TicketPriority[];
}

export enum TaskOrderField {
  DUE_AT = 'DUE_AT',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(TaskOrderField, {
  name: 'TaskOrderField',
  description: 'What a task list can be ordered by (DUE_AT: undated tasks after the dated ones when ascending).',
});

export const TaskOrder = orderInput('TaskOrder', TaskOrderField, 'Order of a task list (default DUE_AT ASC).');
export type TaskOrder = InstanceType<typeof TaskOrder>;

/** Arguments of the tasks of a client, a deal, a practice or a ticket. */
@ArgsType()
export class ChildTasksArgs extends ChildConnectionArgs {
  @Field(() => TaskFilter, { nullable: true })
  filter?: TaskFilter | null;
}
