import {
  ClientInteractionsPageDocument,
  ClientsWithInteractionsDocument,
  CreateClientDocument,
  CreateTicketDocument,
  LogInteractionDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

/** Growing child lists (`Client.interactions`, `*.tickets`) are connections, paged for all parents at once. */
describe('Child connections', () => {
  let server: TestServer;
  let admin: string;
  let other: string;
  let alice: string;
  let bob: string;
  let stranger: string;
  /** Alice's interactions, newest first. */
  const aliceSummaries = ['a5', 'a4', 'a3', 'a2', 'a1'];

  const createClient = async (fullName: string, token: string) => {
    const res = await server.gql(CreateClientDocument, { input: { fullName } }, token);
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!.id;
  };
  const log = async (clientId: string, summary: string, minutesAgo: number, token = admin) => {
    const occurredAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const res = await server.gql(
      LogInteractionDocument,
      { input: { clientId, kind: 'NOTE', summary, occurredAt } },
      token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.logInteraction.userErrors).toEqual([]);
  };
  const page = async (id: string, first: number, after?: string | null, token = admin) => {
    const res = await server.gql(ClientInteractionsPageDocument, { id, first, after }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.client?.interactions ?? null;
  };

  beforeAll(async () => {
    server = await startTestServer();
    [admin, other] = await Promise.all([
      server.tokenFor(uniq('child-a'), 'ADMIN'),
      server.tokenFor(uniq('child-b'), 'ADMIN'),
    ]);
    [alice, bob, stranger] = await Promise.all([
      createClient('Alice Paged', admin),
      createClient('Bob Paged', admin),
      createClient('Stranger Paged', other),
    ]);
    // Logged out of order: the connection orders by occurredAt, newest first.
    for (const [summary, ago] of [
      ['a2', 40],
      ['a5', 10],
      ['a1', 50],
      ['a4', 20],
      ['a3', 30],
    ] as const)
      await log(alice, summary, ago);
    await log(bob, 'b1', 5);
    await log(bob, 'b2', 60);
    await log(stranger, 's1', 1, other);
  });

  afterAll(() => server.close());

  it('pages Client.interactions with first/after, newest first', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    const flags: [boolean, boolean][] = [];
    for (;;) {
      const conn = (await page(alice, 2, after))!;
      expect(conn.totalCount).toBe(5);
      seen.push(...conn.edges.map((e) => e.node.summary));
      flags.push([conn.pageInfo.hasNextPage, conn.pageInfo.hasPreviousPage]);
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1)!.cursor);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(aliceSummaries);
    expect(flags).toEqual([
      [true, false],
      [true, true],
      [false, true],
    ]);
    const all = (await page(alice, 5))!;
    expect(all.pageInfo.hasNextPage).toBe(false);
    expect(all.edges.map((e) => e.node.summary)).toEqual(aliceSummaries);
  });

  it("an after cursor from another client's page never returns that client's interactions", async () => {
    const first = (await page(alice, 2))!; // a5, a4: cursor at 20 minutes ago
    const bobs = (await page(bob, 10, first.pageInfo.endCursor))!;
    // Only Bob's interaction older than the cursor position.
    expect(bobs.edges.map((e) => e.node.summary)).toEqual(['b2']);
    expect(bobs.totalCount).toBe(2);
  });

  it('refuses a cursor of another order and a page size over the cap', async () => {
    const res = await server.gql(
      ClientInteractionsPageDocument,
      { id: alice, first: 1, after: 'bm90LWEtY3Vyc29y' },
      admin,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await server.gql(ClientInteractionsPageDocument, { id: alice, first: 101 }, admin);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("a client of another tenant yields nothing, and lists never carry another tenant's interactions", async () => {
    expect(await page(stranger, 10)).toBeNull();
    expect(await page(alice, 10, undefined, other)).toBeNull();
    const res = await server.gql(ClientsWithInteractionsDocument, { first: 10, perClient: 10 }, other);
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.clients.nodes;
    expect(nodes.map((n) => n.id)).toEqual([stranger]);
    expect(nodes[0].interactions.nodes).toHaveLength(1);
    expect(nodes[0].interactions.totalCount).toBe(1);
  });

  it("weighs a child connection's first in the query cost (GRAPHQL_MAX_COST, 5000 by default)", async () => {
    const auth = { authorization: `Bearer ${admin}` };
    const query = (n: number) =>
      `{ clients(first: 10) { edges { node { interactions(first: ${n}) { edges { node { id summary } } } } } } }`;
    expect((await server.post({ query: query(1) }, auth)).status).toBe(200);
    const res = await server.post({ query: query(100) }, auth);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(JSON.stringify(res.json)).toMatch(/cost limit/i);
  });

  describe('SQL statements', () => {
    let token: string;
    const CLIENTS = 50;

    beforeAll(async () => {
      token = await server.tokenFor(uniq('child-sql'), 'ADMIN');
      const ids: string[] = [];
      for (let i = 0; i < CLIENTS; i += usingPostgres ? 10 : 5) {
        const batch = Array.from({ length: Math.min(usingPostgres ? 10 : 5, CLIENTS - i) }, (_, j) => i + j);
        ids.push(...(await Promise.all(batch.map((n) => createClient(`Sql ${n}`, token)))));
      }
      for (let i = 0; i < ids.length; i += 10)
        await Promise.all(
          ids
            .slice(i, i + 10)
            .flatMap((id, j) => [
              log(id, `first of ${i + j}`, 30, token),
              log(id, `second of ${i + j}`, 20, token),
              log(id, `third of ${i + j}`, 10, token),
              server.gql(CreateTicketDocument, { input: { subject: `T ${i + j}`, clientId: id } }, token),
            ]),
        );
    }, 240_000);

    const list = async (first: number) => {
      const res = await server.gql(ClientsWithInteractionsDocument, { first, perClient: 2 }, token);
      expect(res.errors).toBeUndefined();
      for (const c of res.data!.clients.nodes) {
        expect(c.interactions.totalCount).toBe(3);
        expect(c.interactions.nodes).toHaveLength(2);
        expect(c.interactions.pageInfo.hasNextPage).toBe(true);
        for (const i of c.interactions.nodes) expect(i.client.id).toBe(c.id);
        expect(c.tickets.totalCount).toBe(1);
        expect(c.tickets.nodes).toHaveLength(1);
        // Created, three interactions, a ticket: the newest two, all of this client.
        expect(c.timeline.totalCount).toBe(5);
        expect(c.timeline.nodes).toHaveLength(2);
        expect(c.timeline.pageInfo.hasNextPage).toBe(true);
        for (const e of c.timeline.nodes) expect(e.client?.id).toBe(c.id);
      }
      return { clients: res.data!.clients.nodes.length, statements: res.extensions!.sqlStatements as number };
    };

    it('stays the same for 5 and 50 clients, each with interactions, tickets and a timeline', async () => {
      const five = await list(5);
      const fifty = await list(50);
      expect([five.clients, fifty.clients]).toEqual([5, 50]);
      // clients page + its count-free pageInfo; one page and one count per child connection (3);
      // interaction.client and timeline event.client (one loader).
      expect(fifty.statements).toBe(five.statements);
      expect(fifty.statements).toBeLessThanOrEqual(8);
    });
  });
});
