/**
 * The checked-in schema and generated documents against the code: no database, no server, so CI
 * runs this file in its PostgreSQL pass only (see .ci/run); `npm test` runs it like any other.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { resolvers } from '../src/app/resolvers.js';
import { printSchemaSDL } from '../src/platform/graphql/schema.js';

describe('Schema and generated documents', () => {
  it('schema.graphql matches the code (run `npm run schema`)', async () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(await printSchemaSDL(resolvers));
  });

  it('test/generated/graphql.ts matches codegen output (run `npm run codegen`)', () => {
    const out = execFileSync('node_modules/.bin/graphql-codegen', ['--config', 'codegen.yml', '--check'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(out).not.toMatch(/outdated|changed/i);
  });
});
