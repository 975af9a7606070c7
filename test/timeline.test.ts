import {
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTicketDocument,
  LinkTicketDocument,
  LogInteractionDocument,
  MergeClientsDocument,
  TimelineDocument,
  TransitionPracticeDocument,
  UpdateClientDocument,
  UpdateTicketDocument,
  WinDealDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('Timeline and audit trail', () => {
  let server: TestServer;
  let token: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(uniq('tl'));
    other = await server.tokenFor(uniq('tl-other'));
  });
  afterAll(() => server.close());

  async function events(clientId: string, t = token) {
    const res = await server.gql(TimelineDocument, { first: 100, filter: { clientId } }, t);
    expect(res.errors).toBeUndefined();
    return res.data!.timeline.edges.map((e) => e.node);
  }

  it('writes one event per change, with actor, before/after, newest first, and none for a failed mutation', async () => {
    const c = await server.gql(
      CreateClientDocument,
      { input: { fullName: 'Maria Rossi', email: 'maria@rossi.it' } },
      token,
    );
    const clientId = c.data!.createClient.client!.id;
    expect((await events(clientId)).map((e) => e.type)).toEqual(['CLIENT_CREATED']);

    await server.gql(UpdateClientDocument, { input: { id: clientId, nationality: 'Italian' } }, token);
    const bad = await server.gql(UpdateClientDocument, { input: { id: clientId, email: 'nope' } }, token);
    expect(bad.data!.updateClient.userErrors[0].code).toBe('INVALID_EMAIL');
    const noop = await server.gql(UpdateClientDocument, { input: { id: clientId, nationality: 'Italian' } }, token);
    expect(noop.data!.updateClient.userErrors).toEqual([]);
    const afterUpdate = await events(clientId);
    expect(afterUpdate.map((e) => e.type)).toEqual(['CLIENT_UPDATED', 'CLIENT_CREATED']);
    expect(afterUpdate[0].data).toEqual({ before: { nationality: null }, after: { nationality: 'Italian' } });
    expect(afterUpdate[0].actor?.email).toMatch(/^admin@/);
    expect(afterUpdate[0].subject).toEqual({ __typename: 'Client', id: clientId });

    const p = await server.gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode: 'KITAS' } }, token);
    const practiceId = p.data!.createPractice.practice!.id;
    await server.gql(TransitionPracticeDocument, { input: { id: practiceId, status: 'QUOTATION_SENT' } }, token);
    await server.gql(TransitionPracticeDocument, { input: { id: practiceId, status: 'COMPLETED' } }, token); // illegal: no event
    const d = await server.gql(CreateDealDocument, { input: { title: 'KITAS', clientId } }, token);
    await server.gql(WinDealDocument, { input: { id: d.data!.createDeal.deal!.id } }, token);
    const t = await server.gql(
      CreateTicketDocument,
      { input: { subject: 'Photo size?', channel: 'WHATSAPP', practiceId } },
      token,
    );
    const ticketId = t.data!.createTicket.ticket!.id;
    await server.gql(UpdateTicketDocument, { input: { id: ticketId, status: 'RESOLVED' } }, token);
    await server.gql(LinkTicketDocument, { input: { id: ticketId, targetId: d.data!.createDeal.deal!.id } }, token);
    await server.gql(
      LogInteractionDocument,
      { input: { clientId, kind: 'WHATSAPP', summary: 'Sent photo specs' } },
      token,
    );

    const all = await events(clientId);
    expect(all.map((e) => e.type)).toEqual([
      'INTERACTION_LOGGED',
      'TICKET_LINKED',
      'TICKET_STATUS_CHANGED',
      'TICKET_OPENED',
      'DEAL_WON',
      'DEAL_STAGE_CHANGED',
      'DEAL_CREATED',
      'PRACTICE_STATUS_CHANGED',
      'PRACTICE_CREATED',
      'CLIENT_UPDATED',
      'CLIENT_CREATED',
    ]);
    expect(all.find((e) => e.type === 'TICKET_OPENED')!.channel).toBe('WHATSAPP');
    expect(all.find((e) => e.type === 'PRACTICE_STATUS_CHANGED')!.data).toEqual({
      before: { status: 'INQUIRY' },
      after: { status: 'QUOTATION_SENT' },
    });

    const practiceOnly = await server.gql(TimelineDocument, { first: 10, filter: { practiceId } }, token);
    expect(practiceOnly.data!.timeline.edges.map((e) => e.node.type)).toEqual([
      'PRACTICE_STATUS_CHANGED',
      'PRACTICE_CREATED',
    ]);
    const byType = await server.gql(
      TimelineDocument,
      { first: 10, filter: { clientId, types: ['DEAL_WON', 'DEAL_LOST'] } },
      token,
    );
    expect(byType.data!.timeline.totalCount).toBe(1);

    expect(await events(clientId, other)).toEqual([]);
  });

  it('moves the merged client’s events to the survivor and records CLIENTS_MERGED', async () => {
    const a = await server.gql(CreateClientDocument, { input: { fullName: 'Survivor' } }, token);
    const b = await server.gql(CreateClientDocument, { input: { fullName: 'Duplicate', email: 'dup@x.test' } }, token);
    const survivorId = a.data!.createClient.client!.id;
    const mergedId = b.data!.createClient.client!.id;
    await server.gql(
      LogInteractionDocument,
      { input: { clientId: mergedId, kind: 'NOTE', summary: 'Met at fair' } },
      token,
    );
    const m = await server.gql(MergeClientsDocument, { input: { survivorId, mergedId } }, token);
    expect(m.data!.mergeClients.userErrors).toEqual([]);
    const types = (await events(survivorId)).map((e) => e.type);
    expect(types[0]).toBe('CLIENTS_MERGED');
    expect(types).toEqual(expect.arrayContaining(['INTERACTION_LOGGED', 'CLIENT_CREATED']));
    expect(types.filter((x) => x === 'CLIENT_CREATED')).toHaveLength(2);
  });

  it('pages newest first with keyset cursors', async () => {
    const c = await server.gql(CreateClientDocument, { input: { fullName: 'Pager' } }, token);
    const clientId = c.data!.createClient.client!.id;
    for (let i = 0; i < 5; i++)
      await server.gql(LogInteractionDocument, { input: { clientId, kind: 'NOTE', summary: `note ${i}` } }, token);
    const all = (await events(clientId)).map((e) => e.id);
    const first = await server.gql(TimelineDocument, { first: 4, filter: { clientId } }, token);
    const second = await server.gql(
      TimelineDocument,
      { first: 4, after: first.data!.timeline.pageInfo.endCursor, filter: { clientId } },
      token,
    );
    expect([...first.data!.timeline.edges, ...second.data!.timeline.edges].map((e) => e.node.id)).toEqual(all);
    expect(second.data!.timeline.pageInfo.hasNextPage).toBe(false);
  });

  it("seals its cursors for the tenant: no global sequence number in them, another tenant's refused", async () => {
    const c = await server.gql(CreateClientDocument, { input: { fullName: 'Sealed' } }, token);
    const clientId = c.data!.createClient.client!.id;
    for (let i = 0; i < 3; i++)
      await server.gql(LogInteractionDocument, { input: { clientId, kind: 'NOTE', summary: `n ${i}` } }, token);
    const page = await server.gql(TimelineDocument, { first: 2, filter: { clientId } }, token);
    const { edges, pageInfo } = page.data!.timeline;
    for (const cursor of [...edges.map((e) => e.cursor), pageInfo.endCursor!]) {
      expect(cursor).toMatch(/^tp_[\w-]{22}$/);
      // One cipher block, not a keyset cursor (`<order tag>.<base64 JSON of the sequence number>`).
      expect(Buffer.from(cursor.slice(3), 'base64url')).toHaveLength(16);
      expect(cursor).not.toContain('.');
    }
    expect(pageInfo.endCursor).toBe(edges[1].cursor);
    const next = await server.gql(
      TimelineDocument,
      { first: 2, after: pageInfo.endCursor, filter: { clientId } },
      token,
    );
    expect(next.errors).toBeUndefined();
    expect(next.data!.timeline.edges.map((e) => e.node.type)).toEqual(['INTERACTION_LOGGED', 'CLIENT_CREATED']);
    const foreign = await server.gql(TimelineDocument, { first: 2, after: pageInfo.endCursor }, other);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
