import { expect } from '@jest/globals';

import {
  ArchiveClientDocument,
  type ClientFilter,
  type ClientOrder,
  ConversationsDocument,
  CpClientByEmailDocument,
  CpClientDetailDocument,
  CpClientIdsDocument,
  CpClientPageDocument,
  CpNodeDocument,
  CpNodesDocument,
  CpPracticeDetailDocument,
  CreateClientDocument,
  type CreateClientInput,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateQuoteDocument,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  IngestConversationDocument,
  type LifecycleStage,
  LogInteractionDocument,
  MergeClientsDocument,
  QuoteByIdDocument,
  UpdateClientDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const MISSING_CLIENT = Buffer.from('Client:00000000-0000-4000-8000-000000000000').toString('base64url');

describe('Clients', () => {
  let server: TestServer;
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let ownerA1: string;
  let ownerA2: string;
  let memberB: string;
  const tenantA = uniq('cli-a');
  const tenantB = uniq('cli-b');

  async function create(input: CreateClientInput, token = adminA) {
    const res = await server.gql(CreateClientDocument, { input }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!;
  }

  async function read(id: string, token = adminA) {
    const res = await server.gql(CpClientDetailDocument, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.client;
  }

  /** Number of clients of the caller's tenant, archived and merged ones included. */
  async function countAll(token = adminA): Promise<number> {
    const res = await server.gql(CpClientIdsDocument, { first: 1, filter: { includeArchived: true } }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.clients.totalCount;
  }

  async function listIds(filter?: ClientFilter, token = adminA, orderBy?: ClientOrder): Promise<string[]> {
    const res = await server.gql(CpClientIdsDocument, { first: 100, filter, orderBy }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.clients.totalCount).toBe(res.data!.clients.nodes.length);
    return res.data!.clients.nodes.map((n) => n.id);
  }

  async function newMember(email: string, token: string): Promise<string> {
    const res = await server.gql(CreateTeamMemberDocument, { input: { email, role: 'AGENT' } }, token);
    expect(res.data?.createTeamMember.userErrors).toEqual([]);
    return res.data!.createTeamMember.teamMember!.id;
  }

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    agentA = await server.tokenFor(tenantA, 'AGENT');
    viewerA = await server.tokenFor(tenantA, 'VIEWER');
    adminB = await server.tokenFor(tenantB, 'ADMIN');
    ownerA1 = await newMember(`owner1@${tenantA}.test`, adminA);
    ownerA2 = await newMember(`owner2@${tenantA}.test`, adminA);
    memberB = await newMember(`member@${tenantB}.test`, adminB);
  });
  afterAll(() => server.close());

  describe('createClient', () => {
    it('creates a client with normalised email and phone, defaults, an owner and an organisation', async () => {
      const org = await create({ fullName: 'PT Sunrise Bali', kind: 'ORGANIZATION', email: 'info@sunrise.test' });
      expect(org).toMatchObject({
        kind: 'ORGANIZATION',
        lifecycleStage: 'LEAD',
        source: 'OTHER',
        leadScore: 0,
        tags: [],
      });
      const person = await create(
        {
          fullName: '  Giulia Rossi  ',
          email: '  Giulia.Rossi@Example.COM ',
          phone: '0812-3456 7890',
          nationality: 'Italian',
          lifecycleStage: 'PROSPECT',
          leadScore: 100,
          source: 'REFERRAL',
          tags: ['vip', ' vip ', 'retiree', ''],
          notes: 'Prefers WhatsApp',
          ownerId: ownerA1,
          organizationId: org.id,
        },
        agentA,
      );
      expect(person).toMatchObject({
        kind: 'PERSON',
        fullName: 'Giulia Rossi',
        email: 'giulia.rossi@example.com',
        phone: '+6281234567890',
        nationality: 'Italian',
        lifecycleStage: 'PROSPECT',
        leadScore: 100,
        source: 'REFERRAL',
        tags: ['vip', 'retiree'],
        notes: 'Prefers WhatsApp',
        archivedAt: null,
        owner: { id: ownerA1 },
        organization: { id: org.id, fullName: 'PT Sunrise Bali' },
      });
      expect(await read(person.id)).toMatchObject({ id: person.id, email: 'giulia.rossi@example.com' });
      expect((await read(org.id))?.members.map((m) => m.id)).toEqual([person.id]);
      const intl = await create({ fullName: 'Intl Phone', phone: '+39 (02) 1234-5678' });
      expect(intl.phone).toBe('+390212345678');
    });

    it('returns userErrors with field paths for every invalid field, and creates nothing', async () => {
      const before = await countAll();
      const res = await server.gql(
        CreateClientDocument,
        {
          input: {
            fullName: 'x'.repeat(201),
            email: 'not-an-email',
            phone: 'call me',
            nationality: 'n'.repeat(65),
            leadScore: 101,
            tags: Array.from({ length: 21 }, (_, i) => `tag${i}`),
            notes: 'n'.repeat(10_001),
          },
        },
        adminA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.createClient.client).toBeNull();
      const errors = res.data!.createClient.userErrors;
      expect(errors.map((e) => [e.field, e.code])).toEqual([
        [['input', 'fullName'], 'INVALID_LENGTH'],
        [['input', 'email'], 'INVALID_EMAIL'],
        [['input', 'phone'], 'INVALID_PHONE'],
        [['input', 'nationality'], 'INVALID_LENGTH'],
        [['input', 'leadScore'], 'OUT_OF_RANGE'],
        [['input', 'tags'], 'INVALID_LIST'],
        [['input', 'notes'], 'INVALID_LENGTH'],
      ]);
      for (const e of errors) expect(e.message).toBeTruthy();
      expect(await countAll()).toBe(before);
    });

    it.each([
      ['an empty name', { fullName: '   ' }, ['input', 'fullName'], 'INVALID_LENGTH'],
      ['an email without a domain dot', { fullName: 'E', email: 'a@b' }, ['input', 'email'], 'INVALID_EMAIL'],
      ['an email with spaces', { fullName: 'E', email: 'a b@c.test' }, ['input', 'email'], 'INVALID_EMAIL'],
      ['a too short phone', { fullName: 'P', phone: '12345' }, ['input', 'phone'], 'INVALID_PHONE'],
      ['a phone with letters', { fullName: 'P', phone: '+62 812 ABC 7890' }, ['input', 'phone'], 'INVALID_PHONE'],
      ['a negative lead score', { fullName: 'L', leadScore: -1 }, ['input', 'leadScore'], 'OUT_OF_RANGE'],
      ['a tag over 40 characters', { fullName: 'T', tags: ['t'.repeat(41)] }, ['input', 'tags'], 'INVALID_LIST'],
    ] as [string, CreateClientInput, string[], string][])(
      'rejects %s with a userError and creates nothing',
      async (_label, input, field, code) => {
        const before = await countAll();
        const res = await server.gql(CreateClientDocument, { input }, adminA);
        expect(res.data?.createClient).toMatchObject({ client: null, userErrors: [{ field, code }] });
        expect(await countAll()).toBe(before);
      },
    );

    it('rejects a value that is not in an enum at the schema level, and creates nothing', async () => {
      const before = await countAll();
      const res = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'Enum', lifecycleStage: 'FRIEND' as LifecycleStage } },
        adminA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await countAll()).toBe(before);
    });

    it('rejects a taken email case-insensitively with a userError naming the existing client', async () => {
      const existing = await create({ fullName: 'Maya Existing', email: 'maya@dup.test' });
      const before = await countAll();
      const res = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'Maya Copy', email: ' MAYA@Dup.Test' } },
        adminA,
      );
      expect(res.data?.createClient.client).toBeNull();
      const [error] = res.data!.createClient.userErrors;
      expect(error).toMatchObject({ field: ['input', 'email'], code: 'TAKEN' });
      expect(error.message).toContain('Maya Existing');
      expect(error.message).toContain(existing.id);
      expect(await countAll()).toBe(before);
      // The same email is free in another tenant.
      const other = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'Maya B', email: 'maya@dup.test' } },
        adminB,
      );
      expect(other.data?.createClient.userErrors).toEqual([]);
    });

    it('lets exactly one of several concurrent creates with the same email win; the others get TAKEN', async () => {
      const before = await countAll();
      const results = await Promise.all(
        ['race@x.test', 'RACE@x.test', 'Race@X.Test', 'race@X.TEST', ' rAcE@x.test '].map((email, i) =>
          server.gql(CreateClientDocument, { input: { fullName: `Racer ${i}`, email } }, adminA),
        ),
      );
      for (const r of results) expect(r.errors).toBeUndefined();
      const winners = results.filter((r) => r.data?.createClient.client);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((x) => !x.data?.createClient.client)) {
        expect(r.data?.createClient.userErrors).toEqual([
          expect.objectContaining({ field: ['input', 'email'], code: 'TAKEN' }),
        ]);
      }
      expect(await countAll()).toBe(before + 1);
    });

    it('treats the email of an archived client as taken', async () => {
      const archived = await create({ fullName: 'Archived Email', email: 'archived@dup.test' });
      await server.gql(ArchiveClientDocument, { input: { id: archived.id } }, adminA);
      const res = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'New', email: 'ARCHIVED@dup.test' } },
        adminA,
      );
      expect(res.data?.createClient.userErrors[0]).toMatchObject({ field: ['input', 'email'], code: 'TAKEN' });
    });

    it('returns NOT_FOUND userErrors for an owner or organisation of another tenant, missing or of another type', async () => {
      const orgB = await create({ fullName: 'Org of B', kind: 'ORGANIZATION' }, adminB);
      const before = await countAll();
      const cases: [Partial<CreateClientInput>, string][] = [
        [{ ownerId: memberB }, 'ownerId'],
        [{ ownerId: Buffer.from('TeamMember:00000000-0000-4000-8000-000000000000').toString('base64url') }, 'ownerId'],
        [{ ownerId: orgB.id }, 'ownerId'],
        [{ organizationId: orgB.id }, 'organizationId'],
        [{ organizationId: MISSING_CLIENT }, 'organizationId'],
        [{ organizationId: ownerA1 }, 'organizationId'],
      ];
      for (const [extra, field] of cases) {
        const res = await server.gql(CreateClientDocument, { input: { fullName: 'Ref', ...extra } }, adminA);
        expect(res.errors).toBeUndefined();
        expect(res.data?.createClient).toMatchObject({
          client: null,
          userErrors: [{ field: ['input', field], code: 'NOT_FOUND' }],
        });
      }
      expect(await countAll()).toBe(before);
    });

    it('refuses an organisation that is a person', async () => {
      const person = await create({ fullName: 'Just A Person' });
      const before = await countAll();
      const res = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'Member', organizationId: person.id } },
        adminA,
      );
      expect(res.data?.createClient.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'organizationId'], code: 'NOT_AN_ORGANIZATION' }),
      ]);
      expect(await countAll()).toBe(before);
    });

    it('gives FORBIDDEN to a VIEWER and creates nothing', async () => {
      const before = await countAll();
      const res = await server.gql(CreateClientDocument, { input: { fullName: 'Viewer Made' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.data ?? null).toBeNull();
      expect(await countAll()).toBe(before);
      expect(
        (await server.gql(CpClientIdsDocument, { filter: { search: 'Viewer Made' } }, adminA)).data?.clients.totalCount,
      ).toBe(0);
    });

    it('requires authentication', async () => {
      const res = await server.gql(CreateClientDocument, { input: { fullName: 'Anonymous' } });
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('updateClient', () => {
    let id: string;
    beforeAll(async () => {
      id = (
        await create({
          fullName: 'Update Me',
          email: 'update.me@test.test',
          phone: '+6281111111',
          nationality: 'Dutch',
          tags: ['a'],
          notes: 'note',
          ownerId: ownerA1,
        })
      ).id;
    });

    it('changes given fields, clears fields set to null and keeps omitted ones', async () => {
      const res = await server.gql(
        UpdateClientDocument,
        {
          input: {
            id,
            fullName: 'Updated Name',
            phone: null,
            ownerId: ownerA2,
            lifecycleStage: 'CUSTOMER',
            tags: ['b', 'c'],
            notes: null,
          },
        },
        agentA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.updateClient.userErrors).toEqual([]);
      expect(await read(id)).toMatchObject({
        fullName: 'Updated Name',
        phone: null,
        notes: null,
        owner: { id: ownerA2 },
        lifecycleStage: 'CUSTOMER',
        tags: ['b', 'c'],
        email: 'update.me@test.test',
        nationality: 'Dutch',
      });
      const cleared = await server.gql(UpdateClientDocument, { input: { id, ownerId: null, email: '' } }, adminA);
      expect(cleared.data?.updateClient.client).toMatchObject({ owner: null, email: null, fullName: 'Updated Name' });
      const back = await server.gql(UpdateClientDocument, { input: { id, email: 'UPDATE.me@test.test' } }, adminA);
      expect(back.data?.updateClient.client?.email).toBe('update.me@test.test');
    });

    it('keeps its own email when it is sent again in another case', async () => {
      const res = await server.gql(
        UpdateClientDocument,
        { input: { id, email: 'Update.Me@Test.Test', leadScore: 5 } },
        adminA,
      );
      expect(res.data?.updateClient.userErrors).toEqual([]);
      expect(res.data?.updateClient.client).toMatchObject({ email: 'update.me@test.test', leadScore: 5 });
    });

    it('returns userErrors for invalid fields, and changes nothing', async () => {
      const before = await read(id);
      const res = await server.gql(
        UpdateClientDocument,
        { input: { id, fullName: '', email: 'bad@', phone: 'x', leadScore: 150, tags: ['t'.repeat(41)], notes: 'ok' } },
        adminA,
      );
      expect(res.data?.updateClient.client).toBeNull();
      expect(res.data!.updateClient.userErrors.map((e) => [e.field, e.code])).toEqual([
        [['input', 'fullName'], 'INVALID_LENGTH'],
        [['input', 'email'], 'INVALID_EMAIL'],
        [['input', 'phone'], 'INVALID_PHONE'],
        [['input', 'leadScore'], 'OUT_OF_RANGE'],
        [['input', 'tags'], 'INVALID_LIST'],
      ]);
      expect(await read(id)).toEqual(before);
    });

    it("rejects another client's email case-insensitively, and changes nothing", async () => {
      const other = await create({ fullName: 'Email Owner', email: 'owner.of@mail.test' });
      const before = await read(id);
      const res = await server.gql(
        UpdateClientDocument,
        { input: { id, email: 'Owner.Of@Mail.Test', fullName: 'Thief' } },
        adminA,
      );
      expect(res.data?.updateClient.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'email'], code: 'TAKEN' }),
      ]);
      expect(res.data?.updateClient.userErrors[0]?.message).toContain(other.id);
      expect(await read(id)).toEqual(before);
    });

    it('refuses to make an organisation a member of itself or of a person', async () => {
      const org = await create({ fullName: 'Self Org', kind: 'ORGANIZATION' });
      const self = await server.gql(UpdateClientDocument, { input: { id: org.id, organizationId: org.id } }, adminA);
      expect(self.data?.updateClient.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'organizationId'], code: 'INVALID' }),
      ]);
      const person = await server.gql(UpdateClientDocument, { input: { id: org.id, organizationId: id } }, adminA);
      expect(person.data?.updateClient.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'organizationId'], code: 'NOT_AN_ORGANIZATION' }),
      ]);
      expect((await read(org.id))?.organization).toBeNull();
    });

    it('returns NOT_FOUND userErrors for an owner or organisation of another tenant, and changes nothing', async () => {
      const orgB = await create({ fullName: 'Org B Update', kind: 'ORGANIZATION' }, adminB);
      const before = await read(id);
      const res = await server.gql(
        UpdateClientDocument,
        { input: { id, ownerId: memberB, organizationId: orgB.id, fullName: 'Changed' } },
        adminA,
      );
      expect(res.data?.updateClient.userErrors.map((e) => [e.field, e.code])).toEqual([
        [['input', 'ownerId'], 'NOT_FOUND'],
        [['input', 'organizationId'], 'NOT_FOUND'],
      ]);
      expect(await read(id)).toEqual(before);
    });

    it('returns a top-level NOT_FOUND for a client of another tenant, a missing one or an ID of another type', async () => {
      const before = await read(id);
      for (const [target, token] of [
        [id, adminB],
        [MISSING_CLIENT, adminA],
        [ownerA1, adminA],
      ] as const) {
        const res = await server.gql(UpdateClientDocument, { input: { id: target, fullName: 'Hijacked' } }, token);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        expect(res.data ?? null).toBeNull();
      }
      expect(await read(id)).toEqual(before);
    });

    it('gives FORBIDDEN to a VIEWER and changes nothing', async () => {
      const before = await read(id);
      const res = await server.gql(UpdateClientDocument, { input: { id, fullName: 'Viewer Edit' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await read(id)).toEqual(before);
    });
  });

  describe('archiveClient', () => {
    it('hides an archived client from lists unless includeArchived, and restores it', async () => {
      const c = await create({ fullName: 'Archive Target', email: 'archive.target@test.test' });
      const visible = await listIds();
      const all = await listIds({ includeArchived: true });
      expect(visible).toContain(c.id);

      const res = await server.gql(ArchiveClientDocument, { input: { id: c.id } }, agentA);
      expect(res.errors).toBeUndefined();
      expect(res.data?.archiveClient.userErrors).toEqual([]);
      expect(res.data?.archiveClient.client?.archivedAt).toEqual(expect.any(String));

      const afterVisible = await listIds();
      expect(afterVisible).not.toContain(c.id);
      expect(afterVisible).toHaveLength(visible.length - 1);
      expect(await listIds({ includeArchived: true })).toEqual(all);
      expect(await listIds({ search: 'Archive Target' })).toEqual([]);
      expect(await listIds({ search: 'Archive Target', includeArchived: true })).toEqual([c.id]);
      // Still readable directly, by email and as a node.
      expect((await read(c.id))?.archivedAt).toEqual(expect.any(String));
      expect(
        (await server.gql(CpClientByEmailDocument, { email: 'archive.target@test.test' }, adminA)).data?.clientByEmail
          ?.id,
      ).toBe(c.id);
      expect((await server.gql(CpNodeDocument, { id: c.id }, adminA)).data?.node?.id).toBe(c.id);

      // Archiving again is a no-op; archived: false restores.
      const again = await server.gql(ArchiveClientDocument, { input: { id: c.id, archived: true } }, adminA);
      expect(again.data?.archiveClient.client?.archivedAt).toBe(res.data?.archiveClient.client?.archivedAt);
      const restored = await server.gql(ArchiveClientDocument, { input: { id: c.id, archived: false } }, adminA);
      expect(restored.data?.archiveClient).toMatchObject({ userErrors: [], client: { archivedAt: null } });
      expect(await listIds()).toEqual(visible);
    });

    it('refuses to restore a merged client with a userError, and changes nothing', async () => {
      const survivor = await create({ fullName: 'Restore Survivor' });
      const merged = await create({ fullName: 'Restore Merged' });
      await server.gql(MergeClientsDocument, { input: { survivorId: survivor.id, mergedId: merged.id } }, adminA);
      const before = await read(merged.id);
      const res = await server.gql(ArchiveClientDocument, { input: { id: merged.id, archived: false } }, adminA);
      expect(res.data?.archiveClient).toMatchObject({
        client: null,
        userErrors: [{ field: ['input', 'archived'], code: 'MERGED' }],
      });
      expect(await read(merged.id)).toEqual(before);
      expect(await listIds()).not.toContain(merged.id);
    });

    it('returns a top-level NOT_FOUND for a client of another tenant or a missing one, and changes nothing', async () => {
      const c = await create({ fullName: 'Archive Foreign' });
      const foreign = await server.gql(ArchiveClientDocument, { input: { id: c.id } }, adminB);
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const missing = await server.gql(ArchiveClientDocument, { input: { id: MISSING_CLIENT } }, adminA);
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await read(c.id))?.archivedAt).toBeNull();
      expect(await listIds()).toContain(c.id);
    });

    it('gives FORBIDDEN to a VIEWER and changes nothing', async () => {
      const c = await create({ fullName: 'Archive Viewer' });
      const res = await server.gql(ArchiveClientDocument, { input: { id: c.id } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await read(c.id))?.archivedAt).toBeNull();
    });
  });

  describe('mergeClients', () => {
    async function withRelated(fullName: string, extra: Partial<CreateClientInput> = {}) {
      const client = await create({ fullName, ...extra });
      const practice = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: client.id, practiceTypeCode: 'KITAS' } },
        adminA,
      );
      const deal = await server.gql(
        CreateDealDocument,
        { input: { clientId: client.id, title: `${fullName} deal` } },
        adminA,
      );
      const ticket = await server.gql(
        CreateTicketDocument,
        { input: { clientId: client.id, subject: `${fullName} ticket` } },
        adminA,
      );
      const interaction = await server.gql(
        LogInteractionDocument,
        { input: { clientId: client.id, kind: 'CALL', summary: `${fullName} call` } },
        adminA,
      );
      for (const r of [practice, deal, ticket, interaction]) expect(r.errors).toBeUndefined();
      return {
        client,
        practiceId: practice.data!.createPractice.practice!.id,
        dealId: deal.data!.createDeal.deal!.id,
        ticketId: ticket.data!.createTicket.ticket!.id,
        interactionId: interaction.data!.logInteraction.interaction!.id,
      };
    }

    it('moves practices, deals, tickets, interactions, quotes and conversations to the survivor and keeps a record of the merge', async () => {
      const org = await create({ fullName: 'Merge Org', kind: 'ORGANIZATION' });
      const s = await withRelated('Survivor Sam', { leadScore: 20, tags: ['a'] });
      const m = await withRelated('Merged Max', {
        email: 'Max@Merge.Test',
        phone: '0813 0000 0000',
        nationality: 'German',
        leadScore: 80,
        tags: ['a', 'b'],
        notes: 'from max',
        ownerId: ownerA1,
        organizationId: org.id,
      });
      // A quote and a conversation filed under the merged client (the extractor matches its email).
      const quote = await server.gql(
        CreateQuoteDocument,
        { input: { clientId: m.client.id, dealId: m.dealId, lineItems: [{ description: 'Fee', unitPrice: '100' }] } },
        adminA,
      );
      expect(quote.data?.createQuote.userErrors).toEqual([]);
      const chat = await server.gql(
        IngestConversationDocument,
        {
          input: {
            sessionId: uniq('merge-chat'),
            userEmail: 'max@merge.test',
            messages: [{ role: 'user', content: 'Hi, my name is Max. I want to renew my KITAS.' }],
          },
        },
        agentA,
      );
      expect(chat.data?.ingestConversation.conversation?.client?.id).toBe(m.client.id);
      // What the extraction filed moves too: its interaction, and a practice if it opened one.
      const filed = chat.data!.ingestConversation.extraction!.result!;
      const chatPractices = filed.practiceCreated && filed.practice ? [filed.practice.id] : [];
      const visibleBefore = await listIds();

      const res = await server.gql(
        MergeClientsDocument,
        { input: { survivorId: s.client.id, mergedId: m.client.id } },
        agentA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.mergeClients.userErrors).toEqual([]);
      const { client, merge } = res.data!.mergeClients;
      expect(client).toMatchObject({
        id: s.client.id,
        fullName: 'Survivor Sam',
        email: 'max@merge.test',
        phone: '+6281300000000',
        nationality: 'German',
        notes: 'from max',
        leadScore: 80,
        owner: { id: ownerA1 },
        organization: { id: org.id },
        archivedAt: null,
      });
      expect([...client!.tags].sort()).toEqual(['a', 'b']);
      expect(client!.practices.map((x) => x.id).sort()).toEqual([s.practiceId, m.practiceId, ...chatPractices].sort());
      expect(client!.deals.map((x) => x.id).sort()).toEqual([s.dealId, m.dealId].sort());
      expect(client!.tickets.nodes.map((x) => x.id).sort()).toEqual([s.ticketId, m.ticketId].sort());
      expect(client!.interactions.nodes.map((x) => x.id).sort()).toEqual(
        [s.interactionId, m.interactionId, filed.interaction!.id].sort(),
      );
      expect(merge).toMatchObject({
        id: expect.any(String),
        moved: {
          practices: 1 + chatPractices.length,
          deals: 1,
          tickets: 1,
          interactions: 2,
          quotes: 1,
          conversations: 1,
          extractions: 1,
        },
        mergedSnapshot: { fullName: 'Merged Max', email: 'max@merge.test', leadScore: 80, nationality: 'German' },
      });
      expect((await server.gql(CpNodeDocument, { id: merge!.id }, adminA)).data?.node).toMatchObject({
        id: merge!.id,
        __typename: 'ClientMerge',
      });
      expect((await server.gql(CpNodeDocument, { id: merge!.id }, adminB)).data?.node).toBeNull();

      // Read back: the merged client is archived, points at the survivor and has nothing left.
      const merged = await read(m.client.id);
      expect(merged).toMatchObject({
        mergedInto: { id: s.client.id },
        email: null,
        practices: [],
        deals: [],
        tickets: { nodes: [] },
        interactions: { nodes: [] },
      });
      expect(merged?.archivedAt).toEqual(expect.any(String));
      expect(await read(s.client.id)).toMatchObject({ practices: expect.any(Array), mergedInto: null });
      expect((await server.gql(CpPracticeDetailDocument, { id: m.practiceId }, adminA)).data?.practice?.client.id).toBe(
        s.client.id,
      );
      const quoteId = quote.data!.createQuote.quote!.id;
      expect((await server.gql(QuoteByIdDocument, { id: quoteId }, adminA)).data?.quote?.client.id).toBe(s.client.id);
      const chats = async (clientId: string) =>
        (await server.gql(ConversationsDocument, { clientId }, adminA)).data?.conversations.nodes.map((c) => c.id);
      expect(await chats(s.client.id)).toEqual([chat.data!.ingestConversation.conversation!.id]);
      expect(await chats(m.client.id)).toEqual([]);
      expect(await listIds()).toEqual(visibleBefore.filter((x) => x !== m.client.id));
      expect(await listIds({ includeArchived: true })).toContain(m.client.id);
      expect(
        (await server.gql(CpClientByEmailDocument, { email: 'MAX@merge.test' }, adminA)).data?.clientByEmail?.id,
      ).toBe(s.client.id);
    });

    it('keeps the survivor email and moves organisation members to the survivor', async () => {
      const orgS = await create({ fullName: 'Org Survivor', kind: 'ORGANIZATION', email: 'keep@org.test' });
      const orgM = await create({ fullName: 'Org Merged', kind: 'ORGANIZATION', email: 'drop@org.test' });
      const member = await create({ fullName: 'Org Member', organizationId: orgM.id });
      const res = await server.gql(MergeClientsDocument, { input: { survivorId: orgS.id, mergedId: orgM.id } }, adminA);
      expect(res.data?.mergeClients.client).toMatchObject({ email: 'keep@org.test' });
      expect(res.data?.mergeClients.merge?.moved).toMatchObject({ members: 1, practices: 0 });
      expect((await read(member.id))?.organization?.id).toBe(orgS.id);
      // The merged client's email is freed.
      const reuse = await server.gql(
        CreateClientDocument,
        { input: { fullName: 'Reuse', email: 'drop@org.test' } },
        adminA,
      );
      expect(reuse.data?.createClient.userErrors).toEqual([]);
    });

    it('merges an organisation into one of its members without making the member belong to itself', async () => {
      const parent = await create({ fullName: 'Holding Parent', kind: 'ORGANIZATION' });
      const org = await create({ fullName: 'Dup Org', kind: 'ORGANIZATION', organizationId: parent.id });
      const member = await create({ fullName: 'Dup Member', organizationId: org.id });
      const colleague = await create({ fullName: 'Dup Colleague', organizationId: org.id });
      const res = await server.gql(
        MergeClientsDocument,
        { input: { survivorId: member.id, mergedId: org.id } },
        adminA,
      );
      expect(res.data?.mergeClients.userErrors).toEqual([]);
      expect(res.data?.mergeClients.merge?.moved).toMatchObject({ members: 1 });
      // The survivor left the merged organisation and took over its parent, as read back.
      expect(res.data?.mergeClients.client?.organization?.id).toBe(parent.id);
      expect((await read(member.id))?.organization?.id).toBe(parent.id);
      expect((await read(colleague.id))?.organization?.id).toBe(member.id);
    });

    it('refuses to merge a client into itself, and changes nothing', async () => {
      const c = await withRelated('Self Merge');
      const before = await read(c.client.id);
      const res = await server.gql(
        MergeClientsDocument,
        { input: { survivorId: c.client.id, mergedId: c.client.id } },
        adminA,
      );
      expect(res.data?.mergeClients).toMatchObject({
        client: null,
        merge: null,
        userErrors: [{ field: ['input', 'mergedId'], code: 'SAME_CLIENT' }],
      });
      expect(await read(c.client.id)).toEqual(before);
    });

    it('refuses to merge an already merged client, or into a merged survivor, and changes nothing', async () => {
      const a = await create({ fullName: 'Twice A' });
      const b = await create({ fullName: 'Twice B' });
      const c = await withRelated('Twice C');
      const first = await server.gql(MergeClientsDocument, { input: { survivorId: a.id, mergedId: b.id } }, adminA);
      expect(first.data?.mergeClients.userErrors).toEqual([]);
      const beforeA = await read(a.id);
      const beforeB = await read(b.id);
      const beforeC = await read(c.client.id);

      const again = await server.gql(
        MergeClientsDocument,
        { input: { survivorId: c.client.id, mergedId: b.id } },
        adminA,
      );
      expect(again.data?.mergeClients.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'mergedId'], code: 'ALREADY_MERGED' }),
      ]);
      const intoMerged = await server.gql(
        MergeClientsDocument,
        { input: { survivorId: b.id, mergedId: c.client.id } },
        adminA,
      );
      expect(intoMerged.data?.mergeClients.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'survivorId'], code: 'ALREADY_MERGED' }),
      ]);
      expect(await read(a.id)).toEqual(beforeA);
      expect(await read(b.id)).toEqual(beforeB);
      expect(await read(c.client.id)).toEqual(beforeC);
    });

    it('returns a top-level NOT_FOUND for a client of another tenant or a missing one, and moves nothing', async () => {
      const mine = await withRelated('Merge Mine');
      const theirs = await create({ fullName: 'Merge Theirs' }, adminB);
      const before = await read(mine.client.id);
      for (const input of [
        { survivorId: mine.client.id, mergedId: theirs.id },
        { survivorId: theirs.id, mergedId: mine.client.id },
        { survivorId: mine.client.id, mergedId: MISSING_CLIENT },
      ]) {
        const res = await server.gql(MergeClientsDocument, { input }, adminA);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        expect(res.data ?? null).toBeNull();
      }
      expect(await read(mine.client.id)).toEqual(before);
      expect(await read(theirs.id, adminB)).toMatchObject({ mergedInto: null, archivedAt: null });
    });

    it('gives FORBIDDEN to a VIEWER and changes nothing', async () => {
      const a = await withRelated('Viewer Merge A');
      const b = await withRelated('Viewer Merge B');
      const beforeA = await read(a.client.id);
      const beforeB = await read(b.client.id);
      const res = await server.gql(
        MergeClientsDocument,
        { input: { survivorId: a.client.id, mergedId: b.client.id } },
        viewerA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await read(a.client.id)).toEqual(beforeA);
      expect(await read(b.client.id)).toEqual(beforeB);
    });
  });

  describe('client, clientByEmail, node and nodes', () => {
    it("reads a client of its own tenant, and null for another tenant's, a missing one or another type", async () => {
      const c = await create({ fullName: 'Node Client', email: 'node.client@test.test' });
      expect(await read(c.id, viewerA)).toMatchObject({ id: c.id, fullName: 'Node Client' });
      expect(await read(c.id, adminB)).toBeNull();
      expect(await read(MISSING_CLIENT)).toBeNull();
      expect(await read(ownerA1)).toBeNull();
      expect((await server.gql(CpNodeDocument, { id: c.id }, adminA)).data?.node).toEqual({
        id: c.id,
        __typename: 'Client',
        fullName: 'Node Client',
        email: 'node.client@test.test',
      });
      expect((await server.gql(CpNodeDocument, { id: c.id }, adminB)).data?.node).toBeNull();
      const many = await server.gql(CpNodesDocument, { ids: [MISSING_CLIENT, c.id] }, adminA);
      expect(many.data?.nodes).toEqual([null, { id: c.id, __typename: 'Client', fullName: 'Node Client' }]);
      expect((await server.gql(CpNodesDocument, { ids: [c.id] }, adminB)).data?.nodes).toEqual([null]);
    });

    it('finds a client by email case-insensitively, and never across tenants', async () => {
      const c = await create({ fullName: 'By Email', email: 'by.email@test.test' });
      for (const email of ['by.email@test.test', 'BY.Email@Test.TEST', '  by.email@test.test ']) {
        const res = await server.gql(CpClientByEmailDocument, { email }, viewerA);
        expect(res.data?.clientByEmail).toMatchObject({ id: c.id, email: 'by.email@test.test' });
      }
      expect(
        (await server.gql(CpClientByEmailDocument, { email: 'by.email@test.test' }, adminB)).data?.clientByEmail,
      ).toBeNull();
      expect(
        (await server.gql(CpClientByEmailDocument, { email: 'nobody@test.test' }, adminA)).data?.clientByEmail,
      ).toBeNull();
      expect(
        (await server.gql(CpClientByEmailDocument, { email: 'by.email%' }, adminA)).data?.clientByEmail,
      ).toBeNull();
    });

    it('requires authentication to read', async () => {
      const res = await server.gql(CpClientIdsDocument, { first: 1 });
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('clients list', () => {
    let adminL: string;
    let owner1: string;
    let owner2: string;
    const tenantL = uniq('cli-list');
    // Clients of the list tenant by label, oldest first.
    const c: Record<string, string> = {};
    let batch2Start: string;

    const specs: [string, CreateClientInput][] = [
      ['ana1', { fullName: 'Ana', leadScore: 50, lifecycleStage: 'LEAD', tags: ['vip'], email: 'ana.one@list.test' }],
      [
        'bob',
        { fullName: 'Bob', leadScore: 10, lifecycleStage: 'PROSPECT', tags: ['cold'], phone: '+62 811 2233 4455' },
      ],
      ['ana2', { fullName: 'Ana', leadScore: 50, lifecycleStage: 'CUSTOMER', tags: ['vip', 'kitas'] }],
      ['cid', { fullName: 'Cid 100%_done', leadScore: 90, lifecycleStage: 'LEAD' }],
    ];
    const specs2: [string, CreateClientInput][] = [
      ['ana3', { fullName: 'Ana', leadScore: 50, lifecycleStage: 'CHURNED' }],
      ['dee', { fullName: 'Dee', leadScore: 10, lifecycleStage: 'INACTIVE', tags: ['kitas'] }],
      ['eve', { fullName: 'Eve', leadScore: 50, lifecycleStage: 'LEAD', email: 'eve@Other.test' }],
      ['zed', { fullName: 'Zed', leadScore: 0, lifecycleStage: 'LEAD' }],
    ];

    beforeAll(async () => {
      adminL = await server.tokenFor(tenantL, 'ADMIN');
      owner1 = await newMember(`o1@${tenantL}.test`, adminL);
      owner2 = await newMember(`o2@${tenantL}.test`, adminL);
      const owners: Record<string, string> = { ana1: owner1, bob: owner1, ana2: owner2, eve: owner2 };
      for (const [label, input] of specs) c[label] = (await create({ ...input, ownerId: owners[label] }, adminL)).id;
      await new Promise((r) => setTimeout(r, 15));
      batch2Start = new Date().toISOString();
      for (const [label, input] of specs2) c[label] = (await create({ ...input, ownerId: owners[label] }, adminL)).id;
      c.gone = (await create({ fullName: 'Gone', leadScore: 50, tags: ['vip'] }, adminL)).id;
      await server.gql(ArchiveClientDocument, { input: { id: c.gone } }, adminL);
    });

    const ids = (filter?: ClientFilter, orderBy?: ClientOrder) => listIds(filter, adminL, orderBy);
    const labels = (...names: string[]) => names.map((n) => c[n]);

    /** Every id of the list ordered by `orderBy`, paging forward by `size`, checking page flags. */
    async function pageForward(orderBy: ClientOrder, size: number): Promise<string[]> {
      const out: string[] = [];
      let after: string | null | undefined;
      for (let i = 0; ; i++) {
        const res = await server.gql(CpClientPageDocument, { first: size, after, orderBy }, adminL);
        expect(res.errors).toBeUndefined();
        const conn = res.data!.clients;
        expect(conn.totalCount).toBe(8);
        expect(conn.pageInfo.hasPreviousPage).toBe(i > 0);
        out.push(...conn.edges.map((e) => e.node.id));
        if (!conn.pageInfo.hasNextPage) break;
        expect(conn.edges).toHaveLength(size);
        after = conn.pageInfo.endCursor;
      }
      return out;
    }

    /** The same, paging backward from the end with `last`/`before`. */
    async function pageBackward(orderBy: ClientOrder, size: number): Promise<string[]> {
      const out: string[] = [];
      let before: string | null | undefined;
      for (let i = 0; ; i++) {
        const res = await server.gql(CpClientPageDocument, { last: size, before, orderBy }, adminL);
        expect(res.errors).toBeUndefined();
        const conn = res.data!.clients;
        expect(conn.pageInfo.hasNextPage).toBe(i > 0);
        out.unshift(...conn.edges.map((e) => e.node.id));
        if (!conn.pageInfo.hasPreviousPage) break;
        expect(conn.edges).toHaveLength(size);
        before = conn.pageInfo.startCursor;
      }
      return out;
    }

    it('lists newest first by default, without archived clients, with totalCount', async () => {
      expect(await ids()).toEqual(labels('zed', 'eve', 'dee', 'ana3', 'cid', 'ana2', 'bob', 'ana1'));
      expect(await ids({ includeArchived: true })).toEqual(
        labels('gone', 'zed', 'eve', 'dee', 'ana3', 'cid', 'ana2', 'bob', 'ana1'),
      );
    });

    it.each([
      ['FULL_NAME', 'ASC'],
      ['FULL_NAME', 'DESC'],
      ['LEAD_SCORE', 'ASC'],
      ['LEAD_SCORE', 'DESC'],
    ] as const)('pages by %s %s forward and backward without gaps or duplicates', async (field, direction) => {
      const orderBy: ClientOrder = { field, direction };
      const res = await server.gql(CpClientPageDocument, { first: 100, orderBy }, adminL);
      const nodes = res.data!.clients.edges.map((e) => e.node);
      const all = nodes.map((n) => n.id);
      expect(new Set(all).size).toBe(8);
      const key = (n: (typeof nodes)[number]) => (field === 'FULL_NAME' ? n.fullName : n.leadScore);
      const sorted = [...nodes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      if (direction === 'DESC') sorted.reverse();
      expect(nodes.map(key)).toEqual(sorted.map(key));
      for (const size of [2, 3]) {
        expect(await pageForward(orderBy, size)).toEqual(all);
        expect(await pageBackward(orderBy, size)).toEqual(all);
      }
      // after and before from the middle: the pages on both sides of a cursor meet exactly.
      const mid = res.data!.clients.edges[3].cursor;
      const right = await server.gql(CpClientPageDocument, { first: 100, after: mid, orderBy }, adminL);
      const left = await server.gql(CpClientPageDocument, { last: 100, before: mid, orderBy }, adminL);
      expect(left.data!.clients.edges.map((e) => e.node.id)).toEqual(all.slice(0, 3));
      expect(right.data!.clients.edges.map((e) => e.node.id)).toEqual(all.slice(4));
    });

    it('filters by lifecycle stages', async () => {
      expect(await ids({ lifecycleStages: ['LEAD'] })).toEqual(labels('zed', 'eve', 'cid', 'ana1'));
      expect(await ids({ lifecycleStages: ['CUSTOMER', 'CHURNED'] })).toEqual(labels('ana3', 'ana2'));
    });

    it('filters by owners, and by no owner', async () => {
      expect(await ids({ ownerIds: [owner1] })).toEqual(labels('bob', 'ana1'));
      expect(await ids({ ownerIds: [owner1, owner2] })).toEqual(labels('eve', 'ana2', 'bob', 'ana1'));
      expect(await ids({ unowned: true })).toEqual(labels('zed', 'dee', 'ana3', 'cid'));
      // Owners of another tenant match nothing.
      expect(await ids({ ownerIds: [ownerA1] })).toEqual([]);
    });

    it('filters by tags (any of them)', async () => {
      expect(await ids({ tags: ['vip'] })).toEqual(labels('ana2', 'ana1'));
      expect(await ids({ tags: ['kitas', 'cold'] })).toEqual(labels('dee', 'ana2', 'bob'));
      expect(await ids({ tags: ['vip'], includeArchived: true })).toEqual(labels('gone', 'ana2', 'ana1'));
      expect(await ids({ tags: ['nope'] })).toEqual([]);
    });

    it('searches name, email and phone case-insensitively, with LIKE wildcards taken literally', async () => {
      expect(await ids({ search: 'ana' })).toEqual(labels('ana3', 'ana2', 'ana1'));
      expect(await ids({ search: 'ANA.ONE@' })).toEqual(labels('ana1'));
      expect(await ids({ search: 'other.TEST' })).toEqual(labels('eve'));
      expect(await ids({ search: '2233' })).toEqual(labels('bob'));
      expect(await ids({ search: '100%_' })).toEqual(labels('cid'));
      expect(await ids({ search: '%' })).toEqual(labels('cid'));
      expect(await ids({ search: '_' })).toEqual(labels('cid'));
      expect(await ids({ search: '   ' })).toHaveLength(8);
    });

    it('filters by creation time', async () => {
      expect(await ids({ createdAfter: batch2Start })).toEqual(labels('zed', 'eve', 'dee', 'ana3'));
      expect(await ids({ createdBefore: batch2Start })).toEqual(labels('cid', 'ana2', 'bob', 'ana1'));
      expect(await ids({ createdAfter: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    });

    it('combines filters with an order and counts only matches', async () => {
      const res = await server.gql(
        CpClientPageDocument,
        {
          first: 2,
          filter: { lifecycleStages: ['LEAD', 'CUSTOMER'], createdAfter: batch2Start },
          orderBy: { field: 'LEAD_SCORE', direction: 'DESC' },
        },
        adminL,
      );
      expect(res.data!.clients.totalCount).toBe(2);
      expect(res.data!.clients.edges.map((e) => e.node.id)).toEqual(labels('eve', 'zed'));
      expect(res.data!.clients.pageInfo.hasNextPage).toBe(false);
    });

    it('never lists clients of another tenant', async () => {
      const mine = await ids({ includeArchived: true });
      const other = await listIds({ includeArchived: true }, adminA);
      expect(other.some((id) => mine.includes(id))).toBe(false);
    });

    it('keeps a cursor valid when a client with an equal value is added between pages', async () => {
      const orderBy: ClientOrder = { field: 'FULL_NAME', direction: 'ASC' };
      const first = await server.gql(CpClientPageDocument, { first: 2, orderBy }, adminL);
      expect(first.data!.clients.edges.map((e) => e.node.fullName)).toEqual(['Ana', 'Ana']);
      const added = await create({ fullName: 'Ana' }, adminL);
      const rest = await server.gql(
        CpClientPageDocument,
        { first: 100, after: first.data!.clients.pageInfo.endCursor, orderBy },
        adminL,
      );
      const seen = [...first.data!.clients.edges, ...rest.data!.clients.edges].map((e) => e.node.id);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of Object.values(c).filter((id) => id !== c.gone)) expect(seen).toContain(id);
      expect(rest.data!.clients.totalCount).toBe(9);
      await server.gql(ArchiveClientDocument, { input: { id: added.id } }, adminL);
    });

    it('rejects a cursor made for another orderBy with BAD_USER_INPUT, and accepts it with its own', async () => {
      const byName: ClientOrder = { field: 'FULL_NAME', direction: 'ASC' };
      const first = await server.gql(CpClientPageDocument, { first: 2, orderBy: byName }, adminL);
      const after = first.data!.clients.pageInfo.endCursor;
      for (const orderBy of [
        { field: 'LEAD_SCORE', direction: 'ASC' },
        { field: 'FULL_NAME', direction: 'DESC' },
        undefined,
      ] as (ClientOrder | undefined)[]) {
        const wrong = await server.gql(CpClientPageDocument, { first: 2, after, orderBy }, adminL);
        expect(wrong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(wrong.errors?.[0]?.message).toMatch(/orderBy/);
      }
      const before = await server.gql(
        CpClientPageDocument,
        { last: 2, before: after, orderBy: { field: 'LEAD_SCORE', direction: 'DESC' } },
        adminL,
      );
      expect(before.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const right = await server.gql(CpClientPageDocument, { first: 2, after, orderBy: byName }, adminL);
      expect(right.errors).toBeUndefined();
      expect(right.data!.clients.edges.length).toBeGreaterThan(0);
    });

    it('rejects an invalid cursor, both first and last, and a page size over the cap', async () => {
      const bad = await server.gql(CpClientPageDocument, { first: 2, after: 'bm90LWEtY3Vyc29y' }, adminL);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const both = await server.gql(CpClientPageDocument, { first: 2, last: 2 }, adminL);
      expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const big = await server.gql(CpClientPageDocument, { last: 101 }, adminL);
      expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
});
