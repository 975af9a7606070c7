/**
 * A/B of Meridian builds on scenarios 1 and 4 of the http bench (the dashboard list, the filtered
 * practices): each build is started as its own process on one seeded database, and autocannon runs
 * against each in turn (the order reversed every round), so a loaded machine weighs on both alike.
 * The figure is the CPU time of each server process per request (/proc), with the load average;
 * req/s and latency on a loaded machine are noise.
 *
 * BENCH_AB_BUILDS: `name=dir` entries separated by commas, `dir` holding a build (`dist/`, e.g. a
 * copy of another commit's; `.` is this one), optionally `name=dir|DATABASE_URL` to give that server
 * another URL of the same database (a Unix socket: `…?host=/var/run/postgresql`). Default `this=.`.
 * BENCH_AB_ROUNDS (4), BENCH_DURATION seconds per run (5), BENCH_CONNECTIONS (10,1),
 * BENCH_AB_SCENARIOS (dashboard,practices), BENCH_AB_NODE_ARGS (e.g. `--cpu-prof`).
 */
import { loadavg } from 'node:os';

import autocannon from 'autocannon';
import pg from 'pg';

import { DASHBOARD, PRACTICES, practicesFilter } from './http.bench.js';
import { cpuMs } from './plans.js';
import { prepareDataset, type ServerProcess, startMeridian } from './server.js';

const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '10,1').split(',').map(Number);

interface Build {
  name: string;
  dir: string;
  databaseUrl?: string;
}

/** BENCH_AB_BUILDS parsed. */
function builds(): Build[] {
  return (process.env.BENCH_AB_BUILDS ?? 'this=.').split(',').map((entry) => {
    const [name, rest = '.'] = entry.split('=', 2) as [string, string?];
    const [dir, databaseUrl] = rest.split('|');
    return { name, dir, ...(databaseUrl ? { databaseUrl } : {}) };
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runAbBench(): Promise<Record<string, unknown>> {
  const dataset = await prepareDataset();
  const db = new pg.Client({ connectionString: dataset.databaseUrl });
  await db.connect();
  const [{ id: tenantId }] = (
    await db.query<{ id: string }>('select id from tenant where slug = $1', [dataset.tenantSlug])
  ).rows;
  const { filter } = await practicesFilter(db, tenantId);
  await db.end();
  const all: Record<string, string> = {
    dashboard: JSON.stringify({ query: DASHBOARD(50) }),
    practices: JSON.stringify({ query: PRACTICES, variables: { f: filter } }),
  };
  const chosen = (process.env.BENCH_AB_SCENARIOS ?? 'dashboard,practices').split(',');
  const scenarios = Object.entries(all).filter(([name]) => chosen.includes(name));
  const nodeArgs = (process.env.BENCH_AB_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${dataset.token}` };
  const servers: (Build & { server: ServerProcess })[] = [];
  try {
    for (const b of builds())
      servers.push({ ...b, server: await startMeridian(b.databaseUrl ?? dataset.databaseUrl, {}, nodeArgs, b.dir) });

    // Every build must answer alike (and without errors) before it is measured.
    const answers: Record<string, string[]> = {};
    for (const [scenario, body] of scenarios) {
      answers[scenario] = await Promise.all(
        servers.map(async ({ server }) =>
          JSON.stringify(await (await fetch(`${server.url}/graphql`, { method: 'POST', headers, body })).json()),
        ),
      );
      const data = answers[scenario].map((a) => JSON.stringify((JSON.parse(a) as { data?: unknown }).data ?? null));
      if (data.some((d) => d !== data[0]) || answers[scenario].some((a) => a.includes('"errors"')))
        throw new Error(
          `the builds answer ${scenario} differently:\n${answers[scenario].map((a) => a.slice(0, 300)).join('\n')}`,
        );
    }

    const run = async ({ server }: { server: ServerProcess }, body: string, connections: number, duration: number) => {
      const before = cpuMs(server.pid);
      let bad = 0;
      const result = await autocannon({
        url: `${server.url}/graphql`,
        connections,
        duration,
        method: 'POST',
        headers,
        requests: [
          {
            body,
            onResponse: (status: number, b: string) => void ((status !== 200 || b.includes('"errors"')) && bad++),
          },
        ],
      });
      const after = cpuMs(server.pid);
      const n = result.requests.total;
      return {
        cpuMsPerReq: before !== null && after !== null && n ? (after - before) / n : NaN,
        reqPerSec: result.requests.mean,
        requests: n,
        bad,
      };
    };
    for (const s of servers) for (const [, body] of scenarios) await run(s, body, CONNECTIONS[0], 2); // warm-up

    const runs: Record<string, { round: number; load: number; cpuMsPerReq: number; reqPerSec: number; bad: number }[]> =
      {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [scenario, body] of scenarios)
        for (const connections of CONNECTIONS)
          for (const s of round % 2 ? [...servers].reverse() : servers) {
            const r = await run(s, body, connections, DURATION);
            const load = Math.round(loadavg()[0] * 10) / 10;
            (runs[`${scenario} ×${connections} ${s.name}`] ??= []).push({ round, load, ...r });
            console.log(
              `round ${round} ${scenario} ×${connections} ${s.name}: ${r.cpuMsPerReq.toFixed(3)} ms CPU/req, ${r.reqPerSec.toFixed(0)} req/s, ${r.bad} bad, load ${load}`,
            );
          }
    }
    const summary = Object.fromEntries(
      Object.entries(runs).map(([k, rs]) => [
        k,
        {
          medianCpuMsPerReq: median(rs.map((r) => r.cpuMsPerReq)),
          cpuMsPerReq: rs.map((r) => r.cpuMsPerReq),
          loads: rs.map((r) => r.load),
        },
      ]),
    );
    console.log('\nmedian server CPU ms per request [each round]:');
    for (const [k, v] of Object.entries(summary))
      console.log(
        `${k.padEnd(30)} ${v.medianCpuMsPerReq.toFixed(3)} [${v.cpuMsPerReq.map((x) => x.toFixed(2)).join(' ')}]`,
      );
    return { builds: builds(), rounds: ROUNDS, durationSeconds: DURATION, connections: CONNECTIONS, runs, summary };
  } finally {
    for (const { server } of servers) await server.stop();
    await dataset.drop();
  }
}
