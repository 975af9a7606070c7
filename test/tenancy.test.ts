import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateTeamMemberDocument,
  NodeDocument,
  NodesDocument,
  RevokeApiKeyDocument,
  TeamMembersDocument,
  UpdateTeamMemberDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('Tenancy and roles', () => {
  let server: TestServer;
  let adminA: string;
  let adminB: string;
  let viewerA: string;
  let memberOfA: string;
  const tenantA = uniq('ten-a');
  const tenantB = uniq('ten-b');

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    adminB = await server.tokenFor(tenantB, 'ADMIN');
    viewerA = await server.tokenFor(tenantA, 'VIEWER');
    const res = await server.gql(
      CreateTeamMemberDocument,
      { input: { email: 'rina@a.test', name: 'Rina', role: 'AGENT' } },
      adminA,
    );
    expect(res.data?.createTeamMember.userErrors).toEqual([]);
    memberOfA = res.data!.createTeamMember.teamMember!.id;
  });
  afterAll(() => server.close());

  it('reads a node of its own tenant', async () => {
    const res = await server.gql(NodeDocument, { id: memberOfA }, adminA);
    expect(res.data?.node).toMatchObject({ id: memberOfA, email: 'rina@a.test' });
  });

  it("returns null for another tenant's node, exactly like a missing one", async () => {
    const foreign = await server.gql(NodeDocument, { id: memberOfA }, adminB);
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data?.node).toBeNull();
    const missing = await server.gql(
      NodeDocument,
      { id: Buffer.from('TeamMember:00000000-0000-4000-8000-000000000000').toString('base64url') },
      adminB,
    );
    expect(missing.data?.node).toBeNull();
    const many = await server.gql(NodesDocument, { ids: [memberOfA] }, adminB);
    expect(many.data?.nodes).toEqual([null]);
  });

  it('lists only its own tenant in connections', async () => {
    const a = await server.gql(TeamMembersDocument, { first: 50 }, adminA);
    const b = await server.gql(TeamMembersDocument, { first: 50 }, adminB);
    const emailsA = a.data!.teamMembers.edges.map((e) => e.node.email);
    const emailsB = b.data!.teamMembers.edges.map((e) => e.node.email);
    expect(emailsA).toContain('rina@a.test');
    expect(emailsB).not.toContain('rina@a.test');
    expect(b.data!.teamMembers.totalCount).toBe(emailsB.length);
  });

  it("gives NOT_FOUND when writing another tenant's object, and changes nothing", async () => {
    const res = await server.gql(UpdateTeamMemberDocument, { input: { id: memberOfA, name: 'Hijacked' } }, adminB);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const after = await server.gql(NodeDocument, { id: memberOfA }, adminA);
    expect(after.data?.node).toMatchObject({ email: 'rina@a.test' });
    const members = await server.gql(TeamMembersDocument, { first: 50 }, adminA);
    expect(JSON.stringify(members.data)).not.toContain('Hijacked');
  });

  it("gives NOT_FOUND when revoking another tenant's API key", async () => {
    const key = await server.gql(CreateApiKeyDocument, { input: { name: 'ci', role: 'VIEWER' } }, adminA);
    const id = key.data!.createApiKey.apiKey!.id;
    const res = await server.gql(RevokeApiKeyDocument, { input: { id } }, adminB);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const keysB = await server.gql(ApiKeysDocument, {}, adminB);
    expect(keysB.data?.apiKeys.nodes.map((k) => k.id)).not.toContain(id);
  });

  it('gives FORBIDDEN to a VIEWER mutation and changes nothing', async () => {
    const res = await server.gql(
      CreateTeamMemberDocument,
      { input: { email: 'sneaky@a.test', role: 'ADMIN' } },
      viewerA,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const members = await server.gql(TeamMembersDocument, { first: 50 }, adminA);
    expect(JSON.stringify(members.data)).not.toContain('sneaky@a.test');
  });

  it('returns userErrors with a field path for invalid input, and a taken email', async () => {
    const bad = await server.gql(CreateTeamMemberDocument, { input: { email: 'not-an-email', role: 'AGENT' } }, adminA);
    expect(bad.data?.createTeamMember).toMatchObject({
      teamMember: null,
      userErrors: [{ field: ['input', 'email'], code: 'INVALID_EMAIL' }],
    });
    const taken = await server.gql(
      CreateTeamMemberDocument,
      { input: { email: 'RINA@a.test', role: 'AGENT' } },
      adminA,
    );
    expect(taken.data?.createTeamMember.userErrors[0]).toMatchObject({ code: 'TAKEN', field: ['input', 'email'] });
    const sameEmailOtherTenant = await server.gql(
      CreateTeamMemberDocument,
      { input: { email: 'rina@a.test', role: 'AGENT' } },
      adminB,
    );
    expect(sameEmailOtherTenant.data?.createTeamMember.userErrors).toEqual([]);
  });

  it('stops a deactivated member from authenticating', async () => {
    const token = await server.tokenFor(tenantA, 'AGENT', 'leaving@a.test');
    const me = await server.gql(TeamMembersDocument, { first: 1 }, token);
    expect(me.errors).toBeUndefined();
    const list = await server.gql(TeamMembersDocument, { first: 50 }, adminA);
    const id = list.data!.teamMembers.edges.find((e) => e.node.email === 'leaving@a.test')!.node.id;
    await server.gql(UpdateTeamMemberDocument, { input: { id, active: false } }, adminA);
    const after = await server.gql(TeamMembersDocument, { first: 1 }, token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('pages with keyset cursors', async () => {
    for (const n of [1, 2, 3]) {
      await server.gql(
        CreateTeamMemberDocument,
        { input: { email: `pager${n}@a.test`, name: `Pager ${n}`, role: 'AGENT' } },
        adminA,
      );
    }
    const all = await server.gql(TeamMembersDocument, { first: 100 }, adminA);
    const emails = all.data!.teamMembers.edges.map((e) => e.node.email);
    const first = await server.gql(TeamMembersDocument, { first: 2 }, adminA);
    expect(first.data!.teamMembers.pageInfo.hasNextPage).toBe(true);
    const second = await server.gql(
      TeamMembersDocument,
      { first: 2, after: first.data!.teamMembers.pageInfo.endCursor },
      adminA,
    );
    expect(second.data!.teamMembers.pageInfo.hasPreviousPage).toBe(true);
    expect([...first.data!.teamMembers.edges, ...second.data!.teamMembers.edges].map((e) => e.node.email)).toEqual(
      emails.slice(0, 4),
    );
    expect(first.data!.teamMembers.totalCount).toBe(emails.length);
  });
});
