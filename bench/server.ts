/**
 * The load benchmarks' setup: a fresh PostgreSQL database filled by the seed generator, and
 * Meridian started on it as a separate process (`node dist/src/main.js`), so the load client and
 * the server do not share a JavaScript thread.
 */
import { readFileSync } from 'node:fs';

import { generateDataset } from '../src/seed/generator/index.js';
import { freePort, startProcess, stopProcess } from '../test/helpers/process.js';
import { freshDatabase, keptDatabase, startBenchApp } from './lib.js';

/** JWT secret of the bench servers (tokens minted in-process are valid for the spawned server). */
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret';

export interface Dataset {
  /** URL of the filled database. */
  databaseUrl: string;
  /** Bearer token of an ADMIN of the filled tenant. */
  token: string;
  tenantSlug: string;
  clients: number;
  seedSeconds: number;
  /**
   * The tables of tenant `bench` that differ from what the seed left (row count or content), each
   * as "table: seeded … now …"; empty when unchanged. Only a reused database (BENCH_REUSE_DB=1) can
   * differ: a bench that wrote into tenant `bench` on an earlier run changed what is measured.
   */
  seedChanges: string[];
  /** Bearer token of an ADMIN of tenant `bench-writes` (with `writeTenantClients`), for benches that write. */
  writeToken?: string;
  drop: () => Promise<void>;
}

/** The tables whose rows the read scenarios return (a change to them changes what is measured). */
const SEED_TABLES = ['client', 'practice', 'deal', 'ticket', 'team_member', 'practice_type', 'pipeline_stage'];

/** Rows and a digest of their ids and `updated_at` per table of a tenant: what the seed left. */
async function seedFingerprint(
  execute: (sql: string, params: unknown[]) => Promise<{ n: number; h: string }[]>,
  tenantSlug: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of SEED_TABLES) {
    const [row] = await execute(
      `select count(*)::int n, md5(coalesce(string_agg(t.id::text || ':' || t.updated_at::text, ',' order by t.id), '')) h
       from ${table} t join tenant on tenant.id = t.tenant_id where tenant.slug = ?`,
      [tenantSlug],
    );
    out[table] = `${row.n} rows, ${row.h.slice(0, 12)}`;
  }
  return out;
}

/**
 * A fresh database with BENCH_CLIENTS (default 10,000) clients of tenant `bench` and their records.
 * BENCH_REUSE_DB=1: keep the database (`meridian_bench_seed_<clients>`) and reuse it on the next run,
 * generating the data set only when its tenant is empty; migrations still run on it, so new indexes
 * are measured. BENCH_DB_NAME names the kept database instead (e.g. to compare two schemas). Rows a
 * bench adds (e.g. interactions) stay; `drop` then does nothing. The seed's fingerprint of the read tables ({@link SEED_TABLES}) is kept in the database
 * (`bench_seed_fingerprint`) and compared on reuse: `seedChanges` lists what differs, and a WARNING
 * is printed. `writeTenantClients`: also a tenant `bench-writes` with that many clients (seeded once),
 * for a bench's writes, so they never change tenant `bench`.
 */
export async function prepareDataset(
  clients = Number(process.env.BENCH_CLIENTS ?? 10_000),
  { writeTenantClients }: { writeTenantClients?: number } = {},
): Promise<Dataset> {
  const db =
    process.env.BENCH_REUSE_DB === '1'
      ? await keptDatabase(process.env.BENCH_DB_NAME || `meridian_bench_seed_${clients}`)
      : await freshDatabase();
  const app = await startBenchApp(db.url, { JOBS: 'off', REDIS_URL: '', JWT_SECRET: BENCH_JWT_SECRET });
  try {
    const t0 = performance.now();
    const conn = app.db.orm.em.fork().getConnection();
    const [filled] = await conn.execute<{ n: string }[]>(
      "select count(*) as n from client c join tenant t on t.id = c.tenant_id where t.slug = 'bench'",
    );
    if (Number(filled.n) === 0)
      await generateDataset(app.db.orm.em, { tenantSlug: 'bench', clients, services: app.services });
    let writeToken: string | undefined;
    if (writeTenantClients) {
      const [writes] = await conn.execute<{ n: string }[]>(
        "select count(*) as n from client c join tenant t on t.id = c.tenant_id where t.slug = 'bench-writes'",
      );
      if (Number(writes.n) === 0)
        await generateDataset(app.db.orm.em, {
          tenantSlug: 'bench-writes',
          clients: writeTenantClients,
          services: app.services,
        });
      ({ token: writeToken } = await app.services.tenancy.mintToken(app.db.orm.em, {
        email: 'bench-admin@bench.test',
        tenant: 'bench-writes',
      }));
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    await conn.execute('analyze');
    const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
      email: 'bench-admin@bench.test',
      tenant: 'bench',
    });
    // The fingerprint is taken after the admin's row exists (minting creates it on the first run).
    const execute = (sql: string, params: unknown[]) => conn.execute<{ n: number; h: string }[]>(sql, params);
    const now = await seedFingerprint(execute, 'bench');
    await conn.execute(
      'create table if not exists bench_seed_fingerprint (tenant_slug text primary key, fingerprint jsonb not null)',
    );
    const [kept] = await conn.execute<{ fingerprint: Record<string, string> }[]>(
      "select fingerprint from bench_seed_fingerprint where tenant_slug = 'bench'",
    );
    const seedChanges = !kept
      ? Number(filled.n) === 0
        ? []
        : ['the database was seeded before fingerprints were kept: its data cannot be checked (drop it)']
      : SEED_TABLES.filter((t) => kept.fingerprint[t] !== now[t]).map(
          (t) => `${t}: seeded ${kept.fingerprint[t] ?? '-'}, now ${now[t]}`,
        );
    if (!kept && Number(filled.n) === 0)
      await conn.execute("insert into bench_seed_fingerprint values ('bench', ?)", [JSON.stringify(now)]);
    if (seedChanges.length)
      console.log(
        `\n*** WARNING: the reused database ${db.url.replace(/.*\//, '')} is not the seed any more (a bench wrote into tenant bench):\n  ${seedChanges.join('\n  ')}\n`,
      );
    return {
      databaseUrl: db.url,
      token,
      writeToken,
      tenantSlug: 'bench',
      clients: Number(filled.n) || clients,
      seedSeconds,
      seedChanges,
      drop: db.drop,
    };
  } finally {
    await app.close();
  }
}

export { freePort };

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory of the server process now, in MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

/** Resident memory of a process (Linux /proc), in MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Starts Meridian on `databaseUrl` as its own process. NODE_ENV=development so every response
 * carries `extensions.sqlStatements` (the SQL count per operation); logs silent, no jobs, no demo
 * seed; REDIS_URL only when given in `env`. `nodeArgs` e.g. ['--cpu-prof']; `cwd`: the directory of
 * another build (its `dist/`) to start instead of this one.
 */
export async function startMeridian(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  cwd?: string,
): Promise<ServerProcess> {
  const port = await freePort();
  const serverEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: BENCH_JWT_SECRET,
    DEMO_SEED: 'false',
    JOBS: 'off',
    GRAPHQL_MAX_COST: '1000000',
    RATE_LIMITS: 'false', // one token measures throughput
    ...env,
  };
  const proc = await startProcess(serverEnv, port, nodeArgs, cwd);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pid: proc.pid!,
    rssMb: () => rssMb(proc.pid!),
    stop: async () => void (await stopProcess(proc)),
  };
}
