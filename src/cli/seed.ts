/**
 * `npm run seed -- [--tenant <slug>] [--clients <n>] [--seed <n>]`
 * Fills a tenant with a realistic, deterministic data set (clients, practices, deals, tickets,
 * interactions and their timeline) for development, demos and benchmarks, creating the tenant if
 * missing. Defaults: tenant `demo`, 1000 clients, seed 42. The same seed gives the same data.
 */
import 'reflect-metadata';

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { SingleBar } from 'cli-progress';

import { openAppDatabase } from '../app/database.js';
import { createServices, tokenService } from '../app/services.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../platform/logger.js';
import { generateDataset } from '../seed/generator/index.js';
import { runCli } from './run.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const usage = 'usage: npm run seed -- [--tenant <slug>] [--clients <n>] [--seed <n>]';

/** Parses a non-negative integer option; undefined when invalid. */
function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

async function main(): Promise<number> {
  let values: { tenant?: string; clients?: string; seed?: string };
  try {
    ({ values } = parseArgs({
      options: {
        tenant: { type: 'string', default: 'demo' },
        clients: { type: 'string', default: '1000' },
        seed: { type: 'string', default: '42' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const clients = parseCount(values.clients);
  const seed = parseCount(values.seed);
  if (clients === undefined || seed === undefined) {
    console.error(`--clients and --seed must be non-negative integers\n${usage}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'seed');
  const db = await openAppDatabase(config, logger, { shareRunning: true });
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'seeding {bar} {percentage}% | {value}/{total} clients | {duration}s',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
  });
  const started = performance.now();
  let barStarted = false;
  try {
    const services = createServices(tokenService(config));
    const result = await generateDataset(db.orm.em, {
      tenantSlug: values.tenant!,
      clients,
      seed,
      services,
      onProgress: (done, total) => {
        if (!barStarted) {
          bar.start(total, done);
          barStarted = true;
        } else bar.update(done);
      },
    });
    if (barStarted) bar.stop();
    barStarted = false;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `seeded tenant ${values.tenant} (seed ${seed}): ${result.clients} clients, ${result.practices} practices, ` +
        `${result.deals} deals, ${result.tickets} tickets, ${result.interactions} interactions, ${result.quotes} quotes, ${result.tasks} tasks, ` +
        `${result.events} timeline events in ${seconds}s`,
    );
    return 0;
  } finally {
    if (barStarted) bar.stop();
    await db.close();
  }
}

runCli(main);
