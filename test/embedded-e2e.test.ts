/**
 * The newcomer's path, as separate processes on the built code: `npm run token`, `npm start` on
 * the embedded PGlite in a fresh DATA_DIR, SIGTERM, restart. Runs on the embedded default even
 * when the rest of the suite targets PostgreSQL.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect } from '@jest/globals';

import { freePort, startProcess, stopProcess } from './helpers/process.js';

const run = promisify(execFile);

describe('Embedded default (separate processes)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.JWT_SECRET;
  let port: number;
  let child: ChildProcess | undefined;

  const start = () => startProcess(env, port);
  const stop = stopProcess;

  async function query<D = unknown>(token: string, q: string, variables?: object) {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q, variables }),
    });
    return (await res.json()) as { data?: D; errors?: { extensions?: { code?: string } }[] };
  }

  beforeAll(async () => {
    port = await freePort();
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('mints a token with the CLI, serves it, stops on SIGTERM and keeps the data across a restart', async () => {
    const { stdout } = await run(
      process.execPath,
      ['dist/src/cli/token.js', '--email', 'e2e@demo.test', '--tenant', 'demo', '--role', 'ADMIN'],
      { env },
    );
    const token = stdout.trim();
    expect(token).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);

    child = await start();
    const viewer = await query<{ viewer: unknown }>(token, '{ viewer { email role } }');
    expect(viewer.data?.viewer).toEqual({ email: 'e2e@demo.test', role: 'ADMIN' });
    const anonymous = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ viewer { email } }"}',
    });
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );

    const page = await (await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } })).text();
    const prefilled = /Bearer (ey[\w-]+\.[\w-]+\.[\w-]+)/.exec(page)?.[1];
    expect(prefilled).toBeDefined();
    const demoAdmin = await query(prefilled!, '{ viewer { email role } tenant { slug } }');
    expect(demoAdmin.data).toEqual({
      viewer: { email: 'admin@demo.meridian.dev', role: 'ADMIN' },
      tenant: { slug: 'demo' },
    });
    const demoData =
      '{ clients(first: 1) { totalCount } practices(first: 1) { totalCount } deals(first: 1) { totalCount } }';
    const seeded = await query<Record<'clients' | 'practices' | 'deals', { totalCount: number }>>(prefilled!, demoData);
    expect(seeded.data?.clients.totalCount).toBe(25);
    expect(seeded.data?.practices.totalCount).toBeGreaterThan(0);
    expect(seeded.data?.deals.totalCount).toBeGreaterThan(0);

    const created = await query<{ createApiKey: { apiKey: { id: string } } }>(
      token,
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } userErrors { code } } }',
      { i: { name: 'survives restarts', role: 'VIEWER' } },
    );
    const keyId = created.data?.createApiKey.apiKey.id;
    expect(keyId).toBeTruthy();

    expect(await stop(child)).toBe(0);
    child = await start();
    const keys = await query<{ apiKeys: { nodes: unknown[] } }>(token, '{ apiKeys(first: 10) { nodes { id name } } }');
    expect(keys.data?.apiKeys.nodes).toEqual([{ id: keyId, name: 'survives restarts' }]);
    expect((await query(prefilled!, demoData)).data).toEqual(seeded.data); // seeded once, not again
    expect(await stop(child)).toBe(0);
    child = undefined;
  }, 240_000);

  it('refuses to start on a bad configuration value, naming the variable', async () => {
    await expect(
      run(process.execPath, ['dist/src/main.js'], { env: { ...env, PORT: 'eighty' } }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('PORT'),
    });
  });
});
