import { startTestServer } from './helpers/server.js';

// schema.graphql and test/generated against the code: test/codegen.test.ts (no database).
describe('Schema and migrations', () => {
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
