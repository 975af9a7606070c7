/**
 * Analytics benchmark: every analytics query over the seed generator's data set, p50/p99 of the
 * whole GraphQL request (HTTP, in-process server), then EXPLAIN ANALYZE of each SQL statement the
 * queries issue (time, and whether any reads a whole table).
 *
 * BENCH_CLIENTS: comma-separated data-set sizes (default 10000; e.g. `10000,100000`), each a fresh
 * PostgreSQL database filled by `generateDataset` (tenant `bench`). BENCH_ITERATIONS: timed runs
 * per query (default 50, after 3 untimed). Against BENCH_DATABASE_URL / DATABASE_URL.
 * BENCH_REUSE_DB=1: keep each size's database (`meridian_bench_analytics_<clients>`) and reuse it on
 * the next run, generating the data set only when its tenant is empty (100,000 clients take minutes);
 * migrations still run on it, so new indexes are measured. BENCH_SQL_DIR: also write each operation's
 * statements there (`<clients>-<operation>-<n>.sql`, parameters inlined), to explain them by hand.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { generateDataset, SEED_ANCHOR } from '../src/seed/generator/index.js';
import { freshDatabase, gql, keptDatabase, percentile, startBenchApp } from './lib.js';

const SIZES = (process.env.BENCH_CLIENTS ?? '10000').split(',').map(Number);
const REUSE = process.env.BENCH_REUSE_DB === '1';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50);
const WARMUP = 3;
const DAY = 86_400_000;

/** The generator's timestamps end at SEED_ANCHOR: windows are the year and the month before it. */
const YEAR = { from: new Date(SEED_ANCHOR.getTime() - 365 * DAY).toISOString(), to: SEED_ANCHOR.toISOString() };
const MONTH = { from: new Date(SEED_ANCHOR.getTime() - 30 * DAY).toISOString(), to: SEED_ANCHOR.toISOString() };
const MONEY = '{ amount currency }';

/** The measured operations: name → [query, variables]. */
function operations(pipelineId: string): Record<string, [string, object]> {
  return {
    dashboardKpis: [
      `query($from: DateTime, $to: DateTime) { dashboardKpis(from: $from, to: $to) {
        clients newClients activePractices openDeals pipelineValue ${MONEY} dealsWon wonValue ${MONEY}
        conversionRate renewalsDue } }`,
      MONTH,
    ],
    pipelineFunnel: [
      `query($p: ID!, $from: DateTime, $to: DateTime) { pipelineFunnel(pipelineId: $p, from: $from, to: $to) {
        deals won lost overallConversionRate
        stages { stage { name } entered convertedToNext conversionRate dropOffRate averageDaysInStage } } }`,
      { p: pipelineId, ...YEAR },
    ],
    'pipelineFunnel (all time)': [
      `query($p: ID!) { pipelineFunnel(pipelineId: $p) { deals won overallConversionRate
        stages { entered convertedToNext averageDaysInStage } } }`,
      { p: pipelineId },
    ],
    repPerformance: [
      `query($from: DateTime, $to: DateTime) { repPerformance(timeframe: MONTH, from: $from, to: $to) {
        members { teamMember { name } dealsCreated dealsWon dealsLost totalValue ${MONEY} wonValue ${MONEY}
          winRate averageDealSize ${MONEY} averageDaysToClose velocity
          periods { start dealsCreated dealsWon dealsLost wonValue ${MONEY} } } } }`,
      YEAR,
    ],
    practiceStats: [
      `{ practiceStats { total byStatus { status count } byType { type { code } count }
        quoted ${MONEY} paid ${MONEY} outstanding ${MONEY} } }`,
      {},
    ],
    clientStats: [
      `query($from: DateTime, $to: DateTime) { clientStats(from: $from, to: $to, timeframe: MONTH) {
        total byLifecycleStage { stage count } bySource { source count } byNationality { nationality count }
        newClients { start count } leadConversion { clients converted rate } } }`,
      YEAR,
    ],
    interactionStats: [
      `query($from: DateTime, $to: DateTime) { interactionStats(from: $from, to: $to, timeframe: WEEK) {
        total byKind { kind count } byChannel { channel count } bySentiment { sentiment count }
        byTeamMember { teamMember { name } count } perPeriod { start count } } }`,
      YEAR,
    ],
    'interactionStats (30 days)': [
      `query($from: DateTime, $to: DateTime) { interactionStats(from: $from, to: $to, timeframe: WEEK) {
        total byKind { kind count } bySentiment { sentiment count } perPeriod { start count } } }`,
      MONTH,
    ],
    teamOverview: [
      `{ teamOverview { teamMember { name } openPractices openPracticesByStatus { status count } openTickets
        renewalsDue openDeals pipelineValue ${MONEY} } }`,
      {},
    ],
    'clients(first: 50) { summary }': [
      `{ clients(first: 50) { nodes { id summary { openPractices completedPractices totalQuoted ${MONEY}
        totalPaid ${MONEY} lastContactAt pendingActionItems openTickets nextRenewalDate } } } }`,
      {},
    ],
  };
}

