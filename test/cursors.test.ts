import { ClientsDocument, CreateClientDocument, TeamMembersDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/** Keyset values a client could write into a cursor by hand (base64url of the JSON). */
const FORGED = [
  '[1e400,2]',
  '[-1e400,"x"]',
  '{"x":1}',
  '[{"x":1},"a"]',
  '["a",{"$gt":1}]',
  '[null,"a"]',
  '[1]',
  '[1,2,3]',
  '[true,false]',
  '[[1],[2]]',
  `["${'x'.repeat(5000)}","a"]`,
  '"str"',
  '1',
  'null',
  '[{"$ne":null},{"$ne":null}]',
  '["2026-13-45T99:00:00Z","00000000-0000-0000-0000-00000000000g"]',
];

describe('Cursors', () => {
  let server: TestServer;
  let token: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(uniq('cursors'));
    other = await server.tokenFor(uniq('bystander'));
    for (let i = 0; i < 3; i++) await server.gql(CreateClientDocument, { input: { fullName: `Cursor ${i}` } }, token);
  });
  afterAll(() => server.close());

  it('refuses forged cursors with BAD_USER_INPUT naming the argument, while another tenant is served', async () => {
    let stop = false;
    const bystander: number[] = [];
    const failures: unknown[] = [];
    const loop = (async () => {
      while (!stop) {
        const res = await server.gql(ClientsDocument, { first: 5 }, other);
        bystander.push(res.status);
        if (res.status !== 200 || res.errors) failures.push(res.errors ?? res.status);
      }
    })();
    const orders = [
      undefined,
      { field: 'LEAD_SCORE', direction: 'DESC' },
      { field: 'FULL_NAME', direction: 'ASC' },
    ] as const;
    const answers: unknown[] = [];
    for (const orderBy of orders) {
      const page = await server.gql(ClientsDocument, { first: 1, orderBy }, token);
      const tag = page.data!.clients.edges[0].cursor.split('.')[0];
      const cursors = [
        ...FORGED.map((json) => `${tag}.${Buffer.from(json).toString('base64url')}`),
        `${tag}.!!!not-base64!!!`,
        `${tag}.${Buffer.from('not json').toString('base64url')}`,
        `${tag}.${'A'.repeat(100_000)}`,
      ];
      for (const cursor of cursors) {
        for (const arg of ['after', 'before'] as const) {
          const variables =
            arg === 'after' ? { first: 1, after: cursor, orderBy } : { last: 1, before: cursor, orderBy };
          const res = await server.gql(ClientsDocument, variables, token);
          answers.push({
            status: res.status,
            code: res.errors?.[0]?.extensions?.code,
            argument: res.errors?.[0]?.extensions?.argument,
          });
          expect({
            cursor: Buffer.from(cursor.split('.')[1], 'base64url').toString().slice(0, 40),
            orderBy: orderBy?.field,
            status: res.status,
            code: res.errors?.[0]?.extensions?.code,
            argument: res.errors?.[0]?.extensions?.argument,
          }).toEqual({
            cursor: Buffer.from(cursor.split('.')[1], 'base64url').toString().slice(0, 40),
            orderBy: orderBy?.field,
            status: 200,
            code: 'BAD_USER_INPUT',
            argument: arg,
          });
        }
      }
    }
    stop = true;
    await loop;
    expect(answers).toHaveLength(3 * (FORGED.length + 3) * 2);
    expect(failures).toEqual([]);
    expect(bystander.length).toBeGreaterThan(0);
  });

  it('still pages with the cursors it gave out', async () => {
    const first = await server.gql(
      ClientsDocument,
      { first: 2, orderBy: { field: 'FULL_NAME', direction: 'ASC' } },
      token,
    );
    const next = await server.gql(
      ClientsDocument,
      { first: 2, after: first.data!.clients.pageInfo.endCursor, orderBy: { field: 'FULL_NAME', direction: 'ASC' } },
      token,
    );
    expect(next.errors).toBeUndefined();
    expect(next.data!.clients.edges.map((e) => e.node.fullName)).toEqual(['Cursor 2']);
    const back = await server.gql(
      ClientsDocument,
      { last: 2, before: next.data!.clients.pageInfo.startCursor, orderBy: { field: 'FULL_NAME', direction: 'ASC' } },
      token,
    );
    expect(back.errors).toBeUndefined();
    expect(back.data!.clients.edges.map((e) => e.node.fullName)).toEqual(['Cursor 0', 'Cursor 1']);
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
