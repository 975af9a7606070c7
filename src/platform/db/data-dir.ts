import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { Logger } from '../logger.js';

/**
 * Makes the data directory private to this user before anything is written to it: the process
 * umask becomes 0o077 (so PGlite's files, the lock and generated secrets are created 0600, their
 * directories 0700, whatever the shell's umask), `dir` is created 0700, and an existing `dir`
 * that others could read or enter is changed to 0700 (logged).
 */
export function secureDataDir(dir: string, logger: Logger): void {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(dir, 0o700);
    logger.warn(
      { dataDir: dir, was: `0${mode.toString(8)}` },
      'DATA_DIR was accessible to other users: changed to 0700 (owner only)',
    );
  }
}

/**
 * Takes group and other permissions off everything under `dir` (files 0600 or 0700 if executable,
 * directories 0700; symbolic links left alone). PGlite sets the modes of the files it creates
 * itself (0666, whatever the umask), so this runs once it has opened; files it creates later sit
 * inside the 0700 directory, out of other users' reach.
 */
export function tightenDataDir(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink() || !(stat.mode & 0o077)) continue;
    chmodSync(path, stat.mode & 0o700);
  }
}
