/**
 * The CLIs (token, seed, migrate) while `npm start` runs on the embedded PGlite, as separate OS
 * processes on the built code: they reach the running server's PGlite through its unix socket, and
 * their statements never land inside another client's transaction.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect } from '@jest/globals';
import pg from 'pg';

import { freePort, openSocket, startProcess, stopProcess } from './helpers/process.js';

const run = promisify(execFile);

describe('CLIs while the embedded server runs (separate processes)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
  const socketDir = join(dataDir, 'pglite-socket');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DEMO_SEED: 'false',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.JWT_SECRET;
  let port: number;
  let server: ChildProcess | undefined;

  const cli = (script: string, args: string[]) =>
    run(process.execPath, [`dist/src/cli/${script}.js`, ...args], { env, timeout: 120_000 });

  async function query(token: string, q: string) {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q }),
    });
    return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  }

  beforeAll(async () => {
    port = await freePort();
    server = await startProcess(env, port);
  }, 150_000);
  afterAll(async () => {
    if (server) await stopProcess(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves its PGlite on a socket only its user can reach', () => {
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    const socket = statSync(join(socketDir, '.s.PGSQL.5432'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  it('mints tokens for another tenant and role while the server runs; the server accepts them', async () => {
    const { stdout } = await cli('token', ['--email', 'ana@second.test', '--tenant', 'second', '--role', 'MANAGER']);
    const token = stdout.trim();
    expect(token).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await query(token, '{ viewer { email role } tenant { slug } }')).data).toEqual({
      viewer: { email: 'ana@second.test', role: 'MANAGER' },
      tenant: { slug: 'second' },
    });
  });

  it("closes a member's socket with 4403 when the token command changes their role while the server runs", async () => {
    const { stdout } = await cli('token', ['--email', 'rita@second.test', '--tenant', 'second', '--role', 'MANAGER']);
    const socket = openSocket(port, { authorization: `Bearer ${stdout.trim()}` });
    try {
      expect(await socket.query('{ viewer { role } }')).toEqual({ data: { viewer: { role: 'MANAGER' } } });
      // The CLI writes the change and its TEAM_MEMBER_UPDATED event; the server's outbox relay announces it.
      await cli('token', ['--email', 'rita@second.test', '--tenant', 'second', '--role', 'VIEWER']);
      const close = await socket.closed;
      expect([close.code, close.reason]).toEqual([4403, 'Role changed: reconnect']);
    } finally {
      await socket.client.dispose();
    }
  });

  it('seeds a tenant while the server runs, and the server reads the data', async () => {
    const seeded = await cli('seed', ['--tenant', 'seeded', '--clients', '12', '--seed', '7']);
    expect(seeded.stdout).toContain('12 clients');
    expect(seeded.stdout).toMatch(/\b\d+ quotes, \d+ tasks\b/);
    const { stdout } = await cli('token', ['--email', 'boss@seeded.test', '--tenant', 'seeded']);
    expect((await query(stdout.trim(), '{ clients(first: 1) { totalCount } }')).data).toEqual({
      clients: { totalCount: 12 },
    });
  });

  it('migrates with nothing pending while the server runs', async () => {
    const { stdout } = await cli('migrate', []);
    expect(stdout.trim()).toBe('database is up to date');
  });

  it('never runs a CLI statement inside another client’s open transaction', async () => {
    // Another client of the same socket (as the server's ORM is) opens a transaction and holds it.
    const other = new pg.Client({
      host: socketDir,
      port: 5432,
      user: 'postgres',
      password: 'postgres',
      database: 'postgres',
    });
    await other.connect();
    try {
      const started = Date.now();
      const baseline = await cli('token', ['--email', 'timer@held.test', '--tenant', 'held']);
      const usual = Date.now() - started;
      expect(baseline.stdout.trim()).toMatch(/^ey/);

      await other.query('begin');
      await other.query('create table held_probe (id int)');
      let exited = false;
      const minting = new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['dist/src/cli/token.js', '--email', 'late@held.test', '--tenant', 'held', '--role', 'AGENT'],
          { env, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => {
          exited = true;
          if (code === 0) resolve(out.trim());
          else reject(new Error(`token exited ${code}: ${err}`));
        });
      });
      // Longer than a whole CLI run takes here: a CLI not held back would be done by now.
      await new Promise((r) => setTimeout(r, Math.max(3000, usual * 2)));
      expect(exited).toBe(false);
      await other.query('rollback');
      const token = await minting;
      // Had the CLI's inserts landed in the rolled-back transaction, the member would not exist.
      expect((await query(token, '{ viewer { email role } }')).data).toEqual({
        viewer: { email: 'late@held.test', role: 'AGENT' },
      });
      await expect(other.query('select 1 from held_probe')).rejects.toThrow(/does not exist/);
    } finally {
      await other.end();
    }
  }, 180_000);

  it('still refuses a second API process on the same data directory', async () => {
    const second = await run(process.execPath, ['--experimental-async-context-frame', 'dist/src/main.js'], {
      env: { ...env, PORT: String(await freePort()) },
      timeout: 60_000,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(second).toMatchObject({ code: 1, stderr: expect.stringContaining('is in use by process') });
  });
});
