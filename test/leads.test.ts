/**
 * Leads (BANT, lead score, convertLead), organisation and person fields, interaction edits and
 * ticket auto-linking (issue 17), through the real GraphQL endpoint.
 */
import {
  AutoLinkTicketsDocument,
  ClientInteractionIdsDocument,
  ConvertLeadDocument,
  CreateDealDocument,
  CreateRequesterTicketDocument,
  type CreateTicketInput,
  DealInteractionsDocument,
  DeleteInteractionDocument,
  LeadClientDocument,
  LeadClientsDocument,
  LeadCreateClientDocument,
  LeadScoringDocument,
  LeadUpdateClientDocument,
  LogVisitDocument,
  NodeDocument,
  OrgChartDocument,
  PipelinesDocument,
  SubjectTimelineDocument,
  TicketClientDocument,
  TicketInteractionsDocument,
  TicketSearchDocument,
  UnlinkTicketDocument,
  UpdateInteractionDocument,
  UpdateLeadScoringDocument,
} from './generated/graphql.js';
import { type GqlResponse, startTestServer, type TestServer, uniq } from './helpers/server.js';

type Errors = { field: string[] | null; code: string }[] | undefined;
const codes = (errors: Errors) => (errors ?? []).map((e) => [e.field, e.code]);

describe('Leads, organisations, interactions and ticket auto-linking', () => {
  let server: TestServer;
  const tenantA = uniq('leads-a');
  const tenantB = uniq('leads-b');
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;

  beforeAll(async () => {
    server = await startTestServer();
    [adminA, agentA, viewerA, adminB] = await Promise.all([
      server.tokenFor(tenantA, 'ADMIN'),
      server.tokenFor(tenantA, 'AGENT'),
      server.tokenFor(tenantA, 'VIEWER'),
      server.tokenFor(tenantB, 'ADMIN'),
    ]);
  });
  afterAll(() => server?.close());

  /** The payload of a mutation, failing on errors and userErrors. */
  function ok<R, K extends keyof R>(res: GqlResponse<R>, key: K): NonNullable<R[K]> {
    expect(res.errors).toBeUndefined();
    const payload = res.data![key] as { userErrors?: unknown[] } | null | undefined;
    expect(payload?.userErrors ?? []).toEqual([]);
    return payload as NonNullable<R[K]>;
  }
  const forbidden = (res: GqlResponse<unknown>) => expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const notFound = (res: GqlResponse<unknown>) => expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

  const createClient = async (input: Record<string, unknown>, token = agentA) =>
    ok(
      await server.gql(LeadCreateClientDocument, { input: { fullName: uniq('Client'), ...input } }, token),
      'createClient',
    ).client!;
  const readClient = async (id: string, token = adminA) =>
    (await server.gql(LeadClientDocument, { id }, token)).data!.client!;
  const countClients = async (token = adminA) =>
    (await server.gql(LeadClientsDocument, { first: 1 }, token)).data!.clients.totalCount;
  const events = async (filter: Record<string, unknown>, token = adminA) =>
    (await server.gql(SubjectTimelineDocument, { filter }, token)).data!.timeline.nodes;

  describe('BANT and the lead score', () => {
    it('computes the lead score from BANT answers with the default weights (25 each, half up)', async () => {
      const lead = await createClient({
        bant: {
          budget: { amount: '100000000' },
          authority: 'DECISION_MAKER',
          need: 'HIGH',
          needNotes: 'KITAS for the family',
          timeframe: 'WITHIN_QUARTER',
        },
      });
      // (100 + 100 + 75 + 75) / 4 = 87.5 → 88
      expect(lead.leadScore).toBe(88);
      expect(lead.bant).toEqual({
        budget: { amount: '100000000.00', currency: 'IDR' },
        authority: 'DECISION_MAKER',
        need: 'HIGH',
        needNotes: 'KITAS for the family',
        timeframe: 'WITHIN_QUARTER',
      });
      const updated = ok(
        await server.gql(LeadUpdateClientDocument, { input: { id: lead.id, bant: { need: 'LOW' } } }, agentA),
        'updateClient',
      ).client!;
      // (100 + 100 + 25 + 75) / 4 = 75; omitted answers stay.
      expect(updated.leadScore).toBe(75);
      expect(updated.bant.authority).toBe('DECISION_MAKER');
      const created = await events({ clientId: lead.id, types: ['CLIENT_UPDATED'] });
      expect(created[0].data).toEqual({
        before: { need: 'HIGH', leadScore: 88 },
        after: { need: 'LOW', leadScore: 75 },
      });
    });

    it('refuses BANT after the lead stages, a hand-set score with BANT, a negative budget; nothing changes', async () => {
      const before = await countClients();
      const res = await server.gql(
        LeadCreateClientDocument,
        {
          input: {
            fullName: 'Not a lead',
            lifecycleStage: 'CUSTOMER',
            leadScore: 40,
            bant: { budget: { amount: '-1' }, need: 'HIGH' },
          },
        },
        agentA,
      );
      expect(res.data!.createClient.client).toBeNull();
      expect(codes(res.data!.createClient.userErrors)).toEqual(
        expect.arrayContaining([
          [['input', 'bant'], 'NOT_A_LEAD'],
          [['input', 'bant', 'budget', 'amount'], 'NEGATIVE_AMOUNT'],
          [['input', 'leadScore'], 'LEAD_SCORE_COMPUTED'],
        ]),
      );
      expect(await countClients()).toBe(before);
    });

    it('filters clients by leadScoreMin and leadScoreMax', async () => {
      const low = await createClient({ bant: { need: 'LOW' } }); // 25 * 25 / 100 → 6
      const high = await createClient({ bant: { authority: 'DECISION_MAKER', need: 'CRITICAL' } }); // 50
      const manual = await createClient({ leadScore: 30 });
      expect([low.leadScore, high.leadScore, manual.leadScore]).toEqual([6, 50, 30]);
      const ids = async (filter: Record<string, unknown>) =>
        (await server.gql(LeadClientsDocument, { filter, first: 100 }, agentA)).data!.clients.nodes.map((n) => n.id);
      const mid = await ids({ leadScoreMin: 10, leadScoreMax: 50 });
      expect(mid).toEqual(expect.arrayContaining([high.id, manual.id]));
      expect(mid).not.toContain(low.id);
      expect(await ids({ leadScoreMax: 6 })).toContain(low.id);
    });
  });

  describe('updateLeadScoring', () => {
    it('changes the weights (ADMIN), rescores every client with BANT and records LEAD_SCORING_UPDATED', async () => {
      const tenant = uniq('scoring');
      const admin = await server.tokenFor(tenant, 'ADMIN');
      const budgetOnly = await createClient({ bant: { budget: { amount: '5' } } }, admin); // 25
      const authorityOnly = await createClient({ bant: { authority: 'INFLUENCER' } }, admin); // 15
      const byHand = await createClient({ leadScore: 42 }, admin);
      expect([budgetOnly.leadScore, authorityOnly.leadScore]).toEqual([25, 15]);
      const settings = ok(
        await server.gql(
          UpdateLeadScoringDocument,
          { input: { budgetWeight: 100, authorityWeight: 0, needWeight: 0, timelineWeight: 0 } },
          admin,
        ),
        'updateLeadScoring',
      ).settings;
      expect(settings).toEqual({ budgetWeight: 100, authorityWeight: 0, needWeight: 0, timelineWeight: 0 });
      expect((await readClient(budgetOnly.id, admin)).leadScore).toBe(100);
      expect((await readClient(authorityOnly.id, admin)).leadScore).toBe(0);
      expect((await readClient(byHand.id, admin)).leadScore).toBe(42);
      const [event] = await events({ types: ['LEAD_SCORING_UPDATED'] }, admin);
      expect(event.data).toEqual({
        before: { budgetWeight: 25, authorityWeight: 25, needWeight: 25, timelineWeight: 25 },
        after: { budgetWeight: 100, authorityWeight: 0, needWeight: 0, timelineWeight: 0 },
        rescored: 2,
      });
      // New scores use the tenant's weights too.
      expect((await createClient({ bant: { budget: { amount: '1' }, need: 'LOW' } }, admin)).leadScore).toBe(100);
      // Another tenant keeps the defaults.
      expect((await server.gql(LeadScoringDocument, {}, adminB)).data!.leadScoring.budgetWeight).toBe(25);
    });

    it('refuses all-zero or out-of-range weights and changes nothing', async () => {
      const before = (await server.gql(LeadScoringDocument, {}, adminA)).data!.leadScoring;
      const res = await server.gql(
        UpdateLeadScoringDocument,
        { input: { budgetWeight: 0, authorityWeight: 0, needWeight: 0, timelineWeight: 0 } },
        adminA,
      );
      expect(codes(res.data!.updateLeadScoring.userErrors)).toEqual([[['input'], 'ALL_ZERO']]);
      const range = await server.gql(UpdateLeadScoringDocument, { input: { needWeight: 101 } }, adminA);
      expect(codes(range.data!.updateLeadScoring.userErrors)).toEqual([[['input', 'needWeight'], 'OUT_OF_RANGE']]);
      expect((await server.gql(LeadScoringDocument, {}, adminA)).data!.leadScoring).toEqual(before);
    });

    it('is refused to VIEWER and AGENT (ADMIN only)', async () => {
      forbidden(await server.gql(UpdateLeadScoringDocument, { input: { needWeight: 50 } }, viewerA));
      forbidden(await server.gql(UpdateLeadScoringDocument, { input: { needWeight: 50 } }, agentA));
      expect((await server.gql(LeadScoringDocument, {}, adminA)).data!.leadScoring.needWeight).toBe(25);
    });
  });

  describe('organisation and person fields', () => {
    it('stores organisation fields, a parent, people with job title, mobile, reports-to, and a primary contact', async () => {
      const group = await createClient({ kind: 'ORGANIZATION', fullName: uniq('PT Group') });
      const org = await createClient({
        kind: 'ORGANIZATION',
        fullName: uniq('PT Villa'),
        industry: 'Hospitality',
        territory: 'Bali',
        address: { street: 'Jl. Raya 1', city: 'Ubud', region: 'Bali', postalCode: '80571', country: 'id' },
        annualRevenue: { amount: '2500000000' },
        employees: 40,
        parentOrganizationId: group.id,
      });
      expect(org).toMatchObject({
        industry: 'Hospitality',
        territory: 'Bali',
        address: { street: 'Jl. Raya 1', city: 'Ubud', region: 'Bali', postalCode: '80571', country: 'ID' },
        annualRevenue: { amount: '2500000000.00', currency: 'IDR' },
        employees: 40,
        parentOrganization: { id: group.id },
      });
      const boss = await createClient({ organizationId: org.id, jobTitle: 'Director', mobile: '0812 3456 7890' });
      expect(boss).toMatchObject({ jobTitle: 'Director', mobile: '+6281234567890' });
      const staff = await createClient({ organizationId: org.id, jobTitle: 'Manager', reportsToId: boss.id });
      expect(staff.reportsTo).toEqual({ id: boss.id });
      const withContact = ok(
        await server.gql(LeadUpdateClientDocument, { input: { id: org.id, primaryContactId: boss.id } }, agentA),
        'updateClient',
      ).client!;
      expect(withContact.primaryContact).toEqual({ id: boss.id });
    });

    it('refuses fields of the other kind, cycles, a primary contact from elsewhere and foreign IDs; nothing changes', async () => {
      const orgB = await createClient({ kind: 'ORGANIZATION' }, adminB);
      const org = await createClient({ kind: 'ORGANIZATION' });
      const sub = await createClient({ kind: 'ORGANIZATION', parentOrganizationId: org.id });
      const person = await createClient({});
      const before = await countClients();
      const res = await server.gql(
        LeadCreateClientDocument,
        { input: { fullName: 'Wrong', industry: 'x', employees: -1, parentOrganizationId: orgB.id, mobile: 'abc' } },
        agentA,
      );
      expect(codes(res.data!.createClient.userErrors)).toEqual(
        expect.arrayContaining([
          [['input', 'industry'], 'ORGANIZATION_ONLY'],
          [['input', 'employees'], 'ORGANIZATION_ONLY'],
          [['input', 'parentOrganizationId'], 'ORGANIZATION_ONLY'],
          [['input', 'parentOrganizationId'], 'NOT_FOUND'],
          [['input', 'mobile'], 'INVALID_PHONE'],
        ]),
      );
      expect(await countClients()).toBe(before);
      const cycle = await server.gql(
        LeadUpdateClientDocument,
        { input: { id: org.id, parentOrganizationId: sub.id, primaryContactId: person.id, jobTitle: 'CEO' } },
        agentA,
      );
      expect(codes(cycle.data!.updateClient.userErrors)).toEqual(
        expect.arrayContaining([
          [['input', 'parentOrganizationId'], 'CYCLE'],
          [['input', 'primaryContactId'], 'NOT_A_MEMBER'],
          [['input', 'jobTitle'], 'PERSON_ONLY'],
        ]),
      );
      expect(await readClient(org.id)).toMatchObject({ parentOrganization: null, primaryContact: null });
      notFound(await server.gql(LeadUpdateClientDocument, { input: { id: orgB.id, industry: 'x' } }, agentA));
      forbidden(await server.gql(LeadUpdateClientDocument, { input: { id: org.id, industry: 'x' } }, viewerA));
      expect((await readClient(org.id)).industry).toBeNull();
    });

    it('resolves parents, subsidiaries, primary contacts, members and reports through loaders (statements do not grow with rows)', async () => {
      const tenant = uniq('orgchart');
      const admin = await server.tokenFor(tenant, 'ADMIN');
      const industry = uniq('industry');
      const addOrg = async () => {
        const parent = await createClient({ kind: 'ORGANIZATION', industry }, admin);
        const org = await createClient({ kind: 'ORGANIZATION', industry, parentOrganizationId: parent.id }, admin);
        const boss = await createClient({ organizationId: org.id }, admin);
        await createClient({ organizationId: org.id, reportsToId: boss.id }, admin);
        ok(
          await server.gql(LeadUpdateClientDocument, { input: { id: org.id, primaryContactId: boss.id } }, admin),
          'updateClient',
        );
      };
      const chart = async () => {
        const res = await server.gql(OrgChartDocument, { filter: { kinds: ['ORGANIZATION'], industry } }, admin);
        expect(res.errors).toBeUndefined();
        return { orgs: res.data!.clients.nodes, statements: res.extensions!.sqlStatements as number };
      };
      await addOrg();
      const one = await chart();
      for (let i = 0; i < 4; i++) await addOrg();
      const five = await chart();
      expect(five.orgs).toHaveLength(10);
      const withParent = five.orgs.filter((o) => o.parentOrganization);
      expect(withParent).toHaveLength(5);
      expect(withParent.every((o) => o.primaryContact && o.members.length === 2)).toBe(true);
      expect(withParent.every((o) => o.members.some((m) => m.directReports.length === 1))).toBe(true);
      expect(five.orgs.filter((o) => o.subsidiaries.length === 1)).toHaveLength(5);
      expect(five.statements).toBe(one.statements);
    });
  });

  describe('convertLead', () => {
    let pipelineA: string;
    beforeAll(async () => {
      pipelineA = (await server.gql(PipelinesDocument, {}, adminA)).data!.pipelines[0].id;
    });

    it('makes the lead a customer, creates its organisation and opens a deal, with their events', async () => {
      const lead = await createClient({ bant: { need: 'HIGH' } });
      const orgName = uniq('PT Converted');
      const res = ok(
        await server.gql(
          ConvertLeadDocument,
          {
            input: {
              clientId: lead.id,
              organization: { name: `  ${orgName} `, industry: 'Trade' },
              createDeal: { title: 'PT PMA setup', amount: { amount: '45000000' }, pipelineId: pipelineA },
            },
          },
          agentA,
        ),
        'convertLead',
      );
      expect(res.client!.lifecycleStage).toBe('CUSTOMER');
      expect(res.client!.organization).toMatchObject({
        fullName: orgName,
        kind: 'ORGANIZATION',
        lifecycleStage: 'CUSTOMER',
        industry: 'Trade',
      });
      expect(res.deal).toMatchObject({
        title: 'PT PMA setup',
        amount: { amount: '45000000.00', currency: 'IDR' },
        client: { id: lead.id },
        pipeline: { id: pipelineA },
      });
      const types = (await events({ clientId: lead.id })).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['LEAD_CONVERTED', 'DEAL_CREATED']));
      const [converted] = await events({ clientId: lead.id, types: ['LEAD_CONVERTED'] });
      expect(converted.data).toEqual({
        before: { lifecycleStage: 'LEAD', organization: null },
        after: { lifecycleStage: 'CUSTOMER', organization: res.organization!.id },
        organizationCreated: true,
        deal: res.deal!.id,
      });
      expect((await events({ clientId: res.organization!.id, types: ['CLIENT_CREATED'] })).length).toBe(1);
      // A second lead of the same organisation (by name, case ignored) is linked to it, not a copy.
      const colleague = await createClient({});
      const again = ok(
        await server.gql(
          ConvertLeadDocument,
          { input: { clientId: colleague.id, organization: { name: orgName.toUpperCase() } } },
          agentA,
        ),
        'convertLead',
      );
      expect(again.organization!.id).toBe(res.organization!.id);
      expect(again.deal).toBeNull();
    });

    it('links an existing organisation by id', async () => {
      const org = await createClient({ kind: 'ORGANIZATION' });
      const lead = await createClient({ lifecycleStage: 'PROSPECT' });
      const res = ok(
        await server.gql(ConvertLeadDocument, { input: { clientId: lead.id, organization: { id: org.id } } }, agentA),
        'convertLead',
      );
      expect(res.client!.organization!.id).toBe(org.id);
    });

    it('refuses a non-lead, a bad organisation or deal, and changes nothing (no organisation, no deal)', async () => {
      const customer = await createClient({ lifecycleStage: 'CUSTOMER' });
      const notLead = await server.gql(ConvertLeadDocument, { input: { clientId: customer.id } }, agentA);
      expect(codes(notLead.data!.convertLead.userErrors)).toEqual([[['input', 'clientId'], 'NOT_A_LEAD']]);
      const lead = await createClient({});
      const before = await countClients();
      const orgName = uniq('PT Never');
      const bad = await server.gql(
        ConvertLeadDocument,
        {
          input: {
            clientId: lead.id,
            organization: { name: orgName },
            createDeal: { title: '  ', pipelineId: pipelineA },
          },
        },
        agentA,
      );
      expect(bad.data!.convertLead.client).toBeNull();
      expect(codes(bad.data!.convertLead.userErrors)).toEqual([[['input', 'createDeal', 'title'], 'INVALID_LENGTH']]);
      const both = await server.gql(
        ConvertLeadDocument,
        { input: { clientId: lead.id, organization: { id: customer.id, name: 'x' } } },
        agentA,
      );
      expect(codes(both.data!.convertLead.userErrors)).toEqual(
        expect.arrayContaining([
          [['input', 'organization'], 'ONE_OF'],
          [['input', 'organization', 'id'], 'NOT_AN_ORGANIZATION'],
        ]),
      );
      expect(await countClients()).toBe(before);
      const after = await readClient(lead.id);
      expect(after).toMatchObject({ lifecycleStage: 'LEAD', organization: null });
      expect((await readClient(lead.id)).deals ?? []).toEqual([]);
    });

    it("answers NOT_FOUND for another tenant's client, organisation or pipeline; nothing changes", async () => {
      const leadB = await createClient({}, adminB);
      notFound(await server.gql(ConvertLeadDocument, { input: { clientId: leadB.id } }, agentA));
      expect((await readClient(leadB.id, adminB)).lifecycleStage).toBe('LEAD');
      const orgB = await createClient({ kind: 'ORGANIZATION' }, adminB);
      const pipelineB = (await server.gql(PipelinesDocument, {}, adminB)).data!.pipelines[0].id;
      const lead = await createClient({});
      const res = await server.gql(
        ConvertLeadDocument,
        {
          input: {
            clientId: lead.id,
            organization: { id: orgB.id },
            createDeal: { title: 'x', pipelineId: pipelineB },
          },
        },
        agentA,
      );
      expect(codes(res.data!.convertLead.userErrors)).toEqual([[['input', 'organization', 'id'], 'NOT_FOUND']]);
      const res2 = await server.gql(
        ConvertLeadDocument,
        { input: { clientId: lead.id, createDeal: { title: 'x', pipelineId: pipelineB } } },
        agentA,
      );
      expect(codes(res2.data!.convertLead.userErrors)).toEqual([[['input', 'createDeal', 'pipelineId'], 'NOT_FOUND']]);
      expect((await readClient(lead.id)).lifecycleStage).toBe('LEAD');
    });

    it('is refused to VIEWER', async () => {
      const lead = await createClient({});
      forbidden(await server.gql(ConvertLeadDocument, { input: { clientId: lead.id } }, viewerA));
      expect((await readClient(lead.id)).lifecycleStage).toBe('LEAD');
    });
  });

  describe('interactions: visits, location, outcome, links, edits and soft deletion', () => {
    let client: string;
    let deal: string;
    let otherDeal: string;
    beforeAll(async () => {
      client = (await createClient({})).id;
      const other = (await createClient({})).id;
      deal = ok(
        await server.gql(CreateDealDocument, { input: { title: 'Visit deal', clientId: client } }, agentA),
        'createDeal',
      ).deal!.id;
      otherDeal = ok(
        await server.gql(CreateDealDocument, { input: { title: 'Other deal', clientId: other } }, agentA),
        'createDeal',
      ).deal!.id;
    });
    const log = async (input: Record<string, unknown> = {}, token = agentA) =>
      ok(
        await server.gql(
          LogVisitDocument,
          { input: { clientId: client, kind: 'VISIT', summary: 'Site visit', ...input } },
          token,
        ),
        'logInteraction',
      ).interaction!;
    const listed = async (token = adminA) => {
      const data = (await server.gql(ClientInteractionIdsDocument, { id: client }, token)).data!;
      return {
        child: data.client!.interactions.nodes.map((n) => n.id),
        list: data.interactions.nodes.map((n) => n.id),
      };
    };

    it('logs a VISIT with a location, outcome, next steps and a deal; a TASK too', async () => {
      const visit = await log({
        location: { latitude: -8.5069, longitude: 115.2625 },
        outcome: 'Collected the passports',
        nextSteps: 'Submit next week',
        dealId: deal,
      });
      expect(visit).toMatchObject({
        kind: 'VISIT',
        location: { latitude: -8.5069, longitude: 115.2625 },
        outcome: 'Collected the passports',
        nextSteps: 'Submit next week',
        deal: { id: deal },
      });
      expect((await server.gql(DealInteractionsDocument, { id: deal }, adminA)).data!.deal!.interactions.nodes).toEqual(
        [{ id: visit.id }],
      );
      expect((await log({ kind: 'TASK', outcome: 'Done' })).kind).toBe('TASK');
    });

    it('refuses a location out of range and a deal of another client; nothing is logged', async () => {
      const before = await listed();
      const res = await server.gql(
        LogVisitDocument,
        {
          input: {
            clientId: client,
            kind: 'VISIT',
            summary: 'Bad',
            location: { latitude: 91, longitude: -181 },
            dealId: otherDeal,
          },
        },
        agentA,
      );
      expect(codes(res.data!.logInteraction.userErrors)).toEqual(
        expect.arrayContaining([
          [['input', 'location', 'latitude'], 'OUT_OF_RANGE'],
          [['input', 'location', 'longitude'], 'OUT_OF_RANGE'],
          [['input', 'dealId'], 'NOT_CLIENTS_DEAL'],
        ]),
      );
      expect(await listed()).toEqual(before);
    });

    it('links a ticket of the client (or of no client), listed under Ticket.interactions', async () => {
      const own = ok(
        await server.gql(
          CreateRequesterTicketDocument,
          { input: { subject: uniq('Visit ticket'), clientId: client } },
          agentA,
        ),
        'createTicket',
      ).ticket!;
      const loose = ok(
        await server.gql(CreateRequesterTicketDocument, { input: { subject: uniq('Loose ticket') } }, agentA),
        'createTicket',
      ).ticket!;
      const visit = await log({ ticketId: own.id, outcome: 'Fixed on site' });
      expect(visit.ticket).toEqual({ id: own.id });
      const call = await log({ kind: 'CALL', ticketId: loose.id });
      expect(call.ticket).toEqual({ id: loose.id });
      const listedUnder = async (id: string) =>
        (await server.gql(TicketInteractionsDocument, { id }, adminA)).data!.ticket!.interactions.nodes;
      expect(await listedUnder(own.id)).toEqual([{ id: visit.id }]);
      expect(await listedUnder(loose.id)).toEqual([{ id: call.id }]);
      const moved = ok(
        await server.gql(UpdateInteractionDocument, { input: { id: call.id, ticketId: own.id } }, agentA),
        'updateInteraction',
      ).interaction!;
      expect(moved.ticket).toEqual({ id: own.id });
      expect(await listedUnder(loose.id)).toEqual([]);
    });

    it("refuses a ticket of another client, and answers NOT_FOUND for another tenant's deal or ticket; nothing is logged or changed", async () => {
      const other = (await createClient({})).id;
      const othersTicket = ok(
        await server.gql(CreateRequesterTicketDocument, { input: { subject: uniq('Other'), clientId: other } }, agentA),
        'createTicket',
      ).ticket!;
      const clientB = (await createClient({}, adminB)).id;
      const dealB = ok(
        await server.gql(CreateDealDocument, { input: { title: 'B deal', clientId: clientB } }, adminB),
        'createDeal',
      ).deal!.id;
      const ticketB = ok(
        await server.gql(CreateRequesterTicketDocument, { input: { subject: uniq('B'), clientId: clientB } }, adminB),
        'createTicket',
      ).ticket!.id;
      const before = await listed();
      const logged = async (input: Record<string, unknown>) =>
        codes(
          (
            await server.gql(
              LogVisitDocument,
              { input: { clientId: client, kind: 'VISIT', summary: 'Refused', ...input } },
              agentA,
            )
          ).data!.logInteraction.userErrors,
        );
      expect(await logged({ ticketId: othersTicket.id })).toEqual([[['input', 'ticketId'], 'NOT_CLIENTS_TICKET']]);
      expect(await logged({ ticketId: ticketB })).toEqual([[['input', 'ticketId'], 'NOT_FOUND']]);
      expect(await logged({ dealId: dealB })).toEqual([[['input', 'dealId'], 'NOT_FOUND']]);
      expect(await listed()).toEqual(before);
      const i = await log({ dealId: deal });
      for (const [input, field] of [
        [{ dealId: dealB }, 'dealId'],
        [{ ticketId: ticketB }, 'ticketId'],
      ] as const) {
        const res = await server.gql(UpdateInteractionDocument, { input: { id: i.id, ...input } }, agentA);
        expect(codes(res.data!.updateInteraction.userErrors)).toEqual([[['input', field], 'NOT_FOUND']]);
      }
      const same = ok(
        await server.gql(UpdateInteractionDocument, { input: { id: i.id } }, agentA),
        'updateInteraction',
      );
      expect(same.interaction).toMatchObject({ deal: { id: deal }, ticket: null });
      expect(
        (await server.gql(TicketInteractionsDocument, { id: ticketB }, adminB)).data!.ticket!.interactions.nodes,
      ).toEqual([]);
    });

    describe('updateInteraction', () => {
      it('changes fields, clears others and records INTERACTION_UPDATED with what changed', async () => {
        const i = await log({ outcome: 'Pending', dealId: deal, location: { latitude: 1, longitude: 2 } });
        const updated = ok(
          await server.gql(
            UpdateInteractionDocument,
            { input: { id: i.id, outcome: 'Signed', nextSteps: 'Invoice', location: null, dealId: null } },
            agentA,
          ),
          'updateInteraction',
        ).interaction!;
        expect(updated).toMatchObject({ outcome: 'Signed', nextSteps: 'Invoice', location: null, deal: null });
        const [event] = await events({ clientId: client, types: ['INTERACTION_UPDATED'] });
        expect(event.data).toEqual({
          before: { outcome: 'Pending', nextSteps: null, latitude: 1, longitude: 2, deal: deal },
          after: { outcome: 'Signed', nextSteps: 'Invoice', latitude: null, longitude: null, deal: null },
        });
      });

      it('refuses an empty summary or a bad location; nothing changes', async () => {
        const i = await log({ outcome: 'Kept' });
        const res = await server.gql(
          UpdateInteractionDocument,
          { input: { id: i.id, summary: ' ', outcome: 'Lost', location: { latitude: 0, longitude: 200 } } },
          agentA,
        );
        expect(codes(res.data!.updateInteraction.userErrors)).toEqual(
          expect.arrayContaining([
            [['input', 'summary'], 'INVALID_LENGTH'],
            [['input', 'location', 'longitude'], 'OUT_OF_RANGE'],
          ]),
        );
        const same = ok(
          await server.gql(UpdateInteractionDocument, { input: { id: i.id } }, agentA),
          'updateInteraction',
        );
        expect(same.interaction).toMatchObject({ summary: 'Site visit', outcome: 'Kept' });
      });

      it("answers NOT_FOUND for another tenant's interaction and refuses VIEWER", async () => {
        const clientB = await createClient({}, adminB);
        const iB = ok(
          await server.gql(
            LogVisitDocument,
            { input: { clientId: clientB.id, kind: 'VISIT', summary: 'B visit' } },
            adminB,
          ),
          'logInteraction',
        ).interaction!;
        notFound(await server.gql(UpdateInteractionDocument, { input: { id: iB.id, outcome: 'Hijacked' } }, agentA));
        const i = await log({ outcome: 'Mine' });
        forbidden(await server.gql(UpdateInteractionDocument, { input: { id: i.id, outcome: 'Viewer' } }, viewerA));
        const mine = ok(
          await server.gql(UpdateInteractionDocument, { input: { id: i.id } }, agentA),
          'updateInteraction',
        );
        expect(mine.interaction!.outcome).toBe('Mine');
        const theirs = ok(
          await server.gql(UpdateInteractionDocument, { input: { id: iB.id } }, adminB),
          'updateInteraction',
        );
        expect(theirs.interaction!.outcome).toBeNull();
      });
    });

    describe('deleteInteraction', () => {
      it('hides the interaction from every list and records INTERACTION_DELETED; a second delete or an update is NOT_FOUND', async () => {
        const i = await log({ summary: 'To delete' });
        expect((await listed()).child).toContain(i.id);
        expect((await server.gql(NodeDocument, { id: i.id }, agentA)).data?.node?.id).toBe(i.id);
        ok(await server.gql(DeleteInteractionDocument, { input: { id: i.id } }, agentA), 'deleteInteraction');
        const after = await listed();
        expect(after.child).not.toContain(i.id);
        expect(after.list).not.toContain(i.id);
        const [event] = await events({ clientId: client, types: ['INTERACTION_DELETED'] });
        expect(event.data).toMatchObject({
          before: { summary: 'To delete', kind: 'VISIT', deleted: false },
          after: { deleted: true },
        });
        notFound(await server.gql(DeleteInteractionDocument, { input: { id: i.id } }, agentA));
        notFound(await server.gql(UpdateInteractionDocument, { input: { id: i.id, outcome: 'x' } }, agentA));
        // Gone by its ID too.
        expect((await server.gql(NodeDocument, { id: i.id }, agentA)).data?.node).toBeNull();
      });

      it('refuses a malformed ID without deleting anything', async () => {
        const before = await listed();
        const res = await server.gql(DeleteInteractionDocument, { input: { id: 'not-an-id' } }, agentA);
        expect(res.errors?.[0]?.extensions?.code).toMatch(/NOT_FOUND|BAD_USER_INPUT/);
        expect(await listed()).toEqual(before);
      });

      it("answers NOT_FOUND for another tenant's interaction and refuses VIEWER; nothing is deleted", async () => {
        const clientB = await createClient({}, adminB);
        const iB = ok(
          await server.gql(
            LogVisitDocument,
            { input: { clientId: clientB.id, kind: 'NOTE', summary: 'B note' } },
            adminB,
          ),
          'logInteraction',
        ).interaction!;
        notFound(await server.gql(DeleteInteractionDocument, { input: { id: iB.id } }, agentA));
        const bList = (await server.gql(ClientInteractionIdsDocument, { id: clientB.id }, adminB)).data!.interactions
          .nodes;
        expect(bList.map((n) => n.id)).toContain(iB.id);
        const i = await log({ summary: 'Viewer cannot delete' });
        forbidden(await server.gql(DeleteInteractionDocument, { input: { id: i.id } }, viewerA));
        expect((await listed()).child).toContain(i.id);
      });
    });
  });

  describe('tickets: requester auto-linking and search', () => {
    const ticket = async (input: Partial<CreateTicketInput>, token = agentA) =>
      ok(
        await server.gql(CreateRequesterTicketDocument, { input: { subject: uniq('Help'), ...input } }, token),
        'createTicket',
      ).ticket!;
    const linkEvent = async (ticketId: string, token = adminA) =>
      (await events({ ticketId, types: ['TICKET_LINKED'] }, token))[0]?.data as Record<string, unknown> | undefined;

    it('links a new ticket to its client by email, then phone, then organisation name, recording the rule', async () => {
      const email = `${uniq('req')}@Example.com`;
      const byEmail = await createClient({ email: email.toLowerCase(), phone: '+628111000001' });
      const t1 = await ticket({ requesterEmail: ` ${email.toUpperCase()} `, requesterPhone: '+628111000001' });
      expect(t1.client).toEqual({ id: byEmail.id });
      expect(await linkEvent(t1.id)).toEqual({
        before: { client: null },
        after: { client: byEmail.id },
        match: { rule: 'EMAIL', confidence: 1, value: email.toLowerCase(), trigger: 'CREATE' },
      });
      const phone = `+62812${Math.floor(Math.random() * 1e7)
        .toString()
        .padStart(7, '0')}`;
      const byPhone = await createClient({ phone });
      const t2 = await ticket({ requesterEmail: `${uniq('nobody')}@example.com`, requesterPhone: phone });
      expect(t2.client).toEqual({ id: byPhone.id });
      expect((await linkEvent(t2.id))!.match).toMatchObject({ rule: 'PHONE', confidence: 0.9 });
      const company = uniq('PT Requester');
      const org = await createClient({ kind: 'ORGANIZATION', fullName: company });
      const t3 = await ticket({ requesterCompany: `  ${company.toLowerCase()}  ` });
      expect(t3.client).toEqual({ id: org.id });
      expect((await linkEvent(t3.id))!.match).toMatchObject({ rule: 'ORGANIZATION_NAME', confidence: 0.6 });
    });

    it('leaves a ticket unlinked when a phone is shared by two clients, or nothing matches', async () => {
      const phone = '+628999000111';
      await createClient({ phone });
      await createClient({ phone });
      const t = await ticket({ requesterPhone: phone, requesterEmail: `${uniq('x')}@nowhere.test` });
      expect(t.client).toBeNull();
      expect(await linkEvent(t.id)).toBeUndefined();
    });

    it('refuses an invalid requester email or phone; no ticket is opened', async () => {
      const res = await server.gql(
        CreateRequesterTicketDocument,
        { input: { subject: 'Bad requester', requesterEmail: 'not-an-email', requesterPhone: 'abc' } },
        agentA,
      );
      expect(codes(res.data!.createTicket.userErrors)).toEqual([
        [['input', 'requesterEmail'], 'INVALID_EMAIL'],
        [['input', 'requesterPhone'], 'INVALID_PHONE'],
      ]);
      expect((await server.gql(TicketSearchDocument, { search: 'Bad requester' }, adminA)).data!.tickets.nodes).toEqual(
        [],
      );
    });

    it('never links to a client of another tenant', async () => {
      const email = `${uniq('cross')}@example.com`;
      await createClient({ email }, adminB);
      const t = await ticket({ requesterEmail: email });
      expect(t.client).toBeNull();
    });

    it('searches the description too', async () => {
      const word = uniq('zebra');
      const t = await ticket({ subject: 'Plain subject', description: `The ${word} is missing` });
      expect((await server.gql(TicketSearchDocument, { search: word }, agentA)).data!.tickets.nodes).toEqual([
        { id: t.id, subject: 'Plain subject' },
      ]);
    });

    describe('autoLinkTickets', () => {
      it('dry run counts and samples, then links in batches, idempotently, never relinking a ticket a person unlinked', async () => {
        const tenant = uniq('autolink');
        const admin = await server.tokenFor(tenant, 'ADMIN');
        const emails = [0, 1, 2, 3].map((i) => `${uniq(`backfill${i}`)}@example.com`);
        const tickets = [];
        for (const e of emails) tickets.push(await ticket({ requesterEmail: e }, admin));
        const company = uniq('PT Backfill');
        const orgTicket = await ticket({ requesterCompany: company }, admin);
        const stray = await ticket({ requesterEmail: `${uniq('stray')}@example.com` }, admin);
        expect([...tickets, orgTicket, stray].every((t) => t.client === null)).toBe(true);
        // The clients appear after their tickets.
        const clients = [];
        for (const e of emails) clients.push(await createClient({ email: e }, admin));
        const org = await createClient({ kind: 'ORGANIZATION', fullName: company }, admin);
        // A person unlinks one ticket after it was linked: the backfill must leave it alone.
        const linked = await ticket({ requesterEmail: emails[0] }, admin);
        ok(
          await server.gql(UnlinkTicketDocument, { input: { id: linked.id, targetId: clients[0].id } }, admin),
          'unlinkTicket',
        );

        const dry = ok(await server.gql(AutoLinkTicketsDocument, {}, admin), 'autoLinkTickets').result!;
        expect(dry).toMatchObject({ dryRun: true, scanned: 6, matched: 5, linked: 0, batches: 1 });
        expect(dry.byRule).toEqual(
          expect.arrayContaining([
            { rule: 'EMAIL', count: 4 },
            { rule: 'ORGANIZATION_NAME', count: 1 },
          ]),
        );
        expect(dry.sample).toHaveLength(5);
        expect(dry.sample).toContainEqual({
          ticket: { id: orgTicket.id },
          client: { id: org.id },
          rule: 'ORGANIZATION_NAME',
          confidence: 0.6,
          value: company.toLowerCase(),
        });
        expect((await server.gql(TicketClientDocument, { id: tickets[0].id }, admin)).data!.ticket!.client).toBeNull();

        const run = ok(
          await server.gql(AutoLinkTicketsDocument, { dryRun: false, batchSize: 2 }, admin),
          'autoLinkTickets',
        ).result!;
        expect(run).toMatchObject({ dryRun: false, scanned: 6, matched: 5, linked: 5, batches: 3 });
        for (const [i, t] of tickets.entries())
          expect((await server.gql(TicketClientDocument, { id: t.id }, admin)).data!.ticket!.client).toEqual({
            id: clients[i].id,
          });
        expect((await linkEvent(tickets[1].id, admin))!.match).toMatchObject({ rule: 'EMAIL', trigger: 'BACKFILL' });
        expect((await server.gql(TicketClientDocument, { id: linked.id }, admin)).data!.ticket!.client).toBeNull();

        const again = ok(
          await server.gql(AutoLinkTicketsDocument, { dryRun: false }, admin),
          'autoLinkTickets',
        ).result!;
        expect(again).toMatchObject({ scanned: 1, matched: 0, linked: 0 });
        expect((await events({ ticketId: tickets[1].id, types: ['TICKET_LINKED'] }, admin)).length).toBe(1);
      });

      it('refuses a batch size out of range; nothing changes', async () => {
        const t = await ticket({ requesterEmail: `${uniq('range')}@example.com` });
        await createClient({ email: t.requesterEmail });
        const res = await server.gql(AutoLinkTicketsDocument, { dryRun: false, batchSize: 0 }, adminA);
        expect(codes(res.data!.autoLinkTickets.userErrors)).toEqual([[['input', 'batchSize'], 'OUT_OF_RANGE']]);
        expect((await server.gql(TicketClientDocument, { id: t.id }, adminA)).data!.ticket!.client).toBeNull();
      });

      it("touches only the caller's tenant: another tenant's tickets stay unlinked", async () => {
        const email = `${uniq('only')}@example.com`;
        const tB = await ticket({ requesterEmail: email }, adminB);
        await createClient({ email });
        ok(await server.gql(AutoLinkTicketsDocument, { dryRun: false }, adminA), 'autoLinkTickets');
        expect((await server.gql(TicketClientDocument, { id: tB.id }, adminB)).data!.ticket!.client).toBeNull();
        const runB = ok(
          await server.gql(AutoLinkTicketsDocument, { dryRun: false }, adminB),
          'autoLinkTickets',
        ).result!;
        expect(runB.linked).toBe(0);
      });

      it('is refused to VIEWER and AGENT (ADMIN only)', async () => {
        const t = await ticket({ requesterEmail: `${uniq('viewer')}@example.com` });
        await createClient({ email: t.requesterEmail });
        forbidden(await server.gql(AutoLinkTicketsDocument, { dryRun: false }, viewerA));
        forbidden(await server.gql(AutoLinkTicketsDocument, { dryRun: false }, agentA));
        expect((await server.gql(TicketClientDocument, { id: t.id }, adminA)).data!.ticket!.client).toBeNull();
      });
    });
  });
});
