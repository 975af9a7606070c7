/**
 * Issue 12: the embedded database's DATA_DIR is private to the server's user (0700, files 0600),
 * even when the shell's umask would make files world-readable. Runs `dist/src/main.js` as an
 * operator does.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from '@jest/globals';

import { freePort, startProcess, stopProcess } from './helpers/process.js';

/** Every path under `dir` (itself included) with its permission bits. */
function modes(dir: string): [string, number][] {
  const out: [string, number][] = [[dir, statSync(dir).mode & 0o777]];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    out.push([path, statSync(path).mode & 0o777]);
  }
  return out;
}

describe('DATA_DIR permissions', () => {
  let root: string;
  let previousUmask: number;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meridian-datadir-'));
    chmodSync(root, 0o755);
    // The server inherits this: the usual shell umask, which makes new files 0644 and directories 0755.
    previousUmask = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(previousUmask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a fresh DATA_DIR and its files accessible to the owner only, under umask 022', async () => {
    const dataDir = join(root, 'fresh');
    const proc = await startProcess(
      {
        ...process.env,
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
        DEMO_SEED: 'false',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        REDIS_URL: '',
      },
      await freePort(),
    );
    try {
      const found = modes(dataDir);
      expect(found.length).toBeGreaterThan(5); // pglite files, the lock, the generated JWT secret
      expect(found.filter(([, mode]) => mode & 0o077).map(([path, mode]) => `${path} 0${mode.toString(8)}`)).toEqual(
        [],
      );
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await stopProcess(proc);
    }
  });

  it('makes an existing world-accessible DATA_DIR 0700 at start', async () => {
    const dataDir = join(root, 'existing');
    mkdirSync(dataDir, { mode: 0o777 });
    chmodSync(dataDir, 0o777);
    const proc = await startProcess(
      {
        ...process.env,
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
        DEMO_SEED: 'false',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        REDIS_URL: '',
      },
      await freePort(),
    );
    try {
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await stopProcess(proc);
    }
  });
});
