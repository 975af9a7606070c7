import { expect } from '@jest/globals';

import {
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTaskDocument,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  DeactivateTeamMemberDocument,
  PipelinesDocument,
  ReactivateTeamMemberDocument,
  UpdateTeamMemberDocument,
  UpdateTicketDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { must } from './helpers/mutations.js';
import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment -- responses of ad-hoc query shapes */
/**
 * The fast read path (src/platform/graphql/fast-path.ts) against the ordinary one: the same query is
 * sent as it is (fast path: one statement per root field), and with the `marker: __typename` of each
 * root list replaced by `pageInfo { hasNextPage }` (which the fast path does not answer, so the
 * resolvers and DataLoaders do); apart from those two fields, both must give the same JSON.
 */
describe('Fast read path', () => {
  let server: TestServer;
  let admin: string;
  let other: string;
  let otherClientId: string;
  let agentId: string;

  type Result = { status: number; data?: Record<string, any>; errors?: any[]; statements: number };
  const run = async (query: string, variables: object = {}, token: string | null = admin): Promise<Result> => {
    const res = await server.post({ query, variables }, token ? { authorization: `Bearer ${token}` } : {});
    const json = res.json as { data?: Record<string, any>; errors?: any[]; extensions?: { sqlStatements?: number } };
    return {
      status: res.status,
      data: json.data,
      errors: json.errors,
      statements: json.extensions?.sqlStatements ?? -1,
    };
  };

  /** The query on the ordinary path: `marker: __typename` of each root list becomes `pageInfo { hasNextPage }`. */
  const slow = (query: string) => query.replaceAll('marker: __typename', 'pageInfo { hasNextPage }');
  /** `data` as JSON without the marker and `pageInfo` of the root lists. */
  const comparable = (data: Record<string, any>) =>
    JSON.stringify(data, (key, value: unknown) => (key === 'marker' || key === 'pageInfo' ? undefined : value));

  /**
   * Runs `query` on both paths; expects the same data, `statements` on the fast path and more on
   * the ordinary one (`ordinaryAtLeast`: at least that many, for a list without relations).
   */
  const same = async (query: string, variables: object, statements: number, ordinaryAtLeast = statements + 1) => {
    const fast = await run(query, variables);
    const ordinary = await run(slow(query), variables);
    expect(fast.errors).toBeUndefined();
    expect(ordinary.errors).toBeUndefined();
    expect(comparable(fast.data!)).toEqual(comparable(ordinary.data!));
    expect(fast.statements).toBe(statements);
    expect(ordinary.statements).toBeGreaterThanOrEqual(ordinaryAtLeast);
    return fast.data!;
  };

  beforeAll(async () => {
    server = await startTestServer();
    [admin, other] = await Promise.all([
      server.tokenFor(uniq('fast-a'), 'ADMIN'),
      server.tokenFor(uniq('fast-b'), 'ADMIN'),
    ]);
    const agent = await must(
      server.gql(CreateTeamMemberDocument, { input: { email: 'agent@fast.test', role: 'AGENT' } }, admin),
    );
    agentId = agent.teamMember!.id;
    const stages = (await server.gql(PipelinesDocument, {}, admin)).data!.pipelines[0].stages.map((s) => s.id);
    for (let i = 0; i < 6; i++) {
      const c = await must(
        server.gql(
          CreateClientDocument,
          {
            input: {
              fullName: `Fast ${i}`,
              email: i % 2 ? `fast${i}@fast.test` : null,
              ownerId: i % 3 ? agentId : null,
            },
          },
          admin,
        ),
      );
      const clientId = c.client!.id;
      for (let p = 0; p < i % 3; p++) {
        await must(
          server.gql(
            CreatePracticeDocument,
            {
              input: {
                clientId,
                practiceTypeCode: p ? 'KITAS' : 'NPWP',
                assignedToId: p ? agentId : null,
                expiryDate: p ? `2027-0${i + 1}-1${p}` : null,
              },
            },
            admin,
          ),
        );
      }
      if (i % 2)
        await must(
          server.gql(
            CreateDealDocument,
            { input: { title: `Deal ${i}`, clientId, stageId: stages[i % stages.length] } },
            admin,
          ),
        );
      for (let t = 0; t < i; t++) {
        const ticket = await must(
          server.gql(CreateTicketDocument, { input: { subject: `T${i}.${t}`, clientId } }, admin),
        );
        if (t % 2)
          await must(server.gql(UpdateTicketDocument, { input: { id: ticket.ticket!.id, status: 'CLOSED' } }, admin));
      }
    }
    const stranger = await must(server.gql(CreateClientDocument, { input: { fullName: 'Stranger' } }, other));
    otherClientId = stranger.client!.id;
  });
  afterAll(() => server.close());

  it('answers the dashboard list in one statement, with the same JSON as the resolvers', async () => {
    const data = await same(
      `{ clients(first: 50) { nodes { id fullName email lifecycleStage owner { name }
         practices { status type { code } } deals { title stage { name } }
         tickets(filter: { status: OPEN }) { nodes { number subject } } } marker: __typename } }`,
      {},
      1,
    );
    expect(data.clients.nodes.map((n: any) => n.fullName)).toEqual([
      'Fast 5',
      'Fast 4',
      'Fast 3',
      'Fast 2',
      'Fast 1',
      'Fast 0',
    ]);
    expect(data.clients.nodes[0].tickets.nodes.map((t: any) => t.subject)).toEqual(['T5.4', 'T5.2', 'T5.0']);
  });

  it('handles aliases, fragments, variables, __typename, dates, { id } from the foreign key and child arguments', async () => {
    const data = await same(
      `query($n: Int!, $t: Int, $skip: Boolean!) {
         list: clients(first: $n, orderBy: { field: FULL_NAME, direction: ASC }) { __typename nodes { ...C } marker: __typename }
       }
       fragment C on Client {
         __typename key: id name: fullName createdAt updatedAt leadScore kind
         who: owner { id __typename } owner { email role }
         recent: tickets(first: $t) { __typename nodes { number status createdAt client { fullName } } }
         kitas: practices(filter: { expiryFrom: "2027-01-01" }) { id expiryDate startDate type { name code } assignedTo { id name } }
         practices { client { fullName } }
         email @skip(if: $skip)
       }`,
      { n: 4, t: 2, skip: true },
      1,
    );
    expect(data.list.nodes).toHaveLength(4);
    expect(data.list.nodes[2].recent.nodes).toHaveLength(2);
    // A page whose rows join a to-one relation: limited first, then joined (fast-path.ts, `nodes`).
    expect(data.list.nodes[2].recent.nodes[1].client.fullName).toBe(data.list.nodes[2].name);
    expect(data.list.nodes[2].kitas[0].expiryDate).toMatch(/^2027-0\d-11$/);
    expect(data.list.nodes[0]).not.toHaveProperty('email');
  });

  it('answers the filtered, sorted practice list in one statement', async () => {
    await same(
      `query($f: PracticeFilter) { practices(first: 50, filter: $f, orderBy: { field: EXPIRY_DATE, direction: ASC }) {
         nodes { id status expiryDate client { fullName } type { code } assignedTo { name } } marker: __typename } }`,
      { f: { statuses: ['INQUIRY', 'IN_PROGRESS'], assignedToIds: [agentId], expiryFrom: '2027-01-01' } },
      1,
    );
  });

  it('sends values as parameters of one statement per query shape: each tenant and each value gets its own rows', async () => {
    const practices = `query($f: PracticeFilter) { practices(first: 50, filter: $f, orderBy: { field: EXPIRY_DATE, direction: ASC }) {
      nodes { id status expiryDate client { fullName } assignedTo { name } } marker: __typename } }`;
    const clients = `query($o: [ID!]) { clients(first: 50, filter: { ownerIds: $o }) { nodes { fullName owner { name } } marker: __typename } }`;
    // More runs than PostgreSQL's five custom plans, after which a prepared statement may use its generic plan.
    for (let i = 0; i < 8; i++) {
      const f =
        i % 2
          ? { statuses: ['INQUIRY', 'COMPLETED'], expiryFrom: `2027-0${(i % 4) + 1}-01` }
          : { statuses: ['INQUIRY'] };
      const mine = await same(practices, { f }, 1);
      expect(mine.practices.nodes.length).toBeGreaterThan(0);
      const theirs = await run(practices, { f }, other);
      expect(theirs.errors).toBeUndefined();
      expect(theirs.data!.practices.nodes).toEqual([]);
      const owned = await same(clients, { o: i % 2 ? [agentId] : null }, 1);
      expect(owned.clients.nodes).toHaveLength(i % 2 ? 4 : 6);
      const stranger = await run(clients, { o: null }, other);
      expect(stranger.data!.clients.nodes).toEqual([{ fullName: 'Stranger', owner: null }]);
    }
  });

  it('keeps the plan of a repeated query, with the values a filter reads from the clock made again per request', async () => {
    const clock = server.app.services.clock;
    const at = (hour: number) => new Date(Date.UTC(2031, 0, 1, hour)).toISOString();
    const overdue = `query($o: Boolean) { tasks(filter: { overdue: $o }) { nodes { title dueAt } marker: __typename } }`;
    const titles = (data: Record<string, any>) => data.tasks.nodes.map((n: any) => n.title);
    try {
      clock.set(at(0));
      for (const hour of [1, 3, 5])
        await must(server.gql(CreateTaskDocument, { input: { title: `due ${hour}h`, dueAt: at(hour) } }, admin));
      // The same document and variables each time: the statement's text is the same, `now` is not.
      expect(titles(await same(overdue, { o: true }, 1, 1))).toEqual([]);
      clock.set(at(2));
      expect(titles(await same(overdue, { o: true }, 1, 1))).toEqual(['due 1h']);
      clock.set(at(4));
      expect(titles(await same(overdue, { o: true }, 1, 1))).toEqual(['due 1h', 'due 3h']);
      // Other variables, another plan (another shape of condition): the tasks not overdue at 04:00.
      expect(titles(await same(overdue, { o: false }, 1, 1))).toEqual(['due 5h']);
      expect((await run(overdue, { o: true }, other)).data!.tasks.nodes).toEqual([]);
    } finally {
      clock.set(new Date());
    }
  });

  it('takes one statement per root field', async () => {
    const res = await run(`{ a: clients(first: 2) { nodes { id } } b: practices { nodes { id } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.a.nodes).toHaveLength(2);
    expect(res.statements).toBe(2);
  });

  it('leaves unknown fields, cursors and other roots to the resolvers', async () => {
    for (const query of [
      `{ clients(first: 3) { nodes { id bant { need } } } }`,
      `{ clients(first: 3) { totalCount nodes { id } } }`,
      `{ clients(first: 3) { nodes { id members { id } } } }`,
      `{ clients(first: 3) { nodes { id practices(filter: { typeCodes: ["KITAS"] }) { id } } } }`,
      `{ clients(first: 3) { nodes { id } } pipelines { id } }`,
    ]) {
      const res = await run(query);
      expect(res.errors).toBeUndefined();
      expect(res.data!.clients.nodes).toHaveLength(3);
    }
    const page1 = await run(`{ clients(first: 2) { pageInfo { endCursor } nodes { fullName } } }`);
    const page2 = await run(`query($a: String) { clients(first: 2, after: $a) { nodes { fullName } } }`, {
      a: page1.data!.clients.pageInfo.endCursor,
    });
    expect(page2.data!.clients.nodes.map((n: any) => n.fullName)).toEqual(['Fast 3', 'Fast 2']);
  });

  it("never shows another tenant's rows, also when asked for by their IDs", async () => {
    const mine = await run(`{ clients { nodes { fullName } } }`, {}, other);
    expect(mine.data!.clients.nodes).toEqual([{ fullName: 'Stranger' }]);
    expect(mine.statements).toBe(1);
    const theirs = await run(
      `query($c: ID, $o: [ID!]) { practices(filter: { clientId: $c }) { nodes { id } } clients(filter: { ownerIds: $o }) { nodes { id } } }`,
      { c: otherClientId, o: [agentId] },
    );
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data).toEqual({ practices: { nodes: [] }, clients: { nodes: expect.any(Array) } });
    const asOther = await run(
      `query($o: [ID!]) { clients(filter: { ownerIds: $o }) { nodes { id } } }`,
      { o: [agentId] },
      other,
    );
    expect(asOther.data!.clients.nodes).toEqual([]);
  });

  it('refuses a caller without credentials, a page over the limit and an invalid filter, as the ordinary path does', async () => {
    const anonymous = await run(`{ clients { nodes { id } } }`, {}, null);
    expect(anonymous.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const tooBig = await run(`{ clients(first: 500) { nodes { id } } }`);
    expect(tooBig.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const badDate = await run(`{ deals(filter: { expectedCloseFrom: "2027-02-30" }) { nodes { id } } }`);
    expect(badDate.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it("checks the caller's member row in its statement: deactivation and a role change take effect on the next request", async () => {
    const tenant = uniq('fast-member');
    const boss = await server.tokenFor(tenant, 'ADMIN');
    const member = await server.tokenFor(tenant, 'ADMIN', `member@${tenant}.test`);
    const memberId = (await server.gql(ViewerDocument, {}, member)).data!.viewer!.id;
    await must(server.gql(CreateClientDocument, { input: { fullName: 'Owned', ownerId: memberId } }, boss));
    const list = `{ clients(first: 5) { nodes { id fullName owner { name } } } }`;
    const before = await run(list, {}, member);
    expect(before.errors).toBeUndefined();
    expect(before.data!.clients.nodes).toHaveLength(1);
    expect(before.statements).toBe(1);

    await must(server.gql(DeactivateTeamMemberDocument, { input: { id: memberId } }, boss));
    // The fast path's statement finds the member inactive: the member check refuses it, as the
    // ordinary path, a query with a syntax error and an invalid query do.
    for (const query of [
      list,
      `{ clients(first: 5) { nodes { id } pageInfo { hasNextPage } } }`,
      '{ clients {',
      '{ nope }',
    ]) {
      const refused = await run(query, {}, member);
      expect({ status: refused.status, errors: refused.errors?.map((e) => e.extensions.code) }).toEqual({
        status: 401,
        errors: ['UNAUTHENTICATED'],
      });
      expect(refused.data).toBeUndefined();
    }

    await must(server.gql(ReactivateTeamMemberDocument, { input: { id: memberId } }, boss));
    expect((await run(list, {}, member)).statements).toBe(1);
    // The token says ADMIN, the row now VIEWER: the ordinary path answers, with the row's role.
    await must(server.gql(UpdateTeamMemberDocument, { input: { id: memberId, role: 'VIEWER' } }, boss));
    const demoted = await run(list, {}, member);
    expect(demoted.errors).toBeUndefined();
    expect(demoted.data).toEqual(before.data);
    expect(demoted.statements).toBeGreaterThan(1);
    const write = await server.gql(CreateClientDocument, { input: { fullName: 'Not allowed' } }, member);
    expect(write.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('Prepared statements of the fast read path (PostgreSQL)', () => {
  /** The statements prepared on the server's only connection after a dashboard query. */
  const preparedAfterQuery = async (env: Record<string, string>) => {
    const server = await startTestServer({ DATABASE_POOL_MAX: '1', ...env });
    try {
      const token = await server.tokenFor(uniq('prep'), 'ADMIN');
      const res = await server.post(
        { query: '{ clients(first: 5) { nodes { id fullName owner { name } } } }' },
        { authorization: `Bearer ${token}` },
      );
      expect(res.status).toBe(200);
      const rows = await server.app.db.orm.em
        .fork()
        .getConnection()
        .execute<{ statement: string }[]>(`select statement from pg_prepared_statements where name like 'meridian_%'`);
      return rows.map((r) => r.statement);
    } finally {
      await server.close();
    }
  };

  (usingPostgres ? it : it.skip)(
    'are named on each connection by default, and not with DATABASE_PREPARED_STATEMENTS=false',
    async () => {
      // One statement: the list, which also checks the caller's member row (no read of it before).
      const prepared = await preparedAfterQuery({});
      expect(prepared).toHaveLength(1);
      expect(prepared[0]).toMatch(
        /^\(select "client"\."id", .* union all select null, .* where not exists \(select 1 from "team_member"/,
      );
      expect(await preparedAfterQuery({ DATABASE_PREPARED_STATEMENTS: 'false' })).toEqual([]);
    },
  );
});
