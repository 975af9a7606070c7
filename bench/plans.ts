/**
 * What the HTTP benchmark checks around its load runs: the SQL each server sends for a scenario
 * (recorded by bench/sql-capture.ts in the server process), its plans (EXPLAIN, with a warning for
 * sequential scans of big tables), the foreign-key indexes PostGraphile's documentation requires,
 * the CPU time of a process and of the database's backends, and the "floor" (the peer's own SQL
 * through plain `pg`, without any GraphQL).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import pg from 'pg';

import { percentile } from './lib.js';

/** One SQL statement as a server sent it. */
export interface Statement {
  text: string;
  values?: unknown[];
}

/** Node flags and env that make a server record its SQL on demand (see {@link captureSql}). */
export function captureSetup(name: string): { nodeArgs: string[]; env: Record<string, string>; file: string } {
  const file = join(tmpdir(), `meridian-bench-sql-${process.pid}-${name}.json`);
  rmSync(file, { force: true });
  const preload = pathToFileURL(resolve('dist/bench/sql-capture.js')).href;
  return { nodeArgs: ['--import', preload], env: { SQL_CAPTURE_FILE: file }, file };
}

async function toggle(pid: number, file: string, capturing: boolean): Promise<Statement[]> {
  const before = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { seq: number }).seq : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (existsSync(file)) {
      const state = JSON.parse(readFileSync(file, 'utf8')) as {
        seq: number;
        capturing: boolean;
        statements: Statement[];
      };
      if (state.seq > before) {
        if (state.capturing !== capturing) throw new Error(`SQL capture of ${pid} is out of step`);
        return state.statements;
      }
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} does not answer SIGUSR2 (SQL capture)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The SQL statements the server `pid` (started with {@link captureSetup}'s `file`) sends while `fn`
 * runs, one per statement: a multi-statement text without parameters (Meridian's batched loaders)
 * is split into its statements.
 */
export async function captureSql(pid: number, file: string, fn: () => Promise<unknown>): Promise<Statement[]> {
  await toggle(pid, file, true);
  const failure = await fn().then(
    () => null,
    (e: unknown) => ({ e }),
  );
  const statements = await toggle(pid, file, false);
  if (failure) throw failure.e;
  return statements.flatMap((s) =>
    s.values?.length ? [s] : s.text.split(/;\s*\n/).map((text) => ({ text: text.trim() })),
  );
}

/** Reads (select / with): the statements worth an EXPLAIN. */
export const isRead = (s: Statement) => /^\s*\(?\s*(select|with)\b/i.test(s.text);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** A scenario's statements explained: sequential scans found and the SQL execution time. */
export interface PlanReport {
  statements: number;
  /** Sequential scans of tables with more than SEQ_SCAN_ROWS rows: "table (rows)". */
  bigSeqScans: string[];
  /**
   * Index scans of tables with more than SEQ_SCAN_ROWS rows whose condition leaves out the index's
   * leading column (PostgreSQL then reads the whole index, as slow as a sequential scan):
   * "table via index without column".
   */
  wholeIndexScans: string[];
  /** All sequential scans, big or small. */
  seqScans: string[];
  /** Index names the plans use. */
  indexes: string[];
  /** Median over 5 repetitions of the summed EXPLAIN ANALYZE execution time of the statements, ms. */
  executionMs: number;
}

/** A sequential scan of a table with more rows than this is reported as a warning. */
export const SEQ_SCAN_ROWS = 500;

/** EXPLAIN (ANALYZE, TIMING OFF) of each read statement: sequential scans, indexes, execution time. */
export async function explain(db: pg.Client, statements: Statement[]): Promise<PlanReport> {
  const reads = statements.filter(isRead);
  const rowsOf = new Map<string, number>(
    (
      await db.query(
        `select relname, reltuples::bigint n from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace`,
      )
    ).rows.map((r) => [r.relname as string, Number(r.n)]),
  );
  const seqScans = new Set<string>();
  const indexes = new Set<string>();
  const conditions = new Map<string, Set<string>>();
  const times: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    let ms = 0;
    for (const s of reads) {
      const { rows } = await db.query(`explain (analyze, timing off, format json) ${s.text}`, s.values);
      const [plan] = rows[0]['QUERY PLAN'] as { Plan: PlanNode; 'Execution Time': number }[];
      ms += plan['Execution Time'];
      if (rep > 0) continue;
      const walk = (n: PlanNode) => {
        if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) seqScans.add(n['Relation Name']);
        if (n['Index Name']) indexes.add(n['Index Name']);
        if (n['Index Name'] && n['Index Cond']) {
          conditions.set(n['Index Name'], (conditions.get(n['Index Name']) ?? new Set()).add(n['Index Cond']));
        }
        n.Plans?.forEach(walk);
      };
      walk(plan.Plan);
    }
    times.push(ms);
  }
  const seq = [...seqScans].sort();
  // The leading column of each index used with a condition (none for an expression).
  const leading = (
    await db.query(
      `select c.relname idx, t.relname tbl, a.attname col from pg_index i
         join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
        where c.relname = any($1)`,
      [[...conditions.keys()]],
    )
  ).rows as { idx: string; tbl: string; col: string }[];
  const wholeIndexScans = leading
    .filter(
      (l) =>
        (rowsOf.get(l.tbl) ?? 0) > SEQ_SCAN_ROWS &&
        [...conditions.get(l.idx)!].some((cond) => !new RegExp(`\\b${l.col}\\b`).test(cond)),
    )
    .map((l) => `${l.tbl} (${rowsOf.get(l.tbl)} rows) via ${l.idx} without ${l.col}`)
    .sort();
  return {
    statements: reads.length,
    bigSeqScans: seq.filter((t) => (rowsOf.get(t) ?? 0) > SEQ_SCAN_ROWS).map((t) => `${t} (${rowsOf.get(t)} rows)`),
    wholeIndexScans,
    seqScans: seq,
    indexes: [...indexes].sort(),
    executionMs: Math.round(percentile(times, 50) * 100) / 100,
  };
}

/**
 * The arguments of `EXECUTE name(…)` for a statement prepared on `db` as `name` with `values`: each
 * value as an SQL literal cast to the parameter's type PostgreSQL inferred (`pg_prepared_statements`).
 */
export async function executeArgs(db: pg.Client, name: string, values: readonly unknown[]): Promise<string> {
  const [{ types }] = (
    await db.query<{ types: string[] }>(
      'select parameter_types::text[] as types from pg_prepared_statements where name = $1',
      [name],
    )
  ).rows;
  const literal = (v: unknown): string =>
    Array.isArray(v)
      ? `array[${v.map(literal).join(', ')}]`
      : v === null || v === undefined
        ? 'null'
        : db.escapeLiteral(
            v instanceof Date
              ? v.toISOString()
              : typeof v === 'string'
                ? v
                : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
                  ? String(v)
                  : JSON.stringify(v),
          );
  return values.map((v, i) => `${literal(v)}::${types[i]}`).join(', ');
}

/** A scenario's statements as prepared statements: planning + execution with a custom and with the generic plan. */
export interface GenericPlanReport {
  /** Median over 5 repetitions of the summed planning + execution time with a plan for the values, ms. */
  customMs: number;
  /** The same with the generic plan, which a prepared statement may switch to after five executions, ms. */
  genericMs: number;
}

/**
 * EXPLAIN ANALYZE EXECUTE of each read statement, prepared as the servers prepare them, under
 * `plan_cache_mode = force_custom_plan` and `force_generic_plan`. PostgreSQL switches a prepared
 * statement to its generic plan after five executions when the plan's estimated cost is no worse,
 * whatever its real cost: a generic plan much slower than the custom one slows the server (or
 * the floor) that prepares the statement, which the EXPLAIN of {@link explain}, with the values,
 * does not show. Each figure is planning + execution time (a custom plan is made every time).
 */
export async function explainGeneric(db: pg.Client, statements: Statement[]): Promise<GenericPlanReport> {
  const reads = statements.filter(isRead);
  const times = { force_custom_plan: [] as number[], force_generic_plan: [] as number[] };
  const prepared: { name: string; args: string }[] = [];
  try {
    for (const [i, s] of reads.entries()) {
      const name = `bench_plan_${i}`;
      await db.query(`prepare ${name} as ${s.text.trim().replace(/;$/, '')}`);
      prepared.push({ name, args: await executeArgs(db, name, s.values ?? []) });
    }
    for (let rep = 0; rep < 5; rep++) {
      for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
        await db.query(`set plan_cache_mode = ${mode}`);
        let ms = 0;
        for (const { name, args } of prepared) {
          const { rows } = await db.query(
            `explain (analyze, timing off, format json) execute ${name}${args ? `(${args})` : ''}`,
          );
          // A custom plan is made at every execution: its planning is part of what it costs.
          const [plan] = rows[0]['QUERY PLAN'] as { 'Planning Time': number; 'Execution Time': number }[];
          ms += plan['Planning Time'] + plan['Execution Time'];
        }
        times[mode].push(ms);
      }
    }
  } finally {
    await db.query('reset plan_cache_mode');
    for (const { name } of prepared) await db.query(`deallocate ${name}`);
  }
  const median = (xs: number[]) => Math.round(percentile(xs, 50) * 100) / 100;
  return { customMs: median(times.force_custom_plan), genericMs: median(times.force_generic_plan) };
}

