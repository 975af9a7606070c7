/**
 * Search, criteria and ask benchmark (issue 15): 10,000 clients from the seed generator (BENCH_CLIENTS)
 * plus interactions up to BENCH_INTERACTIONS (default 100,000), on PostgreSQL. Measures `search`
 * p50/p99 over HTTP at 1 and 10 concurrent connections (names, typos, phone fragments, words of
 * interactions), a `clients(filter: { where })` page with a to-many criteria, and checks with
 * EXPLAIN that the search statement and the criteria use their indexes. With `ask` (`npm run bench
 * -- ask`), also `ask(question)` p50/p99 at 1 and 10 connections (heuristic interpreter, the first
 * page of results with its count) and the plans of the criteria questions compile to.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';

import pg from 'pg';

import {
  buildSearchStatement,
  parseQuery,
  SEARCH_SETTINGS,
  SEARCH_TYPES,
} from '../src/modules/search/search.service.js';
import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { scopedTenantId } from '../src/platform/db/tenancy.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import { gql, percentile, startBenchApp } from './lib.js';
import { executeArgs, SEQ_SCAN_ROWS } from './plans.js';
import { BENCH_JWT_SECRET, prepareDataset } from './server.js';

const INTERACTIONS = Number(process.env.BENCH_INTERACTIONS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_SEARCH_REQUESTS ?? 300);

const SEARCH = `query($q: String!) { search(query: $q, first: 20) { totalCount edges { node { type rank highlights { snippet } record { __typename ... on Client { id fullName } } } } facets { name values { value count } } } }`;
const ASK = `query($q: String!) { ask(question: $q) { understood entity summary results(first: 20) { totalCount nodes { ... on Client { id } ... on Practice { id } ... on Deal { id } ... on Ticket { id } ... on Interaction { id } } } } }`;
const WHERE = `query($w: CriteriaInput!) { clients(first: 20, filter: { where: $w }) { totalCount nodes { id fullName } } }`;

async function timed(url: string, token: string, query: string, vars: object[], concurrency: number) {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < vars.length) {
      const v = vars[next++];
      const s = performance.now();
      await gql(url, token, query, v);
      times.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { n: times.length, p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
}
const round = (n: number) => Math.round(n * 10) / 10;

/** CPU time (ms) used so far by each PostgreSQL backend connected to the bench database (Linux /proc). */
async function postgresCpuMs(conn: { execute: <T>(sql: string) => Promise<T> }): Promise<Map<number, number>> {
  const backends = await conn.execute<{ pid: number }[]>(
    'select pid from pg_stat_activity where datname = current_database()',
  );
  const ms = new Map<number, number>();
  for (const { pid } of backends)
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms.set(pid, (Number(fields[11]) + Number(fields[12])) * 10); // utime + stime, in 10 ms ticks
    } catch {
      /* exited, or not on this machine */
    }
  return ms;
}

/** {@link timed}, plus the CPU time per request of this process (client and server) and of PostgreSQL. */
async function timedCpu(
  conn: Parameters<typeof postgresCpuMs>[0],
  ...args: Parameters<typeof timed>
): Promise<Awaited<ReturnType<typeof timed>> & { cpuMsPerRequest: { node: number; postgres: number } }> {
  const node0 = process.cpuUsage();
  const pg0 = await postgresCpuMs(conn);
  const result = await timed(...args);
  const node = process.cpuUsage(node0);
  // Backends still there: their growth; new ones: all of it (one that closed meanwhile is not counted).
  let pg = 0;
  for (const [pid, ms] of await postgresCpuMs(conn)) pg += ms - (pg0.get(pid) ?? 0);
  return {
    ...result,
    cpuMsPerRequest: { node: round((node.user + node.system) / 1000 / result.n), postgres: round(pg / result.n) },
  };
}

/**
 * The CPU time per request of this process against a stub HTTP server, in this process too, that
 * answers every request with `body` (a captured search response): the bench's HTTP client (fetch,
 * JSON.parse) plus Node's bare HTTP handling. `cpuMsPerRequest.node` less this is about the server's
 * own CPU (Apollo, the fast path or graphql-js, the search service, the pg driver); both sides in one
 * process, the two cannot be told apart otherwise.
 */
async function clientFloor(token: string, vars: object[], concurrency: number, body: string) {
  const stub = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    const cpu0 = process.cpuUsage();
    const result = await timed(url, token, SEARCH, vars, concurrency);
    const cpu = process.cpuUsage(cpu0);
    return { ...result, cpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / result.n) };
  } finally {
    await new Promise((resolve) => stub.close(resolve));
  }
}

/** A typo: one letter of the word dropped. */
const typo = (w: string) => (w.length > 4 ? w.slice(0, 2) + w.slice(3) : w);

/** Questions for the seed tenant: its members' first names, practice types, statuses and relative dates. */
function askQuestions(firstNames: string[]): string[] {
  const [a = 'Maria', b = a] = firstNames;
  return [
    `active practices of ${a}`,
    'clienti con KITAS in scadenza',
    'siapa yang bertanya tentang PT PMA hari ini',
    `deals closing this month for ${b}`,
    'urgent tickets',
    'Italian clients',
    `pratiche in corso di ${b}`,
    'calls today',
    `klien milik ${a}`,
    'practices expiring in the next 60 days',
  ];
}

