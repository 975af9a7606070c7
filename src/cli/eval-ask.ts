/**
 * `npm run eval:ask`: the labelled evaluation of the heuristic question interpreter. Starts the
 * API on a throwaway embedded database (no configuration read, no API key: the heuristic), seeds
 * `test/fixtures/ask/dataset.json`, asks `questions.json` and prints the accuracy (exact criteria
 * match, same result set) and every failure. Exit code 0 (the figures are the output).
 */
import 'reflect-metadata';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startApp } from '../app/start.js';
import { loadConfig } from '../config.js';
import { formatAskReport, type Gql, loadAskFixtures, runAskEval, seedAskDataset } from '../modules/ask/ask.eval.js';
import { Role } from '../modules/tenancy/role.js';
import { createLogger } from '../platform/logger.js';
import { runCli } from './run.js';

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-eval-ask-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    DEMO_SEED: 'false',
    JOBS: 'off',
    RATE_LIMITS: 'false',
    DRAIN_SECONDS: '0',
    JWT_SECRET: 'meridian-eval-ask-secret-meridian-eval-ask',
  });
  const app = await startApp(config, { embeddedDir: null, logger: createLogger('silent') });
  try {
    const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
      tenant: 'eval-ask',
      email: 'admin@agency.test',
      role: Role.ADMIN,
    });
    const gql: Gql = async (query, variables) => {
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as Awaited<ReturnType<Gql>>;
    };
    const { dataset, questions } = loadAskFixtures();
    const tz = ((await gql('{ tenant { timeZone } }')).data!.tenant as { timeZone: string }).timeZone;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
    await seedAskDataset(gql, dataset, today);
    console.log(formatAskReport(await runAskEval(gql, questions, today)));
    return 0;
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runCli(main);
