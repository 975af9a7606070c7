import { type EntityClass, type EntityManager, type FilterQuery, LockMode, ref } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import type { Clock } from '../../platform/clock.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, toGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { TicketPriority } from '../tickets/ticket.enums.js';
import {
  type ConversationTrigger,
  diff,
  recordEvent,
  type Trigger,
  triggerSource,
} from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { dueSortOf, Task } from './task.entity.js';
import { TaskType } from './task.enums.js';
import type { CreateTaskInput, TaskFilter, UpdateTaskInput } from './task.input.js';
import { taskFields as snapshot } from './task.payloads.js';
import { actionItemDueAt, actionItemKey, actionItemPriority, actionItemTitle } from './task.rules.js';

/** Tasks claimed per statement of the due scan. */
const DUE_BATCH = 500;

/** The links of a task, by input field. */
const LINKS = {
  clientId: { prop: 'client', entity: Client },
  dealId: { prop: 'deal', entity: Deal },
  practiceId: { prop: 'practice', entity: Practice },
  ticketId: { prop: 'ticket', entity: Ticket },
} as const;
type LinkField = keyof typeof LINKS;

/** The resolved links of a task (null: none). */
interface Links {
  assignee: TeamMember | null;
  client: Client | null;
  deal: Deal | null;
  practice: Practice | null;
  ticket: Ticket | null;
}

/** What a conversation's filing hands over to become tasks. */
export interface ActionItems {
  /** The conversation; its row is locked while its items are compared with those already filed. */
  conversation: Conversation;
  client: Client;
  practice: Practice | null;
  /** The extraction's urgency (URGENT, HIGH, NORMAL, LOW), giving priority and due time. */
  urgency: string | null | undefined;
  items: string[];
}

/**
 * Tasks: creation (by a person, or from a filed conversation's action items), changes,
 * completion, deletion, and the due scan that raises TASK_DUE once per due time.
 */
export class TaskService {
  constructor(readonly clock: Clock) {}

  /** Creates a task (the one creation path: people, programs and conversations). */
  async create(em: EntityManager, by: Trigger, input: CreateTaskInput): Promise<Task> {
    const checks = new Checks();
    const title = checks.text('title', input.title, 300, { required: true, min: 1 });
    const notes = checks.text('notes', input.notes, 10_000);
    const links = await this.resolveLinks(em, checks, input, null);
    checks.throwIfAny();
    return em.transactional((tx) => {
      const task = tx.create(Task, {
        title: title!,
        type: input.type ?? TaskType.GENERAL,
        priority: input.priority ?? TicketPriority.NORMAL,
        dueAt: input.dueAt ?? null,
        dueSort: dueSortOf(input.dueAt),
        notes: notes ?? null,
        ...links,
      });
      recordEvent(tx, by, {
        type: TimelineEventType.TASK_CREATED,
        subject: task,
        client: task.client ?? null,
        summary: `Task created: ${task.title}`,
        data: { after: snapshot(task), source: triggerSource(by) },
      });
      return task;
    });
  }

