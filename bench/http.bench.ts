/**
 * HTTP benchmarks (issues "Benchmarks: measure Meridian against PostGraphile 5" and 18): autocannon
 * against Meridian (its own process, NODE_ENV=development for `extensions.sqlStatements`) and against
 * a PostGraphile 5 peer on the same database (bench/postgraphile-server.ts), set up as PostGraphile's
 * documentation says: with the foreign-key indexes of the relations it serves (bench/plans.ts
 * PEER_INDEXES, created in the bench database only).
 *
 * Scenarios: (1) the dashboard client list with nested owner/practices/deals/open tickets;
 * (2) one client's detail with a timeline page of 50; (3) a write mix createClient / createPractice /
 * moveDealStage in rotation, into a tenant of its own (`bench-writes`, BENCH_WRITE_CLIENTS clients,
 * 1,000), so that tenant `bench`, which the other scenarios read, stays as seeded on a reused
 * database (BENCH_REUSE_DB=1; the run stops if it is not); (4) a filtered, ordered practice list
 * (renewals view). 1 and 4 also run on PostGraphile, at each connection count, interleaved (Meridian, PostGraphile, Meridian, … for
 * BENCH_ROUNDS rounds). Before the load: the rows of both servers are compared row by row (the run
 * stops if they differ), the SQL each server sends for 1 and 4 is recorded and EXPLAINed (a WARNING
 * is printed for a sequential scan of a table of more than SEQ_SCAN_ROWS rows), as migrated and with
 * the peer's indexes. Per run: req/s, p50/p99, CPU ms per request of the server process and of the
 * PostgreSQL backends (/proc), RSS, SQL statements per operation. After it: the floor, PostGraphile's
 * own SQL for 1 and 4 through plain `pg`.
 *
 * Env: BENCH_CLIENTS (10,000), BENCH_WRITE_CLIENTS (1,000), BENCH_DURATION seconds per run (10),
 * BENCH_ROUNDS (2), BENCH_CONNECTIONS comma-separated connection counts (10,1; the first also for
 * scenarios 2, 3 and the floor), BENCH_PEER_INDEXES=off to measure against the database as migrated,
 * BENCH_PG_SOCKET (a directory) to connect both servers and the floor through PostgreSQL's Unix socket,
 * BENCH_PEER_PLANS=auto to leave the peer's prepared statements to PostgreSQL's default plan choice
 * (default `best`: see PEER_PLANS).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';

import autocannon from 'autocannon';
import pg from 'pg';

import { toGlobalId } from '../src/platform/graphql/global-id.js';
import { transportOf } from './lib.js';
import {
  backendCpu,
  backendCpuSpent,
  captureSetup,
  captureSql,
  cpuMs,
  createPeerIndexes,
  explain,
  explainGeneric,
  floor,
  type GenericPlanReport,
  PEER_INDEXES,
  type PlanReport,
  SEQ_SCAN_ROWS,
  type Statement,
  unindexedForeignKeys,
} from './plans.js';
import { startPostGraphile } from './postgraphile.js';
import { prepareDataset, type ServerProcess, startMeridian } from './server.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? '10,1').split(',').map(Number);
const PEER_INDEXES_ON = process.env.BENCH_PEER_INDEXES !== 'off';
/**
 * PostGraphile prepares its statements, and after five executions PostgreSQL may switch one to its
 * generic plan, or not, by estimated cost. The two differ a lot for the peer: scenario 4's generic
 * plan joins every matching practice before sorting (2.3-15 ms against 0.2-0.7 ms planned for the
 * values), which made the peer and its floor several times slower in some runs and not in others,
 * while scenario 1's generic plan is the cheaper one (0.47 against 0.85 ms of PostgreSQL CPU with
 * planning). The peer's documentation says nothing either way. `best` (the default): for each
 * scenario the peer (and its floor) runs with the plan mode under which its own statements ran
 * faster through plain pg (3 s in each, set on the connections as `plan_cache_mode`): a ratio
 * never rests on the peer's unlucky plan. `auto`: PostgreSQL's default choice. Meridian's
 * connections keep the default (its generic plans are checked below).
 */
