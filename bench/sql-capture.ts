/**
 * Preloaded into a benchmarked server (`node --import <this file> …`, see bench/plans.ts) to record
 * the SQL it sends, so the benchmark can EXPLAIN exactly what each server runs for a scenario. It
 * wraps `pg.Client.prototype.query` (Meridian through MikroORM/Kysely and PostGraphile through its
 * pg adaptor both end there). Inactive unless SQL_CAPTURE_FILE is set.
 *
 * Each SIGUSR2 toggles recording. Starting writes `{ seq, capturing: true, statements: [] }` to
 * SQL_CAPTURE_FILE; stopping writes `{ seq, capturing: false, statements }` with every statement
 * (`text`, `values`) sent in between. While not recording, the cost is one boolean test per query.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const file = process.env.SQL_CAPTURE_FILE;
if (file) {
  // The server's own copy of pg (resolved from its working directory, as its code does).
  const pg = createRequire(join(process.cwd(), 'package.json'))('pg') as typeof import('pg');
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let capturing = false;
  let seq = 0;
  let statements: { text: string; values?: unknown[] }[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (capturing) {
      const [first, second] = args as [unknown, unknown];
      const config = (typeof first === 'object' && first !== null ? first : {}) as {
        text?: string;
        values?: unknown[];
      };
      const text = typeof first === 'string' ? first : config.text;
      const values = Array.isArray(second) ? second : config.values;
      if (typeof text === 'string') statements.push(values?.length ? { text, values } : { text });
    }
    return original.apply(this, args);
  };
  process.on('SIGUSR2', () => {
    capturing = !capturing;
    seq++;
    if (capturing) statements = [];
    // Written aside and renamed, so the benchmark never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ seq, capturing, statements: capturing ? [] : statements }));
    renameSync(`${file}.tmp`, file);
  });
}
