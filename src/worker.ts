/**
 * `npm run worker`: the job worker of the scaled deployment. Runs the recurring jobs (the renewal
 * schedule) through BullMQ on Redis, so however many workers run, each scheduled job runs once,
 * and relays committed timeline events to Redis like an API instance does. Needs DATABASE_URL and
 * REDIS_URL; API instances of that deployment run with JOBS=worker (the default with REDIS_URL).
 * With METRICS_PORT, serves `/metrics` (sync records and run durations of the runs it executes)
 * on 127.0.0.1.
 */
import 'reflect-metadata';

import { existsSync } from 'node:fs';

import { createExtractor } from './ai/index.js';
import { openAppDatabase } from './app/database.js';
import { oneOffJobs, recurringJobs } from './app/jobs.js';
import { createServices, syncOptions, tokenService } from './app/services.js';
import { ConfigError, loadConfig } from './config.js';
import { OutboxRelay } from './modules/timeline/outbox.js';
import { BullJobQueue, BullJobRunner } from './platform/bullmq-jobs.js';
import { setCriteriaStatementTimeout } from './platform/db/statement-timeout.js';
import { Metrics, metricsRouter } from './platform/http/metrics.js';
import { closeServer, createHttpServer, listen } from './platform/http/server.js';
import { createLogger } from './platform/logger.js';
import { boundHeapGrowth } from './platform/memory.js';
import { RedisBackedPubSub } from './platform/pubsub.js';

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
  if (!config.DATABASE_URL || !config.REDIS_URL)
    throw new ConfigError([
      `${config.DATABASE_URL ? 'REDIS_URL' : 'DATABASE_URL'}: the worker needs DATABASE_URL and REDIS_URL (the embedded default runs its jobs inside npm start)`,
    ]);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
// Before the app allocates: keeps a long sync's peak RSS flat (src/platform/memory.ts).
boundHeapGrowth(config.HEAP_GROWING_PERCENT);

const logger = createLogger(config.LOG_LEVEL);
const db = await openAppDatabase(config, logger, { embeddedDir: null });
const services = createServices(tokenService(config), {
  extractor: await createExtractor(config),
  model: config.ANTHROPIC_MODEL,
  sync: syncOptions(config),
});
setCriteriaStatementTimeout(config.CRITERIA_STATEMENT_TIMEOUT_MS);
const pubsub = new RedisBackedPubSub(config.REDIS_URL, `${config.REDIS_PREFIX}:`);
const outbox = new OutboxRelay(db.orm, pubsub, logger);
outbox.start();
services.sync.engine.bindPubSub(pubsub);
// Sync runs execute here: their record counts and durations are this process's metrics, served on
// 127.0.0.1:METRICS_PORT (no token, loopback only) when it is set.
const metrics = new Metrics();
services.sync.engine.bindMetrics(metrics.sync);
const metricsListener = config.METRICS_PORT === undefined ? undefined : createHttpServer();
if (metricsListener) {
  metricsListener.app.use(metricsRouter(metrics));
  await listen(metricsListener.server, config.METRICS_PORT!, '127.0.0.1');
}
services.segments.bindPubSub(pubsub);
const runner = new BullJobRunner(
  config.REDIS_URL,
  recurringJobs(db.orm.em, services, config, logger),
  oneOffJobs(db.orm.em, services, logger),
  logger,
  `${config.REDIS_PREFIX}-jobs`,
);
// Jobs may queue jobs: from a worker they go to the same BullMQ queue.
const queue = new BullJobQueue(
  config.REDIS_URL,
  oneOffJobs(db.orm.em, services, logger),
  `${config.REDIS_PREFIX}-jobs`,
);
services.jobs.bind(queue);
await runner.start();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker shutting down');
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
    void (async () => {
      await runner.stop();
      if (metricsListener) await closeServer(metricsListener.server);
      await queue.close();
      await outbox.stop();
      await pubsub.close();
      await services.sync.close();
      await db.close();
      // No process.exit here: with everything closed the process ends by itself, and a connection
      // left open shows (the timer above then exits with 1).
      logger.info('worker stopped');
    })().catch((err: unknown) => {
      logger.error({ err }, 'error during worker shutdown');
      process.exit(1);
    });
  });
}
// Announced once SIGTERM stops it gracefully (a supervisor may signal it as soon as it reads this).
logger.info({ tickSeconds: config.RENEWAL_TICK_SECONDS }, 'Meridian worker is running');
