/**
 * The task-due schedule: inline in the API (embedded default) with the app clock moved, and on two
 * `npm run worker` processes (BullMQ on Redis) sharing one PostgreSQL database, where each due task
 * still gets exactly one TASK_DUE, delivered live by the API.
 */
import type { ChildProcess } from 'node:child_process';

import { expect } from '@jest/globals';

import { CreateTaskDocument, TaskDueDocument, TaskTimelineDocument } from './generated/graphql.js';
import { stopProcess } from './helpers/process.js';
import { nextResults, startTestServer, startWorkerFor, type TestServer, uniq } from './helpers/server.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

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
  beforeAll(async () => {
    server = await startTestServer({ JOBS: 'inline', TASK_DUE_TICK_SECONDS: '1' });
  });
  afterAll(() => server.close());

  it('announces each task once when the app clock passes its due time, and not before', async () => {
    const start = new Date('2027-05-10T08:00:00.000Z');
    server.app.services.clock.set(start);
    const at = (h: number) => new Date(start.getTime() + h * 3_600_000).toISOString();
    const t = await tenantWithTasks(server, 'inline', [at(1), at(2), at(5), null]);
    await new Promise((r) => setTimeout(r, 2500)); // ticks before any due time
    expect(await dueEvents(server, t.token)).toEqual([]);

    server.app.services.clock.set(at(3));
    await until('two announcements', async () => ((await dueEvents(server, t.token)).length === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 3000)); // three more ticks
    expect(await dueEvents(server, t.token)).toEqual([t.ids[0], t.ids[1]].sort());

    server.app.services.clock.set(at(6));
    await until('the third', async () => ((await dueEvents(server, t.token)).length === 3 ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    expect(await dueEvents(server, t.token)).toEqual(t.ids.slice(0, 3).sort());
  }, 90_000);
});

const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

(shared ? describe : describe.skip)('Task-due schedule on two workers (BullMQ, PostgreSQL)', () => {
  const prefix = uniq('meridian-taskdue');
  let server: TestServer;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // The API runs no jobs (JOBS=worker); it shares the workers' Redis prefix to receive their events.
    server = await startTestServer({ JOBS: 'worker', REDIS_PREFIX: prefix });
  });
  afterAll(async () => {
    const codes = await Promise.all(workers.map(stopProcess));
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
    await new Promise((r) => setTimeout(r, 4000)); // several ticks on both workers
    expect(await dueEvents(server, a.token)).toEqual(a.ids.slice(0, 3).sort());
    expect(await dueEvents(server, b.token)).toEqual(b.ids);
    expect((await live.results).map((r) => r.taskDue.id).sort()).toEqual(a.ids.slice(0, 3).sort());
  }, 90_000);
});
