/**
 * Tasks through the real GraphQL endpoint and WebSocket, on the embedded default and (with
 * DATABASE_URL/REDIS_URL) on PostgreSQL and Redis: every mutation (success, validation failure,
 * another tenant's IDs, VIEWER), filters and child lists (statements counted), the due scan with
 * the app clock moved, the taskDue subscription, and action items of filed conversations.
 */
import { expect } from '@jest/globals';

import {
  AcceptExtractionDocument,
  ClientsWithTasksDocument,
  ClientTasksDocument,
  CompleteTaskDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTaskDocument,
  CreateTicketDocument,
  DeleteTaskDocument,
  IngestConversationDocument,
  MemberOpenTasksDocument,
  MergeClientsDocument,
  ParentTasksDocument,
  ReopenTaskDocument,
  RunTaskDueScanDocument,
  TaskDocument,
  TaskDueDocument,
  type TaskOrder,
  TasksDocument,
  TaskTimelineDocument,
  type TimelineEventType,
  UpdateExtractionSettingsDocument,
  UpdateTaskDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

const NOW = '2027-03-01T04:00:00.000Z';
const hours = (h: number, from = NOW) => new Date(new Date(from).getTime() + h * 3_600_000).toISOString();

describe('Tasks', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.app.services.clock.set(NOW));

  /** A fresh tenant: admin, agent, viewer, and helpers bound to it. */
  async function tenant(prefix: string) {
    const slug = uniq(prefix);
    const admin = await server.tokenFor(slug, 'ADMIN');
    const agent = await server.tokenFor(slug, 'AGENT');
    const viewer = await server.tokenFor(slug, 'VIEWER');
    const agentId = (await server.gql(ViewerDocument, {}, agent)).data!.viewer!.id;
    const adminId = (await server.gql(ViewerDocument, {}, admin)).data!.viewer!.id;
    const client = async (fullName: string) => {
      const r = await server.gql(CreateClientDocument, { input: { fullName } }, admin);
      expect(r.data?.createClient.userErrors).toEqual([]);
      return r.data!.createClient.client!.id;
    };
    const practice = async (clientId: string) => {
      const r = await server.gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode: 'KITAS' } }, admin);
      expect(r.data?.createPractice.userErrors).toEqual([]);
      return r.data!.createPractice.practice!.id;
    };
    const deal = async (clientId: string) => {
      const r = await server.gql(CreateDealDocument, { input: { title: 'Deal', clientId } }, admin);
      expect(r.data?.createDeal.userErrors).toEqual([]);
      return r.data!.createDeal.deal!.id;
    };
    const ticket = async (clientId: string) => {
      const r = await server.gql(CreateTicketDocument, { input: { subject: 'Ticket', clientId } }, admin);
      expect(r.data?.createTicket.userErrors).toEqual([]);
      return r.data!.createTicket.ticket!.id;
    };
    const task = async (input: Record<string, unknown>, token = agent) => {
      const r = await server.gql(CreateTaskDocument, { input: { title: 'Task', ...input } }, token);
      expect(r.errors).toBeUndefined();
      expect(r.data!.createTask.userErrors).toEqual([]);
      return r.data!.createTask.task!;
    };
    const count = async () => (await server.gql(TasksDocument, { first: 1 }, admin)).data!.tasks.totalCount;
    const events = async (types: TimelineEventType[]) =>
      (await server.gql(TaskTimelineDocument, { first: 50, filter: { types } }, admin)).data!.timeline.nodes;
    return { slug, admin, agent, viewer, agentId, adminId, client, practice, deal, ticket, task, count, events };
  }

  describe('createTask', () => {
    it('creates a task with its links; a practice given alone links its client; TASK_CREATED on the timeline', async () => {
      const t = await tenant('create');
      const c = await t.client('Create Client');
      const p = await t.practice(c);
      const task = await t.task({
        title: '  Call about the passport  ',
        type: 'CALL',
        priority: 'HIGH',
        dueAt: hours(24),
        assigneeId: t.agentId,
        practiceId: p,
        notes: 'Ask for the scan',
      });
      expect(task).toMatchObject({
        title: 'Call about the passport',
        type: 'CALL',
        priority: 'HIGH',
        dueAt: hours(24),
        completedAt: null,
        overdue: false,
        assignee: { id: t.agentId },
        client: { id: c },
        practice: { id: p },
        deal: null,
        ticket: null,
      });
      const byId = await server.gql(TaskDocument, { id: task.id }, t.viewer);
      expect(byId.data!.task).toMatchObject({ id: task.id, title: 'Call about the passport' });
      const [event] = await t.events(['TASK_CREATED']);
      expect(event).toMatchObject({ subject: { __typename: 'Task', id: task.id }, summary: expect.any(String) });
      expect(event.data).toMatchObject({
        after: { title: 'Call about the passport', type: 'CALL', client: c, practice: p, assignee: t.agentId },
        source: { kind: 'PERSON' },
      });
      const defaults = await t.task({ title: 'Bare' });
      expect(defaults).toMatchObject({ type: 'GENERAL', priority: 'NORMAL', dueAt: null, client: null });
    });

    it('refuses bad input with userErrors and creates nothing', async () => {
      const t = await tenant('create-bad');
      const a = await t.client('Client A');
      const b = await t.client('Client B');
      const dealOfB = await t.deal(b);
      const r = await server.gql(
        CreateTaskDocument,
        { input: { title: '   ', clientId: a, dealId: dealOfB, notes: 'x'.repeat(10_001) } },
        t.agent,
      );
      expect(r.data!.createTask.task).toBeNull();
      expect(r.data!.createTask.userErrors.map((e) => [e.field, e.code])).toEqual([
        [['input', 'title'], 'INVALID_LENGTH'],
        [['input', 'notes'], 'INVALID_LENGTH'],
        [['input', 'dealId'], 'CLIENT_MISMATCH'],
      ]);
      expect(await t.count()).toBe(0);
      expect(await t.events(['TASK_CREATED'])).toEqual([]);
    });

    it("answers NOT_FOUND for another tenant's client, deal, practice, ticket or assignee, and creates nothing", async () => {
      const t = await tenant('create-own');
      const other = await tenant('create-other');
      const oc = await other.client('Other Client');
      const inputs = {
        clientId: oc,
        dealId: await other.deal(oc),
        practiceId: await other.practice(oc),
        ticketId: await other.ticket(oc),
        assigneeId: other.agentId,
      };
      for (const [field, id] of Object.entries(inputs)) {
        const r = await server.gql(CreateTaskDocument, { input: { title: 'Foreign', [field]: id } }, t.agent);
        expect(r.data!.createTask.userErrors.map((e) => [e.field, e.code])).toEqual([[['input', field], 'NOT_FOUND']]);
      }
      expect(await t.count()).toBe(0);
      expect(await other.count()).toBe(0);
    });

    it('is refused to a VIEWER', async () => {
      const t = await tenant('create-viewer');
      const r = await server.gql(CreateTaskDocument, { input: { title: 'Nope' } }, t.viewer);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await t.count()).toBe(0);
    });
  });

  describe('updateTask', () => {
    it('changes the fields given, records TASK_UPDATED with before/after, and re-links', async () => {
      const t = await tenant('update');
      const c = await t.client('Update Client');
      const d = await t.deal(c);
      const task = await t.task({ title: 'Draft', clientId: c, dueAt: hours(5) });
      const r = await server.gql(
        UpdateTaskDocument,
        { input: { id: task.id, title: 'Final', dueAt: hours(48), dealId: d, assigneeId: t.agentId, notes: null } },
        t.agent,
      );
      expect(r.data!.updateTask.userErrors).toEqual([]);
      expect(r.data!.updateTask.task).toMatchObject({
        title: 'Final',
        dueAt: hours(48),
        deal: { id: d },
        client: { id: c },
        assignee: { id: t.agentId },
      });
      const [event] = await t.events(['TASK_UPDATED']);
      expect(event.data).toEqual({
        before: { title: 'Draft', dueAt: hours(5), assignee: null, deal: null },
        after: { title: 'Final', dueAt: hours(48), assignee: t.agentId, deal: d },
      });
      const same = await server.gql(UpdateTaskDocument, { input: { id: task.id, title: 'Final' } }, t.agent);
      expect(same.data!.updateTask.userErrors).toEqual([]);
      expect(await t.events(['TASK_UPDATED'])).toHaveLength(1); // nothing changed: no event
    });

    it('refuses bad input with userErrors and changes nothing', async () => {
      const t = await tenant('update-bad');
      const a = await t.client('Client A');
      const b = await t.client('Client B');
      const task = await t.task({ title: 'Keep me', clientId: a });
      const r = await server.gql(
        UpdateTaskDocument,
        { input: { id: task.id, title: null, type: null, practiceId: await t.practice(b) } },
        t.agent,
      );
      expect(r.data!.updateTask.task).toBeNull();
      expect(r.data!.updateTask.userErrors.map((e) => e.code).sort()).toEqual([
        'CLIENT_MISMATCH',
        'REQUIRED',
        'REQUIRED',
      ]);
      const now = await server.gql(TaskDocument, { id: task.id }, t.agent);
      expect(now.data!.task).toMatchObject({ title: 'Keep me', type: 'GENERAL', practice: null });
      expect(await t.events(['TASK_UPDATED'])).toEqual([]);
    });

    it("answers NOT_FOUND for another tenant's task, and a userError for another tenant's assignee", async () => {
      const t = await tenant('update-own');
      const other = await tenant('update-other');
      const theirs = await other.task({ title: 'Theirs' });
      const mine = await t.task({ title: 'Mine' });
      const r = await server.gql(UpdateTaskDocument, { input: { id: theirs.id, title: 'Hijacked' } }, t.agent);
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await server.gql(TaskDocument, { id: theirs.id }, other.agent)).data!.task!.title).toBe('Theirs');
      const a = await server.gql(UpdateTaskDocument, { input: { id: mine.id, assigneeId: other.agentId } }, t.agent);
      expect(a.data!.updateTask.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
      expect((await server.gql(TaskDocument, { id: mine.id }, t.agent)).data!.task!.assignee).toBeNull();
    });

    it('is refused to a VIEWER', async () => {
      const t = await tenant('update-viewer');
      const task = await t.task({ title: 'Viewer cannot' });
      const r = await server.gql(UpdateTaskDocument, { input: { id: task.id, title: 'Changed' } }, t.viewer);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await server.gql(TaskDocument, { id: task.id }, t.agent)).data!.task!.title).toBe('Viewer cannot');
    });
  });

  describe('completeTask and reopenTask', () => {
    it('complete an open task at the app clock, reopen it, each once, with their events', async () => {
      const t = await tenant('complete');
      const task = await t.task({ title: 'Finish me', dueAt: hours(-1) });
      expect(task.overdue).toBe(true);
      const done = await server.gql(CompleteTaskDocument, { input: { id: task.id } }, t.agent);
      expect(done.data!.completeTask).toMatchObject({ task: { overdue: false }, userErrors: [] });
      // The app clock's time (it keeps running from NOW), not the machine's.
      const at = done.data!.completeTask.task!.completedAt!;
      expect(at.slice(0, 15)).toBe(NOW.slice(0, 15));
      const again = await server.gql(CompleteTaskDocument, { input: { id: task.id } }, t.agent);
      expect(again.data!.completeTask).toMatchObject({
        task: null,
        userErrors: [{ field: ['input', 'id'], code: 'ALREADY_COMPLETED' }],
      });
      const reopened = await server.gql(ReopenTaskDocument, { input: { id: task.id } }, t.agent);
      expect(reopened.data!.reopenTask).toMatchObject({ task: { completedAt: null, overdue: true }, userErrors: [] });
      const open = await server.gql(ReopenTaskDocument, { input: { id: task.id } }, t.agent);
      expect(open.data!.reopenTask).toMatchObject({ task: null, userErrors: [{ code: 'NOT_COMPLETED' }] });
      expect((await t.events(['TASK_COMPLETED', 'TASK_REOPENED'])).map((e) => [e.type, e.data])).toEqual([
        ['TASK_REOPENED', { before: { completedAt: at }, after: { completedAt: null } }],
        ['TASK_COMPLETED', { before: { completedAt: null }, after: { completedAt: at } }],
      ]);
    });

    it("answer NOT_FOUND for another tenant's task and are refused to a VIEWER, changing nothing", async () => {
      const t = await tenant('complete-own');
      const other = await tenant('complete-other');
      const theirs = await other.task({ title: 'Theirs' });
      const mine = await t.task({ title: 'Mine' });
      const calls = [
        (id: string, token: string) => server.gql(CompleteTaskDocument, { input: { id } }, token),
        (id: string, token: string) => server.gql(ReopenTaskDocument, { input: { id } }, token),
      ];
      for (const call of calls) {
        const foreign = await call(theirs.id, t.agent);
        expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        const viewer = await call(mine.id, t.viewer);
        expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect((await server.gql(TaskDocument, { id: theirs.id }, other.agent)).data!.task!.completedAt).toBeNull();
      expect((await server.gql(TaskDocument, { id: mine.id }, t.agent)).data!.task!.completedAt).toBeNull();
      expect(await t.events(['TASK_COMPLETED', 'TASK_REOPENED'])).toEqual([]);
    });
  });

  describe('deleteTask', () => {
    it('removes the task (its ID resolves to nothing) and keeps its fields in TASK_DELETED', async () => {
      const t = await tenant('delete');
      const c = await t.client('Delete Client');
      const task = await t.task({ title: 'Short-lived', clientId: c, type: 'REMINDER' });
      const r = await server.gql(DeleteTaskDocument, { input: { id: task.id } }, t.agent);
      expect(r.data!.deleteTask).toEqual({ task: { id: task.id, title: 'Short-lived' }, userErrors: [] });
      expect((await server.gql(TaskDocument, { id: task.id }, t.agent)).data!.task).toBeNull();
      expect(await t.count()).toBe(0);
      const [event] = await t.events(['TASK_DELETED']);
      expect(event).toMatchObject({ subject: null });
      expect(event.data).toMatchObject({
        before: { title: 'Short-lived', type: 'REMINDER', client: c, completedAt: null },
      });
      const twice = await server.gql(DeleteTaskDocument, { input: { id: task.id } }, t.agent);
      expect(twice.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('refuses a malformed ID or an ID of another type, deleting nothing', async () => {
      const t = await tenant('delete-bad');
      const c = await t.client('Not a task');
      await t.task({ title: 'Stays' });
      const malformed = await server.gql(DeleteTaskDocument, { input: { id: 'not-an-id' } }, t.agent);
      expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const wrongType = await server.gql(DeleteTaskDocument, { input: { id: c } }, t.agent);
      expect(wrongType.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await t.count()).toBe(1);
    });

    it("answers NOT_FOUND for another tenant's task and is refused to a VIEWER", async () => {
      const t = await tenant('delete-own');
      const other = await tenant('delete-other');
      const theirs = await other.task({ title: 'Theirs' });
      const mine = await t.task({ title: 'Mine' });
      const foreign = await server.gql(DeleteTaskDocument, { input: { id: theirs.id } }, t.agent);
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const viewer = await server.gql(DeleteTaskDocument, { input: { id: mine.id } }, t.viewer);
      expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await other.count()).toBe(1);
      expect(await t.count()).toBe(1);
    });
  });

  describe('lists', () => {
    it('filters by assignee, open, overdue, due window, links and types, and pages in due order, undated last', async () => {
      const t = await tenant('filters');
      const c = await t.client('Filter Client');
      const p = await t.practice(c);
      const late = await t.task({ title: 'late', dueAt: hours(-2), assigneeId: t.agentId, clientId: c });
      const soon = await t.task({ title: 'soon', dueAt: hours(3), type: 'CALL', practiceId: p });
      const later = await t.task({ title: 'later', dueAt: hours(30), assigneeId: t.adminId });
      const undated = await t.task({ title: 'undated', type: 'CALL' });
      const done = await t.task({ title: 'done', dueAt: hours(-5), assigneeId: t.agentId });
      await server.gql(CompleteTaskDocument, { input: { id: done.id } }, t.agent);

      const titles = async (filter: Record<string, unknown>, orderBy?: TaskOrder) => {
        const r = await server.gql(TasksDocument, { first: 50, filter, orderBy }, t.viewer);
        expect(r.errors).toBeUndefined();
        return r.data!.tasks.nodes.map((n) => n.title);
      };
      expect(await titles({})).toEqual(['done', 'late', 'soon', 'later', 'undated']);
      expect(await titles({ assigneeIds: [t.agentId] })).toEqual(['done', 'late']);
      expect(await titles({ open: true })).toEqual(['late', 'soon', 'later', 'undated']);
      expect(await titles({ open: false })).toEqual(['done']);
      expect(await titles({ overdue: true })).toEqual(['late']);
      expect(await titles({ overdue: false })).toEqual(['done', 'soon', 'later', 'undated']);
      expect(await titles({ dueAfter: hours(0), dueBefore: hours(30) })).toEqual(['soon']);
      expect(await titles({ clientId: c })).toEqual(['late', 'soon']); // soon: the practice's client
      expect(await titles({ practiceId: p, types: ['CALL'] })).toEqual(['soon']);
      expect(await titles({}, { field: 'CREATED_AT', direction: 'DESC' })).toEqual([
        'done',
        'undated',
        'later',
        'soon',
        'late',
      ]);
      // The app clock moves: what is overdue follows it.
      server.app.services.clock.set(hours(31));
      expect(await titles({ overdue: true })).toEqual(['late', 'soon', 'later']);

      // Two at a time across the undated one: every task once, in order.
      const seen: string[] = [];
      let after: string | null | undefined;
      for (let i = 0; i < 5; i++) {
        const r = await server.gql(TasksDocument, { first: 2, after }, t.agent);
        seen.push(...r.data!.tasks.nodes.map((n) => n.title));
        if (!r.data!.tasks.pageInfo.hasNextPage) break;
        after = r.data!.tasks.pageInfo.endCursor;
      }
      expect(seen).toEqual(['done', 'late', 'soon', 'later', 'undated']);
      expect([late, soon, later, undated].every((x) => x.id)).toBe(true);
    });

    it('lists the tasks of a client, deal, practice and ticket, and a member’s open tasks', async () => {
      const t = await tenant('children');
      const c = await t.client('Parent Client');
      const d = await t.deal(c);
      const p = await t.practice(c);
      const k = await t.ticket(c);
      const onDeal = await t.task({ title: 'on deal', dealId: d, assigneeId: t.agentId, dueAt: hours(2) });
      const onPractice = await t.task({ title: 'on practice', practiceId: p, assigneeId: t.agentId, dueAt: hours(1) });
      const onTicket = await t.task({ title: 'on ticket', ticketId: k, assigneeId: t.agentId });
      await server.gql(CompleteTaskDocument, { input: { id: onTicket.id } }, t.agent);

      const parents = await server.gql(ParentTasksDocument, { deal: d, practice: p, ticket: k }, t.viewer);
      expect(parents.data!.deal!.tasks.nodes.map((n) => n.id)).toEqual([onDeal.id]);
      expect(parents.data!.practice!.tasks.nodes.map((n) => n.id)).toEqual([onPractice.id]);
      expect(parents.data!.ticket!.tasks.nodes.map((n) => n.id)).toEqual([onTicket.id]);
      const ofClient = await server.gql(ClientTasksDocument, { id: c }, t.viewer);
      expect(ofClient.data!.client!.tasks.nodes.map((n) => n.title)).toEqual(['on practice', 'on deal', 'on ticket']);
      const open = await server.gql(ClientTasksDocument, { id: c, filter: { open: true } }, t.viewer);
      expect(open.data!.client!.tasks.totalCount).toBe(2);
      const member = await server.gql(MemberOpenTasksDocument, { id: t.agentId }, t.viewer);
      const openTasks = (member.data!.node as { openTasks: { totalCount: number; nodes: { title: string }[] } })
        .openTasks;
      expect(openTasks.totalCount).toBe(2);
      expect(openTasks.nodes.map((n) => n.title)).toEqual(['on practice', 'on deal']);
    });

    it('moves the tasks of a merged client to the survivor', async () => {
      const t = await tenant('merge');
      const survivor = await t.client('Survivor');
      const merged = await t.client('Merged Away');
      const task = await t.task({ title: 'Follows the merge', clientId: merged });
      const r = await server.gql(MergeClientsDocument, { input: { survivorId: survivor, mergedId: merged } }, t.admin);
      expect(r.data!.mergeClients.merge!.moved).toMatchObject({ tasks: 1 });
      expect((await server.gql(TaskDocument, { id: task.id }, t.agent)).data!.task!.client).toEqual({ id: survivor });
    });

    it("reads a page of clients' tasks, their clients and assignees' open tasks in the same number of statements for 3 and 12 clients", async () => {
      const t = await tenant('batch');
      for (let i = 0; i < 12; i++) {
        const c = await t.client(`Batch ${String(i).padStart(2, '0')}`);
        await t.task({ title: `a ${i}`, clientId: c, assigneeId: t.agentId, dueAt: hours(i) });
        await t.task({ title: `b ${i}`, clientId: c, assigneeId: t.adminId });
      }
      const read = async (first: number) => {
        const r = await server.gql(ClientsWithTasksDocument, { first }, t.admin);
        expect(r.errors).toBeUndefined();
        for (const c of r.data!.clients.nodes) {
          expect(c.tasks.totalCount).toBe(2);
          for (const task of c.tasks.nodes) {
            expect(task.client!.id).toBe(c.id);
            expect(task.assignee!.openTasks.totalCount).toBe(12);
          }
        }
        return { clients: r.data!.clients.nodes.length, statements: r.extensions!.sqlStatements as number };
      };
      const three = await read(3);
      const twelve = await read(12);
      expect([three.clients, twelve.clients]).toEqual([3, 12]);
      expect(twelve.statements).toBe(three.statements);
      // clients page; tasks page + count; task.client; task.assignee; openTasks page + count.
      expect(twelve.statements).toBeLessThanOrEqual(8);
    });
  });

  describe('coming due', () => {
    it('raises TASK_DUE once per due time of an open task, as the app clock moves; a new due time re-arms it', async () => {
      const t = await tenant('due');
      const other = await tenant('due-other');
      const c = await t.client('Due Client');
      const first = await t.task({ title: 'first', dueAt: hours(1), clientId: c, assigneeId: t.agentId });
      const second = await t.task({ title: 'second', dueAt: hours(3) });
      const done = await t.task({ title: 'done', dueAt: hours(1) });
      await server.gql(CompleteTaskDocument, { input: { id: done.id } }, t.agent);
      await t.task({ title: 'undated' });
      const theirs = await other.task({ title: 'theirs', dueAt: hours(1) });
      const scan = async (token = t.admin) =>
        (await server.gql(RunTaskDueScanDocument, {}, token)).data!.runTaskDueScan;

      expect(await scan()).toEqual({ raised: 0 });
      server.app.services.clock.set(hours(2));
      expect(await scan()).toEqual({ raised: 1 });
      expect(await scan()).toEqual({ raised: 0 });
      server.app.services.clock.set(hours(4));
      expect(await scan()).toEqual({ raised: 1 });
      const events = await t.events(['TASK_DUE']);
      expect(events.map((e) => e.subject)).toEqual([
        { __typename: 'Task', id: second.id },
        { __typename: 'Task', id: first.id },
      ]);
      expect(events[0].data).toEqual({ after: { dueAt: hours(3), asOf: expect.any(String) } });
      expect(events[1].data).toEqual({ after: { dueAt: hours(1), asOf: expect.any(String) } });
      expect(events.every((e) => e.summary.startsWith('Task due: '))).toBe(true);

      // Rescheduling re-arms it; the next scan after the new time raises it again.
      await server.gql(UpdateTaskDocument, { input: { id: first.id, dueAt: hours(10) } }, t.agent);
      expect(await scan()).toEqual({ raised: 0 });
      server.app.services.clock.set(hours(11));
      expect(await scan()).toEqual({ raised: 1 });
      expect(await t.events(['TASK_DUE'])).toHaveLength(3);

      // The other tenant's task was never scanned by this tenant's runs.
      expect(await other.events(['TASK_DUE'])).toEqual([]);
      expect(await scan(other.admin)).toEqual({ raised: 1 });
      expect((await other.events(['TASK_DUE']))[0].subject).toEqual({ __typename: 'Task', id: theirs.id });
    });

    it('raises each due task once when scans run concurrently', async () => {
      const t = await tenant('due-concurrent');
      for (let i = 0; i < 12; i++) await t.task({ title: `due ${i}`, dueAt: hours(-i) });
      const runs = await Promise.all(
        [1, 2, 3, 4].map(
          async () => (await server.gql(RunTaskDueScanDocument, {}, t.admin)).data!.runTaskDueScan.raised,
        ),
      );
      expect(runs.reduce((a, b) => a + b, 0)).toBe(12);
      expect(await t.events(['TASK_DUE'])).toHaveLength(12);
    });

    it('is for ADMINs', async () => {
      const t = await tenant('due-roles');
      for (const token of [t.agent, t.viewer]) {
        const r = await server.gql(RunTaskDueScanDocument, {}, token);
        expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    });

    it('delivers due tasks live over WebSocket, filtered by assignedToMe, never across tenants', async () => {
      const t = await tenant('due-live');
      const other = await tenant('due-live-other');
      const mine = await t.task({ title: 'mine', dueAt: hours(1), assigneeId: t.agentId });
      const unassigned = await t.task({ title: 'unassigned', dueAt: hours(1) });
      await other.task({ title: 'other tenant', dueAt: hours(1) });
      const ws = (token: string) => server.ws({ authorization: `Bearer ${token}` });
      const all = nextResults(ws(t.admin), TaskDueDocument, {}, 2);
      const assigned = nextResults(ws(t.agent), TaskDueDocument, { assignedToMe: true }, 2, 2500);
      const foreign = nextResults(ws(other.admin), TaskDueDocument, {}, 1, 2500);
      await Promise.all([all.ready, assigned.ready, foreign.ready]);
      server.app.services.clock.set(hours(2));
      expect((await server.gql(RunTaskDueScanDocument, {}, t.admin)).data!.runTaskDueScan.raised).toBe(2);

      const got = (await all.results).map((r) => r.taskDue);
      expect(got.map((x) => x.id).sort()).toEqual([mine.id, unassigned.id].sort());
      await expect(assigned.results).rejects.toThrow(/got 1/);
      await expect(foreign.results).rejects.toThrow(/got 0/);
    });
  });

  describe('action items of filed conversations', () => {
    const JOHN =
      'Hi, my name is John Smith. I want to open a PT PMA for coffee export business. Please send me the price list. Can you call me on Monday?';

    it('become FOLLOW_UP tasks of the conversation’s team member, linked to the client and practice, once per session', async () => {
      const t = await tenant('actions');
      const sessionId = uniq('session');
      const ingest = async (messages: { role: string; content: string }[]) => {
        const r = await server.gql(
          IngestConversationDocument,
          {
            input: {
              sessionId,
              userEmail: `john.${t.slug}@email.com`,
              teamMemberEmail: `agent@${t.slug}.test`,
              messages,
            },
          },
          t.agent,
        );
        expect(r.data!.ingestConversation.userErrors).toEqual([]);
        return r.data!.ingestConversation.extraction!;
      };
      const first = await ingest([{ role: 'user', content: JOHN }]);
      expect(first).toMatchObject({ decision: 'APPLIED' });
      const clientId = first.result!.client!.id;
      const practiceId = first.result!.practice!.id;
      const list = async () => (await server.gql(ClientTasksDocument, { id: clientId }, t.agent)).data!.client!.tasks;
      const tasks = await list();
      expect(tasks.nodes.map((n) => n.title).sort()).toEqual([
        'Can you call me on Monday?',
        'Please send me the price list.',
      ]);
      for (const task of tasks.nodes) {
        expect(task).toMatchObject({
          type: 'FOLLOW_UP',
          assignee: { id: t.agentId },
          client: { id: clientId },
          practice: { id: practiceId },
          completedAt: null,
        });
        expect(new Date(task.dueAt!).getTime()).toBeGreaterThan(new Date(NOW).getTime());
      }
      const created = await t.events(['TASK_CREATED']);
      expect(created).toHaveLength(2);
      expect(created.every((e) => (e.data as { source: { kind: string } }).source.kind === 'CONVERSATION')).toBe(true);
      expect(created.every((e) => e.actorLabel === 'system')).toBe(true);

      // The same session again, with the old messages and one new one: no duplicate; a deleted task stays deleted.
      const price = tasks.nodes.find((n) => n.title.startsWith('Please send'))!;
      await server.gql(DeleteTaskDocument, { input: { id: price.id } }, t.agent);
      await ingest([
        { role: 'user', content: JOHN },
        { role: 'user', content: 'Could you also check my passport validity?' },
      ]);
      expect((await list()).nodes.map((n) => n.title).sort()).toEqual([
        'Can you call me on Monday?',
        'Could you also check my passport validity?',
      ]);
      await ingest([{ role: 'user', content: 'Thanks. Please send me the price list!' }]);
      expect((await list()).totalCount).toBe(2);
    });

    it('are filed when a proposal is accepted, not before', async () => {
      const t = await tenant('actions-proposal');
      await server.gql(
        UpdateExtractionSettingsDocument,
        { input: { clientConfidenceThreshold: 0.99, practiceConfidenceThreshold: 0.99 } },
        t.admin,
      );
      const r = await server.gql(
        IngestConversationDocument,
        {
          input: {
            sessionId: uniq('proposal'),
            teamMemberEmail: `agent@${t.slug}.test`,
            messages: [{ role: 'user', content: "Hi, I'm Anna Lee and I need a work permit. Please call me back." }],
          },
        },
        t.agent,
      );
      const ex = r.data!.ingestConversation.extraction!;
      expect(ex.decision).toBe('PROPOSED');
      expect(await t.count()).toBe(0);
      const accepted = await server.gql(AcceptExtractionDocument, { input: { id: ex.id } }, t.agent);
      expect(accepted.data!.acceptExtraction.userErrors).toEqual([]);
      const clientId = accepted.data!.acceptExtraction.extraction!.result!.client!.id;
      const tasks = (await server.gql(ClientTasksDocument, { id: clientId }, t.agent)).data!.client!.tasks;
      expect(tasks.totalCount).toBeGreaterThan(0);
      expect(tasks.nodes.every((n) => n.assignee?.id === t.agentId && n.client?.id === clientId)).toBe(true);
      expect(tasks.nodes.map((n) => n.title)).toContain('Please call me back.');
    });
  });
});
