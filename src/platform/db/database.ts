import { existsSync, mkdirSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { EntityClass, MigrationObject } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';

import type { Logger } from '../logger.js';
import { currentRequest } from '../request-context.js';
import { SOCKET_PORT, startEmbeddedServer } from './embedded-server.js';
import { prepareStatements } from './read-model.js';
import { TenancySubscriber, tenantFilter } from './tenancy.js';

/** An open database: the ORM plus whatever runs the embedded server. */
export interface Database {
  orm: MikroORM;
  /** True for the embedded PGlite. */
  embedded: boolean;
  /** Runs `select 1`; throws when the database is unreachable. */
  ping(): Promise<void>;
  /** Closes the ORM and, for PGlite, the embedded server. */
  close(): Promise<void>;
  /** For an in-memory PGlite: its data directory as an image for `embeddedImage` (an uncompressed tar). */
  image?(): Promise<Blob>;
}

/** Where the database is and what it holds; the composition root fills it from the configuration. */
export interface DatabaseOptions {
  /**
   * PostgreSQL connection URL; undefined: the embedded PGlite. A Unix socket: its directory as the
   * host, percent-encoded (`postgres://user@%2Fvar%2Frun%2Fpostgresql/db`) or as the `host` query
   * parameter (`postgres://user@localhost/db?host=/var/run/postgresql`, libpq's form), which wins.
   */
  url?: string;
  /** Maximum connections of the PostgreSQL pool (the embedded PGlite always has one). */
  poolMax: number;
  /** Named prepared statements for the fast read path on PostgreSQL (see prepareStatements). Default true. */
  preparedStatements?: boolean;
  /** PGlite directory, used without `url`; `null` for an in-memory PGlite (tests, `migration:create`). */
  embeddedDir: string | null;
  /**
   * For an in-memory PGlite (`embeddedDir: null`): a data directory image (`PGlite.dumpDataDir`, an
   * uncompressed tar) to start from instead of an empty cluster. The test suite passes one image
   * with every migration applied, so each test server skips initdb and the migrations.
   */
  embeddedImage?: string;
  /** Log every ORM message (SQL included) at trace level. Default false. */
  debug?: boolean;
  /** Every entity and embeddable class, for MikroORM discovery. */
  entities: EntityClass<object>[];
  /** Every migration, oldest first. */
  migrations: MigrationObject[];
  /** Apply pending migrations after connecting. Default true. */
  migrate?: boolean;
  /**
   * When another live process (a running API) holds the embedded database, connect to it through
   * the socket that process serves instead of failing with {@link DataDirLockedError}. For the
   * CLIs; a second API must not depend on the first staying up. Default false.
   */
  shareRunning?: boolean;
}

/** MikroORM options shared by the API, the worker, the CLIs and the tests. */
export function ormOptions(options: DatabaseOptions, logger: Logger): Options {
  const { entities } = options;
  return defineConfig({
    entities,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    subscribers: [new TenancySubscriber()],
    filters: { tenant: tenantFilter(entities) },
    discovery: { warnWhenNoEntities: true },
    migrations: {
      migrationsList: options.migrations,
      pathTs: 'migrations',
      path: 'dist/migrations',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    forceUtcTimezone: true,
    // SQL functions (the search documents) are written by hand in migrations, not declared as
    // MikroORM routines: the schema diff leaves them alone. So are the analytics rollup's table and
    // triggers, which no entity maps (migrations/Migration20261129040000_analytics_rollup.ts).
    schemaGenerator: {
      ignoreRoutines: true,
      ignoreTriggers: true,
      skipTables: ['analytics_daily', 'analytics_deal_funnel'],
    },
    // The tenant filter applies to each entity's own queries (relation loaders included). Applying
    // it again on relations would join every to-one target into every query (≈5 ms per 50 rows):
    // related rows always belong to the same tenant, so that join only costs.
    filtersOnRelations: false,
    autoJoinRefsForFilters: false,
    // No inverse collections here, so nothing to propagate: skip the per-instance property
    // accessors MikroORM would otherwise install on every loaded entity.
    propagationOnPrototype: false,
    ignoreUndefinedInQuery: true,
    onQuery: (sql) => {
      const req = currentRequest();
      if (req) req.sqlStatements++;
      return sql;
    },
    debug: options.debug ?? false,
    logger: (message) => logger.trace({ orm: true }, message),
  });
}

/**
 * Opens the configured database: PostgreSQL at DATABASE_URL, or an embedded PGlite persisted in
 * DATA_DIR, served to the normal PostgreSQL driver on a unix socket next to it
 * (`DATA_DIR/pglite-socket/.s.PGSQL.5432`, this user only) that local CLIs use too while the API
 * runs (see embedded-server.ts for how their sessions are kept apart). PGlite has one session, so
 * this process's pool is capped at 1.
 */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  const base = ormOptions(options, logger);
  let stopEmbedded: (() => Promise<void>) | undefined;
  let image: (() => Promise<Blob>) | undefined;
  let orm: MikroORM;
  const embeddedOrm = (socketDir: string) =>
    MikroORM.init({
      ...base,
      host: socketDir,
      port: SOCKET_PORT,
      user: 'postgres',
      password: 'postgres',
      dbName: 'postgres',
      pool: { min: 0, max: 1 },
    });
  if (options.url) {
    orm = await MikroORM.init({
      ...base,
      clientUrl: options.url,
      ...socketHost(options.url),
      pool: { min: 0, max: options.poolMax },
    });
    if (options.preparedStatements !== false) prepareStatements(orm.em);
  } else {
    const dir = options.embeddedDir;
    const lock = dir ? await lockDataDir(dir, options.shareRunning ?? false) : { release: () => undefined };
    if ('socketDir' in lock) {
      logger.debug({ pid: lock.pid, socket: lock.socketDir }, 'embedded database in use: connecting to its server');
      orm = await embeddedOrm(lock.socketDir);
    } else {
      try {
        if (dir) mkdirSync(dir, { recursive: true });
        // pg_trgm, unaccent and btree_gin: the search migrations create them (as on PostgreSQL).
        const extensions = { btree_gin, pg_trgm, unaccent };
        // A file-backed Blob: PGlite reads it once with arrayBuffer(). `new Blob([readFileSync(…)])`
        // copied the image (44 MB) twice more, about 0.4 s of CPU per test server.
        const start = !dir && options.embeddedImage ? await openAsBlob(options.embeddedImage) : undefined;
        const pglite = await PGlite.create(
          dir ? { dataDir: dir, extensions } : start ? { extensions, loadDataDir: start } : { extensions },
        );
        const server = await startEmbeddedServer(pglite, dir ? `${dir}-socket` : null);
        if (!dir) image = () => pglite.dumpDataDir('none');
        stopEmbedded = async () => {
          await server.stop();
          await pglite.close();
          lock.release();
        };
        lock.announce?.(server.socketDir);
        orm = await embeddedOrm(server.socketDir);
      } catch (err) {
        await stopEmbedded?.();
        lock.release();
        throw err;
      }
    }
  }
  if (options.migrate ?? true) await migrate(orm, logger);
  return {
    orm,
    embedded: !options.url,
    async ping() {
      await orm.em.getConnection().execute('select 1');
    },
    async close() {
      await orm.close(true);
      await stopEmbedded?.();
    },
    ...(image ? { image } : {}),
  };
}

/**
 * The `host` query parameter of a PostgreSQL URL (libpq's way to name a Unix socket's directory),
 * as MikroORM's `host` option: MikroORM reads the host from the URL's authority only, so without
 * this it would connect over TCP to the authority's host and ignore the parameter.
 */
export function socketHost(url: string): { host?: string } {
  const host = new URL(url).searchParams.get('host');
  return host ? { host } : {};
}

/** Thrown when another live process holds the embedded database. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by process ${pid} (a running Meridian?). ` +
        'PGlite allows one process at a time: stop that process first, or set DATABASE_URL. ' +
        '(npm run token, seed and migrate connect to a running Meridian by themselves.)',
    );
    this.name = 'DataDirLockedError';
  }
}

/** What a process learns from the lock of an embedded database directory. */
type DataDirLock =
  /** Taken: this process opens PGlite; `announce` records where it serves it. */
  | { release(): void; announce?(socketDir: string): void }
  /** Held by live process `pid`, which serves the database on `socketDir`. */
  | { pid: number; socketDir: string };

/**
 * Takes the lock next to the PGlite directory (`<dir>.lock`: JSON `{ pid, socket }`, or a bare pid
 * from older versions). When a live process holds it and `shareRunning` is set, returns that
 * process's socket directory instead (waiting a few seconds for a process still starting to
 * announce it); otherwise throws {@link DataDirLockedError}.
 */
async function lockDataDir(dir: string, shareRunning: boolean): Promise<DataDirLock> {
  const path = `${dir}.lock`;
  mkdirSync(join(dir, '..'), { recursive: true });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const holder = readLock(path);
    if (!holder || holder.pid === process.pid || !isAlive(holder.pid)) break;
    if (!shareRunning) throw new DataDirLockedError(dir, holder.pid);
    if (holder.socket) return { pid: holder.pid, socketDir: holder.socket };
    if (Date.now() > deadline) throw new DataDirLockedError(dir, holder.pid);
    await new Promise((r) => setTimeout(r, 200));
  }
  writeFileSync(path, JSON.stringify({ pid: process.pid }));
  return {
    release: () => rmSync(path, { force: true }),
    announce: (socketDir) => writeFileSync(path, JSON.stringify({ pid: process.pid, socket: socketDir })),
  };
}

function readLock(path: string): { pid: number; socket?: string } | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'number') return { pid: parsed };
    const lock = parsed as { pid?: unknown; socket?: unknown };
    if (typeof lock.pid !== 'number') return undefined;
    return { pid: lock.pid, socket: typeof lock.socket === 'string' ? lock.socket : undefined };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Applies pending migrations. Processes starting together (API instances and workers) may race;
 * the loser's migration fails on the winner's tables, so it waits and checks that nothing is
 * pending any more before giving up.
 */
async function migrate(orm: MikroORM, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const done = await orm.migrator.up();
      if (done.length) logger.info({ migrations: done.map((m) => m.name) }, 'migrations applied');
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
      if (!(await orm.migrator.getPending()).length) return;
      logger.warn({ err, attempt }, 'migration failed; retrying');
    }
  }
}
