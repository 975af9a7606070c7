import {
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTicketDocument,
  DashboardDocument,
  LogInteractionDocument,
  TransitionPracticeDocument,
  UpdateClientDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('CRM smoke', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(uniq('smoke'));
  });
  afterAll(() => server.close());

  it('creates a client with a practice, deal, ticket and interaction', async () => {
    const c = await server.gql(
      CreateClientDocument,
      { input: { fullName: 'John Smith', email: 'John.Smith@Email.com', phone: '0812 3456 7890' } },
      token,
    );
    expect(c.errors).toBeUndefined();
    expect(c.data?.createClient.userErrors).toEqual([]);
    const client = c.data!.createClient.client!;
    expect(client).toMatchObject({ email: 'john.smith@email.com', phone: '+6281234567890' });
    const u = await server.gql(UpdateClientDocument, { input: { id: client.id, leadScore: 70, tags: ['vip'] } }, token);
    expect(u.errors).toBeUndefined();
    expect(u.data?.updateClient.client).toMatchObject({ leadScore: 70, tags: ['vip'] });
    const p = await server.gql(
      CreatePracticeDocument,
      { input: { clientId: client.id, practiceTypeCode: 'PT_PMA' } },
      token,
    );
    expect(p.errors).toBeUndefined();
    expect(p.data?.createPractice.practice).toMatchObject({
      status: 'INQUIRY',
      quotedPrice: { amount: '45000000.00', currency: 'IDR' },
    });
    const t = await server.gql(
      TransitionPracticeDocument,
      { input: { id: p.data!.createPractice.practice!.id, status: 'COMPLETED' } },
      token,
    );
    expect(t.data?.transitionPractice.userErrors[0]?.code).toBe('ILLEGAL_TRANSITION');
    const d = await server.gql(
      CreateDealDocument,
      { input: { title: 'PT PMA setup', clientId: client.id, amount: { amount: '45000000' } } },
      token,
    );
    expect(d.errors).toBeUndefined();
    expect(d.data?.createDeal.deal).toMatchObject({ status: 'OPEN', stage: { name: 'New lead' } });
    const tk = await server.gql(
      CreateTicketDocument,
      { input: { subject: 'Where is my deed?', clientId: client.id } },
      token,
    );
    expect(tk.errors).toBeUndefined();
    expect(tk.data?.createTicket.ticket?.number).toBe(1);
    const i = await server.gql(
      LogInteractionDocument,
      { input: { clientId: client.id, kind: 'CALL', summary: 'Discussed timeline' } },
      token,
    );
    expect(i.errors).toBeUndefined();
    const dash = await server.gql(DashboardDocument, { first: 10 }, token);
    expect(dash.errors).toBeUndefined();
    expect(dash.data?.clients.nodes[0]).toMatchObject({
      fullName: 'John Smith',
      practices: [{ type: { code: 'PT_PMA' } }],
      tickets: { nodes: [{ number: 1 }] },
    });
    console.log('sql', dash.extensions?.sqlStatements);
  });
});
