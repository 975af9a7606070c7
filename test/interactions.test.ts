import {
  ClientRelatedDocument,
  CreateClientDocument,
  CreatePracticeDocument,
  CreateTeamMemberDocument,
  type InteractionFilter,
  InteractionsPageDocument,
  LogInteractionDocument,
  type LogInteractionInput,
  ViewerDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const NIL_UUID = '00000000-0000-4000-8000-000000000000';
/** A well-formed global ID of `type` that names no row. */
const missingId = (type: string) => Buffer.from(`${type}:${NIL_UUID}`).toString('base64url');

describe('Interactions', () => {
  let server: TestServer;
  const tenantA = uniq('inter-a');
  const tenantB = uniq('inter-b');
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let meA: string;
  let agentIdA: string;
  let memberB: string;
  let clientA: string;
  let client2A: string;
  let practiceA: string;
  let practice2A: string;
  let clientB: string;
  let practiceB: string;

  const createClient = async (fullName: string, token: string) => {
    const res = await server.gql(CreateClientDocument, { input: { fullName } }, token);
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!.id;
  };
  const createPractice = async (clientId: string, token: string) => {
    const res = await server.gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode: 'NPWP' } }, token);
    expect(res.data?.createPractice.userErrors).toEqual([]);
    return res.data!.createPractice.practice!.id;
  };
  const log = async (input: LogInteractionInput, token = adminA) => {
    const res = await server.gql(LogInteractionDocument, { input }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.logInteraction.userErrors).toEqual([]);
    return res.data!.logInteraction.interaction!;
  };
  const count = async (token = adminA) =>
    (await server.gql(InteractionsPageDocument, { first: 1 }, token)).data!.interactions.totalCount;

  beforeAll(async () => {
    server = await startTestServer();
    [adminA, agentA, viewerA, adminB] = await Promise.all([
      server.tokenFor(tenantA, 'ADMIN'),
      server.tokenFor(tenantA, 'AGENT'),
      server.tokenFor(tenantA, 'VIEWER'),
      server.tokenFor(tenantB, 'ADMIN'),
    ]);
    meA = (await server.gql(ViewerDocument, {}, adminA)).data!.viewer!.id;
    agentIdA = (await server.gql(ViewerDocument, {}, agentA)).data!.viewer!.id;
    memberB = (await server.gql(ViewerDocument, {}, adminB)).data!.viewer!.id;
    clientA = await createClient('Ines Interaction', adminA);
    client2A = await createClient('Ivo Interaction', adminA);
    practiceA = await createPractice(clientA, adminA);
    practice2A = await createPractice(client2A, adminA);
    clientB = await createClient('Bo Interaction', adminB);
    practiceB = await createPractice(clientB, adminB);
    await log({ clientId: clientB, kind: 'CALL', summary: 'B call' }, adminB);
  });
  afterAll(() => server.close());

  describe('logInteraction', () => {
    it('logs a contact with defaults: INBOUND, now, by the caller, no sentiment, practice or action items', async () => {
      const before = Date.now();
      const i = await log({ clientId: clientA, kind: 'CALL', summary: '  Asked about KITAS  ' });
      expect(i).toMatchObject({
        kind: 'CALL',
        direction: 'INBOUND',
        summary: 'Asked about KITAS',
        sentiment: null,
        actionItems: [],
        client: { id: clientA },
        practice: null,
        teamMember: { id: meA },
      });
      expect(Date.parse(i.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(i.occurredAt)).toBeLessThanOrEqual(Date.now() + 1000);
      const client = await server.gql(ClientRelatedDocument, { id: clientA }, adminA);
      expect(client.data?.client?.interactions.nodes.map((x) => x.id)).toContain(i.id);
    });

    it('logs a NOTE as INTERNAL unless told otherwise', async () => {
      expect((await log({ clientId: clientA, kind: 'NOTE', summary: 'Prefers email' })).direction).toBe('INTERNAL');
      const outbound = await log({ clientId: clientA, kind: 'NOTE', summary: 'Sent note', direction: 'OUTBOUND' });
      expect(outbound.direction).toBe('OUTBOUND');
    });

    it("takes a direction, sentiment, action items, a past occurredAt, the client's practice and a team member", async () => {
      const i = await log(
        {
          clientId: clientA,
          practiceId: practiceA,
          kind: 'MEETING',
          direction: 'OUTBOUND',
          summary: 'Office visit',
          sentiment: 'POSITIVE',
          actionItems: [' Send quote ', 'Send quote', '', 'Call back'],
          occurredAt: '2025-03-04T05:06:07.000Z',
          teamMemberId: agentIdA,
        },
        agentA,
      );
      expect(i).toMatchObject({
        kind: 'MEETING',
        direction: 'OUTBOUND',
        sentiment: 'POSITIVE',
        actionItems: ['Send quote', 'Call back'],
        occurredAt: '2025-03-04T05:06:07.000Z',
        practice: { id: practiceA },
        teamMember: { id: agentIdA },
      });
      const edge = await server.gql(InteractionsPageDocument, { first: 50, filter: { clientId: clientA } }, adminA);
      expect(edge.data?.interactions.edges.map((e) => e.node)).toContainEqual(i);
    });

    it('tolerates a minute of clock skew in occurredAt', async () => {
      const soon = new Date(Date.now() + 20_000).toISOString();
      expect(
        (await log({ clientId: clientA, kind: 'CHAT', summary: 'Skewed clock', occurredAt: soon })).occurredAt,
      ).toBe(soon);
    });

    it('returns userErrors for a bad summary, action items or a future occurredAt, and logs nothing', async () => {
      const before = await count();
      const all = await server.gql(
        LogInteractionDocument,
        {
          input: {
            clientId: clientA,
            kind: 'EMAIL',
            summary: '   ',
            actionItems: Array.from({ length: 21 }, (_, i) => `item ${i}`),
            occurredAt: new Date(Date.now() + 3_600_000).toISOString(),
          },
        },
        adminA,
      );
      expect(all.errors).toBeUndefined();
      expect(all.data?.logInteraction.interaction).toBeNull();
      expect(all.data?.logInteraction.userErrors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: ['input', 'summary'], code: 'INVALID_LENGTH' }),
          expect.objectContaining({ field: ['input', 'actionItems'], code: 'INVALID_LIST' }),
          expect.objectContaining({ field: ['input', 'occurredAt'], code: 'IN_FUTURE' }),
        ]),
      );
      const cases: [Partial<LogInteractionInput>, string, string][] = [
        [{ summary: '' }, 'summary', 'INVALID_LENGTH'],
        [{ summary: 's'.repeat(5001) }, 'summary', 'INVALID_LENGTH'],
        [{ actionItems: ['a'.repeat(501)] }, 'actionItems', 'INVALID_LIST'],
        [{ occurredAt: '2099-01-01T00:00:00Z' }, 'occurredAt', 'IN_FUTURE'],
      ];
      for (const [patch, field, code] of cases) {
        const res = await server.gql(
          LogInteractionDocument,
          { input: { clientId: clientA, kind: 'EMAIL', summary: 'ok', ...patch } },
          adminA,
        );
        expect(res.data?.logInteraction).toMatchObject({
          interaction: null,
          userErrors: [{ field: ['input', field], code }],
        });
      }
      const malformed = await server.gql(
        LogInteractionDocument,
        { input: { clientId: clientA, kind: 'EMAIL', summary: 'ok', occurredAt: '2025-13-45T00:00:00Z' } },
        adminA,
      );
      expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await count()).toBe(before);
      expect((await log({ clientId: clientA, kind: 'EMAIL', summary: 's'.repeat(5000) })).summary).toHaveLength(5000);
    });

    it('returns NOT_CLIENTS_PRACTICE for a practice of another client, and logs nothing', async () => {
      const before = await count();
      const res = await server.gql(
        LogInteractionDocument,
        { input: { clientId: clientA, practiceId: practice2A, kind: 'CALL', summary: 'Mixed up' } },
        adminA,
      );
      expect(res.data?.logInteraction).toMatchObject({
        interaction: null,
        userErrors: [{ field: ['input', 'practiceId'], code: 'NOT_CLIENTS_PRACTICE' }],
      });
      expect(await count()).toBe(before);
    });

    it('gives NOT_FOUND on the field for a foreign, missing or wrongly typed client, practice or team member', async () => {
      const before = await count();
      const cases: [Partial<LogInteractionInput>, string][] = [
        [{ clientId: clientB }, 'clientId'],
        [{ clientId: missingId('Client') }, 'clientId'],
        [{ clientId: practiceA }, 'clientId'],
        [{ practiceId: practiceB }, 'practiceId'],
        [{ practiceId: missingId('Practice') }, 'practiceId'],
        [{ practiceId: clientA }, 'practiceId'],
        [{ teamMemberId: memberB }, 'teamMemberId'],
        [{ teamMemberId: missingId('TeamMember') }, 'teamMemberId'],
      ];
      for (const [patch, field] of cases) {
        const res = await server.gql(
          LogInteractionDocument,
          { input: { clientId: clientA, kind: 'CALL', summary: 'Refs', ...patch } },
          adminA,
        );
        expect(res.data?.logInteraction).toMatchObject({
          interaction: null,
          userErrors: [{ field: ['input', field], code: 'NOT_FOUND' }],
        });
      }
      expect(await count()).toBe(before);
      expect(await count(adminB)).toBe(1);
    });

    it('gives FORBIDDEN to a VIEWER, and logs nothing', async () => {
      const before = await count();
      const res = await server.gql(
        LogInteractionDocument,
        { input: { clientId: clientA, kind: 'CALL', summary: 'Viewer call' } },
        viewerA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await count()).toBe(before);
    });
  });

  describe('interactions query', () => {
    let admin: string;
    let me: string;
    let agent: string;
    let c1: string;
    let c2: string;
    let p1: string;
    /** Interaction ids by summary. */
    const ids: Record<string, string> = {};

    const summaries = async (filter?: InteractionFilter) => {
      const res = await server.gql(InteractionsPageDocument, { first: 50, filter }, admin);
      expect(res.errors).toBeUndefined();
      expect(res.data!.interactions.totalCount).toBe(res.data!.interactions.edges.length);
      return res.data!.interactions.edges.map((e) => e.node.summary);
    };

    beforeAll(async () => {
      admin = await server.tokenFor(uniq('inter-list'));
      me = (await server.gql(ViewerDocument, {}, admin)).data!.viewer!.id;
      agent = (
        await server.gql(CreateTeamMemberDocument, { input: { email: 'agent@inter.test', role: 'AGENT' } }, admin)
      ).data!.createTeamMember.teamMember!.id;
      c1 = await createClient('Lia One', admin);
      c2 = await createClient('Lia Two', admin);
      p1 = await createPractice(c1, admin);
      const specs: LogInteractionInput[] = [
        { clientId: c1, kind: 'CALL', summary: 'first', occurredAt: '2025-01-01T10:00:00Z', sentiment: 'POSITIVE' },
        { clientId: c2, kind: 'EMAIL', summary: 'second', occurredAt: '2025-02-01T10:00:00Z', teamMemberId: agent },
        {
          clientId: c1,
          practiceId: p1,
          kind: 'MEETING',
          summary: 'third',
          occurredAt: '2025-03-01T10:00:00Z',
          sentiment: 'NEGATIVE',
        },
        { clientId: c2, kind: 'CALL', summary: 'fourth', occurredAt: '2025-04-01T10:00:00Z', sentiment: 'NEUTRAL' },
      ];
      // Logged out of order: lists sort by occurredAt, not by when they were logged.
      for (const input of [specs[2], specs[0], specs[3], specs[1]]) ids[input.summary] = (await log(input, admin)).id;
    });

    it('lists the tenant interactions, most recent occurredAt first, with totalCount', async () => {
      expect(await summaries()).toEqual(['fourth', 'third', 'second', 'first']);
      expect(Object.values(ids)).toHaveLength(4);
    });

    it('filters by client, practice, kinds, sentiments, team members and an occurredAt range', async () => {
      expect(await summaries({ clientId: c1 })).toEqual(['third', 'first']);
      expect(await summaries({ practiceId: p1 })).toEqual(['third']);
      expect(await summaries({ kinds: ['CALL', 'EMAIL'] })).toEqual(['fourth', 'second', 'first']);
      expect(await summaries({ sentiments: ['POSITIVE', 'NEGATIVE'] })).toEqual(['third', 'first']);
      expect(await summaries({ teamMemberIds: [agent] })).toEqual(['second']);
      expect(await summaries({ teamMemberIds: [me] })).toEqual(['fourth', 'third', 'first']);
      expect(await summaries({ from: '2025-02-01T10:00:00Z', to: '2025-04-01T10:00:00Z' })).toEqual([
        'third',
        'second',
      ]);
      expect(await summaries({ clientId: c2, kinds: ['CALL'] })).toEqual(['fourth']);
      expect(await summaries({ clientId: clientA })).toEqual([]);
      expect(await summaries({ clientId: p1 })).toEqual([]);
      expect(await summaries({ teamMemberIds: [meA] })).toEqual([]);
    });

    it('pages with keyset cursors', async () => {
      const first = await server.gql(InteractionsPageDocument, { first: 3 }, admin);
      expect(first.data!.interactions.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(first.data!.interactions.totalCount).toBe(4);
      const rest = await server.gql(
        InteractionsPageDocument,
        { first: 3, after: first.data!.interactions.pageInfo.endCursor },
        admin,
      );
      expect(rest.data!.interactions.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
      expect([...first.data!.interactions.edges, ...rest.data!.interactions.edges].map((e) => e.node.summary)).toEqual([
        'fourth',
        'third',
        'second',
        'first',
      ]);
    });

    it("lists a client's interactions, most recent first", async () => {
      const res = await server.gql(ClientRelatedDocument, { id: c2 }, admin);
      expect(res.data?.client?.interactions.nodes.map((i) => i.summary)).toEqual(['fourth', 'second']);
    });

    it('is readable by a VIEWER and requires authentication', async () => {
      const viewer = await server.gql(InteractionsPageDocument, { first: 5 }, viewerA);
      expect(viewer.errors).toBeUndefined();
      expect(viewer.data?.interactions.totalCount).toBeGreaterThan(0);
      const anonymous = await server.gql(InteractionsPageDocument, { first: 5 });
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
