/**
 * Issue 12: development defaults do not expose the demo admin. Without HOST the server listens on
 * 127.0.0.1 only, and the playground pre-fills the demo admin's token only for loopback clients
 * (with HOST=0.0.0.0 another machine gets the page without it). Runs `dist/src/main.js` as
 * `npm start` does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@jest/globals';

import { freePort, startProcess, stopProcess } from './helpers/process.js';

/** A non-loopback IPv4 address of this machine, if it has one. */
const externalIp = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const itWithIp = externalIp ? it : it.skip;
if (!externalIp)
  console.warn('dev-defaults: this machine has no non-loopback IPv4 address; skipping the remote-client tests');

describe('Development defaults', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meridian-dev-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** `npm start` with nothing configured but a fresh DATA_DIR (the demo tenant is seeded). */
  const devEnv = (name: string, extra: Record<string, string> = {}) => ({
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: join(root, name),
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    REDIS_URL: '',
    JWT_SECRET: '',
    HOST: '',
    ...extra,
  });

  itWithIp('listens on 127.0.0.1 only when HOST is not set', async () => {
    const port = await freePort();
    const proc = await startProcess(devEnv('default'), port);
    try {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://${externalIp}:${port}/healthz`)).rejects.toThrow();
    } finally {
      await stopProcess(proc);
    }
  });

  itWithIp('with HOST=0.0.0.0 gives the demo token to a loopback client only', async () => {
    const port = await freePort();
    const proc = await startProcess(devEnv('anyhost', { HOST: '0.0.0.0' }), port);
    try {
      const local = await (await fetch(`http://127.0.0.1:${port}/playground`)).text();
      expect(local).toMatch(/Authorization\\?": \\?"Bearer ey/);
      const remote = await fetch(`http://${externalIp}:${port}/playground`);
      expect(remote.status).toBe(200);
      const page = await remote.text();
      expect(page).toContain('Meridian GraphQL playground');
      expect(page).not.toContain('Bearer');
      const browser = await fetch(`http://${externalIp}:${port}/graphql`, { headers: { accept: 'text/html' } });
      expect(await browser.text()).not.toContain('Bearer');
    } finally {
      await stopProcess(proc);
    }
  });
});
