import { expect } from '@jest/globals';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { localDateTime } from '../src/platform/clock.js';
import { fromGlobalId } from '../src/platform/graphql/global-id.js';
import {
  AllReportsScalarsDocument,
  ArchiveClientDocument,
  ClientStatsDocument,
  ClientSummariesDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  DashboardKpisDocument,
  InteractionStatsDocument,
  LogInteractionDocument,
  LoseDealDocument,
  MoveDealStageDocument,
  PipelineFunnelDocument,
  PipelinesDocument,
  PracticeStatsDocument,
  RepPerformanceDocument,
  TeamOverviewDocument,
  UpdatePracticeDocument,
  UpdateTicketDocument,
  WinDealDocument,
} from './generated/graphql.js';
import { must, pool } from './helpers/mutations.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/**
 * Analytics against a small hand-built data set (tenant A, default zone Asia/Makassar, UTC+8)
 * whose right answers are worked out in the comments. Another tenant (B) holds data of every kind
 * that must never be counted. Records are created through the API; the deal timestamps (creation,
 * closing, stage history), which no API sets, are then placed in March 2026 with SQL.
 */
describe('Analytics', () => {
  let server: TestServer;
  let admin: string;
  let viewer: string;
  let otherAdmin: string;
  let pipelineId: string;
  let otherPipelineId: string;
  const members: Record<'rep1' | 'rep2', string> = { rep1: '', rep2: '' };
  let adminEmail: string;
  let today: string;
  const clients: Record<string, string> = {};
  const practices: Record<string, string> = {};

  /** Runs one SQL statement on the test database (only to place deal timestamps). */
  async function exec(query: string, params: unknown[]): Promise<void> {
    await (server.app.db.orm.em.fork() as SqlEntityManager).execute(query, params);
  }

  const uuid = (globalId: string) => fromGlobalId(globalId)!.id;
  const addDays = (date: string, days: number) =>
    new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const idr = (amount: string) => ({ amount, currency: 'IDR' });
  const usd = (amount: string) => ({ amount, currency: 'USD' });

  beforeAll(async () => {
    server = await startTestServer();
    const tenant = uniq('analytics');
    admin = await server.tokenFor(tenant);
    adminEmail = `admin@${tenant}.test`;
    viewer = await server.tokenFor(tenant, 'VIEWER');
    otherAdmin = await server.tokenFor(uniq('analytics-other'));
    today = localDateTime(server.app.services.clock.now(), 'Asia/Makassar').date;

    for (const rep of ['rep1', 'rep2'] as const) {
      const m = await must(
        server.gql(CreateTeamMemberDocument, { input: { email: `${rep}@${tenant}.test`, role: 'AGENT' } }, admin),
      );
      members[rep] = m.teamMember!.id;
    }
    pipelineId = (await server.gql(PipelinesDocument, {}, admin)).data!.pipelines[0].id;
    otherPipelineId = (await server.gql(PipelinesDocument, {}, otherAdmin)).data!.pipelines[0].id;

    // Clients: C1..C4 live, C5 archived (never counted).
    const clientInputs = {
      C1: { fullName: 'Ana', nationality: 'Australian', source: 'WEB', lifecycleStage: 'LEAD' },
      C2: { fullName: 'Ben', nationality: 'Australian', source: 'REFERRAL', lifecycleStage: 'CUSTOMER' },
      C3: { fullName: 'Carl', nationality: 'German', source: 'WEB', lifecycleStage: 'PROSPECT' },
      C4: { fullName: 'Dina', lifecycleStage: 'CHURNED' },
      C5: { fullName: 'Eve', nationality: 'German', source: 'WEB', lifecycleStage: 'CUSTOMER' },
    } as const;
    for (const [key, input] of Object.entries(clientInputs)) {
      clients[key] = (await must(server.gql(CreateClientDocument, { input }, admin))).client!.id;
    }
    await must(server.gql(ArchiveClientDocument, { input: { id: clients.C5, archived: true } }, admin));

    // Practices.
    const practiceInputs = {
      P1: {
        clientId: clients.C1,
        practiceTypeCode: 'KITAS',
        status: 'IN_PROGRESS',
        quotedPrice: idr('1000'),
        assignedToId: members.rep1,
        expiryDate: addDays(today, 10),
      },
      P2: {
        clientId: clients.C1,
        practiceTypeCode: 'PT_PMA',
        status: 'COMPLETED',
        quotedPrice: idr('5000'),
        assignedToId: members.rep1,
      },
      P3: {
        clientId: clients.C2,
        practiceTypeCode: 'KITAS',
        status: 'CANCELLED',
        quotedPrice: idr('800'),
        assignedToId: members.rep2,
        expiryDate: addDays(today, 3),
      },
      P4: {
        clientId: clients.C2,
        practiceTypeCode: 'NPWP',
        status: 'INQUIRY',
        quotedPrice: usd('100'),
        assignedToId: members.rep2,
        expiryDate: addDays(today, 5),
      },
      P5: {
        clientId: clients.C3,
        practiceTypeCode: 'KITAS',
        status: 'SUBMITTED',
        quotedPrice: idr('2000'),
        expiryDate: addDays(today, 30),
      },
    } as const;
    for (const [key, input] of Object.entries(practiceInputs)) {
      practices[key] = (await must(server.gql(CreatePracticeDocument, { input }, admin))).practice!.id;
    }
    await must(
      server.gql(
        UpdatePracticeDocument,
        { input: { id: practices.P1, amountPaid: idr('400'), paymentStatus: 'PARTIAL' } },
        admin,
      ),
    );
    await must(
      server.gql(
        UpdatePracticeDocument,
        { input: { id: practices.P2, actualPrice: idr('4500'), amountPaid: idr('4500'), paymentStatus: 'PAID' } },
        admin,
      ),
    );

    // Tickets: open for rep1 (C1), resolved for rep1 (C1), pending for rep2 (C2).
    await must(
      server.gql(
        CreateTicketDocument,
        { input: { subject: 'T1', clientId: clients.C1, assigneeId: members.rep1 } },
        admin,
      ),
    );
    const t2 = await must(
      server.gql(
        CreateTicketDocument,
        { input: { subject: 'T2', clientId: clients.C1, assigneeId: members.rep1 } },
        admin,
      ),
    );
    await must(server.gql(UpdateTicketDocument, { input: { id: t2.ticket!.id, status: 'RESOLVED' } }, admin));
    const t3 = await must(
      server.gql(
        CreateTicketDocument,
        { input: { subject: 'T3', clientId: clients.C2, assigneeId: members.rep2 } },
        admin,
      ),
    );
    await must(server.gql(UpdateTicketDocument, { input: { id: t3.ticket!.id, status: 'PENDING' } }, admin));

    // Interactions around the tenant's month boundary: 2026-01-31T16:00Z is 1 February 00:00 in Makassar.
    const interactions = [
      {
        clientId: clients.C1,
        kind: 'CALL',
        sentiment: 'POSITIVE',
        teamMemberId: members.rep1,
        occurredAt: '2026-01-31T15:59:00Z',
      },
      {
        clientId: clients.C1,
        kind: 'EMAIL',
        sentiment: 'NEGATIVE',
        teamMemberId: members.rep1,
        occurredAt: '2026-01-31T16:00:00Z',
      },
      {
        clientId: clients.C1,
        kind: 'NOTE',
        occurredAt: '2026-02-15T00:00:00Z',
        actionItems: ['Send invoice', 'Call back'] as string[],
      },
      {
        clientId: clients.C2,
        kind: 'WHATSAPP',
        sentiment: 'POSITIVE',
        teamMemberId: members.rep2,
        occurredAt: '2026-03-01T00:00:00Z',
        actionItems: ['Old item'] as string[],
      },
      {
        clientId: clients.C1,
        kind: 'CHAT',
        sentiment: 'NEUTRAL',
        teamMemberId: members.rep2,
        occurredAt: '2026-02-20T00:00:00Z',
      },
    ] as const;
    for (const input of interactions) {
      await must(
        server.gql(LogInteractionDocument, { input: { ...input, summary: `${input.kind} with client` } }, admin),
      );
    }

    // Deals, then their timestamps placed in February and March 2026.
    const stages = (await server.gql(PipelinesDocument, {}, admin)).data!.pipelines[0].stages;
    const stage = (name: string) => stages.find((s) => s.name === name)!.id;
    const deal = async (title: string, owner: string, amount?: { amount: string; currency: string }) =>
      (
        await must(
          server.gql(CreateDealDocument, { input: { title, clientId: clients.C1, ownerId: owner, amount } }, admin),
        )
      ).deal!.id;
    const move = (id: string, name: string) =>
      must(server.gql(MoveDealStageDocument, { input: { id, stageId: stage(name) } }, admin));
    const win = (id: string) => must(server.gql(WinDealDocument, { input: { id } }, admin));
    const lose = (id: string) => must(server.gql(LoseDealDocument, { input: { id, reason: 'price' } }, admin));

    const d1 = await deal('D1', members.rep1, idr('1000'));
    await move(d1, 'Qualified');
    await move(d1, 'Proposal sent');
    await win(d1);
    const d2 = await deal('D2', members.rep1, usd('500'));
    await move(d2, 'Qualified');
    await lose(d2);
    const d3 = await deal('D3', members.rep2, idr('2000'));
    const d4 = await deal('D4', members.rep2, idr('3000'));
    await move(d4, 'Proposal sent');
    await win(d4);
    const d5 = await deal('D5', members.rep1);
    await lose(d5);

    // [deal, created, closed, [stage, entered, left]...]; D5 is created at 01:00 on 1 March in Makassar.
    const times: [string, string, string | null, [string, string, string | null][]][] = [
      [
        d1,
        '2026-03-02T02:00Z',
        '2026-03-11T02:00Z',
        [
          ['New lead', '2026-03-02T02:00Z', '2026-03-04T02:00Z'],
          ['Qualified', '2026-03-04T02:00Z', '2026-03-07T02:00Z'],
          ['Proposal sent', '2026-03-07T02:00Z', '2026-03-11T02:00Z'],
          ['Won', '2026-03-11T02:00Z', null],
        ],
      ],
      [
        d2,
        '2026-03-03T02:00Z',
        '2026-03-05T02:00Z',
        [
          ['New lead', '2026-03-03T02:00Z', '2026-03-04T02:00Z'],
          ['Qualified', '2026-03-04T02:00Z', '2026-03-05T02:00Z'],
          ['Lost', '2026-03-05T02:00Z', null],
        ],
      ],
      [d3, '2026-02-10T02:00Z', null, [['New lead', '2026-02-10T02:00Z', null]]],
      [
        d4,
        '2026-03-15T02:00Z',
        '2026-03-20T02:00Z',
        [
          ['New lead', '2026-03-15T02:00Z', '2026-03-18T02:00Z'],
          ['Proposal sent', '2026-03-18T02:00Z', '2026-03-20T02:00Z'],
          ['Won', '2026-03-20T02:00Z', null],
        ],
      ],
      [
        d5,
        '2026-02-28T17:00Z',
        '2026-03-01T03:00Z',
        [
          ['New lead', '2026-02-28T17:00Z', '2026-03-01T03:00Z'],
          ['Lost', '2026-03-01T03:00Z', null],
        ],
      ],
    ];
    for (const [id, created, closed, history] of times) {
      await exec('update deal set created_at = ?, closed_at = ? where id = ?', [created, closed, uuid(id)]);
      for (const [name, entered, left] of history) {
        await exec('update deal_stage_history set entered_at = ?, left_at = ? where deal_id = ? and stage_id = ?', [
          entered,
          left,
          uuid(id),
          uuid(stage(name)),
        ]);
      }
    }

    // Tenant B: data of every kind, on the same days, that A must never count.
    const b = (
      await must(
        server.gql(CreateClientDocument, { input: { fullName: 'Other', nationality: 'Australian' } }, otherAdmin),
      )
    ).client!.id;
    await must(
      server.gql(
        CreatePracticeDocument,
        { input: { clientId: b, practiceTypeCode: 'KITAS', quotedPrice: idr('999'), expiryDate: addDays(today, 2) } },
        otherAdmin,
      ),
    );
    const bDeal = (
      await must(server.gql(CreateDealDocument, { input: { title: 'B', clientId: b, amount: idr('777') } }, otherAdmin))
    ).deal!.id;
    await must(server.gql(WinDealDocument, { input: { id: bDeal } }, otherAdmin));
    await exec('update deal set created_at = ?, closed_at = ? where id = ?', [
      '2026-03-10T00:00Z',
      '2026-03-12T00:00Z',
      uuid(bDeal),
    ]);
    await exec('update deal_stage_history set entered_at = ? where deal_id = ?', ['2026-03-10T00:00Z', uuid(bDeal)]);
    await must(
      server.gql(
        LogInteractionDocument,
        { input: { clientId: b, kind: 'CALL', summary: 'b', occurredAt: '2026-02-10T00:00:00Z' } },
        otherAdmin,
      ),
    );
    await must(server.gql(CreateTicketDocument, { input: { subject: 'B', clientId: b } }, otherAdmin));
  }, 300_000); // ~90 mutations: slow on a loaded machine
  afterAll(() => server.close());

  const MARCH = { from: '2026-03-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' };
  const FEB_MAR = { from: '2026-02-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' };

  describe('pipelineFunnel', () => {
    it('follows every deal of the pipeline through its stage history', async () => {
      const res = await server.gql(PipelineFunnelDocument, { pipelineId }, admin);
      expect(res.errors).toBeUndefined();
      const f = res.data!.pipelineFunnel;
      expect(f.pipeline.id).toBe(pipelineId);
      expect([f.deals, f.won, f.lost, f.overallConversionRate]).toEqual([5, 2, 2, 0.4]);
      const byName = Object.fromEntries(f.stages.map((s) => [s.stage.name, s]));
      expect(f.stages.map((s) => s.stage.name)).toEqual([
        'New lead',
        'Qualified',
        'Proposal sent',
        'Negotiation',
        'Won',
        'Lost',
      ]);
      // New lead: all 5 entered; D1, D2 (Qualified) and D4 (Proposal sent) went on; D5 went to Lost; D3 stays.
      // Stays: 2 d, 1 d, 3 d and 10 h (D3 has not left).
      expect(byName['New lead']).toEqual({
        stage: expect.anything(),
        entered: 5,
        convertedToNext: 3,
        conversionRate: 0.6,
        dropOffRate: 0.2,
        averageDaysInStage: expect.closeTo((2 + 1 + 3 + 10 / 24) / 4, 9),
      });
      // Qualified: D1 (on to Proposal sent, 3 d), D2 (lost, 1 d).
      expect(byName.Qualified).toMatchObject({ entered: 2, convertedToNext: 1, conversionRate: 0.5, dropOffRate: 0.5 });
      expect(byName.Qualified.averageDaysInStage).toBeCloseTo(2, 9);
      // Proposal sent: D1 (4 d) and D4 (2 d), both won.
      expect(byName['Proposal sent']).toMatchObject({
        entered: 2,
        convertedToNext: 2,
        conversionRate: 1,
        dropOffRate: 0,
      });
      expect(byName['Proposal sent'].averageDaysInStage).toBeCloseTo(3, 9);
      expect(byName.Negotiation).toMatchObject({
        entered: 0,
        convertedToNext: 0,
        conversionRate: null,
        dropOffRate: null,
        averageDaysInStage: null,
      });
      expect(byName.Won).toMatchObject({
        entered: 2,
        convertedToNext: 0,
        conversionRate: null,
        averageDaysInStage: null,
      });
      expect(byName.Lost).toMatchObject({ entered: 2, convertedToNext: 0, dropOffRate: null });
    });

    it("takes the cohort of deals created in the window, in the tenant's time zone", async () => {
      // From 1 March 00:00 in Makassar: D1, D2, D4 and D5 (created 28 February 17:00 UTC); not D3.
      const f = (await server.gql(PipelineFunnelDocument, { pipelineId, ...MARCH }, admin)).data!.pipelineFunnel;
      expect([f.deals, f.won, f.lost, f.overallConversionRate]).toEqual([4, 2, 2, 0.5]);
      expect(f.window).toEqual({
        from: '2026-02-28T16:00:00.000Z',
        to: '2026-03-31T16:00:00.000Z',
        timeZone: 'Asia/Makassar',
      });
      expect(f.stages[0]).toMatchObject({ entered: 4, convertedToNext: 3, conversionRate: 0.75, dropOffRate: 0.25 });
      const utcMarch = (await server.gql(PipelineFunnelDocument, { pipelineId, from: '2026-03-01T00:00:00Z' }, admin))
        .data!.pipelineFunnel;
      expect(utcMarch.deals).toBe(3); // D5 is February in UTC
    });

    it("returns NOT_FOUND for another tenant's pipeline, or an ID of another type", async () => {
      for (const id of [otherPipelineId, clients.C1]) {
        const res = await server.gql(PipelineFunnelDocument, { pipelineId: id }, admin);
        expect(res.data).toBeNull();
        expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      }
    });

    it('refuses a window that ends before it starts', async () => {
      const res = await server.gql(PipelineFunnelDocument, { pipelineId, from: MARCH.to, to: MARCH.from }, admin);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('repPerformance', () => {
    it('computes each owner’s deals, values, rates and monthly buckets in the tenant time zone', async () => {
      const res = await server.gql(RepPerformanceDocument, { timeframe: 'MONTH', ...FEB_MAR }, admin);
      expect(res.errors).toBeUndefined();
      const rows = res.data!.repPerformance.members;
      const by = (email: string | null) => rows.find((r) => (r.teamMember?.email ?? null) === email)!;
      expect(rows.map((r) => r.teamMember?.email).sort()).toEqual(
        [adminEmail, ...['rep1', 'rep2', 'viewer'].map((r) => `${r}@${adminEmail.split('@')[1]}`)].sort(),
      );
      const weeks = 59 / 7; // 1 February to 1 April
      const feb = { start: '2026-01-31T16:00:00.000Z', end: '2026-02-28T16:00:00.000Z' };
      const mar = { start: '2026-02-28T16:00:00.000Z', end: '2026-03-31T16:00:00.000Z' };
      const rep1 = by(`rep1@${adminEmail.split('@')[1]}`);
      expect(rep1).toMatchObject({
        dealsCreated: 3,
        dealsWon: 1,
        dealsLost: 2,
        totalValue: [idr('1000.00'), usd('500.00')],
        wonValue: [idr('1000.00')],
        averageDealSize: [idr('1000.00')],
        averageDaysToClose: 9,
      });
      expect(rep1.winRate).toBeCloseTo(1 / 3, 9);
      expect(rep1.velocity).toBeCloseTo(1 / weeks, 9);
      // D5 was created at 01:00 on 1 March in Makassar (28 February in UTC): a March deal.
      expect(rep1.periods).toEqual([
        { ...feb, dealsCreated: 0, dealsWon: 0, dealsLost: 0, wonValue: [] },
        { ...mar, dealsCreated: 3, dealsWon: 1, dealsLost: 2, wonValue: [idr('1000.00')] },
      ]);
      const rep2 = by(`rep2@${adminEmail.split('@')[1]}`);
      expect(rep2).toMatchObject({
        dealsCreated: 2,
        dealsWon: 1,
        dealsLost: 0,
        totalValue: [idr('5000.00')],
        wonValue: [idr('3000.00')],
        winRate: 1,
        averageDealSize: [idr('3000.00')],
        averageDaysToClose: 5,
      });
      expect(rep2.periods).toEqual([
        { ...feb, dealsCreated: 1, dealsWon: 0, dealsLost: 0, wonValue: [] },
        { ...mar, dealsCreated: 1, dealsWon: 1, dealsLost: 0, wonValue: [idr('3000.00')] },
      ]);
      expect(by(adminEmail)).toMatchObject({
        dealsCreated: 0,
        dealsWon: 0,
        winRate: null,
        averageDaysToClose: null,
        velocity: 0,
        totalValue: [],
      });
      expect(by(adminEmail).periods).toHaveLength(2);
    });

    it('cuts weekly and quarterly buckets too', async () => {
      const q = (await server.gql(RepPerformanceDocument, { timeframe: 'QUARTER', ...FEB_MAR }, admin)).data!
        .repPerformance.members;
      for (const m of q) expect(m.periods.map((p) => p.start)).toEqual(['2025-12-31T16:00:00.000Z']);
      const w = (await server.gql(RepPerformanceDocument, { timeframe: 'WEEK', ...MARCH }, admin)).data!.repPerformance
        .members;
      // Weeks start on Monday: 23 February (holding 1 March) to 30 March.
      expect(w[0].periods[0].start).toBe('2026-02-22T16:00:00.000Z');
      expect(w[0].periods).toHaveLength(6);
      const rep1 = w.find((m) => m.teamMember?.id === members.rep1)!;
      expect(rep1.periods.map((p) => p.dealsCreated)).toEqual([1, 2, 0, 0, 0, 0]); // D5 on Sunday 1 March; D1, D2 the next Monday and Tuesday
    });
  });

  describe('practiceStats', () => {
    it('counts by status and type and sums revenue per currency', async () => {
      const res = await server.gql(PracticeStatsDocument, {}, admin);
      expect(res.errors).toBeUndefined();
      const s = res.data!.practiceStats;
      expect(s.total).toBe(5);
      expect(s.byStatus).toEqual([
        { status: 'INQUIRY', count: 1 },
        { status: 'IN_PROGRESS', count: 1 },
        { status: 'SUBMITTED', count: 1 },
        { status: 'COMPLETED', count: 1 },
        { status: 'CANCELLED', count: 1 },
      ]);
      expect(s.byType.map((t) => [t.type.code, t.count])).toEqual([['KITAS', 3], expect.anything(), expect.anything()]);
      expect(
        s.byType
          .slice(1)
          .map((t) => [t.type.code, t.count])
          .sort(),
      ).toEqual([
        ['NPWP', 1],
        ['PT_PMA', 1],
      ]);
      // Quoted: P1 1000 + P2 5000 + P5 2000 IDR, P4 100 USD (P3 cancelled). Paid: 400 + 4500.
      // Outstanding: P1 1000 − 400, P5 2000 (P2 paid), P4 100 USD.
      expect(s.quoted).toEqual([idr('8000.00'), usd('100.00')]);
      expect(s.paid).toEqual([idr('4900.00')]);
      expect(s.outstanding).toEqual([idr('2600.00'), usd('100.00')]);
    });

    it('counts only practices created in the window', async () => {
      const s = (await server.gql(PracticeStatsDocument, MARCH, admin)).data!.practiceStats;
      expect(s).toEqual({ total: 0, byStatus: [], byType: [], quoted: [], paid: [], outstanding: [] });
    });
  });

  describe('clientStats', () => {
    it('breaks live clients down by stage, source and nationality, with conversion', async () => {
      const res = await server.gql(ClientStatsDocument, {}, admin);
      expect(res.errors).toBeUndefined();
      const s = res.data!.clientStats;
      expect(s.total).toBe(4);
      expect(s.byLifecycleStage.map((r) => [r.stage, r.count]).sort()).toEqual([
        ['CHURNED', 1],
        ['CUSTOMER', 1],
        ['LEAD', 1],
        ['PROSPECT', 1],
      ]);
      expect(s.bySource[0]).toEqual({ source: 'WEB', count: 2 });
      expect(
        s.bySource
          .slice(1)
          .map((r) => [r.source, r.count])
          .sort(),
      ).toEqual([
        ['OTHER', 1],
        ['REFERRAL', 1],
      ]);
      expect(s.byNationality).toEqual([
        { nationality: 'Australian', count: 2 },
        { nationality: 'German', count: 1 },
        { nationality: null, count: 1 },
      ]);
      expect(s.leadConversion).toEqual({ clients: 4, converted: 2, rate: 0.5 });
      // All created now: one bucket, the current month, which holds now.
      expect(s.newClients).toHaveLength(1);
      expect(s.newClients[0].count).toBe(4);
      const now = Date.now();
      expect(Date.parse(s.newClients[0].start)).toBeLessThanOrEqual(now);
      expect(Date.parse(s.newClients[0].end)).toBeGreaterThan(now);
    });

    it('fills empty buckets of the window with zeros', async () => {
      const s = (await server.gql(ClientStatsDocument, { ...FEB_MAR, timeframe: 'MONTH' }, admin)).data!.clientStats;
      expect(s.total).toBe(0);
      expect(s.newClients.map((b) => [b.start, b.count])).toEqual([
        ['2026-01-31T16:00:00.000Z', 0],
        ['2026-02-28T16:00:00.000Z', 0],
      ]);
      expect(s.leadConversion).toEqual({ clients: 0, converted: 0, rate: null });
    });
  });

  describe('interactionStats', () => {
    const Q1 = { from: '2026-01-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' };

    it("buckets by the tenant's months: 16:00 UTC on 31 January is already February in Makassar", async () => {
      const res = await server.gql(InteractionStatsDocument, { ...Q1, timeframe: 'MONTH' }, admin);
      expect(res.errors).toBeUndefined();
      const s = res.data!.interactionStats;
      expect(s.window.timeZone).toBe('Asia/Makassar');
      expect(s.perPeriod).toEqual([
        { start: '2025-12-31T16:00:00.000Z', end: '2026-01-31T16:00:00.000Z', count: 1 },
        { start: '2026-01-31T16:00:00.000Z', end: '2026-02-28T16:00:00.000Z', count: 3 },
        { start: '2026-02-28T16:00:00.000Z', end: '2026-03-31T16:00:00.000Z', count: 1 },
      ]);
      expect(s.total).toBe(5);
      expect(s.byKind.map((k) => k.kind).sort()).toEqual(['CALL', 'CHAT', 'EMAIL', 'NOTE', 'WHATSAPP']);
      expect(s.byKind.every((k) => k.count === 1)).toBe(true);
      // (sort() compares "CHAT,1" with ",1": the null channel first.)
      expect(s.byChannel.map((c) => [c.channel, c.count]).sort()).toEqual([
        [null, 1],
        ['CHAT', 1],
        ['EMAIL', 1],
        ['PHONE', 1],
        ['WHATSAPP', 1],
      ]);
      expect(s.bySentiment[0]).toEqual({ sentiment: 'POSITIVE', count: 2 });
      expect(
        s.bySentiment
          .slice(1)
          .map((r) => [r.sentiment, r.count])
          .sort(),
      ).toEqual([
        [null, 1],
        ['NEGATIVE', 1],
        ['NEUTRAL', 1],
      ]);
      const domain = adminEmail.split('@')[1];
      expect(s.byTeamMember.map((r) => [r.teamMember?.email, r.count]).sort()).toEqual([
        [adminEmail, 1],
        [`rep1@${domain}`, 2],
        [`rep2@${domain}`, 2],
      ]);
    });

    it('counts from `from` inclusive to `to` exclusive', async () => {
      const feb = { from: '2026-01-31T16:00:00Z', to: '2026-02-28T16:00:00Z' };
      const s = (await server.gql(InteractionStatsDocument, feb, admin)).data!.interactionStats;
      expect(s.total).toBe(3); // the EMAIL at exactly 16:00, the NOTE, the CHAT
      expect(s.perPeriod).toEqual([
        { start: feb.from.replace('Z', '.000Z'), end: feb.to.replace('Z', '.000Z'), count: 3 },
      ]);
    });
  });

  describe('teamOverview', () => {
    it("shows each member's open work, then the unassigned", async () => {
      const res = await server.gql(TeamOverviewDocument, {}, admin);
      expect(res.errors).toBeUndefined();
      const rows = res.data!.teamOverview;
      const domain = adminEmail.split('@')[1];
      const by = (email: string | null) => rows.find((r) => (r.teamMember?.email ?? null) === email)!;
      expect(rows).toHaveLength(5); // admin, rep1, rep2, the viewer, then the unassigned
      expect(rows[4].teamMember).toBeNull();
      expect(by(`rep1@${domain}`)).toEqual({
        teamMember: { email: `rep1@${domain}` },
        openPractices: 1,
        openPracticesByStatus: [{ status: 'IN_PROGRESS', count: 1 }],
        openTickets: 1,
        renewalsDue: 1, // P1: KITAS expiring in 10 days
        openDeals: 0,
        pipelineValue: [],
      });
      expect(by(`rep2@${domain}`)).toEqual({
        teamMember: { email: `rep2@${domain}` },
        openPractices: 1, // P4 (P3 is cancelled)
        openPracticesByStatus: [{ status: 'INQUIRY', count: 1 }],
        openTickets: 1, // PENDING
        renewalsDue: 0, // NPWP is not renewable; P3 is cancelled
        openDeals: 1,
        pipelineValue: [idr('2000.00')],
      });
      expect(by(adminEmail)).toMatchObject({ openPractices: 0, openTickets: 0, renewalsDue: 0, openDeals: 0 });
      expect(by(null)).toMatchObject({
        openPractices: 1,
        openPracticesByStatus: [{ status: 'SUBMITTED', count: 1 }],
        renewalsDue: 1, // P5: expiring in exactly 30 days
        openDeals: 0,
      });
    });
  });

  describe('dashboardKpis', () => {
    it('gives the header figures now and over the window', async () => {
      const res = await server.gql(DashboardKpisDocument, MARCH, admin);
      expect(res.errors).toBeUndefined();
      expect(res.data!.dashboardKpis).toEqual({
        window: { from: '2026-02-28T16:00:00.000Z', to: '2026-03-31T16:00:00.000Z', timeZone: 'Asia/Makassar' },
        clients: 4,
        newClients: 0,
        activePractices: 3,
        openDeals: 1,
        pipelineValue: [idr('2000.00')],
        dealsWon: 2, // D1 and D4 (B's win on 12 March is not A's)
        wonValue: [idr('4000.00')],
        conversionRate: 0.5, // D2 and D5 lost in March
        renewalsDue: 2,
      });
      const all = (await server.gql(DashboardKpisDocument, {}, admin)).data!.dashboardKpis;
      expect(all.newClients).toBe(4);
    });
  });

  describe('Client.summary', () => {
    it("summarises each client's practices, contacts, tickets and next renewal", async () => {
      const res = await server.gql(ClientSummariesDocument, { first: 10 }, admin);
      expect(res.errors).toBeUndefined();
      const by = Object.fromEntries(res.data!.clients.nodes.map((c) => [c.id, c.summary]));
      expect(by[clients.C1]).toEqual({
        openPractices: 1,
        completedPractices: 1,
        totalQuoted: [idr('6000.00')],
        totalPaid: [idr('4900.00')],
        lastContactAt: '2026-02-20T00:00:00.000Z',
        pendingActionItems: ['Send invoice', 'Call back'],
        openTickets: 1,
        nextRenewalDate: addDays(today, 10),
        nextRenewal: { id: practices.P1 },
      });
      expect(by[clients.C2]).toEqual({
        openPractices: 1,
        completedPractices: 0,
        totalQuoted: [usd('100.00')],
        totalPaid: [],
        lastContactAt: '2026-03-01T00:00:00.000Z',
        pendingActionItems: ['Old item'],
        openTickets: 1,
        nextRenewalDate: null,
        nextRenewal: null,
      });
      expect(by[clients.C3]).toMatchObject({ openPractices: 1, nextRenewalDate: addDays(today, 30) });
      expect(by[clients.C4]).toEqual({
        openPractices: 0,
        completedPractices: 0,
        totalQuoted: [],
        totalPaid: [],
        lastContactAt: null,
        pendingActionItems: [],
        openTickets: 0,
        nextRenewalDate: null,
        nextRenewal: null,
      });
    });
  });

  describe('Client.summary batching', () => {
    const CLIENTS = 50;
    let token: string;

    beforeAll(async () => {
      token = await server.tokenFor(uniq('analytics-batch'));
      await pool(
        Array.from({ length: CLIENTS }, (_, i) => i),
        4,
        async (i) => {
          const clientId = (await must(server.gql(CreateClientDocument, { input: { fullName: `Batch ${i}` } }, token)))
            .client!.id;
          await must(
            server.gql(
              CreatePracticeDocument,
              {
                input: {
                  clientId,
                  practiceTypeCode: 'KITAS',
                  quotedPrice: idr(`${i + 1}`),
                  expiryDate: addDays(today, i),
                },
              },
              token,
            ),
          );
          if (i % 2) {
            await must(server.gql(CreateTicketDocument, { input: { subject: `T${i}`, clientId } }, token));
            await must(
              server.gql(
                LogInteractionDocument,
                { input: { clientId, kind: 'NOTE', summary: 'n', actionItems: [`item ${i}`] } },
                token,
              ),
            );
          }
        },
      );
    }, 300_000); // 150 mutations

    it('costs the same few statements for 5 clients and for 50', async () => {
      const run = async (first: number) => {
        const res = await server.gql(ClientSummariesDocument, { first }, token);
        expect(res.errors).toBeUndefined();
        return { nodes: res.data!.clients.nodes, statements: res.extensions!.sqlStatements as number };
      };
      const five = await run(5);
      const fifty = await run(50);
      expect(five.nodes).toHaveLength(5);
      expect(fifty.nodes).toHaveLength(CLIENTS);
      // Each summary is right: client i has practice i (quoted i + 1, expiring in i days); odd ones a ticket and an item.
      fifty.nodes.forEach((c) => {
        const i = Number(c.fullName.split(' ')[1]);
        expect(c.summary).toMatchObject({
          openPractices: 1,
          totalQuoted: [idr(`${i + 1}.00`)],
          openTickets: i % 2,
          pendingActionItems: i % 2 ? [`item ${i}`] : [],
          nextRenewalDate: addDays(today, i),
          nextRenewal: { id: expect.any(String) },
        });
      });
      expect(fifty.statements).toBe(five.statements);
      // The page, the three summary statements, the next-renewal practices.
      expect(fifty.statements).toBeLessThanOrEqual(5);
    });
  });

  describe('SQL statements', () => {
    it('computes every report in one statement (repPerformance in two), whatever the data', async () => {
      const res = await server.gql(AllReportsScalarsDocument, { pipelineId, ...FEB_MAR }, admin);
      expect(res.errors).toBeUndefined();
      expect(res.data!.pipelineFunnel.deals).toBe(5);
      // 7 reports: 1 each, 2 for repPerformance.
      expect(res.extensions!.sqlStatements).toBe(8);
    });
  });

  describe('access', () => {
    it('is readable by a VIEWER, with the same numbers', async () => {
      for (const [doc, vars] of [
        [DashboardKpisDocument, MARCH],
        [TeamOverviewDocument, {}],
        [PracticeStatsDocument, {}],
      ] as const) {
        const asAdmin = await server.gql(doc as typeof DashboardKpisDocument, vars, admin);
        const asViewer = await server.gql(doc as typeof DashboardKpisDocument, vars, viewer);
        expect(asViewer.errors).toBeUndefined();
        expect(asViewer.data).toEqual(asAdmin.data);
      }
    });

    it('refuses anonymous callers', async () => {
      const res = await server.gql(DashboardKpisDocument, {});
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it("counts only the caller's tenant", async () => {
      const k = (await server.gql(DashboardKpisDocument, MARCH, otherAdmin)).data!.dashboardKpis;
      expect(k).toMatchObject({
        clients: 1,
        activePractices: 1,
        openDeals: 0,
        pipelineValue: [],
        dealsWon: 1,
        wonValue: [idr('777.00')],
        renewalsDue: 1,
      });
      const s = (await server.gql(InteractionStatsDocument, {}, otherAdmin)).data!.interactionStats;
      expect(s.total).toBe(1);
    });
  });
});
