/**
 * Segments benchmark (issue 15): 10,000 clients from the seed generator (BENCH_CLIENTS), on
 * PostgreSQL. Measures over HTTP a segment's `count` and first page of `members` (p50/p99, one
 * connection) for a segment on the client's own fields and one through a to-many relation
 * (`practices.expiryDate NEXT_N_DAYS`), with the CPU per request of this process and of PostgreSQL's
 * backends and the EXPLAIN ANALYZE of the statements of one request (indexes, big sequential scans), and the membership re-check per timeline event: one client
 * update at a time, then (once the outbox has positioned its event) one round of the membership
 * processor, which re-checks that client against the tenant's two client segments, timed in process:
 * from the round's start (reading the committed, positioned event) to its end (membership rows
 * written and committed, the change published). Also counts the statements the round sends (every
 * `pg` query, BEGIN and COMMIT included: one round trip each), the publications a subscriber of
 * the tenant's segment topic receives, and the CPU time per round of this process and of the
 * database's PostgreSQL backends (from /proc: the server must run on this machine).
 */
import { loadavg } from 'node:os';

import pg from 'pg';

import { segmentTopic } from '../src/modules/segments/segment.service.js';
import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import { toGlobalId } from '../src/platform/graphql/global-id.js';
import { gql, percentile, startBenchApp } from './lib.js';
import { backendCpu, backendCpuSpent, explain, type Statement } from './plans.js';
import { BENCH_JWT_SECRET, prepareDataset } from './server.js';

const REQUESTS = Number(process.env.BENCH_SEGMENT_REQUESTS ?? 200);
const EVENTS = Number(process.env.BENCH_SEGMENT_EVENTS ?? 200);

const CREATE = `mutation($input: CreateSegmentInput!) { createSegment(input: $input) { segment { id count } userErrors { code message field } } }`;
const READ = `query($id: ID!) { segment(id: $id) { count members(first: 20) { nodes { ... on Client { id fullName } } pageInfo { hasNextPage endCursor } } } }`;
const UPDATE = `mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id } userErrors { code } } }`;

const UNPOSITIONED = 'select count(*) as n from timeline_event where "position" is null';

const round = (n: number) => Math.round(n * 100) / 100;
const stats = (times: number[]) => ({
  n: times.length,
  p50: round(percentile(times, 50)),
  p99: round(percentile(times, 99)),
});

/**
 * The statements this process sends (pg.Client#query) while `fn` runs (the outbox relay's poll
 * included, when it runs meanwhile): a batched text without values split into its statements, as
 * bench/plans.ts's captureSql does for a server process.
 */
async function sentStatements(fn: () => Promise<unknown>): Promise<Statement[]> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  const sent: Statement[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [q, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof q === 'string' ? q : q.text;
    const params = typeof q === 'string' ? values : (q.values ?? values);
    if (params?.length) sent.push({ text, values: params });
    else sent.push(...text.split(/;\s*\n/).map((t) => ({ text: t.trim() })));
    return query.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = query;
  }
  return sent;
}

