/**
 * A CSV import on real worker processes (BullMQ on Redis, PostgreSQL): the worker running it is
 * killed with SIGKILL mid-run, and another worker resumes it from its last committed page — every
 * row imported exactly once; the second worker's `/metrics` (METRICS_PORT) count what it applied. Needs DATABASE_URL and REDIS_URL (PGlite serves one process).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { SyncRunByIdDocument } from './generated/graphql.js';
import { freePort, stopProcess } from './helpers/process.js';
import { startTestServer, startWorkerFor, type TestServer, uniq } from './helpers/server.js';

const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

/** Polls `check` every 100 ms until it gives a value (fails after `ms`). */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

(shared ? describe : describe.skip)('Sync: a worker killed mid-run (real processes)', () => {
  const prefix = uniq('meridian-sync-resume');
  const secretsDir = mkdtempSync(join(tmpdir(), 'meridian-sync-resume-'));
  let server: TestServer;
  let db: pg.Client;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // The API runs no jobs: the workers do. The same small pages everywhere.
    server = await startTestServer({ JOBS: 'worker', REDIS_PREFIX: prefix, SYNC_PAGE_SIZE: '20' });
    db = new pg.Client({ connectionString: server.app.config.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await Promise.all(workers.map(stopProcess));
    await db?.end();
    await server.close();
  });

  const startWorker = (env: NodeJS.ProcessEnv = {}) =>
    startWorkerFor(server, prefix, { DATA_DIR: secretsDir, SYNC_PAGE_SIZE: '20', SYNC_STALE_SECONDS: '2', ...env });

  const runState = async (runId: string) => {
    const { rows } = await db.query<{ status: string; processed: number; attempts: number }>(
      'select status, processed, attempts from sync_run where id = $1',
      [runId],
    );
    return rows[0];
  };

  it('resumes from the last committed page on another worker: no row twice, none lost', async () => {
    const rows = 1500;
    const tag = uniq('resume');
    const lines = ['fullName,email,phone,tags'];
    for (let i = 0; i < rows; i++)
      lines.push(`Resume Person ${i},${tag}.${i}@example.com,+62812${String(i).padStart(7, '0')},resume`);
    const token = await server.tokenFor(tag, 'ADMIN');
    const first = await startWorker();
    workers.push(first);

    const res = await fetch(`${server.url}/imports?fileName=resume.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
      body: lines.join('\n'),
    });
    expect(res.status).toBe(202);
    const { syncRun } = (await res.json()) as { syncRun: { id: string } };
    const local = await db.query<{ id: string }>(
      `select id from sync_run where file_name = 'resume.csv' and tenant_id = (select id from tenant where slug = $1)`,
      [tag],
    );
    const id = local.rows[0].id;

    // Killed once it has committed a few pages, well before the end.
    const before = await until('some pages committed', async () => {
      const s = await runState(id);
      return s.processed >= 60 ? s : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    workers.splice(workers.indexOf(first), 1);
    const atKill = await runState(id);
    expect(atKill.status).toBe('RUNNING');
    expect(atKill.processed).toBeLessThan(rows);
    expect(before.attempts).toBe(1);

    const metricsPort = await freePort();
    workers.push(await startWorker({ METRICS_PORT: String(metricsPort) }));
    const done = await until(
      'the run finished on the second worker',
      async () => {
        const s = await runState(id);
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(s.status) ? s : undefined;
      },
      120_000,
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempts).toBeGreaterThanOrEqual(2);

    const run = await server.gql(SyncRunByIdDocument, { id: syncRun.id, first: 10 }, token);
    expect(run.data!.syncRun).toMatchObject({ status: 'SUCCEEDED', processed: rows, created: rows, failed: 0 });
    const clients = await db.query<{ n: string; emails: string }>(
      `select count(*) as n, count(distinct email) as emails from client
        where tenant_id = (select id from tenant where slug = $1)`,
      [tag],
    );
    expect(clients.rows[0]).toEqual({ n: String(rows), emails: String(rows) });
    const missing = await db.query<{ i: number }>(
      `select i from generate_series(0, $1::int - 1) i
        where not exists (select 1 from client c where c.email = $2 || '.' || i || '@example.com')`,
      [rows, tag],
    );
    expect(missing.rows).toEqual([]);
    const events = await db.query<{ n: string }>(
      `select count(*) as n from timeline_event
        where tenant_id = (select id from tenant where slug = $1) and type = 'CLIENT_CREATED'`,
      [tag],
    );
    expect(events.rows[0].n).toBe(String(rows));

    // The second worker's /metrics count what it applied: the rows the first had not committed.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const sample = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('meridian_sync_records_total', 'provider="CSV",mode="IMPORT",outcome="created"')).toBe(
      rows - atKill.processed,
    );
    expect(sample('meridian_sync_run_duration_seconds_count', 'provider="CSV",mode="IMPORT",status="SUCCEEDED"')).toBe(
      1,
    );
  }, 180_000);
});