const PEER_PLANS = process.env.BENCH_PEER_PLANS === 'auto' ? 'auto' : 'best';
type PlanMode = 'auto' | 'force_custom_plan' | 'force_generic_plan';
/** libpq's `options` for connections of `mode` (undefined: the server's default). */
const planOptions = (mode: PlanMode) => (mode === 'auto' ? undefined : `-c plan_cache_mode=${mode}`);
const WRITE_CLIENTS = Number(process.env.BENCH_WRITE_CLIENTS ?? 1000);
const COMMIT = commit();

/** Scenario 1, the dashboard list (`first` clients). */
export const DASHBOARD = (first: number) => `{
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

/** Scenario 4, the filtered, sorted practice list (`$f`: {@link practicesFilter}). */
export const PRACTICES = `query($f: PracticeFilter) {
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

/** Which server a run measured. */
type Kind = 'meridian' | 'postgraphile';

interface Run {
  scenario: string;
  server: Kind;
  connections: number;
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
  /** CPU time (user + system) of the server process per request, ms. */
  cpuMsPerReq: number | null;
  /** CPU time of the database's PostgreSQL backends per request, ms. */
  pgCpuMsPerReq: number | null;
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

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOrNull = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? mean(xs) : null);
const fixed = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));

/** The current commit (with "+changes" if the work tree differs from it). */
function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

/** The dashboard rows of either server in one shape, for the row-by-row comparison. */
function dashboardRows(nodes: any[], kind: Kind) {
  return nodes.map((n) =>
    kind === 'meridian'
      ? {
          fullName: n.fullName,
          email: n.email,
          lifecycleStage: n.lifecycleStage,
          owner: n.owner?.name ?? null,
          practices: n.practices.map((p: any) => [p.status, p.type.code]),
          deals: n.deals.map((d: any) => [d.title, d.stage.name]),
          openTickets: n.tickets.nodes.map((t: any) => [t.number, t.subject]),
        }
      : {
          fullName: n.fullName,
          email: n.email,
          lifecycleStage: n.lifecycleStage,
          owner: n.teamMemberByOwnerId?.name ?? null,
          practices: n.practicesByClientId.nodes.map((p: any) => [p.status, p.practiceTypeByTypeId.code]),
          deals: n.dealsByClientId.nodes.map((d: any) => [d.title, d.pipelineStageByStageId.name]),
          openTickets: n.ticketsByClientId.nodes.map((t: any) => [t.number, t.subject]),
        },
  );
}

/** The practice page of either server in one shape (ids differ in format, so they are left out). */
function practiceRows(nodes: any[], kind: Kind) {
  return nodes.map((n) =>
    kind === 'meridian'
      ? [n.status, n.expiryDate, n.client.fullName, n.type.code, n.assignedTo?.name ?? null]
      : [
          n.status,
          n.expiryDate,
          n.clientByClientId.fullName,
          n.practiceTypeByTypeId.code,
          n.teamMemberByAssignedToId?.name ?? null,
        ],
  );
}

/** "row 3: {…} ≠ {…}" for the first rows that differ (at most 3), or [] when all match. */
function rowDifferences(a: unknown[], b: unknown[]): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`${a.length} rows ≠ ${b.length} rows`);
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 3; i++) {
    const x = JSON.stringify(a[i]);
    const y = JSON.stringify(b[i]);
    if (x !== y) out.push(`row ${i}: Meridian ${x} ≠ PostGraphile ${y}`);
  }
  return out;
}

/**
 * Scenario 4's filter: renewals of the two busiest agents of `tenantId`, COMPLETED practices
 * expiring in the next year (`filter`, Meridian's `PracticeFilter`), with what it is made of.
 */
export async function practicesFilter(db: pg.Client, tenantId: string) {
  const agents = (
    await db.query<{ id: string }>(
      `select assigned_to_id id from practice where tenant_id = $1 and assigned_to_id is not null
       group by 1 order by count(*) desc limit 2`,
      [tenantId],
    )
  ).rows.map((r) => r.id);
  const today = new Date().toISOString().slice(0, 10);
  const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const filter = {
    statuses: ['COMPLETED'],
    assignedToIds: agents.map((a) => toGlobalId('TeamMember', a)),
    expiryFrom: today,
    expiryTo: inAYear,
  };
  return { filter, agents, today, inAYear };
}