  /** Changes a task; a new due time re-arms TASK_DUE. */
  async update(em: EntityManager, actor: Principal, input: UpdateTaskInput): Promise<Task> {
    return em.transactional(async (tx) => {
      const task = await this.get(tx, input.id, true);
      const checks = new Checks();
      const title = checks.text('title', input.title, 300, { min: 1 });
      if (input.title === null) checks.add('title', 'REQUIRED', 'title cannot be cleared');
      const notes = checks.text('notes', input.notes, 10_000);
      for (const k of ['type', 'priority'] as const)
        if (input[k] === null) checks.add(k, 'REQUIRED', `${k} cannot be cleared`);
      const links = await this.resolveLinks(tx, checks, input, task);
      checks.throwIfAny();
      const before = snapshot(task);
      if (title) task.title = title;
      if (input.type) task.type = input.type;
      if (input.priority) task.priority = input.priority;
      if (notes !== undefined) task.notes = notes;
      if (input.dueAt !== undefined && input.dueAt?.getTime() !== task.dueAt?.getTime()) {
        task.dueAt = input.dueAt;
        task.dueSort = dueSortOf(input.dueAt);
        task.dueNotifiedAt = null;
      }
      Object.assign(task, toRefs(links));
      const change = diff(before, snapshot(task));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.TASK_UPDATED,
          subject: task,
          client: task.client ?? null,
          summary: `Task updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      return task;
    });
  }

  /** Marks an open task done (completedAt: the app clock's now). */
  async complete(em: EntityManager, actor: Principal, globalId: string): Promise<Task> {
    return em.transactional(async (tx) => {
      const task = await this.get(tx, globalId, true);
      if (task.completedAt) throw ValidationFailed.of('id', 'ALREADY_COMPLETED', 'This task is already completed');
      task.completedAt = this.clock.now();
      recordEvent(tx, actor, {
        type: TimelineEventType.TASK_COMPLETED,
        subject: task,
        client: task.client ?? null,
        summary: `Task completed: ${task.title}`,
        data: { before: { completedAt: null }, after: { completedAt: task.completedAt.toISOString() } },
      });
      return task;
    });
  }

  /** Opens a completed task again (a TASK_DUE already raised for its due time is not raised again). */
  async reopen(em: EntityManager, actor: Principal, globalId: string): Promise<Task> {
    return em.transactional(async (tx) => {
      const task = await this.get(tx, globalId, true);
      if (!task.completedAt) throw ValidationFailed.of('id', 'NOT_COMPLETED', 'This task is open: nothing to reopen');
      const was = task.completedAt;
      task.completedAt = null;
      recordEvent(tx, actor, {
        type: TimelineEventType.TASK_REOPENED,
        subject: task,
        client: task.client ?? null,
        summary: `Task reopened: ${task.title}`,
        data: { before: { completedAt: was.toISOString() }, after: { completedAt: null } },
      });
      return task;
    });
  }

  /** Deletes a task; its TASK_DELETED event keeps its fields. Returns the task as it was. */
  async delete(em: EntityManager, actor: Principal, globalId: string): Promise<Task> {
    return em.transactional(async (tx) => {
      const task = await this.get(tx, globalId, true);
      recordEvent(tx, actor, {
        type: TimelineEventType.TASK_DELETED,
        subject: task,
        client: task.client ?? null,
        summary: `Task deleted: ${task.title}`,
        data: { before: { ...snapshot(task), completedAt: task.completedAt?.toISOString() ?? null } },
      });
      tx.remove(task);
      return task;
    });
  }

  /**
   * Files a conversation's action items as FOLLOW_UP tasks of its team member (unassigned when it
   * has none), linked to the client and practice, with priority and due time from the urgency (see
   * task.rules.ts). Items already filed for this conversation — by an earlier ingestion of the
   * session, or before a proposal was accepted — are skipped, even if their task was deleted since:
   * the conversation keeps the keys of the items it filed, its row locked meanwhile. Runs in the
   * filing's transaction `tx`.
   */
  async fromActionItems(tx: EntityManager, by: ConversationTrigger, a: ActionItems): Promise<Task[]> {
    const [row] = await (tx as SqlEntityManager).execute<{ task_keys: string[] | string }[]>(
      'select task_keys from conversation where id = ? for update',
      [a.conversation.id],
    );
    const filed = (typeof row.task_keys === 'string' ? JSON.parse(row.task_keys) : row.task_keys) as string[];
    const seen = new Set(filed);
    const priority = actionItemPriority(a.urgency);
    const tasks: Task[] = [];
    for (const item of a.items) {
      const key = actionItemKey(item);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      tasks.push(
        await this.create(tx, by, {
          title: actionItemTitle(item),
          type: TaskType.FOLLOW_UP,
          priority,
          dueAt: actionItemDueAt(priority, this.clock.now()),
          assigneeId: a.conversation.teamMember ? toGlobalId('TeamMember', a.conversation.teamMember.id) : null,
          clientId: a.client.nodeId,
          practiceId: a.practice?.nodeId ?? null,
          notes: `From conversation ${a.conversation.sessionId}`,
        }),
      );
    }
    if (seen.size !== filed.length) a.conversation.taskKeys = [...seen];
    return tasks;
  }

  /**
   * Raises TASK_DUE for every open task whose due time has come (by the app clock) and that has
   * not been announced for that due time: marks it and appends its event in one statement per
   * batch, claiming rows with SKIP LOCKED, so any number of workers (or a manual scan) running at
   * once announce each task once. All tenants, or only `tenantId`. Returns how many it raised.
   */
  async raiseDue(root: EntityManager, opts: { tenantId?: string; actor?: Principal | null } = {}): Promise<number> {
    const now = this.clock.now().toISOString();
    const actorId = opts.actor?.memberId ?? null;
    const actorLabel = opts.actor?.label ?? 'system';
    const tenant = opts.tenantId ? 'and tenant_id = ?' : '';
    let raised = 0;
    for (;;) {
      const n = await (root.fork() as SqlEntityManager).transactional(async (tx) => {
        const [row] = await tx.execute<{ n: string }[]>(
          `with due as (
             select id from task
              where completed_at is null and due_notified_at is null and due_at <= ?::timestamptz ${tenant}
              order by due_at limit ? for update skip locked
           ), marked as (
             update task t set due_notified_at = ?::timestamptz, updated_at = now()
               from due where t.id = due.id
             returning t.id, t.tenant_id, t.client_id, t.title, t.due_at
           ), events as (
             insert into timeline_event (id, tenant_id, type, actor_id, actor_label, subject_type, subject_id, client_id, summary, data)
             select gen_random_uuid(), m.tenant_id, 'TASK_DUE', ?, ?, 'Task', m.id, m.client_id,
                    left('Task due: ' || m.title, 500),
                    jsonb_build_object('after', jsonb_build_object(
                      'dueAt', to_char(m.due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                      'asOf', ?::text))
               from marked m
             returning 1
           )
           select count(*) as n from events`,
          [now, ...(opts.tenantId ? [opts.tenantId] : []), DUE_BATCH, now, actorId, actorLabel, now],
        );
        return Number(row.n);
      });
      raised += n;
      if (n < DUE_BATCH) return raised;
    }
  }

  /**
   * The task with a global ID in the caller's tenant, or NOT_FOUND. With `lock` (inside a
   * transaction), its row is locked until commit and its state re-read after the lock.
   */
  async get(em: EntityManager, globalId: string, lock = false): Promise<Task> {
    const task = await em.findOne(Task, { id: expectGlobalId(globalId, 'Task') });
    if (!task) throw DomainError.notFound('Task', globalId);
    if (lock) {
      await em.lock(task, LockMode.PESSIMISTIC_WRITE);
      await em.refreshOrFail(task);
    }
    return task;
  }

  /**
   * The where clause of a task list; `now` (the app clock, read once per request so that every
   * parent's child list batches together) decides `overdue`.
   */
  where(filter: TaskFilter | null | undefined, now: Date = this.clock.now()): FilterQuery<Task> {
    const f = filter ?? {};
    const and: Record<string, unknown>[] = [];
    if (f.assigneeIds?.length) and.push({ assignee: { $in: filterIds(f.assigneeIds, 'TeamMember') } });
    if (f.open != null) and.push({ completedAt: f.open ? null : { $ne: null } });
    if (f.overdue === true) and.push({ completedAt: null, dueAt: { $lt: now } });
    if (f.overdue === false)
      and.push({ $or: [{ completedAt: { $ne: null } }, { dueAt: null }, { dueAt: { $gte: now } }] });
    if (f.dueBefore) and.push({ dueAt: { $lt: f.dueBefore } });
    if (f.dueAfter) and.push({ dueAt: { $gte: f.dueAfter } });
    for (const [field, { prop, entity }] of Object.entries(LINKS)) {
      const id = f[field as LinkField];
      if (id) and.push({ [prop]: filterIds([id], entity.name)![0] });
    }
    if (f.types?.length) and.push({ type: { $in: f.types } });
    if (f.priorities?.length) and.push({ priority: { $in: f.priorities } });
    if (!and.length) return {};
    return and.length === 1 ? and[0] : { $and: and };
  }

  /**
   * The links a task will have: those given (null clears), else its current ones. A task is
   * about one client: a deal, practice or ticket of another client than the rest is a
   * CLIENT_MISMATCH; with no client, the client of a linked deal, practice or ticket is linked.
   * Unknown IDs (or another tenant's) are NOT_FOUND; an archived client or an inactive assignee,
   * newly given, are refused.
   */
  private async resolveLinks(
    em: EntityManager,
    checks: Checks,
    input: Partial<Record<LinkField | 'assigneeId', string | null>>,
    current: Task | null,
  ): Promise<Links> {
    const pick = async <E extends object>(
      field: LinkField | 'assigneeId',
      entity: EntityClass<E>,
      currentRef: unknown,
    ): Promise<E | null> => {
      const given = input[field];
      if (given !== undefined) return (await resolveRef(em, checks, field, entity, given)) ?? null;
      const id = refId(currentRef);
      return id ? em.findOne(entity, { id } as FilterQuery<NoInfer<E>>) : null;
    };
    const assignee = await pick('assigneeId', TeamMember, current?.assignee);
    let client = await pick('clientId', Client, current?.client);
    const deal = await pick('dealId', Deal, current?.deal);
    const practice = await pick('practiceId', Practice, current?.practice);
    const ticket = await pick('ticketId', Ticket, current?.ticket);
    if (input.assigneeId && assignee && !assignee.active)
      checks.add('assigneeId', 'INACTIVE', `${assignee.name} is no longer active`);
    if (input.clientId && client?.archivedAt)
      checks.add('clientId', 'ARCHIVED', `Client ${client.fullName} is archived`);
    let clientId = client?.id ?? null;
    for (const [field, linked] of [
      ['dealId', deal],
      ['practiceId', practice],
      ['ticketId', ticket],
    ] as const) {
      const of = refId(linked?.client);
      if (!of) continue;
      if (clientId && of !== clientId)
        checks.add(
          field,
          'CLIENT_MISMATCH',
          `That ${field.slice(0, -2)} belongs to another client than the rest of the task`,
        );
      clientId ??= of;
    }
    if (!client && clientId) client = await em.findOne(Client, { id: clientId });
    return { assignee, client, deal, practice, ticket };
  }
}

/** Links as references for assignment to a managed task. */
function toRefs(links: Links) {
  const r = <E extends { id: string }>(e: E | null) => (e ? ref(e) : null);
  return {
    assignee: r(links.assignee),
    client: r(links.client),
    deal: r(links.deal),
    practice: r(links.practice),
    ticket: r(links.ticket),
  };
}
