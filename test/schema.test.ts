import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { resolvers } from '../src/app/resolvers.js';
import { printSchemaSDL } from '../src/platform/graphql/schema.js';
import { startTestServer } from './helpers/server.js';

describe('Schema and migrations', () => {
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

  it('the checked-in migrations produce exactly the schema the entities describe', async () => {
    const server = await startTestServer();
    try {
      const diff = await server.app.db.orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
      expect(await server.app.db.orm.migrator.getPending()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
