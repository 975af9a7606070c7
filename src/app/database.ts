import { join } from 'node:path';

import { migrationsList } from '../../migrations/index.js';
import type { Config } from '../config.js';
import { secureDataDir, tightenDataDir } from '../platform/db/data-dir.js';
import { type Database, type DatabaseOptions, openDatabase } from '../platform/db/database.js';
import type { Logger } from '../platform/logger.js';
import { entities } from './entities.js';

/**
 * Opens the configured database with the application's entities and migrations: PostgreSQL at
 * DATABASE_URL, else the embedded PGlite in `DATA_DIR/pglite` (`embeddedDir` overrides it;
 * `null`: in memory). `migrate: false` skips the pending migrations.
 */
export async function openAppDatabase(
  config: Config,
  logger: Logger,
  options: Partial<Pick<DatabaseOptions, 'embeddedDir' | 'embeddedImage' | 'migrate' | 'shareRunning'>> = {},
): Promise<Database> {
  // The embedded database lives in DATA_DIR: private to this user (0700, files 0600).
  const secure = !config.DATABASE_URL && options.embeddedDir !== null;
  if (secure) secureDataDir(config.DATA_DIR, logger);
  const db = await openDatabase(
    {
      url: config.DATABASE_URL,
      poolMax: config.DATABASE_POOL_MAX,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
      embeddedDir: options.embeddedDir === undefined ? join(config.DATA_DIR, 'pglite') : options.embeddedDir,
      debug: config.LOG_LEVEL === 'trace',
      entities,
      migrations: migrationsList,
      embeddedImage: options.embeddedImage,
      migrate: options.migrate,
      shareRunning: options.shareRunning,
    },
    logger,
  );
  if (secure) tightenDataDir(config.DATA_DIR);
  return db;
}