export async function runSegmentsBench(): Promise<Record<string, unknown>> {
  const data = await prepareDataset();
  // No schedule: the bench runs the membership processor itself, one round per event.
  const app = await startBenchApp(data.databaseUrl, { JWT_SECRET: BENCH_JWT_SECRET, JOBS: 'off' });
  const db = new pg.Client({ connectionString: data.databaseUrl });
  await db.connect();
  try {
    const tenant = await app.db.orm.em.fork().findOneOrFail(Tenant, { slug: data.tenantSlug });
    const conn = forkForTenant(app.db.orm.em, tenant.id).getConnection();
    // A kept database (BENCH_REUSE_DB=1) still holds the segments of earlier runs: the re-check would cover them too.
    await conn.execute('delete from segment_member where segment_id in (select id from segment where tenant_id = ?)', [
      tenant.id,
    ]);
    await conn.execute('update segment set deleted_at = now() where tenant_id = ? and deleted_at is null', [tenant.id]);
    const loads = [loadavg()[0]];
    const [{ nationality }] = await conn.execute<{ nationality: string }[]>(
      `select nationality from client where tenant_id = ? and nationality is not null
        group by nationality order by count(*) desc limit 1`,
      [tenant.id],
    );
    const segments: Record<string, unknown> = {
      own: {
        groups: [
          {
            filters: [
              { field: 'nationality', operator: 'EQ', value: nationality },
              { field: 'lifecycleStage', operator: 'IN', value: ['CUSTOMER', 'PROSPECT', 'LEAD'] },
            ],
          },
        ],
      },
      relation: { groups: [{ filters: [{ field: 'practices.expiryDate', operator: 'NEXT_N_DAYS', value: 60 }] }] },
    };
    const results: Record<string, unknown> = {};
    for (const [name, criteria] of Object.entries(segments)) {
      const created = await gql<{ createSegment: { segment: { id: string; count: number } } }>(
        app.url,
        data.token,
        CREATE,
        { input: { name, entity: 'CLIENT', criteria } },
      );
      const { id, count } = created.createSegment.segment;
      for (let i = 0; i < 20; i++) await gql(app.url, data.token, READ, { id }); // warm-up
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      const pg0 = await backendCpu(db);
      for (let i = 0; i < REQUESTS; i++) {
        const s = performance.now();
        await gql(app.url, data.token, READ, { id });
        times.push(performance.now() - s);
      }
      const cpu = process.cpuUsage(cpu0);
      const pgMs = backendCpuSpent(pg0, await backendCpu(db));
      // The statements of one request, explained (EXPLAIN ANALYZE): indexes, sequential scans.
      const statements = await sentStatements(() => gql(app.url, data.token, READ, { id }));
      results[name] = {
        members: count,
        countAndFirstPageMs: stats(times),
        // CPU per request of this process (client and server) and of PostgreSQL's backends.
        cpuMsPerRequest: {
          node: round((cpu.user + cpu.system) / 1000 / REQUESTS),
          postgres: pgMs === null ? null : round(pgMs / REQUESTS),
        },
        plans: await explain(db, statements),
      };
      loads.push(loadavg()[0]);
    }

    // Membership re-check per event: the processor catches up first, then one update, one round.
    const root = app.db.orm.em;
    while ((await app.services.segments.processEvents(root)) > 0);
    const ids = await conn.execute<{ id: string; nationality: string | null }[]>(
      'select id, nationality from client where tenant_id = ? order by md5(id::text) limit ?',
      [tenant.id, EVENTS],
    );
    const roundTimes: number[] = [];
    const statements: number[] = [];
    let processed = 0;
    // Every statement the process sends ends in pg.Client#query (MikroORM through Kysely).
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const query = proto.query;
    let sent = 0;
    proto.query = function (this: unknown, ...args: unknown[]) {
      sent++;
      return query.apply(this, args);
    };
    // The membership changes published (the `own` segment: every update enters or leaves it).
    const published = await app.pubsub.subscribe<unknown>(segmentTopic(tenant.id));
    let publications = 0;
    void (async () => {
      for await (const payload of published) if (payload) publications++;
    })();
    // CPU time of the round in this process and in PostgreSQL (less dependent on the load than its
    // wall time); the backends are read through a connection of their own, outside the round.
    let processCpuMs = 0;
    let backendCpuMs = 0;
    let backendRounds = 0;
    for (const { id, nationality: current } of ids) {
      // Always a change (an update changing nothing writes no event), entering or leaving `own`.
      await gql(app.url, data.token, UPDATE, {
        input: { id: toGlobalId('Client', id), nationality: current === nationality ? 'Bench' : nationality },
      });
      // Wait for the outbox relay to position the event, so that each timed round processes exactly it.
      while (Number((await conn.execute<{ n: string }[]>(UNPOSITIONED))[0].n) > 0)
        await new Promise((r) => setTimeout(r, 5));
      const pgBefore = await backendCpu(db);
      const cpu = process.cpuUsage();
      const s = performance.now();
      const before = sent;
      const n = await app.services.segments.processEvents(root);
      if (n > 0) {
        roundTimes.push(performance.now() - s); // a round that read nothing is not a re-check
        statements.push(sent - before);
        const used = process.cpuUsage(cpu);
        processCpuMs += (used.user + used.system) / 1000;
        const spent = backendCpuSpent(pgBefore, await backendCpu(db));
        if (spent !== null) {
          backendCpuMs += spent;
          backendRounds++;
        }
      }
      processed += n;
    }
    proto.query = query;
    await new Promise((r) => setTimeout(r, 50));
    await published.return?.();
    return {
      clients: data.clients,
      seedSeconds: round(data.seedSeconds),
      segments: results,
      recheckPerEventMs: { ...stats(roundTimes), eventsProcessed: processed, clientSegments: 2 },
      statementsPerRound: { min: Math.min(...statements), max: Math.max(...statements) },
      processCpuMsPerRound: round(processCpuMs / roundTimes.length),
      // /proc counts CPU in 10 ms ticks: an average over many rounds, not a per-round figure.
      postgresCpuMsPerRound: backendRounds ? round(backendCpuMs / backendRounds) : null,
      publications,
      loadAverage1m: [...loads, loadavg()[0]].map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await db.end();
    await app.close();
    await data.drop();
  }
}
