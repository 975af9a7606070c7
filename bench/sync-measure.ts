/**
 * What the sync benchmarks share: Meridian in its own process on a fresh PostgreSQL database (so
 * the RSS measured is the RSS of the process that runs the sync, and nothing of the load client),
 * and one run measured from outside, as a user sees it: a graphql-ws client follows
 * `syncProgress(runId)` while the process's RSS is sampled every 100 ms. Reports, at each
 * checkpoint (records processed, e.g. 10,000 and 100,000 of one run): the records per second up to
 * there and the peak RSS up to there, so "flat" reads as the 100k peak ≈ the 10k peak of the same
 * process; and the progress events received with the longest gap between two while the run ran
 * (the target: at most one second).
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { createClient } from 'graphql-ws';
import pg from 'pg';

import { Role } from '../src/platform/auth/role.js';
import { freePort, startProcess, stopProcess } from '../test/helpers/process.js';
import { ADMIN_URL, freshDatabase, gql, startBenchApp } from './lib.js';
import { BENCH_JWT_SECRET, rssMb } from './server.js';

/** Records processed at which a run is reported (`BENCH_SYNC_RECORDS`, default 10,000 and 100,000). */
export const CHECKPOINTS = (process.env.BENCH_SYNC_RECORDS ?? '10000,100000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);

/**
 * Node flags of the measured process (`BENCH_SYNC_NODE_ARGS`, e.g. `--max-old-space-size=192` to
 * check that a 100k run holds in a capped heap: its live heap does not grow with the count, what
 * grows the RSS is V8 letting the heap expand between full collections).
 */
const NODE_ARGS = (process.env.BENCH_SYNC_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** A file the measured process's whole output is appended to (`BENCH_SYNC_SERVER_LOG`, e.g. with `--trace-gc`). */
const SERVER_LOG = process.env.BENCH_SYNC_SERVER_LOG;

/** Keeps the run's database (`BENCH_SYNC_KEEP_DATABASE=1`, its name printed), e.g. to EXPLAIN the run's statements on it. */
const KEEP_DATABASE = process.env.BENCH_SYNC_KEEP_DATABASE === '1';

/** A Meridian process to import into, with an ADMIN token of its tenant. */
export interface SyncTarget {
  url: string;
  token: string;
  pid: number;
  /** Its database's name: the CPU of the PostgreSQL backends serving it is measured too. */
  database: string;
}

/** The state of a run as `syncProgress` delivers it. */
interface Progress {
  status: string;
  phase: string | null;
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  error: string | null;
}

/** The peak resident memory of a process since it started (VmHWM), in MB. */
function hwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** RSS of the process now in MB, NaN once it has ended. */
function rssNow(pid: number): number {
  try {
    return rssMb(pid);
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) the process has used, in ms (clock ticks of /proc/<pid>/stat, 100 a second); NaN once ended. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

const load = () => Math.round(loadavg()[0] * 10) / 10;

/**
 * Starts Meridian (production mode, jobs inline, logs silent) as its own process on a fresh
 * database, with `env` added; calls `body` with it; stops and drops everything after.
 */
export async function withSyncServer<T>(
  env: Record<string, string>,
  body: (target: SyncTarget) => Promise<T>,
): Promise<T> {
  const db = await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-bench-sync-'));
  try {
    // Migrations and the token, in this process; then the measured server, alone in its process.
    const setup = await startBenchApp(db.url, { JOBS: 'off', REDIS_URL: '', JWT_SECRET: BENCH_JWT_SECRET });
    let token: string;
    try {
      ({ token } = await setup.services.tenancy.mintToken(setup.db.orm.em, {
        email: 'bench@sync.example',
        tenant: 'bench-sync',
        role: Role.ADMIN,
      }));
    } finally {
      await setup.close();
    }
    const port = await freePort();
    const server = await startProcess(
      {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        JWT_SECRET: BENCH_JWT_SECRET,
        DEMO_SEED: 'false',
        JOBS: 'inline',
        GRAPHQL_MAX_COST: '1000000',
        RATE_LIMITS: 'false', // one token measures throughput
        DATA_DIR: dataDir,
        SECRETS_KEY: randomBytes(32).toString('hex'),
        ...env,
      },
      port,
      NODE_ARGS,
    );
    // The server's last words (warnings and errors), shown if the run fails.
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
      if (SERVER_LOG) appendFileSync(SERVER_LOG, d);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    try {
      return await body({
        url: `http://127.0.0.1:${port}`,
        token,
        pid: server.pid!,
        database: new URL(db.url).pathname.slice(1),
      });
    } catch (err) {
      console.error(`the measured server (exit code ${server.exitCode}) said:\n${output}`);
      throw err;
    } finally {
      await stopProcess(server);
    }
  } finally {
    if (KEEP_DATABASE) console.log(`kept database ${db.url}`);
    else await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Measures one run: `start` starts it (and may do work before, e.g. upload a file, counted in the
 * run's time and RSS) and returns its global id; the run is then followed to its end.
 */
export async function measureRun(
  target: SyncTarget,
  start: () => Promise<string>,
  others: Record<string, number> = {},
): Promise<Record<string, unknown>> {
  const startRssMb = Math.round(rssNow(target.pid));
  let peak = startRssMb;
  const sampler = setInterval(() => (peak = Math.max(peak, rssNow(target.pid) || 0)), 100);
  const db = await backendCpu(target.database);
  const othersCpu0 = Object.fromEntries(Object.entries(others).map(([name, pid]) => [name, cpuMs(pid)]));
  const loadBefore = load();
  const cpu0 = cpuMs(target.pid);
  const t0 = performance.now();
  const runId = await start();
  const startedAfterMs = Math.round(performance.now() - t0);
  const client = createClient({
    url: `${target.url.replace('http', 'ws')}/graphql`,
    connectionParams: { authorization: `Bearer ${target.token}` },
  });
  const events: { at: number; processed: number; status: string }[] = [];
  const checkpoints: Record<string, unknown>[] = [];
  let next = 0;
  try {
    const final = await new Promise<Progress>((resolve, reject) => {
      client.subscribe<{ syncProgress: Progress }>(
        {
          query: `subscription($id: ID) { syncProgress(runId: $id) { status phase processed created updated skipped failed error } }`,
          variables: { id: runId },
        },
        {
          next: (v) => {
            if (!v.data) return reject(new Error(JSON.stringify(v.errors)));
            const p = v.data.syncProgress;
            const at = performance.now() - t0;
            events.push({ at, processed: p.processed, status: p.status });
            const done = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(p.status);
            while (next < CHECKPOINTS.length && (p.processed >= CHECKPOINTS[next] || done)) {
              if (p.processed >= CHECKPOINTS[next])
                checkpoints.push({
                  records: CHECKPOINTS[next],
                  processed: p.processed,
                  seconds: Math.round(at) / 1000,
                  recordsPerSecond: Math.round(p.processed / (at / 1000)),
                  // The server's CPU per record so far: what load on the machine changes least.
                  cpuMsPerRecord: perRecord(cpuMs(target.pid) - cpu0, p.processed),
                  // The PostgreSQL backends' CPU per record so far, and that of the other processes.
                  dbCpuMsPerRecord: perRecord(db.ms(), p.processed),
                  ...Object.fromEntries(
                    Object.entries(others).map(([name, pid]) => [
                      `${name}CpuMsPerRecord`,
                      perRecord(cpuMs(pid) - othersCpu0[name], p.processed),
                    ]),
                  ),
                  peakRssMb: Math.round(Math.max(peak, rssNow(target.pid) || 0)),
                  load: load(),
                });
              next++;
            }
            if (done) resolve(p);
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const seconds = (performance.now() - t0) / 1000;
    // Gaps while the run ran: from the first event to the final one.
    const gaps = events.slice(1).map((e, i) => e.at - events[i].at);
    const worst = gaps.indexOf(Math.max(...gaps));
    return {
      status: final.status,
      error: final.error,
      processed: final.processed,
      created: final.created,
      updated: final.updated,
      skipped: final.skipped,
      failed: final.failed,
      seconds: Math.round(seconds * 10) / 10,
      recordsPerSecond: Math.round(final.processed / seconds),
      runStartedAfterMs: startedAfterMs,
      startRssMb,
      checkpoints,
      peakRssMb: Math.round(peak),
      processPeakRssMb: hwmMb(target.pid),
      progressEvents: events.length,
      progressEventsPerSecond: Math.round((events.length / seconds) * 10) / 10,
      longestGapMs: gaps.length ? Math.round(Math.max(...gaps)) : null,
      // Where it was: the run's second and records processed at the event that ended it.
      longestGapEndedAt: gaps.length
        ? { seconds: Math.round(events[worst + 1].at) / 1000, processed: events[worst + 1].processed }
        : null,
      gapsOverOneSecond: gaps.filter((g) => g > 1000).length,
      progressAtLeastOncePerSecond: gaps.every((g) => g <= 1000),
      load: { before: loadBefore, after: load() },
    };
  } finally {
    clearInterval(sampler);
    await db.stop();
    await client.dispose();
  }
}

const perRecord = (ms: number, records: number) => Math.round((ms / records) * 100) / 100;

/**
 * CPU used by the PostgreSQL backends serving `database` since this call (the server is local:
 * /proc/<backend pid>/stat), polled every 500 ms so that a backend ending between two checkpoints
 * is counted up to its last poll.
 */
async function backendCpu(database: string): Promise<{ ms(): number; stop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let initial = true;
  const poll = async () => {
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [
      database,
    ]);
    for (const { pid } of rows) {
      const ms = cpuMs(pid);
      if (Number.isNaN(ms)) continue;
      // A backend already running counts from now; one started later, from its start.
      if (!first.has(pid)) first.set(pid, initial ? ms : 0);
      last.set(pid, ms);
    }
    initial = false;
  };
  await poll();
  const timer = setInterval(() => void poll().catch(() => undefined), 500);
  return {
    ms: () => {
      let total = 0;
      for (const [pid, start] of first) {
        const now = cpuMs(pid);
        total += (Number.isNaN(now) ? last.get(pid)! : now) - start;
      }
      return total;
    },
    stop: async () => {
      clearInterval(timer);
      await admin.end();
    },
  };
}

/** Posts a GraphQL operation to a target; throws on errors. */
export function targetGql<T>(target: SyncTarget, query: string, variables?: object): Promise<T> {
  return gql<T>(target.url, target.token, query, variables);
}
