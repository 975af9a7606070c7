/**
 * Migrated starting points for test servers, built once per set of migrations and shared by every
 * suite, jest worker and run on this machine: a PostgreSQL template database, and an image of an
 * in-memory PGlite's data directory. A test server then starts from a copy instead of an empty
 * database plus every migration (initdb and ~20 migrations cost PGlite seconds per server).
 * The migrations themselves still run from empty: once, when the template or image is built.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { migrationsList } from '../../migrations/index.js';
import { openAppDatabase } from '../../src/app/database.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/platform/logger.js';

/** Names the migration set by content: an edited migration gets a new template. */
const key = createHash('sha256')
  .update(migrationsList.map((m) => `${m.name}\n${String(m.class)}`).join('\n'))
  .digest('hex')
  .slice(0, 16);

/** Opens `databaseUrl` (or an in-memory PGlite), applies every migration and hands the database to `use`. */
async function migrated<T>(
  databaseUrl: string | undefined,
  use: (db: Awaited<ReturnType<typeof openAppDatabase>>) => Promise<T>,
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-template-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: 'meridian-template-secret-meridian-template',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const db = await openAppDatabase(config, createLogger('silent'), { embeddedDir: null });
  try {
    return await use(db);
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The name of a migrated template database on the server of `adminUrl` (built under an advisory
 * lock by the first caller, renamed into place only once complete).
 */
export async function templateDatabase(adminUrl: string): Promise<string> {
  const name = `meridian_tpl_${key}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      const building = `${name}_${randomBytes(3).toString('hex')}`;
      await admin.query(`create database "${building}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${building}`;
      await migrated(url.toString(), () => Promise.resolve());
      await admin.query(`alter database "${building}" rename to "${name}"`);
    }
  } finally {
    await admin.query('select pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
    await admin.end();
  }
  return name;
}

/** The path of a migrated PGlite image (written to a unique file, then renamed into place). */
export async function embeddedImage(): Promise<string> {
  const path = join(tmpdir(), `meridian-test-pglite-${key}.tar`);
  if (existsSync(path)) return path;
  const image = await migrated(undefined, (db) => db.image!());
  const partial = `${path}.${randomBytes(3).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await image.arrayBuffer()));
  renameSync(partial, path);
  return path;
}
