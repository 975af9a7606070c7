import { print } from 'graphql';

import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import {
  type ClientFilter,
  ClientsWhereDocument,
  ClientTicketsWhereDocument,
  CreateClientDocument,
  type CreateClientInput,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTicketDocument,
  CriteriaFieldsOfDocument,
  type CriteriaInput,
  DeactivateTeamMemberDocument,
  DealsWhereDocument,
  IngestConversationDocument,
  InteractionsWhereDocument,
  LogInteractionDocument,
  PracticesWhereDocument,
  SearchDocument,
  type SearchQueryVariables,
  TicketsWhereDocument,
  UpdateClientDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/** YYYY-MM-DD `days` from now (UTC; the tests keep away from day boundaries by using wide windows). */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const where = (...filters: { field: string; operator: string; value?: unknown }[]): CriteriaInput =>
  ({ groups: [{ filters }] }) as CriteriaInput;

describe('Criteria and search', () => {
  let server: TestServer;
  const tenantA = uniq('search-a');
  const tenantB = uniq('search-b');
  const tenantC = uniq('search-c');
  let adminA: string;
  let viewerA: string;
  let adminB: string;
  let adminC: string;
  let mariaId: string;
  const ids: Record<string, string> = {};

  const createClient = async (input: CreateClientInput, token = adminA) => {
    const res = await server.gql(CreateClientDocument, { input }, token);
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!.id;
  };

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    viewerA = await server.tokenFor(tenantA, 'VIEWER');
    const maria = await server.tokenFor(tenantA, 'AGENT', `maria@${tenantA}.test`);
    mariaId = (await server.gql(ViewerDocument, {}, maria)).data!.viewer!.id;
    adminB = await server.tokenFor(tenantB, 'ADMIN');
    adminC = await server.tokenFor(tenantC, 'ADMIN');

    ids.john = await createClient({
      fullName: 'John Smith',
      email: 'john.smith@example.com',
      phone: '+62 812 3456 7890',
      nationality: 'Italian',
      lifecycleStage: 'CUSTOMER',
      leadScore: 80,
      tags: ['vip'],
      ownerId: mariaId,
    });
    ids.budi = await createClient({
      fullName: 'Budi Santoso',
      email: 'budi@example.id',
      nationality: 'Indonesian',
      lifecycleStage: 'LEAD',
      leadScore: 20,
    });
    ids.maju = await createClient({ fullName: 'PT Maju Jaya', kind: 'ORGANIZATION', leadScore: 50 });
    ids.anna = await createClient({ fullName: 'Anna 100%_off', lifecycleStage: 'PROSPECT', leadScore: 50 });

    const practice = async (clientId: string, practiceTypeCode: string, expiryDate?: string) => {
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId, practiceTypeCode, expiryDate, assignedToId: mariaId } },
        adminA,
      );
      expect(res.data?.createPractice.userErrors).toEqual([]);
      return res.data!.createPractice.practice!.id;
    };
    ids.johnKitas = await practice(ids.john, 'KITAS', day(20));
    ids.budiPma = await practice(ids.budi, 'PT_PMA', day(400));

    const deal = await server.gql(
      CreateDealDocument,
      { input: { title: 'Villa purchase', clientId: ids.john, ownerId: mariaId } },
      adminA,
    );
    ids.deal = deal.data!.createDeal.deal!.id;
    const deal2 = await server.gql(
      CreateDealDocument,
      { input: { title: 'Office lease', clientId: ids.budi } },
      adminA,
    );
    ids.deal2 = deal2.data!.createDeal.deal!.id;

    const ticket = await server.gql(
      CreateTicketDocument,
      {
        input: {
          subject: 'Visa renewal question',
          description: 'KITAS renewal in Bali',
          practiceId: ids.johnKitas,
        },
      },
      adminA,
    );
    ids.ticket = ticket.data!.createTicket.ticket!.id;
    const ticket2 = await server.gql(
      CreateTicketDocument,
      { input: { subject: 'Invoice copy', clientId: ids.budi } },
      adminA,
    );
    ids.ticket2 = ticket2.data!.createTicket.ticket!.id;

    const interaction = await server.gql(
      LogInteractionDocument,
      { input: { clientId: ids.budi, kind: 'CHAT', summary: 'Asked about PT PMA setup costs' } },
      adminA,
    );
    ids.interaction = interaction.data!.logInteraction.interaction!.id;

    // Tenant B: records with identical names.
    ids.johnB = await createClient(
      { fullName: 'John Smith', email: 'john.smith@example.com', nationality: 'Italian' },
      adminB,
    );
    await server.gql(
      CreateTicketDocument,
      { input: { subject: 'Visa renewal question', clientId: ids.johnB } },
      adminB,
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  const clients = async (w: unknown, token = adminA) => {
    const res = await server.gql(ClientsWhereDocument, { filter: { where: w as CriteriaInput }, first: 100 }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.clients.nodes.map((n) => n.id).sort();
  };
  const sorted = (...names: string[]) => names.map((n) => ids[n]).sort();

  describe('criteriaFields', () => {
    it('lists own fields, relation paths and their operators', async () => {
      const practice = (await server.gql(CriteriaFieldsOfDocument, { entity: 'PRACTICE' }, viewerA)).data!
        .criteriaFields;
      const nationality = practice.find((f) => f.path === 'client.nationality')!;
      expect(nationality).toMatchObject({ type: 'STRING', anyOf: false });
      expect(nationality.operators).toEqual(expect.arrayContaining(['EQ', 'CONTAINS', 'IS_NOT_SET']));
      expect(practice.find((f) => f.path === 'status')!.enumValues).toContain('IN_PROGRESS');
      const client = (await server.gql(CriteriaFieldsOfDocument, { entity: 'CLIENT' }, viewerA)).data!.criteriaFields;
      expect(client.find((f) => f.path === 'practices.expiryDate')).toMatchObject({ type: 'DATE', anyOf: true });
      expect(client.find((f) => f.path === 'practices')).toMatchObject({
        type: 'RELATION',
        operators: ['IS_SET', 'IS_NOT_SET'],
      });
      expect(client.some((f) => f.path.split('.').length > 3)).toBe(false);
    });
  });

  describe('operators on clients', () => {
    const cases: [string, CriteriaInput, string[]][] = [
      ['EQ (text, any case)', where({ field: 'nationality', operator: 'EQ', value: 'italian' }), ['john']],
      [
        'NEQ (empty values included)',
        where({ field: 'nationality', operator: 'NEQ', value: 'Italian' }),
        ['budi', 'maju', 'anna'],
      ],
      ['IN', where({ field: 'lifecycleStage', operator: 'IN', value: ['CUSTOMER', 'PROSPECT'] }), ['john', 'anna']],
      [
        'NOT_IN',
        where({ field: 'lifecycleStage', operator: 'NOT_IN', value: ['CUSTOMER', 'PROSPECT'] }),
        ['budi', 'maju'],
      ],
      ['CONTAINS (wildcards literal)', where({ field: 'fullName', operator: 'CONTAINS', value: '0%_' }), ['anna']],
      ['CONTAINS %', where({ field: 'fullName', operator: 'CONTAINS', value: '%' }), ['anna']],
      ['STARTS_WITH', where({ field: 'fullName', operator: 'STARTS_WITH', value: 'bud' }), ['budi']],
      ['ENDS_WITH', where({ field: 'fullName', operator: 'ENDS_WITH', value: 'JAYA' }), ['maju']],
      ['GT', where({ field: 'leadScore', operator: 'GT', value: 50 }), ['john']],
      ['GTE', where({ field: 'leadScore', operator: 'GTE', value: 50 }), ['john', 'maju', 'anna']],
      ['LT', where({ field: 'leadScore', operator: 'LT', value: 50 }), ['budi']],
      ['LTE', where({ field: 'leadScore', operator: 'LTE', value: 50 }), ['budi', 'maju', 'anna']],
      ['BETWEEN', where({ field: 'leadScore', operator: 'BETWEEN', value: [20, 50] }), ['budi', 'maju', 'anna']],
      ['BEFORE', where({ field: 'createdAt', operator: 'BEFORE', value: day(-2) }), []],
      ['AFTER', where({ field: 'createdAt', operator: 'AFTER', value: day(-2) }), ['john', 'budi', 'maju', 'anna']],
      [
        'LAST_N_DAYS',
        where({ field: 'createdAt', operator: 'LAST_N_DAYS', value: 1 }),
        ['john', 'budi', 'maju', 'anna'],
      ],
      ['IS_SET', where({ field: 'email', operator: 'IS_SET' }), ['john', 'budi']],
      ['IS_NOT_SET', where({ field: 'email', operator: 'IS_NOT_SET' }), ['maju', 'anna']],
      ['TAGS CONTAINS', where({ field: 'tags', operator: 'CONTAINS', value: 'vip' }), ['john']],
      ['ID through a relation', where({ field: 'owner.id', operator: 'EQ', value: '' }), ['john']],
      [
        'any of a to-many relation',
        where({ field: 'practices.expiryDate', operator: 'NEXT_N_DAYS', value: 30 }),
        ['john'],
      ],
      ['to-many relation IS_SET', where({ field: 'practices', operator: 'IS_SET' }), ['john', 'budi']],
      ['to-many relation IS_NOT_SET', where({ field: 'practices', operator: 'IS_NOT_SET' }), ['maju', 'anna']],
      ['two hops', where({ field: 'practices.type.code', operator: 'EQ', value: 'PT_PMA' }), ['budi']],
      ['a leading root name', where({ field: 'client.fullName', operator: 'STARTS_WITH', value: 'anna' }), ['anna']],
      [
        'OR of groups, nested anyOf',
        {
          groups: [
            { filters: [{ field: 'kind', operator: 'EQ', value: 'ORGANIZATION' }] },
            {
              filters: [{ field: 'leadScore', operator: 'GTE', value: 10 }],
              anyOf: [
                {
                  groups: [
                    { filters: [{ field: 'nationality', operator: 'EQ', value: 'Indonesian' }] },
                    { filters: [{ field: 'tags', operator: 'IN', value: ['vip', 'gold'] }] },
                  ],
                },
              ],
            },
          ],
        },
        ['maju', 'budi', 'john'],
      ],
    ];
    it.each(cases)('%s', async (_name, tree, expected) => {
      const t = JSON.parse(JSON.stringify(tree).replace('"value":""', `"value":"${mariaId}"`)) as CriteriaInput;
      expect(await clients(t)).toEqual(sorted(...expected));
    });

    it('combines where with the typed filter, an order and keyset pages', async () => {
      const filter: ClientFilter = {
        lifecycleStages: ['CUSTOMER', 'LEAD', 'PROSPECT'],
        where: where({ field: 'leadScore', operator: 'GTE', value: 20 }),
      };
      const first = await server.gql(
        ClientsWhereDocument,
        { filter, first: 2, orderBy: { field: 'FULL_NAME', direction: 'ASC' } },
        adminA,
      );
      expect(first.errors).toBeUndefined();
      expect(first.data!.clients.totalCount).toBe(4);
      expect(first.data!.clients.nodes.map((n) => n.fullName)).toEqual(['Anna 100%_off', 'Budi Santoso']);
      const next = await server.gql(
        ClientsWhereDocument,
        {
          filter,
          first: 2,
          after: first.data!.clients.pageInfo.endCursor,
          orderBy: { field: 'FULL_NAME', direction: 'ASC' },
        },
        adminA,
      );
      expect(next.data!.clients.nodes.map((n) => n.fullName)).toEqual(['John Smith', 'PT Maju Jaya']);
      expect(next.data!.clients.pageInfo.hasNextPage).toBe(false);
    });
  });

  describe('where on every list', () => {
    it('practices: a relation path (client.nationality) and a date window', async () => {
      const res = await server.gql(
        PracticesWhereDocument,
        {
          filter: {
            where: where(
              { field: 'client.nationality', operator: 'EQ', value: 'Italian' },
              { field: 'expiryDate', operator: 'NEXT_N_DAYS', value: 30 },
            ),
          },
        },
        adminA,
      );
      expect(res.data!.practices.nodes.map((p) => p.id)).toEqual([ids.johnKitas]);
    });

    it('deals: deal.owner.email', async () => {
      const res = await server.gql(
        DealsWhereDocument,
        { filter: { where: where({ field: 'deal.owner.email', operator: 'EQ', value: `MARIA@${tenantA}.test` }) } },
        adminA,
      );
      expect(res.data!.deals.nodes.map((d) => d.id)).toEqual([ids.deal]);
    });

    it('tickets: two hops (practice.client.nationality) and IS_NOT_SET through a relation', async () => {
      const two = await server.gql(
        TicketsWhereDocument,
        { filter: { where: where({ field: 'practice.client.nationality', operator: 'EQ', value: 'Italian' }) } },
        adminA,
      );
      expect(two.data!.tickets.nodes.map((t) => t.id)).toEqual([ids.ticket]);
      const unset = await server.gql(
        TicketsWhereDocument,
        { filter: { where: where({ field: 'practice.expiryDate', operator: 'IS_NOT_SET' }) } },
        adminA,
      );
      expect(unset.data!.tickets.nodes.map((t) => t.id)).toEqual([ids.ticket2]);
    });

    it('interactions: CONTAINS on the summary', async () => {
      const res = await server.gql(
        InteractionsWhereDocument,
        { filter: { where: where({ field: 'summary', operator: 'CONTAINS', value: 'pt pma' }) } },
        adminA,
      );
      expect(res.data!.interactions.nodes.map((i) => i.id)).toEqual([ids.interaction]);
    });

    it("a client's tickets take where too", async () => {
      const res = await server.gql(
        ClientTicketsWhereDocument,
        { id: ids.john, filter: { where: where({ field: 'subject', operator: 'STARTS_WITH', value: 'visa' }) } },
        adminA,
      );
      expect(res.data!.client!.tickets.nodes.map((t) => t.id)).toEqual([ids.ticket]);
      const none = await server.gql(
        ClientTicketsWhereDocument,
        { id: ids.john, filter: { where: where({ field: 'subject', operator: 'STARTS_WITH', value: 'invoice' }) } },
        adminA,
      );
      expect(none.data!.client!.tickets.nodes).toEqual([]);
    });
  });

  describe('bad trees', () => {
    const refused = async (tree: unknown) => {
      const res = await server.gql(ClientsWhereDocument, { filter: { where: tree as CriteriaInput } }, adminA);
      expect(res.status).toBeLessThan(500);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      return res.errors![0].extensions!.userErrors as { field: string[]; code: string }[];
    };

    it('an unknown field, a wrong operator and a bad value: coded, with their paths', async () => {
      const errors = await refused({
        groups: [
          {
            filters: [
              { field: 'fullName', operator: 'EQ', value: 'x' },
              { field: 'shoeSize', operator: 'EQ', value: 1 },
            ],
          },
          {
            filters: [
              { field: 'leadScore', operator: 'CONTAINS', value: '5' },
              { field: 'lifecycleStage', operator: 'EQ', value: 'FOO' },
              { field: 'practices.client.practices.status', operator: 'EQ', value: 'INQUIRY' },
            ],
          },
        ],
      });
      expect(errors).toEqual([
        expect.objectContaining({
          code: 'CRITERIA_UNKNOWN_FIELD',
          field: ['filter', 'where', 'groups', '0', 'filters', '1', 'field'],
        }),
        expect.objectContaining({
          code: 'CRITERIA_INVALID_OPERATOR',
          field: ['filter', 'where', 'groups', '1', 'filters', '0', 'operator'],
        }),
        expect.objectContaining({
          code: 'CRITERIA_INVALID_VALUE',
          field: ['filter', 'where', 'groups', '1', 'filters', '1', 'value'],
        }),
        expect.objectContaining({
          code: 'CRITERIA_UNKNOWN_FIELD',
          field: ['filter', 'where', 'groups', '1', 'filters', '2', 'field'],
        }),
      ]);
    });

    it('refuses a tree 20 levels deep', async () => {
      let tree: unknown = where({ field: 'fullName', operator: 'EQ', value: 'x' });
      for (let i = 0; i < 19; i++) tree = { groups: [{ anyOf: [tree] }] };
      expect((await refused(tree))[0].code).toBe('CRITERIA_TOO_DEEP');
    });

    it('refuses 1,000 filters', async () => {
      const filters = Array.from({ length: 1000 }, (_, i) => ({ field: 'fullName', operator: 'EQ', value: `n${i}` }));
      expect((await refused({ groups: [{ filters }] }))[0].code).toBe('CRITERIA_TOO_LARGE');
    });

    it('handles a regex-looking value as plain text', async () => {
      expect(await clients(where({ field: 'fullName', operator: 'CONTAINS', value: '^(a+)+$.*[' }))).toEqual([]);
    });
  });

  describe('tenancy', () => {
    it("where never shows another tenant's records, even by ID or through relations", async () => {
      expect(await clients(where({ field: 'fullName', operator: 'EQ', value: 'John Smith' }), adminB)).toEqual([
        ids.johnB,
      ]);
      expect(await clients(where({ field: 'id', operator: 'IN', value: [ids.john, ids.budi] }), adminB)).toEqual([]);
      expect(await clients(where({ field: 'practices', operator: 'IS_SET' }), adminB)).toEqual([]);
    });

    it("search never shows another tenant's records", async () => {
      for (const [token, mine, theirs] of [
        [adminA, ids.john, ids.johnB],
        [adminB, ids.johnB, ids.john],
      ]) {
        const res = await search({ query: 'John Smith' }, token);
        const found = res.edges.map((e) => (e.node.record as { id: string } | null)?.id);
        expect(found).toContain(mine);
        expect(found).not.toContain(theirs);
      }
      const b = await search({ query: 'visa renewal' }, adminB);
      expect(b.totalCount).toBe(1);
    });
  });

  const search = async (variables: SearchQueryVariables, token = adminA) => {
    const res = await server.gql(SearchDocument, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data!.search;
  };
  const recordIds = (res: Awaited<ReturnType<typeof search>>) =>
    res.edges.map((e) => (e.node.record as { id: string } | null)?.id);

  describe('search', () => {
    it('tolerates typos in names ("Jon Smth")', async () => {
      const res = await search({ query: 'Jon Smth', types: ['CLIENT'] }, viewerA);
      expect(recordIds(res)[0]).toBe(ids.john);
    });

    it('finds phone numbers in any format ("0812-3456", "+62 812 3456")', async () => {
      for (const query of ['0812-3456', '+62 812 3456']) {
        const res = await search({ query, types: ['CLIENT'] });
        expect(recordIds(res)).toEqual([ids.john]);
      }
    });

    it('finds emails, organizations, deals through their client, and conversation messages', async () => {
      expect(recordIds(await search({ query: 'john.smith@example.com', types: ['CLIENT'] }))).toEqual([ids.john]);
      const org = await search({ query: 'maju' });
      expect(org.edges[0].node.type).toBe('ORGANIZATION');
      expect(recordIds(await search({ query: 'villa', types: ['DEAL'] }))).toEqual([ids.deal]);
      await server.gql(
        IngestConversationDocument,
        {
          input: {
            sessionId: uniq('s'),
            messages: [{ role: 'user', content: 'Buongiorno, vorrei il rinnovo zanzibarite del mio permesso' }],
          },
        },
        adminC,
      );
      const conv = await search({ query: 'zanzibarite', types: ['CONVERSATION'] }, adminC);
      expect(conv.totalCount).toBe(1);
      expect(conv.edges[0].node.highlights[0].snippet).toContain('<mark>zanzibarite</mark>');
    });

    it('ranks, highlights and counts facets over all hits', async () => {
      const res = await search({ query: 'KITAS' });
      const types = res.edges.map((e) => e.node.type);
      expect(types).toEqual(expect.arrayContaining(['PRACTICE', 'TICKET']));
      const ranks = res.edges.map((e) => e.node.rank);
      expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
      const typeFacet = res.facets.find((f) => f.name === 'TYPE')!.values;
      for (const v of typeFacet) expect(v.count).toBe(types.filter((t) => t === v.value).length);
      const practiceTypes = res.facets.find((f) => f.name === 'PRACTICE_TYPE')!.values;
      expect(practiceTypes.map((v) => [v.value, v.count])).toEqual([['KITAS', 1]]);
      expect(practiceTypes[0].label).toBeTruthy();
      const owner = res.facets.find((f) => f.name === 'OWNER')!.values;
      expect(owner).toEqual([expect.objectContaining({ value: mariaId, count: 1 })]);
      const ticket = res.edges.find((e) => e.node.type === 'TICKET')!;
      expect(ticket.node.highlights.some((h) => h.snippet.includes('<mark>KITAS</mark>'))).toBe(true);
    });

    it('narrows by filter (owner, practice type)', async () => {
      const mine = await search({ query: 'john', filter: { ownerIds: [mariaId] } });
      expect(new Set(mine.edges.map((e) => e.node.type))).toEqual(new Set(['CLIENT', 'PRACTICE', 'DEAL']));
      const pma = await search({ query: 'pt pma', filter: { practiceTypes: ['PT_PMA'] } });
      expect(recordIds(pma)).toEqual([ids.budiPma]);
    });

    it('pages with cursors, without repeats', async () => {
      const all = await search({ query: 'KITAS' });
      const seen: string[] = [];
      let after: string | null | undefined;
      do {
        const page = await search({ query: 'KITAS', first: 1, after });
        seen.push(...recordIds(page).map(String));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(recordIds(all).map(String));
    });

    it("runs inside a caller's transaction too, with the same hits and facets", async () => {
      const tenantId = (await server.app.db.orm.em.fork().findOneOrFail(Tenant, { slug: tenantA })).id;
      const em = forkForTenant(server.app.db.orm.em, tenantId);
      const service = server.app.services.search;
      const both = async (args: Parameters<typeof service.search>[1]) => {
        const alone = await service.search(em, args);
        const inside = await em.transactional((tx) => service.search(tx, args));
        expect(inside).toEqual(alone);
        return alone;
      };
      const first = await both({ query: 'KITAS', first: 1 });
      expect(first.hasNextPage).toBe(true);
      await both({ query: 'KITAS', first: 1, after: first.hits[0].cursor });
      // A list value, and a quote in a value.
      const filtered = await both({ query: 'KITAS', filter: { statuses: ['OPEN', 'IN_PROGRESS', "it's"] }, first: 5 });
      expect(filtered.totalCount).toBeGreaterThan(0);
    });

    it('finds a record the moment it is committed, and escapes HTML in highlights', async () => {
      const id = await createClient({ fullName: '<b>Quentin</b> & "Co" <i>Zyxwort</i>' });
      const res = await search({ query: 'zyxwort' });
      expect(recordIds(res)).toEqual([id]);
      const snippet = res.edges[0].node.highlights[0].snippet;
      expect(snippet).toContain('<mark>Zyxwort</mark>');
      // Only the <mark> tags are markup: every other <, >, & or quote is escaped or gone.
      expect(snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"]|&(?!#\d+;)/);
    });

    it('handles a regex-looking query, and refuses empty and 10 kB queries with a code', async () => {
      const regex = await server.gql(SearchDocument, { query: '^(a+)+$ .* [x-y]' }, adminA);
      expect(regex.errors).toBeUndefined();
      for (const [query, reason] of [
        ['(((( ]]]] ***', 'SEARCH_QUERY_EMPTY'],
        ['x'.repeat(10_240), 'SEARCH_QUERY_TOO_LONG'],
      ]) {
        const res = await server.gql(SearchDocument, { query }, adminA);
        expect(res.status).toBeLessThan(500);
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
      }
      const bad = await server.gql(SearchDocument, { query: 'john', after: 'not-a-cursor' }, adminA);
      expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('finds a client by its new name, email and phone the moment they change, and no longer by the old ones', async () => {
      const id = await createClient({
        fullName: 'Ottavio Brunelleschi',
        email: 'ottavio@firenze.test',
        phone: '+62 811 5550 1234',
      });
      expect(recordIds(await search({ query: 'Otavio Bruneleschi', types: ['CLIENT'] }))).toEqual([id]);
      const res = await server.gql(
        UpdateClientDocument,
        { input: { id, fullName: 'Têodora Vranckx', email: 'teodora@gent.test', phone: '+62 813 7770 9876' } },
        adminA,
      );
      expect(res.data?.updateClient.userErrors).toEqual([]);
      // Typos, accents and phone formats: the stored matched texts follow the update.
      expect(recordIds(await search({ query: 'Teodora Vrankx', types: ['CLIENT'] }))).toEqual([id]);
      expect(recordIds(await search({ query: 'teodora@gent.tst', types: ['CLIENT'] }))).toEqual([id]);
      expect(recordIds(await search({ query: '0813-7770', types: ['CLIENT'] }))).toEqual([id]);
      for (const old of ['Otavio Bruneleschi', 'ottavio@firenze.tst', '0811-5550'])
        expect(recordIds(await search({ query: old, types: ['CLIENT'] }))).toEqual([]);
    });

    it('counts a record matched in several ways once: practices by notes, type and client, deals by title and client', async () => {
      const tenantD = uniq('search-d');
      const admin = await server.tokenFor(tenantD, 'ADMIN');
      const client = (fullName: string) => createClient({ fullName }, admin);
      const practice = async (clientId: string, practiceTypeCode: string, notes?: string) => {
        const res = await server.gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode, notes } }, admin);
        expect(res.data?.createPractice.userErrors).toEqual([]);
        return res.data!.createPractice.practice!.id;
      };
      const quillon = await client('Quillon Brackett');
      const other = await client('Wilhelmina Oduya');
      const all = await practice(quillon, 'KITAS', 'Quillon: KITAS paperwork'); // notes, type and client
      const byType = await practice(other, 'KITAS'); // type only
      const byNotes = await practice(other, 'PT_PMA', 'moving the KITAS sponsor'); // notes only
      const byClient = await practice(quillon, 'PT_PMA'); // client only
      const deal = await server.gql(
        CreateDealDocument,
        { input: { title: 'Quillon villa', clientId: quillon } },
        admin,
      );
      const dealId = deal.data!.createDeal.deal!.id;

      const hitsOf = (res: Awaited<ReturnType<typeof search>>, type: string) =>
        res.edges.filter((e) => e.node.type === type).map((e) => (e.node.record as { id: string }).id);
      const typeCount = (res: Awaited<ReturnType<typeof search>>, type: string) =>
        res.facets.find((f) => f.name === 'TYPE')!.values.find((v) => v.value === type)?.count;

      const kitas = await search({ query: 'kitas' }, admin);
      expect(hitsOf(kitas, 'PRACTICE').sort()).toEqual([all, byType, byNotes].sort());
      expect(typeCount(kitas, 'PRACTICE')).toBe(3);
      expect(kitas.totalCount).toBe(3);
      // Matched by its notes and its type, ranked above either alone.
      expect(hitsOf(kitas, 'PRACTICE')[0]).toBe(all);

      const byName = await search({ query: 'quillon' }, admin);
      expect(hitsOf(byName, 'CLIENT')).toEqual([quillon]);
      expect(hitsOf(byName, 'PRACTICE').sort()).toEqual([all, byClient].sort());
      expect(hitsOf(byName, 'DEAL')).toEqual([dealId]);
      expect(byName.totalCount).toBe(4);
      expect(new Set(recordIds(byName)).size).toBe(4);
    });

    it('needs a signed-in caller', async () => {
      const res = await server.gql(SearchDocument, { query: 'john' });
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('answers on the fast path in one statement, with the JSON of the ordinary path', async () => {
      const post = async (query: string, variables: object, token = adminA) => {
        const res = await server.post({ query, variables }, { authorization: `Bearer ${token}` });
        const json = res.json as {
          data?: { search: unknown };
          errors?: unknown;
          extensions?: { sqlStatements?: number };
        };
        expect(json.errors).toBeUndefined();
        return { search: json.data!.search, statements: json.extensions?.sqlStatements };
      };
      // The record selected twice takes the ordinary path (resolvers, DataLoaders); `again` is then dropped.
      const fastQuery = print(SearchDocument).replace(
        'record {',
        'record { ... on Practice { status client { id fullName } assignedTo { id } } ',
      );
      const slowQuery = fastQuery.replace('record {', 'again: record { __typename } record {');
      const withoutAgain = (data: unknown) =>
        JSON.stringify(data, (key, v: unknown) => (key === 'again' ? undefined : v));
      const cases: [SearchQueryVariables, string?][] = [
        [{ query: 'KITAS' }],
        [{ query: 'John Smith' }],
        [{ query: 'Jon Smth', types: ['CLIENT'] }, viewerA],
        [{ query: 'john', filter: { ownerIds: [mariaId] } }],
        [{ query: 'KITAS', first: 1 }],
        [{ query: 'zzzqxq' }],
      ];
      const firstPage = await post(fastQuery, { query: 'KITAS', first: 1 });
      const cursor = (firstPage.search as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
      cases.push([{ query: 'KITAS', first: 1, after: cursor }]);
      for (const [variables, token] of cases) {
        const fast = await post(fastQuery, variables, token);
        const ordinary = await post(slowQuery, variables, token);
        expect(withoutAgain(fast.search)).toEqual(withoutAgain(ordinary.search));
        expect(fast.statements).toBe(1);
        // Its records read by DataLoaders, when there are hits.
        if ((fast.search as { edges: unknown[] }).edges.length) expect(ordinary.statements).toBeGreaterThan(1);
      }
      // Bad arguments are reported as on the ordinary path.
      const bad = await server.post(
        { query: fastQuery, variables: { query: 'john', first: 0 } },
        { authorization: `Bearer ${adminA}` },
      );
      expect((bad.json as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
        'BAD_USER_INPUT',
      );
    });

    it("checks the caller's member row in the search statement", async () => {
      const tenant = uniq('search-member');
      const boss = await server.tokenFor(tenant, 'ADMIN');
      const member = await server.tokenFor(tenant, 'ADMIN', `member@${tenant}.test`);
      const memberId = (await server.gql(ViewerDocument, {}, member)).data!.viewer!.id;
      await createClient({ fullName: 'Yolanda Quarrington' }, boss);
      expect(recordIds(await search({ query: 'quarrington' }, member))).toHaveLength(1);
      const off = await server.gql(DeactivateTeamMemberDocument, { input: { id: memberId } }, boss);
      expect(off.errors).toBeUndefined();
      const refused = await server.gql(SearchDocument, { query: 'quarrington' }, member);
      expect(refused.status).toBe(401);
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(refused.data).toBeFalsy();
    });
  });
});