const load = () => Math.round(loadavg()[0] * 100) / 100;

async function benchSize(clients: number): Promise<Record<string, unknown>> {
  const db = REUSE ? await keptDatabase(`meridian_bench_analytics_${clients}`) : await freshDatabase();
  const app = await startBenchApp(db.url, { JOBS: 'off' });
  try {
    const em = app.db.orm.em.fork() as SqlEntityManager;
    const t0 = performance.now();
    const [filled] = await em.execute<{ n: string }[]>(
      "select count(*) as n from client c join tenant t on t.id = c.tenant_id where t.slug = 'bench'",
    );
    const counts =
      Number(filled.n) > 0
        ? { reused: true, clients: Number(filled.n) }
        : await generateDataset(app.db.orm.em, { tenantSlug: 'bench', clients, services: app.services });
    const seedSeconds = (performance.now() - t0) / 1000;
    await em.execute('analyze');
    const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
      email: 'bench-admin@bench.test',
      tenant: 'bench',
    });
    const pipelineId = (await gql<{ pipelines: { id: string }[] }>(app.url, token, '{ pipelines { id } }')).pipelines[0]
      .id;

    // Every statement sent while an operation runs, as executed (parameters inlined).
    const connection = em.getConnection();
    const platform = em.getPlatform();
    const original = connection.execute.bind(connection);
    let captured: string[] | null = null;
    connection.execute = ((query: string, params: unknown[] = [], ...rest: unknown[]) => {
      captured?.push(platform.formatQuery(query, params));
      return (original as (...a: unknown[]) => Promise<unknown>)(query, params, ...rest);
    }) as typeof connection.execute;

    const results: Record<string, unknown> = {};
    const loads: number[] = [load()];
    for (const [name, [query, variables]] of Object.entries(operations(pipelineId))) {
      for (let i = 0; i < WARMUP; i++) await gql(app.url, token, query, variables);
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const s = performance.now();
        await gql(app.url, token, query, variables);
        times.push(performance.now() - s);
      }
      // The statements of one more run, explained.
      captured = [];
      await gql(app.url, token, query, variables);
      const statements = captured.filter((s) => /^\s*(with|select)\b/i.test(s));
      captured = null;
      if (process.env.BENCH_SQL_DIR) {
        mkdirSync(process.env.BENCH_SQL_DIR, { recursive: true });
        statements.forEach((s, i) =>
          writeFileSync(
            join(process.env.BENCH_SQL_DIR!, `${clients}-${name.replace(/\W+/g, '_')}-${i}.sql`),
            `${s};\n`,
          ),
        );
      }
      const plans = [];
      for (const sql of statements) {
        const rows = await em.execute<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${sql}`);
        const plan = rows.map((r) => r['QUERY PLAN']);
        const seqScans = [...new Set(plan.flatMap((l) => /Seq Scan on (\w+)/.exec(l)?.[1] ?? []))];
        plans.push({
          statement: sql.replace(/\s+/g, ' ').slice(0, 120),
          executionMs: Number(/Execution Time: ([\d.]+)/.exec(plan.join('\n'))?.[1]),
          seqScans,
        });
      }
      results[name] = {
        p50Ms: round(percentile(times, 50)),
        p99Ms: round(percentile(times, 99)),
        maxMs: round(Math.max(...times)),
        statements: plans,
      };
      loads.push(load());
      console.log(
        `${clients} clients · ${name}: p50 ${round(percentile(times, 50))} ms, p99 ${round(percentile(times, 99))} ms`,
      );
    }
    connection.execute = original;
    return {
      clients,
      rows: counts,
      seedSeconds: round(seedSeconds),
      iterations: ITERATIONS,
      loadAverage1m: loads,
      results,
    };
  } finally {
    await app.close();
    if (!process.env.BENCH_KEEP_DB) await db.drop();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export async function runAnalyticsBench(): Promise<Record<string, unknown>> {
  const runs = [];
  for (const size of SIZES) runs.push(await benchSize(size));
  return { redis: false, runs };
}
