import { CreateTeamMemberDocument, TeamMemberChangedDocument } from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('Subscriptions over graphql-ws', () => {
  let server: TestServer;
  let adminA: string;
  let adminB: string;

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(uniq('sub-a'));
    adminB = await server.tokenFor(uniq('sub-b'));
  });
  afterAll(() => server.close());

  function closeCode(params: Record<string, unknown> | undefined): Promise<number> {
    return new Promise((resolve) => {
      const client = server.ws(params);
      client.on('closed', (event) => resolve((event as { code: number }).code));
    });
  }

  it('closes a socket without credentials with 4401', async () => {
    expect(await closeCode(undefined)).toBe(4401);
  });

  it('closes a socket with an invalid token with 4401', async () => {
    expect(await closeCode({ authorization: 'Bearer nope' })).toBe(4401);
    expect(await closeCode({ apiKey: 'mk_nope_nope' })).toBe(4401);
  });

  it("delivers the tenant's own events, and never another tenant's", async () => {
    const subA = nextResults(server.ws({ authorization: `Bearer ${adminA}` }), TeamMemberChangedDocument, {}, 1);
    const subB = nextResults(server.ws({ authorization: `Bearer ${adminB}` }), TeamMemberChangedDocument, {}, 1);
    await Promise.all([subA.ready, subB.ready]);
    await server.gql(CreateTeamMemberDocument, { input: { email: 'new@a.test', role: 'AGENT' } }, adminA);
    const [event] = await subA.results;
    expect(event.teamMemberChanged).toMatchObject({ email: 'new@a.test', role: 'AGENT' });
    // Sentinel: B's own change, made after A's was delivered, is the first event B receives.
    await server.gql(CreateTeamMemberDocument, { input: { email: 'new@b.test', role: 'VIEWER' } }, adminB);
    const [own] = await subB.results;
    expect(own.teamMemberChanged).toMatchObject({ email: 'new@b.test', role: 'VIEWER' });
  });

  it('counts open WebSocket connections in /metrics', async () => {
    const client = server.ws({ authorization: `Bearer ${adminA}` });
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const open = Number(/meridian_websocket_connections (\d+)/.exec(metrics)?.[1]);
    expect(open).toBeGreaterThanOrEqual(1);
  });
});