/**
 * The foreign-key indexes PostGraphile's documentation requires for the relations the scenarios
 * traverse backwards (client → practices, deals, open tickets), plus client.owner_id (team member →
 * clients) named in issue 18. "PostgreSQL does NOT add indexes to foreign keys by default … Always
 * add indexes to your foreign keys" (postgraphile.org/postgraphile/5/best-practices); without them
 * PostGraphile 5 hides those relations (PgIndexBehaviorsPlugin, disabled in
 * bench/postgraphile-server.ts) and each nested list is a sequential scan. Meridian's own indexes
 * all lead with tenant_id. Forward relations (owner, type, stage, client, assignee) are primary-key
 * lookups.
 */
export const PEER_INDEXES = [
  { name: 'bench_peer_practice_client_id_idx', table: 'practice', columns: ['client_id'] },
  { name: 'bench_peer_deal_client_id_idx', table: 'deal', columns: ['client_id'] },
  { name: 'bench_peer_ticket_client_id_status_idx', table: 'ticket', columns: ['client_id', 'status'] },
  { name: 'bench_peer_client_owner_id_idx', table: 'client', columns: ['owner_id'] },
] as const;

/** Creates {@link PEER_INDEXES} (if absent) and refreshes the statistics of their tables. */
export async function createPeerIndexes(db: pg.Client): Promise<void> {
  for (const i of PEER_INDEXES) {
    await db.query(
      `create index if not exists "${i.name}" on "${i.table}" (${i.columns.map((c) => `"${c}"`).join(', ')})`,
    );
  }
  await db.query(`analyze ${[...new Set(PEER_INDEXES.map((i) => `"${i.table}"`))].join(', ')}`);
}

