import { ConfigError } from '../config.js';
import { DataDirLockedError } from '../platform/db/database.js';
import { ValidationFailed } from '../platform/errors.js';

/**
 * Runs a CLI's `main` and exits with its code. Errors the user can act on (bad configuration, a
 * locked data directory, invalid input) print their message alone; anything else its stack.
 */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const expected =
        err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof ValidationFailed;
      console.error(expected ? err.message : err);
      process.exit(1);
    },
  );
}
