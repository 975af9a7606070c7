/**
 * HTTP benchmarks (issue "Benchmarks: measure Meridian against PostGraphile 5"): autocannon against
 * Meridian (its own process, NODE_ENV=development for `extensions.sqlStatements`) and against a
 * PostGraphile 5 peer on the same database (bench/postgraphile-server.ts).
 *
 * Scenarios: (1) the dashboard client list with nested owner/practices/deals/open tickets;
 * (2) one client's detail with a timeline page of 50; (3) a write mix createClient / createPractice /
 * moveDealStage in rotation; (4) a filtered, ordered practice list (renewals view). 1 and 4 also
 * run on PostGraphile, interleaved (Meridian, PostGraphile, … BENCH_ROUNDS times).
 *
 * Env: BENCH_CLIENTS (10,000), BENCH_DURATION seconds per run (10), BENCH_ROUNDS (2),
 * BENCH_CONNECTIONS (10).
 */
import autocannon from 'autocannon';
import pg from 'pg';

import { toGlobalId } from '../src/platform/graphql/global-id.js';
import { startPostGraphile } from './postgraphile.js';
import { prepareDataset, type ServerProcess, startMeridian } from './server.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

const DASHBOARD = (first: number) => `{
  clients(first: ${first}) { nodes {
    id fullName email lifecycleStage
    owner { name }
    practices { status type { code } }
    deals { title stage { name } }
    tickets(filter: { status: OPEN }) { nodes { number subject } }
  } }
}`;

/** PostGraphile's equivalent of DASHBOARD: same tenant, same order, archived hidden, same nesting. */
const PG_DASHBOARD = `query($tenant: UUID!) {
  allClients(first: 50, condition: { tenantId: $tenant }, filter: { archivedAt: { isNull: true } },
             orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes {
    id fullName email lifecycleStage
    teamMemberByOwnerId { name }
    practicesByClientId(orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { status practiceTypeByTypeId { code } } }
    dealsByClientId(orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { title pipelineStageByStageId { name } } }
    ticketsByClientId(condition: { status: "OPEN" }, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { number subject } }
  } }
}`;

const DETAIL = `query($id: ID!) {
  client(id: $id) {
    id fullName email phone lifecycleStage leadScore tags owner { name }
    timeline(first: 50) { nodes { type summary occurredAt } pageInfo { hasNextPage endCursor } }
  }
}`;

const PRACTICES = `query($f: PracticeFilter) {
  practices(first: 50, filter: $f, orderBy: { field: EXPIRY_DATE, direction: ASC }) { nodes {
    id status expiryDate client { fullName } type { code } assignedTo { name }
  } }
}`;

const PG_PRACTICES = `query($f: PracticeFilter!) {
  allPractices(first: 50, filter: $f, orderBy: [EXPIRY_DATE_ASC, ROW_ID_ASC]) { nodes {
    id status expiryDate clientByClientId { fullName } practiceTypeByTypeId { code } teamMemberByAssignedToId { name }
  } }
}`;

/** Counts of the whole filtered set (for the equivalence check of scenario 4). */
const PRACTICES_COUNT = `query($f: PracticeFilter) { practices(first: 1, filter: $f, orderBy: { field: EXPIRY_DATE, direction: ASC }) { totalCount } }`;
const PG_PRACTICES_COUNT = `query($f: PracticeFilter!) { allPractices(filter: $f) { totalCount } }`;

interface Run {
  scenario: string;
  server: 'meridian' | 'postgraphile';
  round?: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses whose body had GraphQL `errors` or non-empty `userErrors`. */
  graphqlErrors: number;
  sqlPerOp: number | null;
  rssMb: number;
}

