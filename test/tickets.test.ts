import {
  ClientRelatedDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  type CreateTicketInput,
  DealByIdDocument,
  LinkTicketDocument,
  PipelinesDocument,
  PracticeTicketsOfDocument,
  TicketByIdDocument,
  type TicketFilter,
  type TicketOrder,
  TicketsPageDocument,
  UnlinkTicketDocument,
  UpdateTicketDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const NIL_UUID = '00000000-0000-4000-8000-000000000000';
/** A well-formed global ID of `type` that names no row. */
const missingId = (type: string) => Buffer.from(`${type}:${NIL_UUID}`).toString('base64url');

describe('Tickets', () => {
  let server: TestServer;
  const tenantA = uniq('tickets-a');
  const tenantB = uniq('tickets-b');
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let meA: string;
  let agentIdA: string;
  let memberB: string;
  let clientA: string;
  let client2A: string;
  let dealA: string;
  let deal2A: string;
  let practiceA: string;
  let clientB: string;
  let dealB: string;
  let practiceB: string;
  let ticketB: string;
  let stageA: string;

  const createClient = async (fullName: string, token: string) => {
    const res = await server.gql(CreateClientDocument, { input: { fullName } }, token);
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!.id;
  };
  const createDeal = async (title: string, clientId: string, token: string) => {
    const res = await server.gql(CreateDealDocument, { input: { title, clientId } }, token);
    expect(res.data?.createDeal.userErrors).toEqual([]);
    return res.data!.createDeal.deal!.id;
  };
  const createPractice = async (clientId: string, token: string) => {
    const res = await server.gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode: 'KITAS' } }, token);
    expect(res.data?.createPractice.userErrors).toEqual([]);
    return res.data!.createPractice.practice!.id;
  };
  const createTicket = async (input: CreateTicketInput, token = adminA) => {
    const res = await server.gql(CreateTicketDocument, { input }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.createTicket.userErrors).toEqual([]);
    return res.data!.createTicket.ticket!;
  };
  const readTicket = async (id: string, token = adminA) => {
    const res = await server.gql(TicketByIdDocument, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.ticket!;
  };
  /** The payload of linkTicket (link) or unlinkTicket. */
  const linkPayload = async (link: boolean, input: { id: string; targetId: string }, token = adminA) => {
    if (link) return (await server.gql(LinkTicketDocument, { input }, token)).data?.linkTicket;
    return (await server.gql(UnlinkTicketDocument, { input }, token)).data?.unlinkTicket;
  };
  const ticketCount = async (token = adminA) =>
    (await server.gql(TicketsPageDocument, { first: 1 }, token)).data!.tickets.totalCount;
  /** The highest ticket number of the tenant. */
  const lastNumber = async (token = adminA) =>
    (await server.gql(TicketsPageDocument, { first: 1, orderBy: { field: 'NUMBER', direction: 'DESC' } }, token)).data!
      .tickets.edges[0]?.node.number ?? 0;

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
    clientA = await createClient('Tia Ticket', adminA);
    client2A = await createClient('Tomas Ticket', adminA);
    dealA = await createDeal('Tia deal', clientA, adminA);
    deal2A = await createDeal('Tomas deal', client2A, adminA);
    practiceA = await createPractice(clientA, adminA);
    clientB = await createClient('Bea Ticket', adminB);
    dealB = await createDeal('Bea deal', clientB, adminB);
    practiceB = await createPractice(clientB, adminB);
    ticketB = (await createTicket({ subject: 'B ticket', clientId: clientB }, adminB)).id;
    stageA = (await server.gql(PipelinesDocument, {}, adminA)).data!.pipelines[0].stages[0].id;
  });
  afterAll(() => server.close());

  describe('createTicket', () => {
    it('opens a ticket with the next number, OPEN, NORMAL and WEB by default', async () => {
      const before = await lastNumber();
      const ticket = await createTicket({ subject: '  Where is my passport?  ' }, agentA);
      expect(ticket).toMatchObject({
        number: before + 1,
        subject: 'Where is my passport?',
        description: null,
        status: 'OPEN',
        priority: 'NORMAL',
        channel: 'WEB',
        resolvedAt: null,
        client: null,
        deal: null,
        practice: null,
        assignee: null,
      });
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });

    it('takes a description, priority, channel, client, deal, practice and assignee', async () => {
      const ticket = await createTicket({
        subject: 'Sponsor letter',
        description: 'Needs a stamp',
        priority: 'URGENT',
        channel: 'WHATSAPP',
        clientId: clientA,
        dealId: dealA,
        practiceId: practiceA,
        assigneeId: agentIdA,
      });
      expect(ticket).toMatchObject({
        description: 'Needs a stamp',
        priority: 'URGENT',
        channel: 'WHATSAPP',
        client: { id: clientA },
        deal: { id: dealA },
        practice: { id: practiceA },
        assignee: { id: agentIdA },
      });
    });

    it("links the deal's client when only a dealId is given, and the practice's client for a practiceId", async () => {
      const viaDeal = await createTicket({ subject: 'About the deal', dealId: deal2A });
      expect(viaDeal).toMatchObject({ client: { id: client2A }, deal: { id: deal2A }, practice: null });
      const viaPractice = await createTicket({ subject: 'About the practice', practiceId: practiceA });
      expect(viaPractice).toMatchObject({ client: { id: clientA }, practice: { id: practiceA }, deal: null });
      const deal = await server.gql(DealByIdDocument, { id: deal2A }, adminA);
      expect(deal.data?.deal?.tickets.nodes.map((t) => t.id)).toContain(viaDeal.id);
    });

    it('returns userErrors for a bad subject or description, creates nothing and uses up no number', async () => {
      const count = await ticketCount();
      const number = await lastNumber();
      const cases: [CreateTicketInput, string][] = [
        [{ subject: '' }, 'subject'],
        [{ subject: '    ' }, 'subject'],
        [{ subject: 's'.repeat(301) }, 'subject'],
        [{ subject: 'ok', description: 'd'.repeat(20_001) }, 'description'],
      ];
      for (const [input, field] of cases) {
        const res = await server.gql(CreateTicketDocument, { input }, adminA);
        expect(res.errors).toBeUndefined();
        expect(res.data?.createTicket).toMatchObject({
          ticket: null,
          userErrors: [{ field: ['input', field], code: 'INVALID_LENGTH' }],
        });
      }
      expect(await ticketCount()).toBe(count);
      expect((await createTicket({ subject: 's'.repeat(300) })).number).toBe(number + 1);
    });

    it('gives NOT_FOUND on the field for a foreign, missing or wrongly typed client, deal, practice or assignee', async () => {
      const count = await ticketCount();
      const cases: [Partial<CreateTicketInput>, string][] = [
        [{ clientId: clientB }, 'clientId'],
        [{ clientId: missingId('Client') }, 'clientId'],
        [{ clientId: dealA }, 'clientId'],
        [{ dealId: dealB }, 'dealId'],
        [{ dealId: practiceA }, 'dealId'],
        [{ practiceId: practiceB }, 'practiceId'],
        [{ practiceId: missingId('Practice') }, 'practiceId'],
        [{ assigneeId: memberB }, 'assigneeId'],
        [{ assigneeId: clientA }, 'assigneeId'],
      ];
      for (const [patch, field] of cases) {
        const res = await server.gql(CreateTicketDocument, { input: { subject: 'Refs', ...patch } }, adminA);
        expect(res.data?.createTicket).toMatchObject({
          ticket: null,
          userErrors: [{ field: ['input', field], code: 'NOT_FOUND' }],
        });
      }
      expect(await ticketCount()).toBe(count);
      expect(await ticketCount(adminB)).toBe(1);
    });

    it('returns CLIENT_MISMATCH for a deal or practice of another client, creates nothing and uses up no number', async () => {
      const count = await ticketCount();
      const number = await lastNumber();
      const cases: [Partial<CreateTicketInput>, string][] = [
        [{ clientId: clientA, dealId: deal2A }, 'dealId'],
        [{ clientId: client2A, practiceId: practiceA }, 'practiceId'],
        [{ dealId: deal2A, practiceId: practiceA }, 'practiceId'],
      ];
      for (const [patch, field] of cases) {
        const res = await server.gql(CreateTicketDocument, { input: { subject: 'Mixed', ...patch } }, adminA);
        expect(res.data?.createTicket).toMatchObject({
          ticket: null,
          userErrors: [{ field: ['input', field], code: 'CLIENT_MISMATCH' }],
        });
      }
      expect(await ticketCount()).toBe(count);
      const same = await createTicket({ subject: 'One client', clientId: client2A, dealId: deal2A });
      expect(same).toMatchObject({ number: number + 1, client: { id: client2A }, deal: { id: deal2A } });
    });

    it('gives FORBIDDEN to a VIEWER, and creates nothing', async () => {
      const count = await ticketCount();
      const res = await server.gql(CreateTicketDocument, { input: { subject: 'Viewer ticket' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await ticketCount()).toBe(count);
    });
  });

  describe('ticket numbers', () => {
    it("numbers each tenant's tickets from 1", async () => {
      const [x, y] = await Promise.all([server.tokenFor(uniq('num-x')), server.tokenFor(uniq('num-y'))]);
      expect((await createTicket({ subject: 'x1' }, x)).number).toBe(1);
      expect((await createTicket({ subject: 'y1' }, y)).number).toBe(1);
      expect((await createTicket({ subject: 'x2' }, x)).number).toBe(2);
      expect((await createTicket({ subject: 'y2' }, y)).number).toBe(2);
      expect((await createTicket({ subject: 'y3' }, y)).number).toBe(3);
    });

    it('never gives two concurrent creates in one tenant the same number', async () => {
      const [p, q] = await Promise.all([server.tokenFor(uniq('num-p')), server.tokenFor(uniq('num-q'))]);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          server.gql(CreateTicketDocument, { input: { subject: `Rush ${i}` } }, i % 3 === 0 ? q : p),
        ),
      );
      const numbers = (token: string) =>
        results
          .filter((_, i) => (i % 3 === 0 ? q : p) === token)
          .map((r) => {
            expect(r.errors).toBeUndefined();
            return r.data!.createTicket.ticket!.number;
          })
          .sort((a, b) => a - b);
      expect(numbers(p)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(numbers(q)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    });
  });

  describe('updateTicket', () => {
    it('changes subject, description, priority, channel and assignee; null clears description and assignee', async () => {
      const ticket = await createTicket({ subject: 'Edit me', description: 'Old', assigneeId: meA });
      const res = await server.gql(
        UpdateTicketDocument,
        {
          input: {
            id: ticket.id,
            subject: ' Edited ',
            description: 'New',
            priority: 'HIGH',
            channel: 'EMAIL',
            assigneeId: agentIdA,
          },
        },
        agentA,
      );
      expect(res.data?.updateTicket.userErrors).toEqual([]);
      expect(res.data?.updateTicket.ticket).toMatchObject({
        subject: 'Edited',
        description: 'New',
        priority: 'HIGH',
        channel: 'EMAIL',
        assignee: { id: agentIdA },
        number: ticket.number,
      });
      await server.gql(UpdateTicketDocument, { input: { id: ticket.id, description: null, assigneeId: null } }, adminA);
      expect(await readTicket(ticket.id)).toMatchObject({ subject: 'Edited', description: null, assignee: null });
    });

    it('sets resolvedAt on RESOLVED, keeps it on CLOSED and clears it on reopening', async () => {
      const ticket = await createTicket({ subject: 'Lifecycle' });
      const before = Date.now();
      const resolved = await server.gql(UpdateTicketDocument, { input: { id: ticket.id, status: 'RESOLVED' } }, adminA);
      const resolvedAt = resolved.data!.updateTicket.ticket!.resolvedAt!;
      expect(resolved.data?.updateTicket.ticket?.status).toBe('RESOLVED');
      expect(Date.parse(resolvedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect((await readTicket(ticket.id)).resolvedAt).toBe(resolvedAt);
      const closed = await server.gql(UpdateTicketDocument, { input: { id: ticket.id, status: 'CLOSED' } }, adminA);
      expect(closed.data?.updateTicket.ticket).toMatchObject({ status: 'CLOSED', resolvedAt });
      const reopened = await server.gql(UpdateTicketDocument, { input: { id: ticket.id, status: 'OPEN' } }, adminA);
      expect(reopened.data?.updateTicket.ticket).toMatchObject({ status: 'OPEN', resolvedAt: null });
      expect(await readTicket(ticket.id)).toMatchObject({ status: 'OPEN', resolvedAt: null });
      await server.gql(UpdateTicketDocument, { input: { id: ticket.id, status: 'RESOLVED' } }, adminA);
      const pending = await server.gql(UpdateTicketDocument, { input: { id: ticket.id, status: 'PENDING' } }, adminA);
      expect(pending.data?.updateTicket.ticket).toMatchObject({ status: 'PENDING', resolvedAt: null });
    });

    it('keeps resolvedAt consistent with the status when status changes race', async () => {
      for (let round = 0; round < 12; round++) {
        const ticket = await createTicket({ subject: `Race ${round}` });
        const results = await Promise.all(
          (['RESOLVED', 'PENDING', 'OPEN', 'RESOLVED'] as const).map((status) =>
            server.gql(UpdateTicketDocument, { input: { id: ticket.id, status } }, adminA),
          ),
        );
        for (const r of results) expect(r.data?.updateTicket.userErrors).toEqual([]);
        const after = await readTicket(ticket.id);
        expect(after.resolvedAt === null).toBe(after.status !== 'RESOLVED');
      }
    });

    it('returns userErrors for a bad subject or description, and changes nothing', async () => {
      const ticket = await createTicket({ subject: 'Keep me', description: 'Keep' });
      const cases: [Record<string, unknown>, string, string][] = [
        [{ subject: '' }, 'subject', 'INVALID_LENGTH'],
        [{ subject: 'x'.repeat(301) }, 'subject', 'INVALID_LENGTH'],
        [{ subject: null }, 'subject', 'REQUIRED'],
        [{ description: 'd'.repeat(20_001) }, 'description', 'INVALID_LENGTH'],
      ];
      for (const [patch, field, code] of cases) {
        const res = await server.gql(
          UpdateTicketDocument,
          { input: { id: ticket.id, status: 'RESOLVED', priority: 'LOW', ...patch } },
          adminA,
        );
        expect(res.data?.updateTicket).toMatchObject({ ticket: null, userErrors: [{ field: ['input', field], code }] });
      }
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });

    it('gives NOT_FOUND on assigneeId for a foreign or missing member, and changes nothing', async () => {
      const ticket = await createTicket({ subject: 'Assign me' });
      for (const assigneeId of [memberB, missingId('TeamMember'), clientA]) {
        const res = await server.gql(
          UpdateTicketDocument,
          { input: { id: ticket.id, subject: 'No', assigneeId } },
          adminA,
        );
        expect(res.data?.updateTicket.userErrors).toMatchObject([
          { field: ['input', 'assigneeId'], code: 'NOT_FOUND' },
        ]);
      }
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });

    it("gives top-level NOT_FOUND for another tenant's, a missing or a non-ticket id, and changes nothing", async () => {
      for (const id of [ticketB, missingId('Ticket'), dealA]) {
        const res = await server.gql(
          UpdateTicketDocument,
          { input: { id, subject: 'Hijacked', status: 'CLOSED' } },
          adminA,
        );
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await readTicket(ticketB, adminB)).toMatchObject({ subject: 'B ticket', status: 'OPEN' });
    });

    it('gives FORBIDDEN to a VIEWER, and changes nothing', async () => {
      const ticket = await createTicket({ subject: 'Viewer edit' });
      const res = await server.gql(UpdateTicketDocument, { input: { id: ticket.id, status: 'RESOLVED' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });
  });

  describe('linkTicket and unlinkTicket', () => {
    it('links a ticket to a client, a deal and a practice, replacing the previous one of each kind', async () => {
      const ticket = await createTicket({ subject: 'Link me' });
      const link = (targetId: string, token = adminA) =>
        server.gql(LinkTicketDocument, { input: { id: ticket.id, targetId } }, token);
      const toClient = await link(client2A);
      expect(toClient.data?.linkTicket.userErrors).toEqual([]);
      expect(toClient.data?.linkTicket.ticket).toMatchObject({ client: { id: client2A }, deal: null, practice: null });
      const toDeal = await link(deal2A);
      expect(toDeal.data?.linkTicket.ticket).toMatchObject({ client: { id: client2A }, deal: { id: deal2A } });
      // Replacing the client by one the linked deal does not belong to is refused; unlinked first, it is not.
      expect((await link(clientA)).data?.linkTicket.userErrors).toMatchObject([{ code: 'CLIENT_MISMATCH' }]);
      await server.gql(UnlinkTicketDocument, { input: { id: ticket.id, targetId: deal2A } }, adminA);
      expect((await link(clientA)).data?.linkTicket.ticket).toMatchObject({ client: { id: clientA }, deal: null });
      expect((await link(dealA)).data?.linkTicket.ticket).toMatchObject({
        client: { id: clientA },
        deal: { id: dealA },
      });
      const toPractice = await link(practiceA, agentA);
      expect(toPractice.data?.linkTicket.ticket).toMatchObject({ practice: { id: practiceA } });

      expect(await readTicket(ticket.id)).toMatchObject({
        client: { id: clientA },
        deal: { id: dealA },
        practice: { id: practiceA },
      });
      const client = await server.gql(ClientRelatedDocument, { id: clientA }, adminA);
      expect(client.data?.client?.tickets.nodes.map((t) => t.id)).toContain(ticket.id);
      const client2 = await server.gql(ClientRelatedDocument, { id: client2A }, adminA);
      expect(client2.data?.client?.tickets.nodes.map((t) => t.id)).not.toContain(ticket.id);
      const practice = await server.gql(PracticeTicketsOfDocument, { id: practiceA }, adminA);
      expect(practice.data?.practice?.tickets.nodes.map((t) => t.id)).toContain(ticket.id);
      const deal = await server.gql(DealByIdDocument, { id: deal2A }, adminA);
      expect(deal.data?.deal?.tickets.nodes.map((t) => t.id)).not.toContain(ticket.id);
    });

    it("returns CLIENT_MISMATCH for a deal or practice of another client than the ticket's, and changes nothing", async () => {
      const ticket = await createTicket({ subject: 'About Tia', clientId: clientA, practiceId: practiceA });
      const viaDeal = await server.gql(LinkTicketDocument, { input: { id: ticket.id, targetId: deal2A } }, adminA);
      expect(viaDeal.data?.linkTicket).toMatchObject({
        ticket: null,
        userErrors: [{ field: ['input', 'targetId'], code: 'CLIENT_MISMATCH' }],
      });
      const viaClient = await server.gql(LinkTicketDocument, { input: { id: ticket.id, targetId: client2A } }, adminA);
      expect(viaClient.data?.linkTicket.userErrors).toMatchObject([{ code: 'CLIENT_MISMATCH' }]);
      expect(await readTicket(ticket.id)).toEqual(ticket);
      // A ticket without a client follows its practice's client.
      const loose = await createTicket({ subject: 'Loose', practiceId: practiceA });
      const res = await server.gql(LinkTicketDocument, { input: { id: loose.id, targetId: deal2A } }, adminA);
      expect(res.data?.linkTicket.userErrors).toMatchObject([{ code: 'CLIENT_MISMATCH' }]);
    });

    it('accepts linking what is already linked, changing nothing', async () => {
      const ticket = await createTicket({ subject: 'Twice linked', dealId: dealA });
      const res = await server.gql(LinkTicketDocument, { input: { id: ticket.id, targetId: dealA } }, adminA);
      expect(res.data?.linkTicket.userErrors).toEqual([]);
      expect(res.data?.linkTicket.ticket).toEqual(ticket);
    });

    it('unlinks a client, a deal and a practice', async () => {
      const ticket = await createTicket({
        subject: 'Unlink me',
        clientId: clientA,
        dealId: dealA,
        practiceId: practiceA,
      });
      const deal = await server.gql(UnlinkTicketDocument, { input: { id: ticket.id, targetId: dealA } }, adminA);
      expect(deal.data?.unlinkTicket.userErrors).toEqual([]);
      expect(deal.data?.unlinkTicket.ticket).toMatchObject({
        client: { id: clientA },
        deal: null,
        practice: { id: practiceA },
      });
      await server.gql(UnlinkTicketDocument, { input: { id: ticket.id, targetId: practiceA } }, adminA);
      const client = await server.gql(UnlinkTicketDocument, { input: { id: ticket.id, targetId: clientA } }, agentA);
      expect(client.data?.unlinkTicket.ticket).toMatchObject({ client: null, deal: null, practice: null });
      expect(await readTicket(ticket.id)).toMatchObject({ client: null, deal: null, practice: null });
    });

    it('returns NOT_LINKED when unlinking something not linked, and changes nothing', async () => {
      const ticket = await createTicket({ subject: 'Not linked', dealId: dealA });
      for (const targetId of [deal2A, client2A, practiceA]) {
        const res = await server.gql(UnlinkTicketDocument, { input: { id: ticket.id, targetId } }, adminA);
        expect(res.data?.unlinkTicket).toMatchObject({
          ticket: null,
          userErrors: [{ field: ['input', 'targetId'], code: 'NOT_LINKED' }],
        });
      }
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });

    it('returns INVALID_TARGET for an ID that is not of a client, deal or practice, and changes nothing', async () => {
      const ticket = await createTicket({ subject: 'Wrong type', clientId: clientA });
      for (const targetId of [meA, stageA, ticketB]) {
        for (const link of [true, false]) {
          expect(await linkPayload(link, { id: ticket.id, targetId })).toMatchObject({
            ticket: null,
            userErrors: [{ field: ['input', 'targetId'], code: 'INVALID_TARGET' }],
          });
        }
      }
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });

    it("gives NOT_FOUND on targetId for another tenant's or a missing client, deal or practice, and changes nothing", async () => {
      const ticket = await createTicket({ subject: 'Foreign target', clientId: clientA, dealId: dealA });
      for (const targetId of [
        clientB,
        dealB,
        practiceB,
        missingId('Client'),
        missingId('Deal'),
        missingId('Practice'),
      ]) {
        for (const link of [true, false]) {
          expect(await linkPayload(link, { id: ticket.id, targetId })).toMatchObject({
            ticket: null,
            userErrors: [{ field: ['input', 'targetId'], code: 'NOT_FOUND' }],
          });
        }
      }
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });

    it("gives top-level NOT_FOUND for another tenant's or a missing ticket, and changes nothing", async () => {
      for (const id of [ticketB, missingId('Ticket'), clientA]) {
        const link = await server.gql(LinkTicketDocument, { input: { id, targetId: dealA } }, adminA);
        expect(link.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        const unlink = await server.gql(UnlinkTicketDocument, { input: { id, targetId: clientB } }, adminA);
        expect(unlink.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await readTicket(ticketB, adminB)).toMatchObject({ client: { id: clientB }, deal: null });
    });

    it('gives FORBIDDEN to a VIEWER for both, and changes nothing', async () => {
      const ticket = await createTicket({ subject: 'Viewer links', clientId: clientA });
      const link = await server.gql(LinkTicketDocument, { input: { id: ticket.id, targetId: dealA } }, viewerA);
      expect(link.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const unlink = await server.gql(UnlinkTicketDocument, { input: { id: ticket.id, targetId: clientA } }, viewerA);
      expect(unlink.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readTicket(ticket.id)).toEqual(ticket);
    });
  });

  describe('tickets query', () => {
    let admin: string;
    let c1: string;
    let c2: string;
    let d1: string;
    let p1: string;
    let agent: string;

    const list = async (filter?: TicketFilter, orderBy?: TicketOrder, first = 50) => {
      const res = await server.gql(TicketsPageDocument, { first, filter, orderBy }, admin);
      expect(res.errors).toBeUndefined();
      return res.data!.tickets;
    };
    const numbers = async (filter?: TicketFilter) =>
      (await list(filter, { field: 'NUMBER', direction: 'ASC' })).edges.map((e) => e.node.number);

    beforeAll(async () => {
      admin = await server.tokenFor(uniq('tickets-list'));
      agent = (
        await server.gql(CreateTeamMemberDocument, { input: { email: 'agent@list.test', role: 'AGENT' } }, admin)
      ).data!.createTeamMember.teamMember!.id;
      c1 = await createClient('Lis One', admin);
      c2 = await createClient('Lis Two', admin);
      d1 = await createDeal('Lis deal', c1, admin);
      p1 = await createPractice(c2, admin);
      const specs: CreateTicketInput[] = [
        { subject: 'Visa question', priority: 'LOW', clientId: c1 }, // 1
        { subject: 'Invoice 100% wrong', priority: 'HIGH', clientId: c1, channel: 'EMAIL' }, // 2
        { subject: 'VISA extension', priority: 'URGENT', dealId: d1, assigneeId: agent }, // 3 (client c1)
        { subject: 'Office hours', clientId: c2, practiceId: p1, channel: 'PHONE' }, // 4
        { subject: 'Password_reset', priority: 'HIGH' }, // 5
      ];
      for (const input of specs) await createTicket(input, admin);
      const byNumber = (await list()).edges.map((e) => e.node);
      const id = (n: number) => byNumber.find((t) => t.number === n)!.id;
      await server.gql(UpdateTicketDocument, { input: { id: id(2), status: 'RESOLVED' } }, admin);
      await server.gql(UpdateTicketDocument, { input: { id: id(4), status: 'PENDING' } }, admin);
      await server.gql(UpdateTicketDocument, { input: { id: id(5), status: 'CLOSED' } }, admin);
    });

    it('lists the tenant tickets with totalCount, newest first by default', async () => {
      const all = await list();
      expect(all.totalCount).toBe(5);
      const created = all.edges.map((e) => Date.parse(e.node.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      expect(all.edges.map((e) => e.node.id)).not.toContain(ticketB);
    });

    it('filters by status, statuses, priorities, channels, client, deal, practice, assignee and search', async () => {
      expect(await numbers({ status: 'OPEN' })).toEqual([1, 3]);
      expect(await numbers({ statuses: ['RESOLVED', 'CLOSED'] })).toEqual([2, 5]);
      expect(await numbers({ statuses: ['PENDING'] })).toEqual([4]);
      expect(await numbers({ priorities: ['HIGH', 'URGENT'] })).toEqual([2, 3, 5]);
      expect(await numbers({ priorities: ['NORMAL'] })).toEqual([4]);
      expect(await numbers({ channels: ['EMAIL', 'PHONE'] })).toEqual([2, 4]);
      expect(await numbers({ clientId: c1 })).toEqual([1, 2, 3]);
      expect(await numbers({ dealId: d1 })).toEqual([3]);
      expect(await numbers({ practiceId: p1 })).toEqual([4]);
      expect(await numbers({ assigneeIds: [agent] })).toEqual([3]);
      expect(await numbers({ search: 'visa' })).toEqual([1, 3]);
      expect(await numbers({ search: '100%' })).toEqual([2]);
      expect(await numbers({ search: 'd_r' })).toEqual([5]);
      expect(await numbers({ search: '_' })).toEqual([5]);
      expect(await numbers({ clientId: c1, status: 'OPEN', priorities: ['URGENT'] })).toEqual([3]);
      const page = await list({ clientId: c1 }, undefined, 1);
      expect(page.edges).toHaveLength(1);
      expect(page.totalCount).toBe(3);
    });

    it("matches nothing for another tenant's or wrongly typed IDs in filters", async () => {
      expect((await list({ clientId: clientA })).totalCount).toBe(0);
      expect((await list({ clientId: d1 })).totalCount).toBe(0);
      expect((await list({ dealId: dealA })).totalCount).toBe(0);
    });

    it('orders by NUMBER both ways and pages through it with keyset cursors', async () => {
      const asc = await list(undefined, { field: 'NUMBER', direction: 'ASC' });
      expect(asc.edges.map((e) => e.node.number)).toEqual([1, 2, 3, 4, 5]);
      const desc = await list(undefined, { field: 'NUMBER', direction: 'DESC' });
      expect(desc.edges.map((e) => e.node.number)).toEqual([5, 4, 3, 2, 1]);
      const seen: number[] = [];
      let after: string | null | undefined;
      let pages = 0;
      do {
        const res = await server.gql(
          TicketsPageDocument,
          { first: 2, after, orderBy: { field: 'NUMBER', direction: 'ASC' } },
          admin,
        );
        const conn = res.data!.tickets;
        expect(conn.totalCount).toBe(5);
        expect(conn.pageInfo.hasPreviousPage).toBe(pages > 0);
        seen.push(...conn.edges.map((e) => e.node.number));
        after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
        pages++;
      } while (after);
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect(pages).toBe(3);
      const back = await server.gql(
        TicketsPageDocument,
        { last: 2, before: asc.edges[3].cursor, orderBy: { field: 'NUMBER', direction: 'ASC' } },
        admin,
      );
      expect(back.data!.tickets.edges.map((e) => e.node.number)).toEqual([2, 3]);
    });

    it('orders by CREATED_AT and UPDATED_AT', async () => {
      const created = await list(undefined, { field: 'CREATED_AT', direction: 'ASC' });
      expect(created.edges.map((e) => e.node.number)).toEqual([1, 2, 3, 4, 5]);
      const updated = await list(undefined, { field: 'UPDATED_AT', direction: 'DESC' });
      // 2, 4 and 5 were changed after creation, in that order.
      expect(updated.edges.slice(0, 3).map((e) => e.node.number)).toEqual([5, 4, 2]);
    });

    it("reads a ticket by id, and null for another tenant's or a non-ticket id", async () => {
      const own = (await list(undefined, { field: 'NUMBER', direction: 'ASC' })).edges[0].node;
      const res = await server.gql(TicketByIdDocument, { id: own.id }, admin);
      expect(res.data?.ticket).toMatchObject({ number: 1, subject: 'Visa question', client: { id: c1 } });
      for (const id of [ticketB, c1, missingId('Ticket')]) {
        const other = await server.gql(TicketByIdDocument, { id }, admin);
        expect(other.errors).toBeUndefined();
        expect(other.data?.ticket).toBeNull();
      }
    });

    it("lists a client's tickets, filtered by status", async () => {
      const open = await server.gql(ClientRelatedDocument, { id: c1, ticketFilter: { status: 'OPEN' } }, admin);
      expect(open.data?.client?.tickets.nodes.map((t) => t.number).sort()).toEqual([1, 3]);
      const all = await server.gql(ClientRelatedDocument, { id: c1 }, admin);
      expect(all.data?.client?.tickets.nodes.map((t) => t.number)).toEqual([3, 2, 1]);
    });
  });
});
