import { TeamMembersDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('Operation limits', () => {
  let server: TestServer;
  let auth: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_COST: '100' });
    token = await server.tokenFor(uniq('limits'));
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(() => server.close());

  it('refuses an operation deeper than the depth limit with a coded error', async () => {
    const shallow = await startTestServer({ GRAPHQL_MAX_DEPTH: '3' });
    try {
      const t = { authorization: `Bearer ${await shallow.tokenFor(uniq('depth'))}` };
      expect((await shallow.post({ query: '{ teamMembers { nodes { id } } }' }, t)).status).toBe(200);
      const res = await shallow.post({ query: '{ teamMembers { edges { node { id } } } }' }, t);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
      expect(JSON.stringify(res.json)).toMatch(/depth limit of 3/i);
    } finally {
      await shallow.close();
    }
  });

  it('applies the same limits to WebSocket subscriptions', async () => {
    const client = server.ws(auth);
    const subscribe = (query: string) =>
      new Promise<unknown[]>((resolve) => {
        const errors: unknown[] = [];
        client.subscribe(
          { query },
          { next: () => undefined, error: (e) => resolve([...errors, e]), complete: () => resolve(errors) },
        );
      });
    try {
      const refused = await subscribe('subscription { timelineEventAdded { x1: id x2: id x3: id x4: id } }');
      expect(JSON.stringify(refused)).toMatch(/aliases limit of 3/i);
    } finally {
      await client.dispose();
    }
  });

  it('exempts introspection from the depth limit (the playground needs it)', async () => {
    const res = await server.post({ query: '{ __schema { types { fields { type { ofType { name } } } } } }' }, auth);
    expect(res.status).toBe(200);
  });

  it('refuses more aliases than allowed', async () => {
    const res = await server.post(
      { query: '{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }' },
      auth,
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(JSON.stringify(res.json)).toMatch(/alias/i);
  });

  it('refuses an operation over the cost limit', async () => {
    // graphql-armor multiplies a list's cost by a literal `first`/`last`.
    expect((await server.post({ query: '{ teamMembers(first: 2) { nodes { id email } } }' }, auth)).status).toBe(200);
    const query = '{ teamMembers(first: 100) { nodes { id email } } }';
    const res = await server.post({ query }, auth);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toMatch(/cost/i);
  });

  it('caps `first` at the maximum page size with BAD_USER_INPUT', async () => {
    const res = await server.gql(TeamMembersDocument, { first: 101 }, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/between 0 and 100/);
  });

  it('refuses a garbage cursor with BAD_USER_INPUT', async () => {
    const res = await server.gql(TeamMembersDocument, { first: 5, after: 'not-a-cursor' }, token);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
