import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { TicketPriority } from '../tickets/ticket.enums.js';
import { TaskType } from './task.enums.js';

/** The due-order key of a task without a due time (see {@link Task.dueSort}). */
export const UNDATED = new Date('9999-12-31T00:00:00.000Z');

/** The due-order key of a due time (null: {@link UNDATED}). */
export function dueSortOf(dueAt: Date | null | undefined): Date {
  return dueAt ?? UNDATED;
}

/**
 * A piece of work for a team member, optionally due at an instant and linked to a client and to one
 * of its deals, practices or tickets. Open until completed; deleting removes the row (the
 * TASK_DELETED event keeps its fields).
 */
@Entity({ tableName: 'task' })
@Index({ properties: ['tenant', 'assignee', 'completedAt', 'dueSort'] })
@Index({ properties: ['tenant', 'client', 'dueSort'] })
@Index({ properties: ['tenant', 'dueSort', 'id'] })
// The due scan's claim: open tasks not yet announced, by due time (a full index would walk the others).
@Index({
  name: 'task_due_unnotified_index',
  expression:
    'create index "task_due_unnotified_index" on "task" ("due_at") where "completed_at" is null and "due_notified_at" is null',
})
@ObjectType({
  implements: Node,
  description:
    'A piece of work for a team member (a follow-up, a call, a deadline…), optionally due at an instant and linked to a client and one of its deals, practices or tickets.',
})
export class Task extends TenantScopedEntity<'type' | 'priority'> {
  @Property({ length: 300 })
  @Field({ description: 'What to do, 1–300 characters.' })
  title!: string;

  @Enum({ items: () => TaskType })
  @Field(() => TaskType)
  type: TaskType = TaskType.GENERAL;

  @Enum({ items: () => TicketPriority })
  @Field(() => TicketPriority, { description: 'How urgent the task is (the ticket scale, LOW to URGENT).' })
  priority: TicketPriority = TicketPriority.NORMAL;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, {
    nullable: true,
    description: 'When the task is due; when it passes with the task open, TASK_DUE is raised once.',
  })
  dueAt?: Date | null;

  /**
   * The order key of "by due time": `dueAt`, or {@link UNDATED} for a task without one, so keyset
   * pages never compare with null (undated tasks sort after every dated one, ascending).
   */
  @Property({ type: 'datetime' })
  dueSort!: Date;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  assignee?: Ref<TeamMember> | null;

  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'cascade' })
  client?: Ref<Client> | null;

  @ManyToOne(() => Deal, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  deal?: Ref<Deal> | null;

  @ManyToOne(() => Practice, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  practice?: Ref<Practice> | null;

  @ManyToOne(() => Ticket, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  ticket?: Ref<Ticket> | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  notes?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the task was completed; null while it is open.' })
  completedAt?: Date | null;

  /** When TASK_DUE was raised for the current `dueAt` (null: not yet; a new due time clears it). */
  @Property({ type: 'datetime', nullable: true })
  dueNotifiedAt?: Date | null;
}
