import {
  ClientRelatedDocument,
  CreateClientDocument,
  CreateDealDocument,
  type CreateDealInput,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  DealByIdDocument,
  type DealFilter,
  type DealOrder,
  DealsPageDocument,
  LoseDealDocument,
  MoveDealStageDocument,
  PipelinesDocument,
  TimelineDocument,
  UpdateDealDocument,
  ViewerDocument,
  WinDealDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const NIL_UUID = '00000000-0000-4000-8000-000000000000';
/** A well-formed global ID of `type` that names no row. */
const missingId = (type: string) => Buffer.from(`${type}:${NIL_UUID}`).toString('base64url');

describe('Deals and pipelines', () => {
  let server: TestServer;
  const tenantA = uniq('deals-a');
  const tenantB = uniq('deals-b');
  const tenantList = uniq('deals-list');
  let adminA: string;
  let viewerA: string;
  let adminB: string;
  let adminList: string;
  let meA: string;
  let repA: string;
  let memberB: string;
  let clientA: string;
  let clientB: string;
  /** Stage ids by name. */
  let stagesA: Record<string, string>;
  let stagesB: Record<string, string>;
  let pipelineA: string;
  let pipelineB: string;
  let dealB: string;

  const createClient = async (fullName: string, token: string) => {
    const res = await server.gql(CreateClientDocument, { input: { fullName } }, token);
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!.id;
  };
  const createDeal = async (input: CreateDealInput, token = adminA) => {
    const res = await server.gql(CreateDealDocument, { input }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.createDeal.userErrors).toEqual([]);
    return res.data!.createDeal.deal!;
  };
  const readDeal = async (id: string, token = adminA) => {
    const res = await server.gql(DealByIdDocument, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.deal!;
  };
  const dealCount = async (token = adminA) =>
    (await server.gql(DealsPageDocument, { first: 1 }, token)).data!.deals.totalCount;
  const stagesOf = async (token: string) => {
    const res = await server.gql(PipelinesDocument, {}, token);
    const pipeline = res.data!.pipelines[0];
    return { pipeline: pipeline.id, stages: Object.fromEntries(pipeline.stages.map((s) => [s.name, s.id])) };
  };

  beforeAll(async () => {
    server = await startTestServer();
    [adminA, viewerA, adminB, adminList] = await Promise.all([
      server.tokenFor(tenantA, 'ADMIN'),
      server.tokenFor(tenantA, 'VIEWER'),
      server.tokenFor(tenantB, 'ADMIN'),
      server.tokenFor(tenantList, 'ADMIN'),
    ]);
    meA = (await server.gql(ViewerDocument, {}, adminA)).data!.viewer!.id;
    memberB = (await server.gql(ViewerDocument, {}, adminB)).data!.viewer!.id;
    const rep = await server.gql(
      CreateTeamMemberDocument,
      { input: { email: 'rep@deals.test', name: 'Rep', role: 'AGENT' } },
      adminA,
    );
    repA = rep.data!.createTeamMember.teamMember!.id;
    clientA = await createClient('Ana Deal', adminA);
    clientB = await createClient('Bruno Deal', adminB);
    ({ pipeline: pipelineA, stages: stagesA } = await stagesOf(adminA));
    ({ pipeline: pipelineB, stages: stagesB } = await stagesOf(adminB));
    dealB = (await createDeal({ title: 'B only', clientId: clientB }, adminB)).id;
  });
  afterAll(() => server.close());

  describe('pipelines', () => {
    it('seeds one default Sales pipeline per tenant with ordered stages', async () => {
      const res = await server.gql(PipelinesDocument, {}, adminA);
      expect(res.errors).toBeUndefined();
      expect(res.data!.pipelines).toHaveLength(1);
      expect(res.data!.pipelines[0]).toMatchObject({
        name: 'Sales',
        isDefault: true,
        stages: [
          { name: 'New lead', position: 0, probability: 10, kind: 'OPEN' },
          { name: 'Qualified', position: 1, probability: 25, kind: 'OPEN' },
          { name: 'Proposal sent', position: 2, probability: 50, kind: 'OPEN' },
          { name: 'Negotiation', position: 3, probability: 75, kind: 'OPEN' },
          { name: 'Won', position: 4, probability: 100, kind: 'WON' },
          { name: 'Lost', position: 5, probability: 0, kind: 'LOST' },
        ],
      });
      expect(pipelineB).not.toBe(pipelineA);
      expect(Object.values(stagesB)).not.toContain(stagesA['New lead']);
    });

    it('requires authentication', async () => {
      const res = await server.gql(PipelinesDocument, {});
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('createDeal', () => {
    it("creates a deal in the default pipeline's first stage, owned by the caller, with one open stage stay", async () => {
      const before = Date.now();
      const deal = await createDeal({ title: '  KITAS for Ana  ', clientId: clientA });
      expect(deal).toMatchObject({
        title: 'KITAS for Ana',
        status: 'OPEN',
        probability: 10,
        closedAt: null,
        lostReason: null,
        amount: null,
        stage: { id: stagesA['New lead'], name: 'New lead', kind: 'OPEN' },
        pipeline: { id: pipelineA, name: 'Sales' },
        client: { id: clientA },
        owner: { id: meA },
      });
      expect(deal.stageHistory).toHaveLength(1);
      expect(deal.stageHistory[0]).toMatchObject({ stage: { name: 'New lead' }, leftAt: null });
      expect(Date.parse(deal.stageHistory[0].enteredAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(await readDeal(deal.id)).toMatchObject({ id: deal.id, title: 'KITAS for Ana', tickets: { nodes: [] } });
    });

    it('takes a stage (its pipeline implied), a probability, an amount with currency and an owner', async () => {
      const deal = await createDeal({
        title: 'PT PMA',
        clientId: clientA,
        stageId: stagesA['Proposal sent'],
        probability: 60,
        amount: { amount: '1500000.50', currency: 'usd' },
        ownerId: repA,
      });
      expect(deal).toMatchObject({
        stage: { name: 'Proposal sent' },
        pipeline: { id: pipelineA },
        probability: 60,
        amount: { amount: '1500000.50', currency: 'USD' },
        owner: { id: repA },
      });
      const defaults = await createDeal({
        title: 'Stage probability',
        clientId: clientA,
        pipelineId: pipelineA,
        stageId: stagesA['Negotiation'],
        amount: { amount: '0' },
      });
      expect(defaults).toMatchObject({ probability: 75, amount: { currency: 'IDR' } });
      expect(Number(defaults.amount!.amount)).toBe(0);
      expect((await readDeal(defaults.id)).amount).toEqual({ amount: '0.00', currency: 'IDR' });
      expect((await readDeal(deal.id)).amount).toEqual({ amount: '1500000.50', currency: 'USD' });
    });

    it('returns a new amount in the mutation payload exactly as reads return it ("0.00")', async () => {
      for (const [typed, stored] of [
        ['0', '0.00'],
        ['45000000', '45000000.00'],
        ['12.5', '12.50'],
        ['007.25', '7.25'],
      ]) {
        const deal = await createDeal({ title: `Amount ${typed}`, clientId: clientA, amount: { amount: typed } });
        expect(deal.amount!.amount).toBe(stored);
        expect((await readDeal(deal.id)).amount!.amount).toBe(stored);
      }
    });

    it('closes a deal created straight into the Won stage', async () => {
      const deal = await createDeal({ title: 'Signed at once', clientId: clientA, stageId: stagesA['Won'] });
      expect(deal).toMatchObject({ status: 'WON', probability: 100, stage: { name: 'Won' } });
      expect(deal.closedAt).not.toBeNull();
    });

    it('returns userErrors with field paths for invalid input, and creates nothing', async () => {
      const count = await dealCount();
      const res = await server.gql(
        CreateDealDocument,
        {
          input: {
            title: '   ',
            clientId: clientA,
            probability: 101,
            amount: { amount: '-1', currency: 'EURO' },
          },
        },
        adminA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.createDeal.deal).toBeNull();
      const errors = res.data!.createDeal.userErrors;
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: ['input', 'title'], code: 'INVALID_LENGTH' }),
          expect.objectContaining({ field: ['input', 'probability'], code: 'OUT_OF_RANGE' }),
          expect.objectContaining({ field: ['input', 'amount', 'amount'], code: 'NEGATIVE_AMOUNT' }),
          expect.objectContaining({ field: ['input', 'amount', 'currency'], code: 'INVALID_CURRENCY' }),
        ]),
      );
      expect(errors).toHaveLength(4);
      const more: [CreateDealInput, string, string][] = [
        [{ title: 'x'.repeat(201), clientId: clientA }, 'title', 'INVALID_LENGTH'],
        [{ title: 'ok', clientId: clientA, probability: -1 }, 'probability', 'OUT_OF_RANGE'],
        [{ title: 'ok', clientId: clientA, amount: { amount: '5', currency: 'E1R' } }, 'amount', 'INVALID_CURRENCY'],
      ];
      for (const [input, field, code] of more) {
        const r = await server.gql(CreateDealDocument, { input }, adminA);
        expect(r.data?.createDeal.userErrors).toHaveLength(1);
        expect(r.data?.createDeal.userErrors[0]).toMatchObject({
          field: field === 'amount' ? ['input', 'amount', 'currency'] : ['input', field],
          code,
        });
      }
      expect(await dealCount()).toBe(count);
    });

    it('takes an expectedCloseDate as a calendar date; updateDeal changes it and null clears it', async () => {
      const deal = await createDeal({ title: 'Dated', clientId: clientA, expectedCloseDate: '2028-02-29' });
      expect(deal.expectedCloseDate).toBe('2028-02-29');
      const moved = await server.gql(
        UpdateDealDocument,
        { input: { id: deal.id, expectedCloseDate: '2027-12-31' } },
        adminA,
      );
      expect(moved.data?.updateDeal.deal?.expectedCloseDate).toBe('2027-12-31');
      expect((await readDeal(deal.id)).expectedCloseDate).toBe('2027-12-31');
      const cleared = await server.gql(UpdateDealDocument, { input: { id: deal.id, expectedCloseDate: null } }, adminA);
      expect(cleared.data?.updateDeal.userErrors).toEqual([]);
      expect((await readDeal(deal.id)).expectedCloseDate).toBeNull();
    });

    it('returns INVALID_DATE for a date that does not exist, BAD_USER_INPUT for a malformed one, and changes nothing', async () => {
      const count = await dealCount();
      const res = await server.gql(
        CreateDealDocument,
        { input: { title: 'Bad date', clientId: clientA, expectedCloseDate: '2027-02-29' } },
        adminA,
      );
      expect(res.data?.createDeal).toMatchObject({
        deal: null,
        userErrors: [{ field: ['input', 'expectedCloseDate'], code: 'INVALID_DATE' }],
      });
      const malformed = await server.gql(
        CreateDealDocument,
        { input: { title: 'Bad date', clientId: clientA, expectedCloseDate: '31/12/2026' } },
        adminA,
      );
      expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await dealCount()).toBe(count);
      const deal = await createDeal({ title: 'Keeps date', clientId: clientA, expectedCloseDate: '2027-06-30' });
      const update = await server.gql(
        UpdateDealDocument,
        { input: { id: deal.id, title: 'Changed', expectedCloseDate: '2027-06-31' } },
        adminA,
      );
      expect(update.data?.updateDeal.userErrors).toMatchObject([
        { field: ['input', 'expectedCloseDate'], code: 'INVALID_DATE' },
      ]);
      expect(await readDeal(deal.id)).toEqual({ ...deal, tickets: { nodes: [] } });
    });

    it('gives NOT_FOUND on the field for a missing, foreign or wrongly typed client, stage, pipeline or owner, and creates nothing', async () => {
      const count = await dealCount();
      const cases: [Partial<CreateDealInput>, string][] = [
        [{ clientId: clientB }, 'clientId'],
        [{ clientId: missingId('Client') }, 'clientId'],
        [{ clientId: stagesA['Won'] }, 'clientId'],
        [{ stageId: stagesB['Qualified'] }, 'stageId'],
        [{ stageId: missingId('PipelineStage') }, 'stageId'],
        [{ pipelineId: pipelineB }, 'pipelineId'],
        [{ pipelineId: clientA }, 'pipelineId'],
        [{ ownerId: memberB }, 'ownerId'],
        [{ ownerId: missingId('TeamMember') }, 'ownerId'],
      ];
      for (const [patch, field] of cases) {
        const res = await server.gql(
          CreateDealDocument,
          { input: { title: 'Ref check', clientId: clientA, ...patch } },
          adminA,
        );
        expect(res.errors).toBeUndefined();
        expect(res.data?.createDeal).toMatchObject({
          deal: null,
          userErrors: [{ field: ['input', field], code: 'NOT_FOUND' }],
        });
      }
      expect(await dealCount()).toBe(count);
      expect(await dealCount(adminB)).toBe(1);
    });

    it('gives FORBIDDEN to a VIEWER, and creates nothing', async () => {
      const count = await dealCount();
      const res = await server.gql(CreateDealDocument, { input: { title: 'Viewer deal', clientId: clientA } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await dealCount()).toBe(count);
      const list = await server.gql(DealsPageDocument, { first: 1 }, viewerA);
      expect(list.data?.deals.totalCount).toBe(count);
    });
  });

  describe('updateDeal', () => {
    let dealId: string;
    beforeAll(async () => {
      dealId = (await createDeal({ title: 'Update me', clientId: clientA, amount: { amount: '100' }, probability: 20 }))
        .id;
    });

    it('changes title, amount, probability and owner; null clears amount and owner', async () => {
      const res = await server.gql(
        UpdateDealDocument,
        {
          input: {
            id: dealId,
            title: 'Updated',
            amount: { amount: '250.75', currency: 'EUR' },
            probability: 90,
            ownerId: repA,
          },
        },
        adminA,
      );
      expect(res.data?.updateDeal.userErrors).toEqual([]);
      expect(res.data?.updateDeal.deal).toMatchObject({
        title: 'Updated',
        amount: { amount: '250.75', currency: 'EUR' },
        probability: 90,
        owner: { id: repA },
        status: 'OPEN',
        stage: { name: 'New lead' },
      });
      const cleared = await server.gql(
        UpdateDealDocument,
        { input: { id: dealId, amount: null, ownerId: null } },
        adminA,
      );
      expect(cleared.data?.updateDeal.userErrors).toEqual([]);
      expect(await readDeal(dealId)).toMatchObject({ title: 'Updated', amount: null, owner: null, probability: 90 });
    });

    it('returns userErrors for invalid fields, and changes nothing', async () => {
      const before = await readDeal(dealId);
      const res = await server.gql(
        UpdateDealDocument,
        { input: { id: dealId, title: '', probability: 150, amount: { amount: '-0.01' }, ownerId: repA } },
        adminA,
      );
      expect(res.data?.updateDeal.deal).toBeNull();
      expect(res.data?.updateDeal.userErrors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: ['input', 'title'], code: 'INVALID_LENGTH' }),
          expect.objectContaining({ field: ['input', 'probability'], code: 'OUT_OF_RANGE' }),
          expect.objectContaining({ field: ['input', 'amount', 'amount'], code: 'NEGATIVE_AMOUNT' }),
        ]),
      );
      const nullTitle = await server.gql(UpdateDealDocument, { input: { id: dealId, title: null } }, adminA);
      expect(nullTitle.data?.updateDeal.userErrors).toMatchObject([{ field: ['input', 'title'], code: 'REQUIRED' }]);
      expect(await readDeal(dealId)).toEqual(before);
    });

    it('gives NOT_FOUND on ownerId for a foreign or missing member, and changes nothing', async () => {
      const before = await readDeal(dealId);
      for (const ownerId of [memberB, missingId('TeamMember'), clientA]) {
        const res = await server.gql(UpdateDealDocument, { input: { id: dealId, title: 'Nope', ownerId } }, adminA);
        expect(res.data?.updateDeal.userErrors).toMatchObject([{ field: ['input', 'ownerId'], code: 'NOT_FOUND' }]);
      }
      expect(await readDeal(dealId)).toEqual(before);
    });

    it("gives top-level NOT_FOUND for another tenant's, a missing or a non-deal id, and changes nothing", async () => {
      for (const id of [dealB, missingId('Deal'), clientA]) {
        const res = await server.gql(UpdateDealDocument, { input: { id, title: 'Hijacked' } }, adminA);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await readDeal(dealB, adminB)).toMatchObject({ title: 'B only' });
    });

    it('moves a deal to another client of the tenant, with a DEAL_UPDATED on the client it leaves', async () => {
      const deal = (await createDeal({ title: 'Moving deal', clientId: clientA })).id;
      const other = await createClient('Other Deal Client', adminA);
      // A foreign, a missing or a non-client id: NOT_FOUND on the field, nothing changed.
      for (const clientId of [clientB, missingId('Client'), repA]) {
        const res = await server.gql(UpdateDealDocument, { input: { id: deal, clientId } }, adminA);
        expect(res.data?.updateDeal.userErrors).toMatchObject([{ field: ['input', 'clientId'], code: 'NOT_FOUND' }]);
      }
      const cleared = await server.gql(UpdateDealDocument, { input: { id: deal, clientId: null } }, adminA);
      expect(cleared.data?.updateDeal.userErrors).toMatchObject([{ field: ['input', 'clientId'], code: 'REQUIRED' }]);
      expect((await readDeal(deal)).client.id).toBe(clientA);

      const moved = await server.gql(UpdateDealDocument, { input: { id: deal, clientId: other } }, adminA);
      expect(moved.data?.updateDeal.userErrors).toEqual([]);
      expect(moved.data?.updateDeal.deal?.client.id).toBe(other);
      const events = await server.gql(TimelineDocument, { filter: { dealId: deal, types: ['DEAL_UPDATED'] } }, adminA);
      expect(events.data!.timeline.edges.map((e) => [e.node.data, e.node.client?.id])).toEqual([
        [{ before: { client: clientA }, after: { client: other } }, clientA],
      ]);

      // A ticket of the current client linked to the deal: the deal cannot leave it.
      const ticket = await server.gql(
        CreateTicketDocument,
        { input: { subject: 'About the deal', clientId: other, dealId: deal } },
        adminA,
      );
      expect(ticket.data?.createTicket.userErrors).toEqual([]);
      const refused = await server.gql(UpdateDealDocument, { input: { id: deal, clientId: clientA } }, adminA);
      expect(refused.data?.updateDeal.userErrors).toMatchObject([
        { field: ['input', 'clientId'], code: 'CLIENT_MISMATCH' },
      ]);
      expect((await readDeal(deal)).client.id).toBe(other);
    });

    it('changes the lostReason of a lost deal only (NOT_LOST otherwise)', async () => {
      const deal = (await createDeal({ title: 'Reason deal', clientId: clientA })).id;
      const open = await server.gql(UpdateDealDocument, { input: { id: deal, lostReason: 'Too early' } }, adminA);
      expect(open.data?.updateDeal.userErrors).toMatchObject([{ field: ['input', 'lostReason'], code: 'NOT_LOST' }]);
      const lost = await server.gql(LoseDealDocument, { input: { id: deal, reason: 'Budget' } }, adminA);
      expect(lost.data?.loseDeal.userErrors).toEqual([]);
      const res = await server.gql(UpdateDealDocument, { input: { id: deal, lostReason: 'Budget cut in Q3' } }, adminA);
      expect(res.data?.updateDeal.userErrors).toEqual([]);
      expect(await readDeal(deal)).toMatchObject({ status: 'LOST', lostReason: 'Budget cut in Q3' });
    });

    it('gives FORBIDDEN to a VIEWER, and changes nothing', async () => {
      const before = await readDeal(dealId);
      const res = await server.gql(UpdateDealDocument, { input: { id: dealId, title: 'Viewer' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readDeal(dealId)).toEqual(before);
    });
  });

  describe('moveDealStage', () => {
    it("records the stage history: the old stay's leftAt is the new stay's enteredAt", async () => {
      const deal = await createDeal({ title: 'Mover', clientId: clientA });
      const res = await server.gql(
        MoveDealStageDocument,
        { input: { id: deal.id, stageId: stagesA['Qualified'] } },
        adminA,
      );
      expect(res.data?.moveDealStage.userErrors).toEqual([]);
      const moved = res.data!.moveDealStage.deal!;
      expect(moved).toMatchObject({ status: 'OPEN', probability: 25, stage: { name: 'Qualified' }, closedAt: null });
      expect(moved.stageHistory.map((h) => h.stage.name)).toEqual(['New lead', 'Qualified']);
      const [first, second] = moved.stageHistory;
      expect(first.leftAt).not.toBeNull();
      expect(first.leftAt).toBe(second.enteredAt);
      expect(Date.parse(first.enteredAt)).toBeLessThanOrEqual(Date.parse(first.leftAt!));
      expect(second.leftAt).toBeNull();

      await server.gql(MoveDealStageDocument, { input: { id: deal.id, stageId: stagesA['Negotiation'] } }, adminA);
      const after = await readDeal(deal.id);
      expect(after.stageHistory.map((h) => [h.stage.name, h.leftAt === null])).toEqual([
        ['New lead', false],
        ['Qualified', false],
        ['Negotiation', true],
      ]);
      expect(after.stageHistory[1].leftAt).toBe(after.stageHistory[2].enteredAt);
    });

    it('closes the deal in a Won or Lost stage and reopens it in an open stage', async () => {
      const deal = await createDeal({ title: 'Round trip', clientId: clientA });
      const won = await server.gql(MoveDealStageDocument, { input: { id: deal.id, stageId: stagesA['Won'] } }, adminA);
      expect(won.data?.moveDealStage.deal).toMatchObject({ status: 'WON', probability: 100 });
      expect(won.data?.moveDealStage.deal?.closedAt).not.toBeNull();
      const reopened = await server.gql(
        MoveDealStageDocument,
        { input: { id: deal.id, stageId: stagesA['Negotiation'] } },
        adminA,
      );
      expect(reopened.data?.moveDealStage.deal).toMatchObject({ status: 'OPEN', closedAt: null, lostReason: null });
      const lost = await server.gql(
        MoveDealStageDocument,
        { input: { id: deal.id, stageId: stagesA['Lost'] } },
        adminA,
      );
      expect(lost.data?.moveDealStage.deal).toMatchObject({ status: 'LOST', probability: 0, stage: { name: 'Lost' } });
      expect(lost.data?.moveDealStage.deal?.closedAt).not.toBeNull();
      expect((await readDeal(deal.id)).stageHistory).toHaveLength(4);
    });

    it('records a lostReason given for a LOST stage, and refuses one for another stage', async () => {
      const lostSummaries = async (dealId: string) =>
        (
          await server.gql(TimelineDocument, { first: 10, filter: { dealId, types: ['DEAL_LOST'] } }, adminA)
        ).data!.timeline.edges.map((e) => e.node.summary);
      const deal = await createDeal({ title: 'Dragged', clientId: clientA });
      const move = (stage: string, lostReason?: string) =>
        server.gql(MoveDealStageDocument, { input: { id: deal.id, stageId: stagesA[stage], lostReason } }, adminA);

      const open = await move('Negotiation', 'Not lost at all');
      expect(open.data?.moveDealStage).toMatchObject({
        deal: null,
        userErrors: [{ field: ['input', 'lostReason'], code: 'NOT_A_LOST_STAGE' }],
      });
      const tooLong = await move('Lost', 'x'.repeat(501));
      expect(tooLong.data?.moveDealStage.userErrors).toMatchObject([
        { field: ['input', 'lostReason'], code: 'INVALID_LENGTH' },
      ]);
      expect(await readDeal(deal.id)).toMatchObject({ status: 'OPEN', lostReason: null });

      const lost = await move('Lost', '  Budget cut ');
      expect(lost.data?.moveDealStage.deal).toMatchObject({ status: 'LOST', lostReason: 'Budget cut' });
      expect(await lostSummaries(deal.id)).toEqual(['Deal "Dragged" lost: Budget cut']);

      // Without a reason the deal is lost all the same, and its timeline does not print a missing one.
      const other = await createDeal({ title: 'Quietly dropped', clientId: clientA });
      const silent = await server.gql(
        MoveDealStageDocument,
        { input: { id: other.id, stageId: stagesA['Lost'] } },
        adminA,
      );
      expect(silent.data?.moveDealStage.deal).toMatchObject({ status: 'LOST', lostReason: null });
      expect(await lostSummaries(other.id)).toEqual(['Deal "Quietly dropped" lost']);
    });

    it('keeps exactly one open stay, matching the stage and status, when moves of one deal race', async () => {
      const statusOf: Record<string, string> = { Won: 'WON', Lost: 'LOST' };
      for (let round = 0; round < 3; round++) {
        const deal = await createDeal({ title: `Race ${round}`, clientId: clientA });
        const results = await Promise.all(
          ['Qualified', 'Proposal sent', 'Negotiation', 'Won', 'Lost'].map((name) =>
            server.gql(MoveDealStageDocument, { input: { id: deal.id, stageId: stagesA[name] } }, adminA),
          ),
        );
        for (const r of results) expect(r.data?.moveDealStage.userErrors).toEqual([]);
        const after = await readDeal(deal.id);
        const stays = after.stageHistory;
        expect(stays).toHaveLength(6);
        const open = stays.filter((h) => h.leftAt === null);
        expect(open).toHaveLength(1);
        expect(open[0].stage.name).toBe(after.stage.name);
        // The stays form one chain: every stay but the first entered when another one left.
        const left = stays.flatMap((h) => (h.leftAt ? [h.leftAt] : [])).sort();
        const entered = stays.map((h) => h.enteredAt).sort();
        expect(left).toEqual(entered.slice(1));
        expect(after.status).toBe(statusOf[after.stage.name] ?? 'OPEN');
        expect(after.closedAt === null).toBe(after.status === 'OPEN');
      }
    });

    it('returns a SAME_STAGE userError for the current stage, and changes nothing', async () => {
      const deal = await createDeal({ title: 'Stay', clientId: clientA });
      const res = await server.gql(
        MoveDealStageDocument,
        { input: { id: deal.id, stageId: stagesA['New lead'] } },
        adminA,
      );
      expect(res.data?.moveDealStage).toMatchObject({
        deal: null,
        userErrors: [{ field: ['input', 'stageId'], code: 'SAME_STAGE' }],
      });
      expect(await readDeal(deal.id)).toMatchObject({ stageHistory: [{ stage: { name: 'New lead' }, leftAt: null }] });
    });

    it('gives NOT_FOUND on stageId for a foreign, missing or wrongly typed stage, and changes nothing', async () => {
      const deal = await createDeal({ title: 'Foreign stage', clientId: clientA });
      const before = await readDeal(deal.id);
      for (const stageId of [stagesB['Qualified'], missingId('PipelineStage'), pipelineA]) {
        const res = await server.gql(MoveDealStageDocument, { input: { id: deal.id, stageId } }, adminA);
        expect(res.data?.moveDealStage.userErrors).toMatchObject([{ field: ['input', 'stageId'], code: 'NOT_FOUND' }]);
      }
      expect(await readDeal(deal.id)).toEqual(before);
    });

    it("gives top-level NOT_FOUND for another tenant's or a missing deal, and changes nothing", async () => {
      for (const id of [dealB, missingId('Deal')]) {
        const res = await server.gql(MoveDealStageDocument, { input: { id, stageId: stagesA['Qualified'] } }, adminA);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      const foreignStage = await server.gql(
        MoveDealStageDocument,
        { input: { id: dealB, stageId: stagesB['Qualified'] } },
        adminA,
      );
      expect(foreignStage.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await readDeal(dealB, adminB)).toMatchObject({
        stage: { name: 'New lead' },
        stageHistory: [{ leftAt: null }],
      });
    });

    it('gives FORBIDDEN to a VIEWER, and changes nothing', async () => {
      const deal = await createDeal({ title: 'Viewer move', clientId: clientA });
      const res = await server.gql(MoveDealStageDocument, { input: { id: deal.id, stageId: stagesA['Won'] } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readDeal(deal.id)).toMatchObject({ status: 'OPEN', stageHistory: [{ leftAt: null }] });
    });
  });

  describe('winDeal', () => {
    it('closes the deal as won in the Won stage, with closedAt, and records the stay', async () => {
      const deal = await createDeal({ title: 'Winner', clientId: clientA, stageId: stagesA['Negotiation'] });
      const before = Date.now();
      const res = await server.gql(WinDealDocument, { input: { id: deal.id } }, adminA);
      expect(res.data?.winDeal.userErrors).toEqual([]);
      const won = res.data!.winDeal.deal!;
      expect(won).toMatchObject({
        status: 'WON',
        probability: 100,
        stage: { name: 'Won', kind: 'WON' },
        lostReason: null,
      });
      expect(Date.parse(won.closedAt!)).toBeGreaterThanOrEqual(before - 1000);
      expect(won.stageHistory.map((h) => h.stage.name)).toEqual(['Negotiation', 'Won']);
      expect(won.stageHistory[0].leftAt).toBe(won.closedAt);
    });

    it('wins a deal once when winDeal calls race: the others get ALREADY_WON', async () => {
      const deal = await createDeal({ title: 'Race to win', clientId: clientA });
      const results = await Promise.all(
        [1, 2, 3].map(() => server.gql(WinDealDocument, { input: { id: deal.id } }, adminA)),
      );
      const codes = results.map((r) => r.data?.winDeal.userErrors[0]?.code ?? 'OK').sort();
      expect(codes).toEqual(['ALREADY_WON', 'ALREADY_WON', 'OK']);
      const after = await readDeal(deal.id);
      expect(after.stageHistory.map((h) => [h.stage.name, h.leftAt === null])).toEqual([
        ['New lead', false],
        ['Won', true],
      ]);
    });

    it('wins a lost deal, clearing its lost reason', async () => {
      const deal = await createDeal({ title: 'Comeback', clientId: clientA });
      await server.gql(LoseDealDocument, { input: { id: deal.id, reason: 'Too expensive' } }, adminA);
      const res = await server.gql(WinDealDocument, { input: { id: deal.id } }, adminA);
      expect(res.data?.winDeal.deal).toMatchObject({ status: 'WON', lostReason: null });
    });

    it('returns an ALREADY_WON userError for a won deal, and changes nothing', async () => {
      const deal = await createDeal({ title: 'Twice', clientId: clientA });
      await server.gql(WinDealDocument, { input: { id: deal.id } }, adminA);
      const before = await readDeal(deal.id);
      const res = await server.gql(WinDealDocument, { input: { id: deal.id } }, adminA);
      expect(res.data?.winDeal).toMatchObject({
        deal: null,
        userErrors: [{ field: ['input', 'id'], code: 'ALREADY_WON' }],
      });
      expect(await readDeal(deal.id)).toEqual(before);
    });

    it("gives top-level NOT_FOUND for another tenant's, a missing or a non-deal id, and changes nothing", async () => {
      for (const id of [dealB, missingId('Deal'), clientA]) {
        const res = await server.gql(WinDealDocument, { input: { id } }, adminA);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await readDeal(dealB, adminB)).toMatchObject({ status: 'OPEN', closedAt: null });
    });

    it('gives FORBIDDEN to a VIEWER, and changes nothing', async () => {
      const deal = await createDeal({ title: 'Viewer win', clientId: clientA });
      const res = await server.gql(WinDealDocument, { input: { id: deal.id } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readDeal(deal.id)).toMatchObject({ status: 'OPEN', closedAt: null });
    });
  });

  describe('loseDeal', () => {
    it('closes the deal as lost with the trimmed reason and closedAt', async () => {
      const deal = await createDeal({ title: 'Loser', clientId: clientA, stageId: stagesA['Qualified'] });
      const res = await server.gql(
        LoseDealDocument,
        { input: { id: deal.id, reason: '  Went with a competitor ' } },
        adminA,
      );
      expect(res.data?.loseDeal.userErrors).toEqual([]);
      const lost = res.data!.loseDeal.deal!;
      expect(lost).toMatchObject({
        status: 'LOST',
        probability: 0,
        lostReason: 'Went with a competitor',
        stage: { name: 'Lost', kind: 'LOST' },
      });
      expect(lost.closedAt).not.toBeNull();
      expect(lost.stageHistory.map((h) => [h.stage.name, h.leftAt === null])).toEqual([
        ['Qualified', false],
        ['Lost', true],
      ]);
      expect(await readDeal(deal.id)).toMatchObject({ status: 'LOST', lostReason: 'Went with a competitor' });
    });

    it('loses a won deal with a new closedAt', async () => {
      const deal = await createDeal({ title: 'Reversal', clientId: clientA });
      const won = await server.gql(WinDealDocument, { input: { id: deal.id } }, adminA);
      await new Promise((r) => setTimeout(r, 5));
      const lost = await server.gql(LoseDealDocument, { input: { id: deal.id, reason: 'Refunded' } }, adminA);
      expect(lost.data?.loseDeal.deal).toMatchObject({ status: 'LOST', lostReason: 'Refunded' });
      expect(Date.parse(lost.data!.loseDeal.deal!.closedAt!)).toBeGreaterThan(
        Date.parse(won.data!.winDeal.deal!.closedAt!),
      );
    });

    it('requires a reason of 1–500 characters, and changes nothing', async () => {
      const deal = await createDeal({ title: 'No reason', clientId: clientA });
      const before = await readDeal(deal.id);
      for (const reason of ['', '   ', 'r'.repeat(501)]) {
        const res = await server.gql(LoseDealDocument, { input: { id: deal.id, reason } }, adminA);
        expect(res.data?.loseDeal).toMatchObject({
          deal: null,
          userErrors: [{ field: ['input', 'reason'], code: 'INVALID_LENGTH' }],
        });
      }
      expect(await readDeal(deal.id)).toEqual(before);
      expect(before).toMatchObject({ status: 'OPEN', closedAt: null, lostReason: null });
      const longest = await server.gql(LoseDealDocument, { input: { id: deal.id, reason: 'r'.repeat(500) } }, adminA);
      expect(longest.data?.loseDeal.userErrors).toEqual([]);
      expect(longest.data?.loseDeal.deal?.lostReason).toHaveLength(500);
    });

    it('returns an ALREADY_LOST userError for a lost deal, and keeps the first reason', async () => {
      const deal = await createDeal({ title: 'Lost twice', clientId: clientA });
      await server.gql(LoseDealDocument, { input: { id: deal.id, reason: 'First' } }, adminA);
      const before = await readDeal(deal.id);
      const res = await server.gql(LoseDealDocument, { input: { id: deal.id, reason: 'Second' } }, adminA);
      expect(res.data?.loseDeal.userErrors).toMatchObject([{ field: ['input', 'id'], code: 'ALREADY_LOST' }]);
      expect(await readDeal(deal.id)).toEqual(before);
    });

    it("gives top-level NOT_FOUND for another tenant's or a missing deal, and changes nothing", async () => {
      for (const id of [dealB, missingId('Deal')]) {
        const res = await server.gql(LoseDealDocument, { input: { id, reason: 'Sabotage' } }, adminA);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await readDeal(dealB, adminB)).toMatchObject({ status: 'OPEN', lostReason: null });
    });

    it('gives FORBIDDEN to a VIEWER, and changes nothing', async () => {
      const deal = await createDeal({ title: 'Viewer lose', clientId: clientA });
      const res = await server.gql(LoseDealDocument, { input: { id: deal.id, reason: 'Nope' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readDeal(deal.id)).toMatchObject({ status: 'OPEN', lostReason: null });
    });
  });

  describe('deals query', () => {
    let c1: string;
    let c2: string;
    let rep: string;
    let owner: string;
    let stages: Record<string, string>;
    /** Deal ids by title. */
    const ids: Record<string, string> = {};

    const list = async (filter?: DealFilter, orderBy?: DealOrder, first = 50) => {
      const res = await server.gql(DealsPageDocument, { first, filter, orderBy }, adminList);
      expect(res.errors).toBeUndefined();
      return res.data!.deals;
    };
    const titles = async (filter?: DealFilter, orderBy?: DealOrder) =>
      (await list(filter, orderBy)).edges.map((e) => e.node.title).sort();

    beforeAll(async () => {
      owner = (await server.gql(ViewerDocument, {}, adminList)).data!.viewer!.id;
      rep = (
        await server.gql(CreateTeamMemberDocument, { input: { email: 'rep@list.test', role: 'AGENT' } }, adminList)
      ).data!.createTeamMember.teamMember!.id;
      c1 = await createClient('List One', adminList);
      c2 = await createClient('List Two', adminList);
      stages = (await stagesOf(adminList)).stages;
      const specs: [string, string, string | undefined, string | undefined][] = [
        ['Alpha visa', c1, undefined, undefined],
        ['Beta company', c1, 'Qualified', rep],
        ['Gamma VISA renewal', c2, 'Negotiation', rep],
        ['Delta 100% deal', c2, undefined, undefined],
        ['Epsilon visa_x', c2, 'Qualified', undefined],
      ];
      for (const [title, clientId, stage, ownerId] of specs) {
        const d = await createDeal({ title, clientId, stageId: stage ? stages[stage] : undefined, ownerId }, adminList);
        ids[title] = d.id;
      }
      await server.gql(WinDealDocument, { input: { id: ids['Beta company'] } }, adminList);
      await server.gql(LoseDealDocument, { input: { id: ids['Delta 100% deal'], reason: 'Budget' } }, adminList);
    });

    it('lists every deal of the tenant with totalCount, newest first by default', async () => {
      const all = await list();
      expect(all.totalCount).toBe(5);
      expect(all.edges).toHaveLength(5);
      const created = all.edges.map((e) => Date.parse(e.node.createdAt));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      expect(all.edges.map((e) => e.node.id)).not.toContain(dealB);
    });

    it('filters by statuses, stageIds, ownerIds, clientId and search, with a matching totalCount', async () => {
      expect(await titles({ statuses: ['OPEN'] })).toEqual(['Alpha visa', 'Epsilon visa_x', 'Gamma VISA renewal']);
      expect(await titles({ statuses: ['WON', 'LOST'] })).toEqual(['Beta company', 'Delta 100% deal']);
      expect(await titles({ stageIds: [stages['Qualified']] })).toEqual(['Epsilon visa_x']);
      expect(await titles({ stageIds: [stages['Qualified'], stages['Won']] })).toEqual([
        'Beta company',
        'Epsilon visa_x',
      ]);
      expect(await titles({ ownerIds: [rep] })).toEqual(['Beta company', 'Gamma VISA renewal']);
      expect(await titles({ ownerIds: [owner] })).toEqual(['Alpha visa', 'Delta 100% deal', 'Epsilon visa_x']);
      expect(await titles({ clientId: c1 })).toEqual(['Alpha visa', 'Beta company']);
      expect(await titles({ search: 'visa' })).toEqual(['Alpha visa', 'Epsilon visa_x', 'Gamma VISA renewal']);
      expect(await titles({ search: '100%' })).toEqual(['Delta 100% deal']);
      expect(await titles({ search: 'a_x' })).toEqual(['Epsilon visa_x']);
      expect(await titles({ search: '%' })).toEqual(['Delta 100% deal']);
      expect(await titles({ clientId: c2, statuses: ['OPEN'], search: 'visa' })).toEqual([
        'Epsilon visa_x',
        'Gamma VISA renewal',
      ]);
      const filtered = await list({ clientId: c2, statuses: ['OPEN'] }, undefined, 1);
      expect(filtered.edges).toHaveLength(1);
      expect(filtered.totalCount).toBe(2);
    });

    it("matches nothing for another tenant's, missing or wrongly typed IDs in filters", async () => {
      expect((await list({ clientId: clientA })).totalCount).toBe(0);
      expect((await list({ clientId: ids['Alpha visa'] })).totalCount).toBe(0);
      expect((await list({ stageIds: [stagesA['New lead']] })).totalCount).toBe(0);
      expect((await list({ ownerIds: [meA] })).totalCount).toBe(0);
      expect((await list({ pipelineId: pipelineA })).totalCount).toBe(0);
    });

    it('orders by CREATED_AT and UPDATED_AT in both directions', async () => {
      const asc = (await list(undefined, { field: 'CREATED_AT', direction: 'ASC' })).edges.map((e) => e.node.id);
      const desc = (await list(undefined, { field: 'CREATED_AT', direction: 'DESC' })).edges.map((e) => e.node.id);
      expect(asc).toEqual([...desc].reverse());
      const touched = await server.gql(
        UpdateDealDocument,
        { input: { id: ids['Alpha visa'], title: 'Alpha visa' } },
        adminList,
      );
      expect(touched.data?.updateDeal.userErrors).toEqual([]);
      await server.gql(UpdateDealDocument, { input: { id: ids['Alpha visa'], probability: 33 } }, adminList);
      const byUpdate = (await list(undefined, { field: 'UPDATED_AT', direction: 'ASC' })).edges;
      const updated = byUpdate.map((e) => Date.parse(e.node.updatedAt));
      expect(updated).toEqual([...updated].sort((a, b) => a - b));
      expect(byUpdate.at(-1)!.node.title).toBe('Alpha visa');
      const newestUpdate = (await list(undefined, { field: 'UPDATED_AT', direction: 'DESC' }, 1)).edges[0].node;
      expect(newestUpdate.title).toBe('Alpha visa');
    });

    it('orders by EXPECTED_CLOSE_DATE, listing only deals that have one, and filters by its range', async () => {
      const set = async (title: string, expectedCloseDate: string) => {
        const res = await server.gql(UpdateDealDocument, { input: { id: ids[title], expectedCloseDate } }, adminList);
        expect(res.data?.updateDeal.userErrors).toEqual([]);
      };
      await set('Gamma VISA renewal', '2027-03-01');
      await set('Alpha visa', '2027-01-15');
      await set('Epsilon visa_x', '2027-02-10');
      const asc = await list(undefined, { field: 'EXPECTED_CLOSE_DATE', direction: 'ASC' });
      expect(asc.edges.map((e) => [e.node.title, e.node.expectedCloseDate])).toEqual([
        ['Alpha visa', '2027-01-15'],
        ['Epsilon visa_x', '2027-02-10'],
        ['Gamma VISA renewal', '2027-03-01'],
      ]);
      expect(asc.totalCount).toBe(3);
      const desc = await list(undefined, { field: 'EXPECTED_CLOSE_DATE', direction: 'DESC' });
      expect(desc.edges.map((e) => e.node.title)).toEqual(['Gamma VISA renewal', 'Epsilon visa_x', 'Alpha visa']);
      expect(await titles({ expectedCloseFrom: '2027-02-01', expectedCloseTo: '2027-03-01' })).toEqual([
        'Epsilon visa_x',
        'Gamma VISA renewal',
      ]);
      expect(await titles({ expectedCloseFrom: '2027-02-11' })).toEqual(['Gamma VISA renewal']);
      for (const filter of [{ expectedCloseFrom: '2027-02-30' }, { expectedCloseTo: '2027-13-01' }]) {
        const bad = await server.gql(DealsPageDocument, { first: 5, filter }, adminList);
        expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(bad.errors?.[0]?.message).toMatch(/expectedClose(From|To)/);
      }
      const paged: string[] = [];
      let after: string | null | undefined;
      do {
        const res = await server.gql(
          DealsPageDocument,
          { first: 1, after, orderBy: { field: 'EXPECTED_CLOSE_DATE', direction: 'ASC' } },
          adminList,
        );
        expect(res.errors).toBeUndefined();
        paged.push(...res.data!.deals.edges.map((e) => e.node.title));
        after = res.data!.deals.pageInfo.hasNextPage ? res.data!.deals.pageInfo.endCursor : null;
      } while (after && paged.length < 10);
      expect(paged).toEqual(['Alpha visa', 'Epsilon visa_x', 'Gamma VISA renewal']);
    });

    it('pages forward and backward with keyset cursors, stable under inserts', async () => {
      const all = (await list()).edges.map((e) => e.node.id);
      const page1 = await server.gql(DealsPageDocument, { first: 2 }, adminList);
      const conn1 = page1.data!.deals;
      expect(conn1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(conn1.pageInfo.endCursor).toBe(conn1.edges[1].cursor);
      // A deal created between pages is newer: it must not shift the next page.
      await createDeal({ title: 'Zeta late', clientId: c1 }, adminList);
      const page2 = await server.gql(DealsPageDocument, { first: 2, after: conn1.pageInfo.endCursor }, adminList);
      const page3 = await server.gql(
        DealsPageDocument,
        { first: 2, after: page2.data!.deals.pageInfo.endCursor },
        adminList,
      );
      expect(page2.data!.deals.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
      expect(page3.data!.deals.pageInfo.hasNextPage).toBe(false);
      expect(page3.data!.deals.totalCount).toBe(6);
      const paged = [conn1, page2.data!.deals, page3.data!.deals].flatMap((c) => c.edges.map((e) => e.node.id));
      expect(paged).toEqual(all);
      const back = await server.gql(
        DealsPageDocument,
        { last: 2, before: page3.data!.deals.pageInfo.startCursor },
        adminList,
      );
      expect(back.data!.deals.edges.map((e) => e.node.id)).toEqual(all.slice(2, 4));
      const bad = await server.gql(DealsPageDocument, { first: 2, after: 'not-a-cursor' }, adminList);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it("reads a deal by id, and null for another tenant's or a non-deal id", async () => {
      const own = await server.gql(DealByIdDocument, { id: ids['Beta company'] }, adminList);
      expect(own.data?.deal).toMatchObject({ title: 'Beta company', status: 'WON', owner: { id: rep } });
      for (const id of [dealB, c1, missingId('Deal')]) {
        const res = await server.gql(DealByIdDocument, { id }, adminList);
        expect(res.errors).toBeUndefined();
        expect(res.data?.deal).toBeNull();
      }
    });

    it("lists a client's deals, filtered", async () => {
      const res = await server.gql(ClientRelatedDocument, { id: c2, dealFilter: { statuses: ['OPEN'] } }, adminList);
      expect(res.data?.client?.deals.map((d) => d.title).sort()).toEqual(['Epsilon visa_x', 'Gamma VISA renewal']);
      const all = await server.gql(ClientRelatedDocument, { id: c2 }, adminList);
      expect(all.data?.client?.deals).toHaveLength(3);
    });
  });
});
