/** `npm start`: runs the API (HTTP + WebSocket) until SIGTERM/SIGINT, then stops gracefully. */
import 'reflect-metadata';

import { existsSync } from 'node:fs';

import { startApp } from './app/start.js';
import { ConfigError, loadConfig } from './config.js';
import { boundHeapGrowth } from './platform/memory.js';
import { seedDemo } from './seed/demo.js';

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
// Before the app allocates: keeps a long sync's peak RSS flat (src/platform/memory.ts).
boundHeapGrowth(config.HEAP_GROWING_PERCENT);

// The demo tenant (DEMO_SEED): seeded before the server listens; in development the playground
// pre-fills its admin's token.
let demoToken: string | undefined;
const app = await startApp(config, {
  onDatabaseReady: config.DEMO_SEED
    ? async ({ root, services, logger }) => {
        const demo = await seedDemo(root, services, logger);
        if (config.NODE_ENV === 'development') demoToken = demo.token;
      }
    : undefined,
  playgroundHeaders: () => Promise.resolve(demoToken ? { Authorization: `Bearer ${demoToken}` } : undefined),
  dashboardToken: () => Promise.resolve(demoToken),
});
if (config.PLAYGROUND) console.log(`\n  Meridian is running: open ${app.url}/graphql in a browser\n`);
if (config.DASHBOARD_ENABLED) console.log(`  The live dashboard: ${app.url}/dashboard\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    const force = setTimeout(
      () => {
        app.logger.error('shutdown timed out; exiting');
        process.exit(1);
      },
      config.DRAIN_SECONDS * 1000 + config.SHUTDOWN_TIMEOUT_MS + 5000,
    ).unref();
    app.close().then(
      () => {
        clearTimeout(force);
        process.exit(0);
      },
      (err: unknown) => {
        app.logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}