async function post(url: string, token: string | null, query: string, variables?: object): Promise<any> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown[]; extensions?: { sqlStatements?: number } };
  if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors).slice(0, 1000)}`);
  return body;
}

const badBody = (b: string) => b.includes('"errors"') || /"userErrors":\[\{/.test(b);

/** One autocannon run; `bodies` is a fixed body or a generator of bodies (one per request). */
async function load(
  scenario: string,
  server: ServerProcess,
  kind: Run['server'],
  token: string | null,
  bodies: string | (() => string),
  sqlPerOp: number | null,
  round?: number,
): Promise<Run> {
  let graphqlErrors = 0;
  const onResponse = (_status: number, body: string) => {
    if (badBody(body)) graphqlErrors++;
  };
  const result = await autocannon({
    url: `${server.url}/graphql`,
    connections: CONNECTIONS,
    duration: DURATION,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    requests: [
      typeof bodies === 'string'
        ? { body: bodies, onResponse }
        : { setupRequest: (req: any) => ({ ...req, body: bodies() }), onResponse },
    ],
  });
  const run: Run = {
    scenario,
    server: kind,
    ...(round !== undefined ? { round } : {}),
    reqPerSec: result.requests.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
    sqlPerOp,
    rssMb: Math.round(server.rssMb()),
  };
  console.log(
    `  ${scenario} ${kind}${round !== undefined ? ` #${round}` : ''}: ${run.reqPerSec.toFixed(1)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, errors ${run.errors + run.timeouts + run.non2xx + graphqlErrors}`,
  );
  return run;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function runHttpBench(): Promise<Record<string, unknown>> {
  const dataset = await prepareDataset();
  const { token } = dataset;
  console.log(`seeded ${dataset.clients} clients in ${dataset.seedSeconds.toFixed(1)} s`);
  const db = new pg.Client({ connectionString: dataset.databaseUrl });
  await db.connect();
  let meridian: ServerProcess | undefined;
  let postgraphile: ServerProcess | undefined;
  try {
    // --- Fixtures from the database -------------------------------------------------------------
    const one = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
    const [{ id: tenantId }] = await one(`select id from tenant where slug = $1`, [dataset.tenantSlug]);
    const [{ client_id: busyClient, n: busyEvents }] = await one(
      `select client_id, count(*)::int n from timeline_event where tenant_id = $1 and client_id is not null
       group by 1 order by 2 desc limit 1`,
      [tenantId],
    );
    const liveClients = (
      await one(`select id from client where tenant_id = $1 and archived_at is null order by id limit 2000`, [tenantId])
    ).map((r) => toGlobalId('Client', r.id));
    const typeCodes = (await one(`select code from practice_type where tenant_id = $1 order by code`, [tenantId])).map(
      (r) => r.code as string,
    );
    const openDeals = await one(
      `select d.id, d.stage_id, d.pipeline_id from deal d join pipeline_stage s on s.id = d.stage_id
       where d.tenant_id = $1 and s.kind = 'OPEN' order by d.id`,
      [tenantId],
    );
    const openStages = new Map<string, string[]>();
    for (const s of await one(`select id, pipeline_id from pipeline_stage where tenant_id = $1 and kind = 'OPEN'`, [
      tenantId,
    ])) {
      openStages.set(s.pipeline_id, [...(openStages.get(s.pipeline_id) ?? []), s.id]);
    }
    // Scenario 4: renewals of the two busiest agents, COMPLETED practices expiring in the next year.
    const agents = (
      await one(
        `select assigned_to_id id from practice where tenant_id = $1 and assigned_to_id is not null
         group by 1 order by count(*) desc limit 2`,
        [tenantId],
      )
    ).map((r) => r.id as string);
    const today = new Date().toISOString().slice(0, 10);
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const filter = {
      statuses: ['COMPLETED'],
      assignedToIds: agents.map((a) => toGlobalId('TeamMember', a)),
      expiryFrom: today,
      expiryTo: inAYear,
    };
    const pgFilter = {
      tenantId: { equalTo: tenantId },
      status: { in: ['COMPLETED'] },
      assignedToId: { in: agents },
      expiryDate: { isNull: false, greaterThanOrEqualTo: today, lessThanOrEqualTo: inAYear },
    };

    // --- Servers ----------------------------------------------------------------------------------
    meridian = await startMeridian(dataset.databaseUrl);
    postgraphile = await startPostGraphile(dataset.databaseUrl);
    const M = meridian;
    const P = postgraphile;

    // --- Samples: validity, SQL per operation, equivalence -------------------------------------------
    const dash5 = await post(M.url, token, DASHBOARD(5));
    const dash50 = await post(M.url, token, DASHBOARD(50));
    const detail = await post(M.url, token, DETAIL, { id: toGlobalId('Client', busyClient) });
    const prac = await post(M.url, token, PRACTICES, { f: filter });
    const pracCount = await post(M.url, token, PRACTICES_COUNT, { f: filter });
    const pgDash = await post(P.url, null, PG_DASHBOARD, { tenant: tenantId });
    const pgPrac = await post(P.url, null, PG_PRACTICES, { f: pgFilter });
    const pgPracCount = await post(P.url, null, PG_PRACTICES_COUNT, { f: pgFilter });
    const mNodes = dash50.data.clients.nodes as any[];
    const pNodes = pgDash.data.allClients.nodes as any[];
    const nested = (ns: any[], p: string, d: string, t: string) => ({
      clients: ns.length,
      practices: ns.reduce((a, n) => a + (p.split('.').reduce((o, k) => o[k], n) as any[]).length, 0),
      deals: ns.reduce((a, n) => a + (d.split('.').reduce((o, k) => o[k], n) as any[]).length, 0),
      openTickets: ns.reduce((a, n) => a + (t.split('.').reduce((o, k) => o[k], n) as any[]).length, 0),
    });
    const equivalence = {
      dashboard: {
        meridian: nested(mNodes, 'practices', 'deals', 'tickets.nodes'),
        postgraphile: nested(pNodes, 'practicesByClientId.nodes', 'dealsByClientId.nodes', 'ticketsByClientId.nodes'),
        sameClientsInOrder: mNodes.every((n, i) => n.fullName === pNodes[i]?.fullName && n.email === pNodes[i]?.email),
      },
      practices: {
        meridianTotal: pracCount.data.practices.totalCount as number,
        postgraphileTotal: pgPracCount.data.allPractices.totalCount as number,
        meridianPage: prac.data.practices.nodes.length as number,
        postgraphilePage: pgPrac.data.allPractices.nodes.length as number,
        samePageInOrder: (prac.data.practices.nodes as any[]).every(
          (n, i) => n.expiryDate === pgPrac.data.allPractices.nodes[i]?.expiryDate,
        ),
      },
    };
    console.log('equivalence', JSON.stringify(equivalence));
    // Comparing throughput is only fair if both servers return the same rows: stop otherwise.
    const differences = [
      ...(mNodes.length !== pNodes.length ||
      !equivalence.dashboard.sameClientsInOrder ||
      JSON.stringify(equivalence.dashboard.meridian) !== JSON.stringify(equivalence.dashboard.postgraphile)
        ? [`scenario 1 dashboard list: ${JSON.stringify(equivalence.dashboard)}`]
        : []),
      ...(equivalence.practices.meridianTotal !== equivalence.practices.postgraphileTotal ||
      equivalence.practices.meridianPage !== equivalence.practices.postgraphilePage ||
      !equivalence.practices.samePageInOrder
        ? [`scenario 4 filtered practices: ${JSON.stringify(equivalence.practices)}`]
        : []),
    ];
    if (differences.length)
      throw new Error(
        `Meridian and PostGraphile return different rows, so their figures do not compare:\n  ${differences.join('\n  ')}`,
      );
    const sql = {
      dashboardFirst5: dash5.extensions?.sqlStatements ?? null,
      dashboardFirst50: dash50.extensions?.sqlStatements ?? null,
      clientDetail: detail.extensions?.sqlStatements ?? null,
      practices: prac.extensions?.sqlStatements ?? null,
      timelineEventsOfClient: busyEvents as number,
      timelineNodesReturned: detail.data.client.timeline.nodes.length as number,
    };

    // Write mix bodies: unique emails, live clients, open deals moved to another open stage.
    const stamp = Date.now().toString(36);
    const stageOf = new Map<string, string>(openDeals.map((d) => [d.id as string, d.stage_id as string]));
    let w = 0;
    const writeBody = (): string => {
      const i = w++;
      switch (i % 3) {
        case 0:
          return JSON.stringify({
            query: `mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } userErrors { code message } } }`,
            variables: { i: { fullName: `Bench Writer ${i}`, email: `bench-w-${stamp}-${i}@bench.test` } },
          });
        case 1:
          return JSON.stringify({
            query: `mutation($i: CreatePracticeInput!) { createPractice(input: $i) { practice { id } userErrors { code message } } }`,
            variables: {
              i: { clientId: liveClients[i % liveClients.length], practiceTypeCode: typeCodes[i % typeCodes.length] },
            },
          });
        default: {
          const deal = openDeals[Math.floor(i / 3) % openDeals.length]!;
          const stages = openStages.get(deal.pipeline_id)!.filter((s) => s !== stageOf.get(deal.id));
          const stage = stages[i % stages.length];
          stageOf.set(deal.id, stage);
          return JSON.stringify({
            query: `mutation($i: MoveDealStageInput!) { moveDealStage(input: $i) { deal { id } userErrors { code message } } }`,
            variables: { i: { id: toGlobalId('Deal', deal.id), stageId: toGlobalId('PipelineStage', stage) } },
          });
        }
      }
    };
    const writeSamples = [];
    for (let k = 0; k < 3; k++) {
      const b = JSON.parse(writeBody()) as { query: string; variables: object };
      const res = await post(M.url, token, b.query, b.variables);
      const payload = Object.values(res.data as object)[0] as { userErrors: unknown[] };
      if (payload.userErrors.length) throw new Error(`write sample has userErrors: ${JSON.stringify(payload)}`);
      writeSamples.push({ op: Object.keys(res.data as object)[0], sqlStatements: res.extensions?.sqlStatements });
    }
    console.log('sql per op', JSON.stringify(sql), 'writes', JSON.stringify(writeSamples));

    // --- Load -------------------------------------------------------------------------------------------
    const body = (query: string, variables?: object) => JSON.stringify({ query, variables });
    const runs: Run[] = [];
    const dashM = body(DASHBOARD(50));
    const dashP = body(PG_DASHBOARD, { tenant: tenantId });
    const pracM = body(PRACTICES, { f: filter });
    const pracP = body(PG_PRACTICES, { f: pgFilter });
    // Warm-up (JIT, pools, plan caches) of both servers, not recorded.
    for (const [s, t, b] of [
      [M, token, dashM],
      [P, null, dashP],
      [M, token, pracM],
      [P, null, pracP],
    ] as const) {
      await autocannon({
        url: `${s.url}/graphql`,
        connections: CONNECTIONS,
        duration: 2,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
        body: b,
      });
    }
    for (let r = 1; r <= ROUNDS; r++) {
      runs.push(await load('1 dashboard list', M, 'meridian', token, dashM, sql.dashboardFirst50, r));
      runs.push(await load('1 dashboard list', P, 'postgraphile', null, dashP, null, r));
    }
    for (let r = 1; r <= ROUNDS; r++) {
      runs.push(await load('4 filtered practices', M, 'meridian', token, pracM, sql.practices, r));
      runs.push(await load('4 filtered practices', P, 'postgraphile', null, pracP, null, r));
    }
    const detailBody = body(DETAIL, { id: toGlobalId('Client', busyClient) });
    runs.push(await load('2 client detail + timeline', M, 'meridian', token, detailBody, sql.clientDetail));
    const writeSql = writeSamples.map((s) => s.sqlStatements as number);
    runs.push(await load('3 write mix', M, 'meridian', token, writeBody, writeSql.length ? mean(writeSql) : null));

    const summary: Record<string, unknown> = {};
    for (const scenario of ['1 dashboard list', '4 filtered practices']) {
      const m = runs.filter((x) => x.scenario === scenario && x.server === 'meridian');
      const p = runs.filter((x) => x.scenario === scenario && x.server === 'postgraphile');
      const mRps = mean(m.map((x) => x.reqPerSec));
      const pRps = mean(p.map((x) => x.reqPerSec));
      summary[scenario] = {
        meridianReqPerSec: mRps,
        postgraphileReqPerSec: pRps,
        meridianP50Ms: mean(m.map((x) => x.p50Ms)),
        postgraphileP50Ms: mean(p.map((x) => x.p50Ms)),
        meridianP99Ms: mean(m.map((x) => x.p99Ms)),
        postgraphileP99Ms: mean(p.map((x) => x.p99Ms)),
        ratioMeridianOverPostgraphile: mRps / pRps,
      };
    }

    console.log('\nscenario                     server        round  req/s    p50 ms  p99 ms  SQL/op  errors  RSS MB');
    for (const x of runs) {
      const errs = x.errors + x.timeouts + x.non2xx + x.graphqlErrors;
      console.log(
        `${x.scenario.padEnd(29)}${x.server.padEnd(14)}${String(x.round ?? '-').padEnd(7)}${x.reqPerSec.toFixed(1).padStart(7)}${String(x.p50Ms).padStart(8)}${String(x.p99Ms).padStart(8)}${(x.sqlPerOp === null ? '-' : String(Math.round(x.sqlPerOp * 10) / 10)).padStart(8)}${String(errs).padStart(8)}${String(x.rssMb).padStart(8)}`,
      );
    }
    for (const [s, v] of Object.entries(summary) as [string, any][]) {
      console.log(
        `${s}: Meridian ${v.meridianReqPerSec.toFixed(1)} req/s vs PostGraphile ${v.postgraphileReqPerSec.toFixed(1)} req/s → ratio ${v.ratioMeridianOverPostgraphile.toFixed(2)}`,
      );
    }

    return {
      clients: dataset.clients,
      seedSeconds: dataset.seedSeconds,
      durationSeconds: DURATION,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      scenario4Filter: filter,
      equivalence,
      sqlStatements: sql,
      writeSamples,
      runs,
      summary,
    };
  } finally {
    await db.end().catch(() => undefined);
    await meridian?.stop();
    await postgraphile?.stop();
    await dataset.drop();
  }
}
