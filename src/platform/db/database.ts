import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EntityClass, MigrationObject } from '@mikro-orm/core';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';

import type { Logger } from '../logger.js';
import { currentRequest } from '../request-context.js';
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
}

/** Where the database is and what it holds; the composition root fills it from the configuration. */
export interface DatabaseOptions {
  /** PostgreSQL connection URL; undefined: the embedded PGlite. */
  url?: string;
  /** Maximum connections of the PostgreSQL pool (the embedded PGlite always has one). */
  poolMax: number;
  /** PGlite directory, used without `url`; `null` for an in-memory PGlite (tests, `migration:create`). */
  embeddedDir: string | null;
  /** Log every ORM message (SQL included) at trace level. Default false. */
  debug?: boolean;
  /** Every entity and embeddable class, for MikroORM discovery. */
  entities: EntityClass<object>[];
  /** Every migration, oldest first. */
  migrations: MigrationObject[];
  /** Apply pending migrations after connecting. Default true. */
  migrate?: boolean;
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
 * Opens the database: PostgreSQL at `url`, or an embedded PGlite persisted in `embeddedDir`
 * served to the normal PostgreSQL driver over a loopback socket (one connection: PGlite has one
 * session, so the pool is capped at 1 to keep transactions isolated).
 */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  const base = ormOptions(options, logger);
  let stopEmbedded: (() => Promise<void>) | undefined;
  let orm: MikroORM;
  if (options.url) {
    orm = await MikroORM.init({
      ...base,
      clientUrl: options.url,
      pool: { min: 0, max: options.poolMax },
    });
  } else {
    const dir = options.embeddedDir;
    const release = dir ? lockDataDir(dir) : () => undefined;
    try {
      if (dir) mkdirSync(dir, { recursive: true });
      const pglite = await PGlite.create(dir ? { dataDir: dir } : {});
      const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 1 });
      await server.start();
      const port = Number(server.getServerConn().split(':').pop());
      stopEmbedded = async () => {
        await server.stop();
        await pglite.close();
        release();
      };
      orm = await MikroORM.init({
        ...base,
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password: 'postgres',
        dbName: 'postgres',
        pool: { min: 0, max: 1 },
      });
    } catch (err) {
      release();
      throw err;
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
  };
}

/** Thrown when another live process holds the embedded database. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by process ${pid} (a running Meridian?). ` +
        'PGlite allows one process at a time: stop that process first, or set DATABASE_URL.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Takes a pid lock next to the PGlite directory; returns the function that releases it. */
function lockDataDir(dir: string): () => void {
  const lock = `${dir}.lock`;
  mkdirSync(join(dir, '..'), { recursive: true });
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(dir, pid);
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
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
