/**
 * The task-due schedule: inline in the API (embedded default) with the app clock moved, and on two
 * `npm run worker` processes (BullMQ on Redis) sharing one PostgreSQL database, where each due task
 * still gets exactly one TASK_DUE, delivered live by the API.
 */
import type { ChildProcess } from 'node:child_process';

import { expect, jest } from '@jest/globals';
import { Redis } from 'ioredis';

import { CreateTaskDocument, TaskDueDocument, TaskTimelineDocument } from './generated/graphql.js';
import { stopProcess } from './helpers/process.js';
import { nextResults, startTestServer, startWorkerFor, type TestServer, uniq } from './helpers/server.js';
import { callsFromNow, scheduledRunsFromNow, until } from './helpers/wait.js';

/** A tenant with tasks due at the given instants; returns its admin token and the task ids. */
async function tenantWithTasks(server: TestServer, prefix: string, dueAt: (string | null)[]) {
  const token = await server.tokenFor(uniq(prefix), 'ADMIN');
  const ids: string[] = [];
  for (const [i, due] of dueAt.entries()) {
    const r = await server.gql(CreateTaskDocument, { input: { title: `${prefix} ${i}`, dueAt: due } }, token);
    expect(r.data?.createTask.userErrors).toEqual([]);
    ids.push(r.data!.createTask.task!.id);
  }
  return { token, ids };
}

/** The ids of the tasks with a TASK_DUE event, one entry per event. */
async function dueEvents(server: TestServer, token: string): Promise<string[]> {
  const r = await server.gql(TaskTimelineDocument, { first: 100, filter: { types: ['TASK_DUE'] } }, token);
  expect(r.errors).toBeUndefined();
  return r.data!.timeline.nodes.map((e) => (e.subject as { id: string }).id).sort();
}

describe('Task-due schedule, inline (JOBS=inline)', () => {
  let server: TestServer;
  /** Each run of the task-due tick (the schedule calls through this spy). */
  let ticks: { mock: { results: { value: unknown }[] } };
  beforeAll(async () => {
    server = await startTestServer({ JOBS: 'inline', TASK_DUE_TICK_SECONDS: '1' });
    ticks = jest.spyOn(server.app.services.tasks, 'raiseDue');
  });
  afterAll(() => server.close());

  it('announces each task once when the app clock passes its due time, and not before', async () => {
    const start = new Date('2027-05-10T08:00:00.000Z');
    server.app.services.clock.set(start);
    const at = (h: number) => new Date(start.getTime() + h * 3_600_000).toISOString();
    const t = await tenantWithTasks(server, 'inline', [at(1), at(2), at(5), null]);
    await callsFromNow(ticks, 2, 'the task-due tick'); // ticks before any due time
    expect(await dueEvents(server, t.token)).toEqual([]);

    server.app.services.clock.set(at(3));
    await until('two announcements', async () => ((await dueEvents(server, t.token)).length === 2 ? true : undefined));
    await callsFromNow(ticks, 2, 'the task-due tick'); // more ticks: no second announcement
    expect(await dueEvents(server, t.token)).toEqual([t.ids[0], t.ids[1]].sort());

    server.app.services.clock.set(at(6));
    await until('the third', async () => ((await dueEvents(server, t.token)).length === 3 ? true : undefined));
    await callsFromNow(ticks, 2, 'the task-due tick');
    expect(await dueEvents(server, t.token)).toEqual(t.ids.slice(0, 3).sort());
  }, 90_000);
});

const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

(shared ? describe : describe.skip)('Task-due schedule on two workers (BullMQ, PostgreSQL)', () => {
  const prefix = uniq('meridian-taskdue');
  let server: TestServer;
  const workers: ChildProcess[] = [];
  /** Reads the workers' BullMQ queue (which scheduled runs completed). */
  let redis: Redis;

  beforeAll(async () => {
    // The API runs no jobs (JOBS=worker); it shares the workers' Redis prefix to receive their events.
    server = await startTestServer({ JOBS: 'worker', REDIS_PREFIX: prefix });
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    const codes = await Promise.all(workers.map(stopProcess));
    redis.disconnect();
    await server.close();
    expect(codes).toEqual([0, 0]);
  });

  const startWorker = () => startWorkerFor(server, prefix, { TASK_DUE_TICK_SECONDS: '1' });

  it('gives each due task one TASK_DUE however many workers tick, and the API delivers them live', async () => {
    // The workers read the machine's clock: these are due already, the last one is not.
    const now = Date.now();
    const past = (min: number) => new Date(now - min * 60_000).toISOString();
    const a = await tenantWithTasks(server, 'workers-a', [
      past(1),
      past(5),
      past(60),
      new Date(now + 86_400_000).toISOString(),
    ]);
    const b = await tenantWithTasks(server, 'workers-b', [past(2)]);
    const live = nextResults(server.ws({ authorization: `Bearer ${a.token}` }), TaskDueDocument, {}, 3, 30_000);
    await live.ready;
    workers.push(await startWorker(), await startWorker());

    await until('both tenants announced', async () =>
      (await dueEvents(server, a.token)).length === 3 && (await dueEvents(server, b.token)).length === 1
        ? true
        : undefined,
    );
    await scheduledRunsFromNow(redis, `${prefix}-jobs`, 'tasks-due-tick', 2); // several ticks, on either worker
    expect(await dueEvents(server, a.token)).toEqual(a.ids.slice(0, 3).sort());
    expect(await dueEvents(server, b.token)).toEqual(b.ids);
    expect((await live.results).map((r) => r.taskDue.id).sort()).toEqual(a.ids.slice(0, 3).sort());
  }, 90_000);
});