/** `npm run bench -- search`: search and criteria. */
export function runSearchBench(): Promise<Record<string, unknown>> {
  return runBench({ ask: false });
}

/** `npm run bench -- ask`: search, criteria and ask. */
export function runAskBench(): Promise<Record<string, unknown>> {
  return runBench({ ask: true });
}

async function runBench(options: { ask: boolean }): Promise<Record<string, unknown>> {
  const data = await prepareDataset();
  const app = await startBenchApp(data.databaseUrl, { JWT_SECRET: BENCH_JWT_SECRET });
  try {
    const tenant = await app.db.orm.em.fork().findOneOrFail(Tenant, { slug: data.tenantSlug });
    const em = forkForTenant(app.db.orm.em, tenant.id);
    const conn = em.getConnection();
    const have = Number((await conn.execute<{ n: string }[]>('select count(*) as n from interaction'))[0].n);
    if (have < INTERACTIONS) {
      await conn.execute(
        `with c as (select id, tenant_id, row_number() over (order by id) - 1 as n from client where tenant_id = ?),
              k as (select count(*) as k from c)
         insert into interaction (id, tenant_id, client_id, kind, direction, summary, occurred_at, action_items)
         select gen_random_uuid(), c.tenant_id, c.id, 'NOTE', 'INBOUND',
           (array['Called about KITAS renewal','Asked about PT PMA setup','Sent passport scan','Meeting on villa lease','Follow-up on NPWP'])[1 + g % 5] || ' #' || g, now() - (g || ' minutes')::interval, '{}'
         from generate_series(1, ?) g cross join k join c on c.n = g % k.k`,
        [tenant.id, INTERACTIONS - have],
      );
      await conn.execute('analyze');
    }
    const sample = await conn.execute<{ full_name: string; phone: string | null }[]>(
      'select full_name, phone from client where tenant_id = ? order by md5(id::text) limit 200',
      [tenant.id],
    );
    const queries: string[] = [];
    for (const c of sample) {
      const [first, last] = c.full_name.split(' ');
      queries.push(c.full_name, `${typo(first ?? '')} ${typo(last ?? '')}`.trim());
      if (c.phone) queries.push(`0${c.phone.slice(3, 6)}-${c.phone.slice(6, 10)}`);
    }
    queries.push('kitas renewal', 'pt pma', 'passport', 'villa');
    const vars = Array.from({ length: REQUESTS }, (_, i) => ({ q: queries[i % queries.length] }));
    await timed(app.url, data.token, SEARCH, vars.slice(0, 30), 2); // warm-up
    const loads = [loadavg()[0]];
    const search1 = await timedCpu(conn, app.url, data.token, SEARCH, vars, 1);
    const search10 = await timedCpu(conn, app.url, data.token, SEARCH, vars, 10);
    // Words of many records (e.g. "kitas renewal": ~17,000 interactions), not in the mix above.
    const words = ['kitas renewal', 'pt pma', 'passport', 'villa'];
    const wordVars = Array.from({ length: 12 }, (_, i) => ({ q: words[i % words.length] }));
    const manyHits1 = await timedCpu(conn, app.url, data.token, SEARCH, wordVars, 1);
    // The client's share: the same requests against a stub answering a captured response.
    const captured = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${data.token}` },
      body: JSON.stringify({ query: SEARCH, variables: vars[0] }),
    });
    const capturedBody = await captured.text();
    const client10 = await clientFloor(data.token, vars, 10, capturedBody);
    loads.push(loadavg()[0]);

    const criteria = {
      groups: [
        {
          filters: [
            { field: 'practices.expiryDate', operator: 'NEXT_N_DAYS', value: 60 },
            { field: 'lifecycleStage', operator: 'IN', value: ['CUSTOMER', 'PROSPECT'] },
          ],
        },
      ],
    };
    const whereVars = Array.from({ length: 100 }, () => ({ w: criteria }));
    const where1 = await timed(app.url, data.token, WHERE, whereVars, 1);

    // Plans (EXPLAIN ANALYZE, settings as the service sets them on PostgreSQL): the search statement
    // for a name, a typo'd name, a phone fragment and words of many interactions, each prepared and
    // explained as it runs, a generic plan (EXPLAIN EXECUTE); and a criteria page.
    const plans: Record<string, ReturnType<typeof summarise>> = {};
    const tenantId = scopedTenantId(em)!;
    const planned = [queries[0], queries[1], queries.find((x) => /^0\d/.test(x)) ?? '0812-3456', 'kitas renewal'];
    const rows = await tableRows(conn);
    const db = new pg.Client({ connectionString: data.databaseUrl });
    await db.connect();
    try {
      await db.query(`begin; ${SEARCH_SETTINGS}, set_config('plan_cache_mode', 'force_generic_plan', true)`);
      for (const [i, q] of planned.entries()) {
        const { sql, params } = buildSearchStatement(tenantId, parseQuery(q), new Set(SEARCH_TYPES), {}, 20, null);
        const name = `bench_search_${i}`;
        await db.query({ name, text: sql, values: params }); // prepares it and runs it once
        const args = await executeArgs(db, name, params);
        plans[`search "${q}"`] = summarise(
          (await db.query<{ 'QUERY PLAN': string }>(`explain analyze execute ${name}(${args})`)).rows,
          rows,
        );
      }
      await db.query('commit');
    } finally {
      await db.end();
    }
    const compiled = app.services.criteria.check('CLIENT', criteria);
    if (compiled.ok) {
      const { sql, params } = app.services.criteria.compile(em, 'CLIENT', compiled.criteria);
      plans.criteria = summarise(
        await conn.execute<{ 'QUERY PLAN': string }[]>(
          `explain analyze select "id" from "client" where ${sql} order by "created_at" desc limit 20`,
          params,
        ),
        rows,
      );
    }
    let ask: { ms: Record<string, unknown>; questions: string[]; plans: Record<string, unknown> } | undefined;
    if (options.ask) {
      const vocabulary = await app.services.ask.vocabulary(em);
      const questions = askQuestions(vocabulary.members.map((m) => m.name.split(' ')[0]));
      const askVars = Array.from({ length: Math.min(REQUESTS, 200) }, (_, i) => ({
        q: questions[i % questions.length],
      }));
      await timed(app.url, data.token, ASK, askVars.slice(0, 20), 2); // warm-up
      const ask1 = await timed(app.url, data.token, ASK, askVars, 1);
      const ask10 = await timed(app.url, data.token, ASK, askVars, 10);
      const askPlans: Record<string, unknown> = {};
      for (const q of questions) {
        const answer = await app.services.ask.ask(em, q);
        if (!answer.entity || !answer.criteria) {
          askPlans[q] = 'NOT_UNDERSTOOD';
          continue;
        }
        const checked = app.services.criteria.check(answer.entity, answer.criteria);
        if (!checked.ok) continue;
        const table = {
          CLIENT: 'client',
          PRACTICE: 'practice',
          DEAL: 'deal',
          TICKET: 'ticket',
          INTERACTION: 'interaction',
        }[answer.entity];
        const { sql, params } = app.services.criteria.compile(em, answer.entity, checked.criteria);
        askPlans[q] = {
          understood: answer.summary,
          ...summarise(
            await conn.execute<{ 'QUERY PLAN': string }[]>(
              `explain analyze select "id" from "${table}" where ${sql} order by "created_at" desc limit 20`,
              params,
            ),
            rows,
          ),
        };
      }
      ask = { ms: { connections1: ask1, connections10: ask10 }, questions, plans: askPlans };
    }
    return {
      clients: data.clients,
      interactions: Math.max(have, INTERACTIONS),
      seedSeconds: round(data.seedSeconds),
      searchMs: { connections1: search1, connections10: search10, manyHitsConnections1: manyHits1 },
      // The bench's HTTP client alone (against a stub in this process), at 10 connections: see clientFloor.
      clientOnlyConnections10: { ...client10, responseBytes: Buffer.byteLength(capturedBody) },
      criteriaPageMs: where1,
      plans,
      ...(ask ? { askMs: ask.ms, askQuestions: ask.questions, askPlans: ask.plans } : {}),
      loadAverage1m: [...loads, loadavg()[0]].map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await app.close();
    await data.drop();
  }
}

/** Estimated rows of each table (pg_class.reltuples). */
async function tableRows(conn: { execute: <T>(sql: string) => Promise<T> }): Promise<Map<string, number>> {
  const rows = await conn.execute<{ relname: string; n: number }[]>(
    `select relname, reltuples::float8 as n from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace`,
  );
  return new Map(rows.map((r) => [r.relname, Number(r.n)]));
}

/**
 * An EXPLAIN's index use, sequential scans (those of tables over SEQ_SCAN_ROWS rows again as
 * `bigSeqScans`, a warning), and its planning and execution times when analysed.
 */
function summarise(rows: { 'QUERY PLAN': string }[], tables: Map<string, number>) {
  const text = rows.map((r) => r['QUERY PLAN']);
  const time = (what: string) => {
    const m = text.map((l) => new RegExp(`${what} Time: ([\\d.]+) ms`).exec(l)).find((x) => x);
    return m ? { [`${what.toLowerCase()}Ms`]: Number(m[1]) } : {};
  };
  const seqScans = [...new Set(text.flatMap((l) => [...l.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1])))];
  return {
    ...time('Planning'),
    ...time('Execution'),
    usesIndexes: [
      ...new Set(
        text.flatMap((l) =>
          [...l.matchAll(/Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)/g)].map(
            (m) => m[1] ?? m[2],
          ),
        ),
      ),
    ],
    seqScans,
    bigSeqScans: seqScans
      .filter((t) => (tables.get(t) ?? 0) > SEQ_SCAN_ROWS)
      .map((t) => `${t} (${tables.get(t)} rows)`),
  };
}
