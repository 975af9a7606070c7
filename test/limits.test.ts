import { randomUUID } from 'node:crypto';

import { type ASTNode, getIntrospectionQuery, Kind, parse, print, visit } from 'graphql';

import { toGlobalId } from '../src/platform/graphql/global-id.js';
import { TeamMembersDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('Operation limits', () => {
  let server: TestServer;
  let auth: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_COST: '100' });
    token = await server.tokenFor(uniq('limits'));
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(() => server.close());

  it('refuses an operation deeper than the depth limit with a coded error', async () => {
    expect((await server.post({ query: '{ teamMembers(first: 2) { edges { node { id } } } }' }, auth)).status).toBe(
      200,
    );
    const res = await server.post({ query: '{ clients { edges { node { owner { id } } } } }' }, auth);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(JSON.stringify(res.json)).toMatch(/depth limit of 4/i);
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

  it('exempts introspection from the depth and cost limits (the playground needs it), and only introspection', async () => {
    // The playground's own query (graphql's getIntrospectionQuery: TypeRef nests ofType nine deep),
    // far deeper and costlier than this server's limits (depth 4, cost 100).
    const introspection = parse(getIntrospectionQuery());
    expect(depthOf(introspection)).toBeGreaterThan(4 + 5);
    const res = await server.post({ query: print(introspection) }, auth);
    expect(res.status).toBe(200);
    const body = res.json as { data?: { __schema: { types: { name: string }[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data!.__schema.types.map((x) => x.name)).toEqual(expect.arrayContaining(['Query', 'Client']));

    // An ordinary query far shallower than that is refused, and so is one over the cost limit.
    const deep = parse('{ clients { edges { node { owner { id } } } } }');
    expect(depthOf(deep)).toBeLessThan(depthOf(introspection));
    const refused = await server.post({ query: print(deep) }, auth);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toMatch(/depth limit of 4/i);
    const costly = await server.post({ query: '{ teamMembers(first: 100) { nodes { id email } } }' }, auth);
    expect(costly.status).toBe(400);
    expect(JSON.stringify(costly.json)).toMatch(/cost/i);
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

  it('refuses an operation over the cost limit through variables exactly as with literals', async () => {
    // 3 aliases (the limit here) of a page of 100: graphql-armor's validation rule saw no variables.
    const page = (first: string) => `teamMembers(first: ${first}) { nodes { id email } }`;
    const literal = `{ a: ${page('100')} b: ${page('100')} c: ${page('100')} }`;
    const withVariable = `query ($n: Int) { a: ${page('$n')} b: ${page('$n')} c: ${page('$n')} }`;
    const refusedLiteral = await server.post({ query: literal }, auth);
    const refusedVariable = await server.post({ query: withVariable, variables: { n: 100 } }, auth);
    const errors = (res: { json: unknown }) =>
      (res.json as { errors: { message: string; extensions: { code: string } }[] }).errors.map((e) => ({
        message: e.message,
        code: e.extensions.code,
      }));
    expect(refusedLiteral.status).toBe(400);
    expect(errors(refusedLiteral)).toEqual([
      { message: 'Query Cost limit of 100 exceeded, found 2850.', code: 'GRAPHQL_VALIDATION_FAILED' },
    ]);
    expect(refusedVariable.status).toBe(400);
    expect(errors(refusedVariable)).toEqual(errors(refusedLiteral));
    // Refused before it ran: not one statement of the 300 rows it asked for.
    expect((refusedVariable.json as { data?: unknown }).data).toBeUndefined();
  });

  it('costs a repeated document by the values of each request (costs are kept per document and variables)', async () => {
    const query = `query ($n: Int) { a: teamMembers(first: $n) { nodes { id } } b: teamMembers(first: $n) { nodes { id } } }`;
    const status = async (n: number) => (await server.post({ query, variables: { n } }, auth)).status;
    // 2 × (2 + 1.5 × 3.5) × n: 29 at n = 2 (under the limit of 100), 1450 at n = 100; in turns.
    expect([await status(2), await status(100), await status(2), await status(100)]).toEqual([200, 400, 200, 400]);
  });

  it('costs a repeated document by the page sizes and @include/@skip conditions of each request, whatever its other values', async () => {
    const query = `query ($n: Int, $big: Boolean!, $other: ID!) {
      a: teamMembers(first: $n) { nodes { id } }
      b: teamMembers(first: 100) @include(if: $big) { nodes { id } }
      c: ticket(id: $other) { id }
    }`;
    const status = async (n: number, big: boolean, other: string) =>
      (await server.post({ query, variables: { n, big, other: toGlobalId('Ticket', other) } }, auth)).status;
    // a: (2 + 1.5 × 3.5) × n = 14.5 at n = 2, 1450 at n = 200; b: 725 when included; c: 3.5.
    expect([
      await status(2, false, randomUUID()),
      await status(2, true, randomUUID()),
      await status(2, false, randomUUID()),
      await status(200, false, randomUUID()),
      await status(2, false, randomUUID()),
    ]).toEqual([200, 400, 200, 400, 200]);
  });

  it('costs a connection given no `first` at the default page size (20)', async () => {
    // (2 + 1.5 × (2 + 1.5 × 2)) × 20 = 190: over 100. A literal `first: 2` costs 19.
    const res = await server.post({ query: '{ teamMembers { nodes { id email } } }' }, auth);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      errors: [
        { message: 'Query Cost limit of 100 exceeded, found 190.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ],
    });
  });

  it('runs an ordinary operation with variables under the cost limit', async () => {
    const res = await server.gql(TeamMembersDocument, { first: 2 }, token);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data?.teamMembers.totalCount).toBe(1);
  });

  it('applies the cost limit with variables over WebSocket', async () => {
    const members = await server.gql(TeamMembersDocument, { first: 1 }, token);
    const client = server.ws(auth);
    const run = (variables: Record<string, unknown>) =>
      new Promise<{ data?: unknown; errors?: unknown }>((resolve) => {
        let data: unknown;
        client.subscribe(
          { query: 'query ($n: Int) { teamMembers(first: $n) { nodes { id email } } }', variables },
          { next: (v) => (data = v.data), error: (errors) => resolve({ errors }), complete: () => resolve({ data }) },
        );
      });
    try {
      expect(await run({ n: 100 })).toEqual({
        errors: [
          expect.objectContaining({
            message: 'Query Cost limit of 100 exceeded, found 950.',
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
        ],
      });
      expect(await run({ n: 2 })).toEqual({
        data: {
          teamMembers: {
            nodes: [
              { id: members.data?.teamMembers.edges[0].node.id, email: members.data?.teamMembers.edges[0].node.email },
            ],
          },
        },
      });
    } finally {
      await client.dispose();
    }
  });
});

/** Nesting of field selections (fragments inlined by hand: getIntrospectionQuery's are counted at their use). */
function depthOf(doc: ASTNode): number {
  const fragments = new Map<string, ASTNode>();
  visit(doc, { FragmentDefinition: (f) => void fragments.set(f.name.value, f.selectionSet) });
  const depth = (node: ASTNode | undefined): number => {
    if (!node) return 0;
    if (node.kind === Kind.FIELD) return 1 + depth(node.selectionSet);
    if (node.kind === Kind.FRAGMENT_SPREAD) return depth(fragments.get(node.name.value));
    if (node.kind === Kind.INLINE_FRAGMENT) return depth(node.selectionSet);
    if (node.kind === Kind.SELECTION_SET) return Math.max(0, ...node.selections.map(depth));
    if (node.kind === Kind.OPERATION_DEFINITION) return depth(node.selectionSet);
    if (node.kind === Kind.DOCUMENT)
      return Math.max(0, ...node.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).map(depth));
    return 0;
  };
  return depth(doc);
}
