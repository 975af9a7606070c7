/**
 * `npm run migrate`: applies pending migrations to the configured database.
 * `npm run migration:create [-- name]`: writes a migration for the difference between the
 * entities and a fresh database with every existing migration applied, and lists it in
 * migrations/index.ts.
 */
import 'reflect-metadata';

import { readdirSync, writeFileSync } from 'node:fs';

import { openAppDatabase } from '../app/database.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../platform/logger.js';

const args = process.argv.slice(2);
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL, 'migrate');

if (args[0] === '--create') {
  const name = args[1];
  // Diff against a throwaway in-memory database so the result never depends on local state.
  const db = await openAppDatabase({ ...config, DATABASE_URL: undefined }, logger, { embeddedDir: null });
  const result = await db.orm.migrator.create('migrations', false, false, name);
  await db.close();
  if (result.fileName) {
    writeMigrationsIndex();
    console.log(`wrote migrations/${result.fileName} and migrations/index.ts`);
  } else {
    console.log('no changes: entities match the migrations');
  }
} else {
  const db = await openAppDatabase(config, logger, { migrate: false, shareRunning: true });
  const done = await db.orm.migrator.up();
  await db.close();
  console.log(done.length ? `applied ${done.map((m) => m.name).join(', ')}` : 'database is up to date');
}

/** Rewrites migrations/index.ts to import every migration file, oldest first. */
function writeMigrationsIndex(): void {
  const names = readdirSync('migrations')
    .filter((f) => /^Migration\d+.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const lines = [
    "import type { MigrationObject } from '@mikro-orm/core';",
    '',
    ...names.map((n) => `import { ${n} } from './${n}.js';`),
    '',
    '/** Every migration, oldest first. Written by `npm run migration:create`. */',
    'export const migrationsList: MigrationObject[] = [',
    ...names.map((n) => `  { name: '${n}', class: ${n} },`),
    '];',
    '',
  ];
  writeFileSync('migrations/index.ts', lines.join('\n'));
}