/**
 * Foreign keys of `tables` whose columns lead no index (what PostGraphile's documentation asks to
 * index), as "table(columns) → target".
 */
export async function unindexedForeignKeys(db: pg.Client, tables: string[]): Promise<string[]> {
  const { rows } = await db.query(
    `select c.conrelid::regclass::text tbl, c.confrelid::regclass::text target,
            (select array_agg(a.attname::text order by k.ord) from unnest(c.conkey) with ordinality k(att, ord)
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.att) cols
       from pg_constraint c
      where c.contype = 'f' and c.conrelid::regclass::text = any($1)
        and not exists (select 1 from pg_index i where i.indrelid = c.conrelid
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
      order by 1, 3`,
    [tables],
  );
  return rows.map((r) => `${r.tbl}(${(r.cols as string[]).join(', ')}) → ${r.target}`);
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of a process so far (Linux /proc/<pid>/stat), in ms; null if unreadable. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) of the PostgreSQL backends of `db`'s database other than `db`'s own, by backend pid
 * (the server runs on this machine); backends whose /proc entry is unreadable are left out.
 */
export async function backendCpu(db: pg.Client): Promise<Map<number, number>> {
  const { rows } = await db.query(
    `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMs(pid as number);
    if (ms !== null) out.set(pid as number, ms);
  }
  return out;
}

/** CPU ms the backends spent between two {@link backendCpu} readings (new backends from 0). */
export function backendCpuSpent(before: Map<number, number>, after: Map<number, number>): number | null {
  if (!after.size) return null;
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/**
 * The floor: `statements` (one operation of the peer, as it sent them) run through a plain `pg`
 * pool of `connections` clients, each client running them back to back for `seconds`; operations
 * per second and latency.
 */
export async function floor(
  databaseUrl: string,
  statements: Statement[],
  connections: number,
  seconds: number,
  /** PostgreSQL options of the connections (libpq's `options`, e.g. `-c plan_cache_mode=…`). */
  options?: string,
): Promise<{ reqPerSec: number; p50Ms: number; p99Ms: number; requests: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: connections, ...(options ? { options } : {}) });
  const latencies: number[] = [];
  try {
    const run = (client: pg.PoolClient) =>
      statements.reduce<Promise<unknown>>(
        (p, s, i) =>
          p.then(() => client.query({ name: `floor_${i}`, text: s.text, values: s.values, rowMode: 'array' })),
        Promise.resolve(),
      );
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          await run(client); // prepares the statements on this connection
          while (performance.now() < end) {
            const t0 = performance.now();
            await run(client);
            latencies.push(performance.now() - t0);
          }
        } finally {
          client.release();
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return {
      reqPerSec: latencies.length / elapsed,
      p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
      p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
      requests: latencies.length,
    };
  } finally {
    await pool.end();
  }
}