export async function runHttpBench(): Promise<Record<string, unknown>> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const dataset = await prepareDataset(undefined, { writeTenantClients: WRITE_CLIENTS });
  const { token, writeToken } = dataset;
  console.log(`seeded ${dataset.clients} clients in ${dataset.seedSeconds.toFixed(1)} s`);
  if (dataset.seedChanges.length) {
    await dataset.drop();
    throw new Error(
      `the reused database's tenant bench is not the seed any more, so scenarios 1 and 4 would not measure what they say; drop the database (or run without BENCH_REUSE_DB):\n  ${dataset.seedChanges.join('\n  ')}`,
    );
  }
  const db = new pg.Client({ connectionString: dataset.databaseUrl });
  await db.connect();
  let meridian: ServerProcess | undefined;
  let postgraphile: ServerProcess | undefined;
  /** Peers started with a plan mode of their own (see PEER_PLANS). */
  const extraPeers: ServerProcess[] = [];
  const captureFiles: string[] = [];
  try {
    // --- Fixtures from the database -------------------------------------------------------------
    const one = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
    const [{ id: tenantId }] = await one(`select id from tenant where slug = $1`, [dataset.tenantSlug]);
    // Scenario 3 writes into its own tenant: its fixtures come from there.
    const [{ id: writeTenantId }] = await one(`select id from tenant where slug = 'bench-writes'`);
    const [{ client_id: busyClient, n: busyEvents }] = await one(
      `select client_id, count(*)::int n from timeline_event where tenant_id = $1 and client_id is not null
       group by 1 order by 2 desc limit 1`,
      [tenantId],
    );
    const liveClients = (
      await one(`select id from client where tenant_id = $1 and archived_at is null order by id limit 2000`, [
        writeTenantId,
      ])
    ).map((r) => toGlobalId('Client', r.id));
    const typeCodes = (
      await one(`select code from practice_type where tenant_id = $1 order by code`, [writeTenantId])
    ).map((r) => r.code as string);
    const openDeals = await one(
      `select d.id, d.stage_id, d.pipeline_id from deal d join pipeline_stage s on s.id = d.stage_id
       where d.tenant_id = $1 and s.kind = 'OPEN' order by d.id`,
      [writeTenantId],
    );
    const openStages = new Map<string, string[]>();
    for (const s of await one(`select id, pipeline_id from pipeline_stage where tenant_id = $1 and kind = 'OPEN'`, [
      writeTenantId,
    ])) {
      openStages.set(s.pipeline_id, [...(openStages.get(s.pipeline_id) ?? []), s.id]);
    }
    const { filter, agents, today, inAYear } = await practicesFilter(db, tenantId as string);
    const pgFilter = {
      tenantId: { equalTo: tenantId },
      status: { in: ['COMPLETED'] },
      assignedToId: { in: agents },
      expiryDate: { isNull: false, greaterThanOrEqualTo: today, lessThanOrEqualTo: inAYear },
    };

    // --- Servers (recording their SQL on demand) ------------------------------------------------------
    const mCapture = captureSetup('meridian');
    const pCapture = captureSetup('postgraphile');
    captureFiles.push(mCapture.file, pCapture.file);
    meridian = await startMeridian(dataset.databaseUrl, mCapture.env, mCapture.nodeArgs);
    postgraphile = await startPostGraphile(dataset.databaseUrl, pCapture.env, pCapture.nodeArgs);
    const M = meridian;
    const P = postgraphile;

    // --- Samples: validity, SQL per operation, row-by-row equivalence ---------------------------------
    const dash5 = await post(M.url, token, DASHBOARD(5));
    const dash50 = await post(M.url, token, DASHBOARD(50));
    const detail = await post(M.url, token, DETAIL, { id: toGlobalId('Client', busyClient) });
    const prac = await post(M.url, token, PRACTICES, { f: filter });
    const pracCount = await post(M.url, token, PRACTICES_COUNT, { f: filter });
    const pgDash = await post(P.url, null, PG_DASHBOARD, { tenant: tenantId });
    const pgPrac = await post(P.url, null, PG_PRACTICES, { f: pgFilter });
    const pgPracCount = await post(P.url, null, PG_PRACTICES_COUNT, { f: pgFilter });
    const mDash = dashboardRows(dash50.data.clients.nodes, 'meridian');
    const pDash = dashboardRows(pgDash.data.allClients.nodes, 'postgraphile');
    const mPrac = practiceRows(prac.data.practices.nodes, 'meridian');
    const pPrac = practiceRows(pgPrac.data.allPractices.nodes, 'postgraphile');
    const count = (rows: ReturnType<typeof dashboardRows>) => ({
      clients: rows.length,
      practices: rows.reduce((a, r) => a + r.practices.length, 0),
      deals: rows.reduce((a, r) => a + r.deals.length, 0),
      openTickets: rows.reduce((a, r) => a + r.openTickets.length, 0),
    });
    const equivalence = {
      dashboard: { meridian: count(mDash), postgraphile: count(pDash), rowDifferences: rowDifferences(mDash, pDash) },
      practices: {
        meridianTotal: pracCount.data.practices.totalCount as number,
        postgraphileTotal: pgPracCount.data.allPractices.totalCount as number,
        page: mPrac.length,
        rowDifferences: rowDifferences(mPrac, pPrac),
      },
    };
    console.log('equivalence', JSON.stringify(equivalence));
    // Comparing throughput is only fair if both servers return the same rows: stop otherwise.
    const differences = [
      ...equivalence.dashboard.rowDifferences.map((d) => `scenario 1 dashboard list: ${d}`),
      ...equivalence.practices.rowDifferences.map((d) => `scenario 4 filtered practices: ${d}`),
      ...(equivalence.practices.meridianTotal !== equivalence.practices.postgraphileTotal
        ? [`scenario 4 totalCount: ${equivalence.practices.meridianTotal} ≠ ${equivalence.practices.postgraphileTotal}`]
        : []),
      ...(mDash.length === 0 || mPrac.length === 0 ? ['a scenario returned no rows: nothing to compare'] : []),
    ];
    if (differences.length)
      throw new Error(
        `Meridian and PostGraphile return different rows, so their figures do not compare:\n  ${differences.join('\n  ')}`,
      );

    // --- The SQL each server sends, and its plans -------------------------------------------------------
    const body = (query: string, variables?: object) => JSON.stringify({ query, variables });
    const scenarios = [
      {
        name: '1 dashboard list',
        meridian: { query: DASHBOARD(50), variables: undefined as object | undefined },
        postgraphile: { query: PG_DASHBOARD, variables: { tenant: tenantId } as object | undefined },
      },
      {
        name: '4 filtered practices',
        meridian: { query: PRACTICES, variables: { f: filter } },
        postgraphile: { query: PG_PRACTICES, variables: { f: pgFilter } },
      },
    ];
    const servers = {
      meridian: { s: M, token, capture: mCapture },
      postgraphile: { s: P, token: null, capture: pCapture },
    };
    const statements: Record<string, Record<Kind, Statement[]>> = {};
    for (const sc of scenarios) {
      statements[sc.name] = { meridian: [], postgraphile: [] };
      for (const kind of ['meridian', 'postgraphile'] as const) {
        const { s, token: t, capture } = servers[kind];
        // Three requests, one at a time; the smallest capture is the request's own SQL (a statement
        // of the server's background work, e.g. a commit, can only add to a capture).
        for (let k = 0; k < 3; k++) {
          const got = await captureSql(s.pid, capture.file, () => post(s.url, t, sc[kind].query, sc[kind].variables));
          if (k === 0 || got.length < statements[sc.name][kind].length) statements[sc.name][kind] = got;
        }
      }
    }
    const planTables = ['client', 'practice', 'deal', 'ticket', 'team_member', 'practice_type', 'pipeline_stage'];
    const explainAll = async () => {
      const out: Record<string, Record<Kind, PlanReport>> = {};
      for (const sc of scenarios) {
        out[sc.name] = {
          meridian: await explain(db, statements[sc.name].meridian),
          postgraphile: await explain(db, statements[sc.name].postgraphile),
        };
      }
      return out;
    };
    const printPlans = (label: string, plans: Record<string, Record<Kind, PlanReport>>) => {
      console.log(`plans ${label} (EXPLAIN ANALYZE, median of 5):`);
      for (const [name, byKind] of Object.entries(plans)) {
        for (const [kind, p] of Object.entries(byKind)) {
          console.log(
            `  ${name} ${kind}: ${p.statements} statement(s), ${p.executionMs} ms in PostgreSQL, seq scans [${p.seqScans.join(', ')}], indexes [${p.indexes.join(', ')}]${p.wholeIndexScans.length ? `, whole-index scans [${p.wholeIndexScans.join(', ')}]` : ''}`,
          );
        }
      }
    };
    const asMigrated = await explainAll();
    printPlans('on the database as migrated', asMigrated);
    let withPeerIndexes: typeof asMigrated | null = null;
    if (PEER_INDEXES_ON) {
      await createPeerIndexes(db);
      withPeerIndexes = await explainAll();
      printPlans(
        `with PostGraphile's foreign-key indexes (${PEER_INDEXES.map((i) => `${i.table}(${i.columns.join(', ')})`).join(', ')})`,
        withPeerIndexes,
      );
    }
    const unindexed = await unindexedForeignKeys(db, planTables);
    console.log(`foreign keys of the scenario tables still without an index of their own: ${unindexed.length}`);
    const compared = withPeerIndexes ?? asMigrated;
    const warnings: string[] = [];
    for (const [name, byKind] of Object.entries(compared)) {
      for (const [kind, p] of Object.entries(byKind)) {
        if (p.bigSeqScans.length) warnings.push(`${kind} ${name}: Seq Scan on ${p.bigSeqScans.join(', ')}`);
        if (p.wholeIndexScans.length)
          warnings.push(`${kind} ${name}: whole-index scan of ${p.wholeIndexScans.join(', ')}`);
      }
    }
    for (const w of warnings) {
      console.log(`\n*** WARNING: ${w} (more than ${SEQ_SCAN_ROWS} rows): this comparison is not the fair one ***\n`);
    }
    // Both servers prepare their statements: after five executions PostgreSQL may run a statement on
    // its generic plan, which can be much slower than the plan for the values EXPLAINed above.
    const genericPlans: Record<string, Record<Kind, GenericPlanReport>> = {};
    console.log('prepared statements, custom against generic plan (EXPLAIN ANALYZE EXECUTE, median of 5):');
    for (const sc of scenarios) {
      genericPlans[sc.name] = {
        meridian: await explainGeneric(db, statements[sc.name].meridian),
        postgraphile: await explainGeneric(db, statements[sc.name].postgraphile),
      };
      for (const [kind, g] of Object.entries(genericPlans[sc.name])) {
        console.log(`  ${sc.name} ${kind}: ${g.customMs} ms custom, ${g.genericMs} ms generic`);
        // The peer runs on its faster plan mode unless BENCH_PEER_PLANS=auto: a slow generic plan is then moot.
        const matters = kind === 'meridian' || PEER_PLANS === 'auto';
        if (matters && g.genericMs > 2 * g.customMs && g.genericMs - g.customMs > 0.5) {
          const w = `${kind} ${sc.name}: its generic plan takes ${g.genericMs} ms against ${g.customMs} ms for the values; once PostgreSQL switches to it, ${kind} (and the floor, for PostGraphile's SQL) run slower`;
          warnings.push(w);
          console.log(`\n*** WARNING: ${w}: this comparison is not the fair one ***\n`);
        }
      }
    }

    // The peer's plan mode per scenario (PEER_PLANS), and a peer process for each mode used: the
    // one started above (PostgreSQL's default, its SQL recorded) for `auto`, else one more per mode.
    // `best` tries the peer's own statements through plain pg in each mode (the floor's loop, 3 s at
    // the first connection count): the mode with more operations per second is the peer's.
    const peerMode: Record<string, PlanMode> = {};
    const modeTrials: Record<string, Record<string, number>> = {};
    for (const sc of scenarios) {
      if (PEER_PLANS === 'auto') {
        peerMode[sc.name] = 'auto';
        continue;
      }
      const trial = async (mode: PlanMode) =>
        (await floor(dataset.databaseUrl, statements[sc.name].postgraphile, CONNECTION_COUNTS[0], 3, planOptions(mode)))
          .reqPerSec;
      const custom = await trial('force_custom_plan');
      const generic = await trial('force_generic_plan');
      modeTrials[sc.name] = { force_custom_plan: custom, force_generic_plan: generic };
      peerMode[sc.name] = generic >= custom ? 'force_generic_plan' : 'force_custom_plan';
      console.log(
        `  the peer's ${sc.name} SQL through pg: ${custom.toFixed(0)} req/s with custom plans, ${generic.toFixed(0)} with the generic plan: it runs with ${peerMode[sc.name]}`,
      );
    }
    const peers = new Map<PlanMode, ServerProcess>([['auto', P]]);
    for (const mode of new Set(Object.values(peerMode)))
      if (!peers.has(mode))
        peers.set(mode, await startPostGraphile(dataset.databaseUrl, { PGOPTIONS: planOptions(mode)! }));
    extraPeers.push(...[...peers].filter(([mode]) => mode !== 'auto').map(([, s]) => s));
    const peerFor = (scenario: string) => peers.get(peerMode[scenario])!;

    const sql = {
      dashboardFirst5: dash5.extensions?.sqlStatements ?? null,
      dashboardFirst50: dash50.extensions?.sqlStatements ?? null,
      clientDetail: detail.extensions?.sqlStatements ?? null,
      practices: prac.extensions?.sqlStatements ?? null,
      postgraphileDashboard: statements['1 dashboard list'].postgraphile.length,
      postgraphilePractices: statements['4 filtered practices'].postgraphile.length,
      timelineEventsOfClient: busyEvents as number,
      timelineNodesReturned: detail.data.client.timeline.nodes.length as number,
    };
    const sqlPerOp = (scenario: string, kind: Kind) => statements[scenario][kind].length;

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
      const res = await post(M.url, writeToken!, b.query, b.variables);
      const payload = Object.values(res.data as object)[0] as { userErrors: unknown[] };
      if (payload.userErrors.length) throw new Error(`write sample has userErrors: ${JSON.stringify(payload)}`);
      writeSamples.push({ op: Object.keys(res.data as object)[0], sqlStatements: res.extensions?.sqlStatements });
    }
    console.log('sql per op', JSON.stringify(sql), 'writes', JSON.stringify(writeSamples));

    // --- Load -------------------------------------------------------------------------------------------
    /** One autocannon run; `bodies` is a fixed body or a generator of bodies (one per request). */
    const load = async (
      scenario: string,
      server: ServerProcess,
      kind: Kind,
      connections: number,
      bodies: string | (() => string),
      perOp: number | null,
      round?: number,
      meridianToken = token,
    ): Promise<Run> => {
      const t = kind === 'meridian' ? meridianToken : null;
      let graphqlErrors = 0;
      const onResponse = (_status: number, b: string) => {
        if (badBody(b)) graphqlErrors++;
      };
      const pgBefore = await backendCpu(db);
      const cpuBefore = cpuMs(server.pid);
      const result = await autocannon({
        url: `${server.url}/graphql`,
        connections,
        duration: DURATION,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
        requests: [
          typeof bodies === 'string'
            ? { body: bodies, onResponse }
            : { setupRequest: (req: any) => ({ ...req, body: bodies() }), onResponse },
        ],
      });
      const cpuAfter = cpuMs(server.pid);
      const pgSpent = backendCpuSpent(pgBefore, await backendCpu(db));
      const n = result.requests.total;
      const run: Run = {
        scenario,
        server: kind,
        connections,
        ...(round !== undefined ? { round } : {}),
        reqPerSec: result.requests.mean,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        requests: n,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        graphqlErrors,
        cpuMsPerReq: cpuBefore !== null && cpuAfter !== null && n ? (cpuAfter - cpuBefore) / n : null,
        pgCpuMsPerReq: pgSpent !== null && n ? pgSpent / n : null,
        sqlPerOp: perOp,
        rssMb: Math.round(server.rssMb()),
      };
      console.log(
        `  ${scenario} ${kind} ×${connections}${round !== undefined ? ` #${round}` : ''}: ${run.reqPerSec.toFixed(1)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, CPU ${fixed(run.cpuMsPerReq, 2)} ms/req (PostgreSQL ${fixed(run.pgCpuMsPerReq, 2)}), errors ${run.errors + run.timeouts + run.non2xx + graphqlErrors}`,
      );
      return run;
    };

    const runs: Run[] = [];
    const bodies: Record<string, Record<Kind, string>> = {};
    for (const sc of scenarios) {
      bodies[sc.name] = {
        meridian: body(sc.meridian.query, sc.meridian.variables),
        postgraphile: body(sc.postgraphile.query, sc.postgraphile.variables),
      };
    }
    const maxConnections = CONNECTION_COUNTS[0];
    // Warm-up (JIT, pools, plan caches) of both servers, not recorded.
    for (const sc of scenarios) {
      for (const kind of ['meridian', 'postgraphile'] as const) {
        const { token: t } = servers[kind];
        const s = kind === 'postgraphile' ? peerFor(sc.name) : M;
        await autocannon({
          url: `${s.url}/graphql`,
          connections: maxConnections,
          duration: 2,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
          body: bodies[sc.name][kind],
        });
      }
    }
    for (let r = 1; r <= ROUNDS; r++) {
      for (const sc of scenarios) {
        for (const c of CONNECTION_COUNTS) {
          for (const kind of ['meridian', 'postgraphile'] as const) {
            const s = kind === 'postgraphile' ? peerFor(sc.name) : M;
            runs.push(await load(sc.name, s, kind, c, bodies[sc.name][kind], sqlPerOp(sc.name, kind), r));
          }
        }
      }
    }
    // The floor: PostGraphile's own SQL of each scenario through plain pg, no GraphQL server at all.
    const floors: Record<string, Awaited<ReturnType<typeof floor>>> = {};
    for (const sc of scenarios) {
      floors[sc.name] = await floor(
        dataset.databaseUrl,
        statements[sc.name].postgraphile,
        maxConnections,
        DURATION,
        planOptions(peerMode[sc.name]),
      );
      const f = floors[sc.name];
      console.log(
        `  ${sc.name} floor (PostGraphile's SQL through pg) ×${maxConnections}: ${f.reqPerSec.toFixed(1)} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms`,
      );
    }
    const detailBody = body(DETAIL, { id: toGlobalId('Client', busyClient) });
    runs.push(await load('2 client detail + timeline', M, 'meridian', maxConnections, detailBody, sql.clientDetail));
    const writeSql = writeSamples.map((s) => s.sqlStatements as number);
    runs.push(
      await load(
        '3 write mix',
        M,
        'meridian',
        maxConnections,
        writeBody,
        writeSql.length ? mean(writeSql) : null,
        undefined,
        writeToken,
      ),
    );

    // --- Summary ------------------------------------------------------------------------------------------
    const summary: Record<string, Record<string, unknown>> = {};
    for (const sc of scenarios) {
      for (const c of CONNECTION_COUNTS) {
        const of = (kind: Kind) =>
          runs.filter((x) => x.scenario === sc.name && x.server === kind && x.connections === c);
        const stats = (kind: Kind) => {
          const xs = of(kind);
          return {
            reqPerSec: mean(xs.map((x) => x.reqPerSec)),
            p50Ms: mean(xs.map((x) => x.p50Ms)),
            p99Ms: mean(xs.map((x) => x.p99Ms)),
            cpuMsPerReq: meanOrNull(xs.map((x) => x.cpuMsPerReq)),
            pgCpuMsPerReq: meanOrNull(xs.map((x) => x.pgCpuMsPerReq)),
            rssMb: Math.max(...xs.map((x) => x.rssMb)),
            sqlPerOp: sqlPerOp(sc.name, kind),
          };
        };
        const m = stats('meridian');
        const p = stats('postgraphile');
        summary[`${sc.name} ×${c}`] = {
          meridian: m,
          postgraphile: p,
          ratioMeridianOverPostgraphile: m.reqPerSec / p.reqPerSec,
          ...(c === maxConnections ? { floorReqPerSec: floors[sc.name].reqPerSec } : {}),
        };
      }
    }

    console.log(
      '\nscenario                     server        conns round  req/s    p50 ms  p99 ms  CPU ms/req  PG ms/req  SQL/op  errors  RSS MB',
    );
    for (const x of runs) {
      const errs = x.errors + x.timeouts + x.non2xx + x.graphqlErrors;
      console.log(
        `${x.scenario.padEnd(29)}${x.server.padEnd(14)}${String(x.connections).padEnd(6)}${String(x.round ?? '-').padEnd(7)}${x.reqPerSec.toFixed(1).padStart(7)}${String(x.p50Ms).padStart(8)}${String(x.p99Ms).padStart(8)}${fixed(x.cpuMsPerReq, 2).padStart(12)}${fixed(x.pgCpuMsPerReq, 2).padStart(11)}${(x.sqlPerOp === null ? '-' : String(Math.round(x.sqlPerOp * 10) / 10)).padStart(8)}${String(errs).padStart(8)}${String(x.rssMb).padStart(8)}`,
      );
    }
    const loadAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    console.log(
      `\ncommit ${COMMIT}, ${dataset.clients} clients, ${ROUNDS} rounds of ${DURATION} s, load average ${loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end, peer indexes ${PEER_INDEXES_ON ? 'on' : 'OFF'}, peer plans ${scenarios.map((sc) => `${sc.name.split(' ')[0]}: ${peerMode[sc.name]}`).join(', ')}, PostgreSQL over ${transportOf(dataset.databaseUrl)} (both servers and the floor)`,
    );
    for (const [k, v] of Object.entries(summary) as [string, any][]) {
      const side = (name: string, x: any) =>
        `${name} ${x.reqPerSec.toFixed(1)} req/s (p50 ${x.p50Ms.toFixed(1)}, p99 ${x.p99Ms.toFixed(1)} ms, CPU ${fixed(x.cpuMsPerReq, 2)} ms/req, ${x.sqlPerOp} SQL, ${x.rssMb} MB)`;
      console.log(
        `${k}: ${side('Meridian', v.meridian)} vs ${side('PostGraphile', v.postgraphile)} → ratio ${v.ratioMeridianOverPostgraphile.toFixed(2)}${v.floorReqPerSec !== undefined ? `; floor ${v.floorReqPerSec.toFixed(0)} req/s` : ''}`,
      );
    }
    for (const w of warnings) console.log(`*** WARNING: ${w}`);

    return {
      commit: COMMIT,
      startedAt,
      postgresTransport: transportOf(dataset.databaseUrl),
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      clients: dataset.clients,
      seedSeconds: dataset.seedSeconds,
      durationSeconds: DURATION,
      connections: CONNECTION_COUNTS,
      rounds: ROUNDS,
      peerIndexes: PEER_INDEXES_ON ? PEER_INDEXES : [],
      scenario4Filter: filter,
      equivalence,
      plans: { asMigrated, withPeerIndexes },
      genericPlans,
      peerPlanModes: peerMode,
      peerPlanTrials: modeTrials,
      unindexedForeignKeys: unindexed,
      warnings,
      sqlStatements: sql,
      statements,
      writeSamples,
      floors,
      runs,
      summary,
    };
  } finally {
    await db.end().catch(() => undefined);
    await meridian?.stop();
    await postgraphile?.stop();
    for (const p of extraPeers) await p.stop();
    await dataset.drop();
    for (const f of captureFiles) rmSync(f, { force: true });
  }
}
