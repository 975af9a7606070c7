/**
 * `npm run --silent token -- --email <email> [--tenant <slug>] [--role <ROLE>]`
 * Prints a bearer token for that team member, creating the tenant and member if missing.
 * Defaults: tenant `demo`, role ADMIN for a new member (an existing member keeps their role unless
 * --role is given).
 */
import 'reflect-metadata';

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { openAppDatabase } from '../app/database.js';
import { createServices, tokenService } from '../app/services.js';
import { loadConfig } from '../config.js';
import { parseRole } from '../modules/tenancy/role.js';
import { createLogger } from '../platform/logger.js';
import { runCli } from './run.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const usage = 'usage: npm run --silent token -- --email <email> [--tenant <slug>] [--role ADMIN|MANAGER|AGENT|VIEWER]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, tenant: { type: 'string', default: 'demo' }, role: { type: 'string' } },
  });
  if (!values.email) {
    console.error(usage);
    return 2;
  }
  const role = values.role ? parseRole(values.role) : undefined;
  if (values.role && !role) {
    console.error(`unknown role "${values.role}"\n${usage}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'token');
  const db = await openAppDatabase(config, logger, { shareRunning: true });
  try {
    const services = createServices(tokenService(config));
    const { token } = await services.tenancy.mintToken(db.orm.em, {
      email: values.email,
      tenant: values.tenant,
      role,
    });
    console.log(token);
    return 0;
  } finally {
    await db.close();
  }
}

runCli(main);
