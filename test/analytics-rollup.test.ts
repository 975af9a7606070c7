import { expect } from '@jest/globals';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { fromGlobalId } from '../src/platform/graphql/global-id.js';
import {
  AllReportsScalarsDocument,
  ArchiveClientDocument,
  CreateClientDocument,
  type CreateClientInput,
  CreateDealDocument,
  CreatePracticeDocument,
  type CreatePracticeInput,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  DeleteInteractionDocument,
  InteractionStatsDocument,
  LogInteractionDocument,
  type LogInteractionInput,
  LoseDealDocument,
  MergeClientsDocument,
  MoveDealStageDocument,
  PipelinesDocument,
  TransitionPracticeDocument,
  UpdateClientDocument,
  UpdateDealDocument,
  UpdateInteractionDocument,
  UpdatePracticeDocument,
  UpdateRenewalSettingsDocument,
  UpdateTicketDocument,
  WinDealDocument,
} from './generated/graphql.js';
import { must } from './helpers/mutations.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/**
 * The analytics rollup (`analytics_daily`, `analytics_deal_funnel`, kept by triggers) against a
 * from-scratch computation (`analytics_rebuild`) after a mixed series of writes through the API:
 * creates, updates, stage moves, wins and losses, deletes, an archive, a merge, a CSV sync import,
 * timestamps moved by SQL (as the fixture tests do), a deal deleted by SQL (its history cascades),
 * and a change of the tenant's time zone. The reports' answers over a window with partial days at
 * both edges are checked against the records too.
 */
describe('Analytics rollup', () => {
  let server: TestServer;
  let admin: string;
  let tenantId: string;

  const db = () => server.app.db.orm.em.fork() as SqlEntityManager;
  const uuid = (globalId: string) => fromGlobalId(globalId)!.id;
  const idr = (amount: string) => ({ amount, currency: 'IDR' });
  const usd = (amount: string) => ({ amount, currency: 'USD' });

  /** The tenant's rollup rows (zero rows left by subtractions ignored), as sorted text. */
  async function rollup(): Promise<string[]> {
    const daily = await db().execute<Record<string, unknown>[]>(
      `select fact, day::text, k1, k2, n::text, m::text, (amt::numeric(30, 6))::text as amt, (x::numeric(30, 6))::text as x
         from analytics_daily where tenant_id = ? and (n <> 0 or m <> 0 or amt <> 0 or x <> 0)`,
      [tenantId],
    );
    const funnel = await db().execute<Record<string, unknown>[]>(
      `select deal_id, fact, day::text, k1, k2, n::text, m::text, amt::text from analytics_deal_funnel where tenant_id = ?`,
      [tenantId],
    );
    return [...daily, ...funnel.map((r) => ({ funnel: true, ...r }))].map((r) => JSON.stringify(r)).sort();
  }

  /** The rollup as kept by the triggers, then as computed from scratch: the same rows. */
  async function expectRollupFromScratch(): Promise<void> {
    const kept = await rollup();
    expect(kept.length).toBeGreaterThan(10);
    await db().execute('select analytics_rebuild(?)', [tenantId]);
    expect(await rollup()).toEqual(kept);
  }

  beforeAll(async () => {
    server = await startTestServer();
    const tenant = uniq('rollup');
    admin = await server.tokenFor(tenant);
    [{ id: tenantId }] = await db().execute<{ id: string }[]>('select id from tenant where slug = ?', [tenant]);
  });
  afterAll(() => server.close());

  it('matches a from-scratch computation after creates, updates, stage moves, deletes, merges and a sync import', async () => {
    const rep = (
      await must(
        server.gql(CreateTeamMemberDocument, { input: { email: `rep@${uniq('r')}.test`, role: 'AGENT' } }, admin),
      )
    ).teamMember!.id;
    const client = async (input: Omit<CreateClientInput, 'fullName'>) =>
      (await must(server.gql(CreateClientDocument, { input: { fullName: uniq('c'), ...input } }, admin))).client!.id;
    const c1 = await client({ nationality: 'Australian', source: 'WEB', lifecycleStage: 'LEAD' });
    const c2 = await client({ nationality: 'German', source: 'REFERRAL', lifecycleStage: 'PROSPECT' });
    const c3 = await client({ lifecycleStage: 'CUSTOMER' });
    const c4 = await client({ nationality: 'German', lifecycleStage: 'LEAD' });

    // Practices: created, then their status, prices and payments changed.
    const practice = async (input: Omit<CreatePracticeInput, 'practiceTypeCode'> & { practiceTypeCode?: string }) =>
      (await must(server.gql(CreatePracticeDocument, { input: { practiceTypeCode: 'KITAS', ...input } }, admin)))
        .practice!.id;
    const p1 = await practice({ clientId: c1, quotedPrice: idr('1000'), assignedToId: rep, status: 'IN_PROGRESS' });
    const p3 = await practice({ clientId: c4, quotedPrice: idr('50') });
    const p2 = await practice({ clientId: c2, quotedPrice: usd('300'), practiceTypeCode: 'PT_PMA' });
    await must(
      server.gql(
        UpdatePracticeDocument,
        { input: { id: p1, amountPaid: idr('400'), paymentStatus: 'PARTIAL' } },
        admin,
      ),
    );
    await must(
      server.gql(
        UpdatePracticeDocument,
        { input: { id: p2, actualPrice: usd('280'), amountPaid: usd('280'), paymentStatus: 'PAID' } },
        admin,
      ),
    );
    await must(server.gql(TransitionPracticeDocument, { input: { id: p2, status: 'QUOTATION_SENT' } }, admin));
    await must(server.gql(TransitionPracticeDocument, { input: { id: p3, status: 'CANCELLED' } }, admin));

    // Deals: created, moved through the stages, won, lost, their amount and owner changed.
    const stages = (await server.gql(PipelinesDocument, {}, admin)).data!.pipelines[0].stages;
    const deal = async (amount: { amount: string; currency: string }) =>
      (await must(server.gql(CreateDealDocument, { input: { title: uniq('d'), clientId: c1, amount } }, admin))).deal!
        .id;
    const d1 = await deal(idr('2000'));
    const d2 = await deal(usd('100'));
    const d3 = await deal(idr('700'));
    const d4 = await deal(idr('10'));
    for (const d of [d1, d2, d3]) {
      await must(server.gql(MoveDealStageDocument, { input: { id: d, stageId: stages[1].id } }, admin));
    }
    await must(server.gql(MoveDealStageDocument, { input: { id: d1, stageId: stages[2].id } }, admin));
    await must(server.gql(WinDealDocument, { input: { id: d1 } }, admin));
    await must(server.gql(LoseDealDocument, { input: { id: d2, reason: 'price' } }, admin));
    await must(server.gql(UpdateDealDocument, { input: { id: d3, amount: idr('900'), ownerId: rep } }, admin));

    // Tickets, interactions (one edited, one deleted).
    const ticket = (
      await must(server.gql(CreateTicketDocument, { input: { subject: 'T', clientId: c1, assigneeId: rep } }, admin))
    ).ticket!.id;
    await must(server.gql(CreateTicketDocument, { input: { subject: 'U', clientId: c2 } }, admin));
    await must(server.gql(UpdateTicketDocument, { input: { id: ticket, status: 'PENDING' } }, admin));
    const log = async (input: Omit<LogInteractionInput, 'clientId' | 'summary'> & { clientId?: string }) =>
      (await must(server.gql(LogInteractionDocument, { input: { clientId: c1, summary: 'x', ...input } }, admin)))
        .interaction!.id;
    const i1 = await log({ kind: 'CALL', occurredAt: '2026-02-10T03:00:00Z', sentiment: 'POSITIVE' });
    const i2 = await log({ kind: 'EMAIL', occurredAt: '2026-02-11T23:30:00Z' });
    await log({ kind: 'MEETING', occurredAt: '2026-03-03T08:00:00Z', clientId: c2 });
    await log({ kind: 'NOTE', occurredAt: '2026-03-03T06:00:00Z', clientId: c3 });
    await must(server.gql(UpdateInteractionDocument, { input: { id: i1, kind: 'MEETING' } }, admin));
    await must(server.gql(DeleteInteractionDocument, { input: { id: i2 } }, admin));

    // Clients: a stage change, an archive, a merge.
    await must(server.gql(UpdateClientDocument, { input: { id: c1, lifecycleStage: 'CUSTOMER' } }, admin));
    await must(server.gql(ArchiveClientDocument, { input: { id: c3, archived: true } }, admin));
    await must(server.gql(MergeClientsDocument, { input: { survivorId: c2, mergedId: c4 } }, admin));

    // A CSV sync import (batched inserts of clients).
    const csv = [
      'fullName,email,nationality,lifecycleStage',
      'Ada Rollup,ada.rollup@example.com,British,CUSTOMER',
      'Bob Rollup,bob.rollup@example.com,Italian,',
      'Cy Rollup,cy.rollup@example.com,British,LEAD',
    ].join('\n');
    const res = await fetch(`${server.url}/imports?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
      body: csv,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { syncRun: { created: number } }).syncRun.created).toBe(3);

    // Timestamps no API sets, moved by SQL; a deal deleted by SQL (its history goes with it).
    await db().execute(
      `update deal set created_at = '2026-02-20T17:00:00Z', closed_at = case when status <> 'OPEN' then '2026-03-02T10:00:00Z'::timestamptz end where id in (?, ?)`,
      [uuid(d1), uuid(d2)],
    );
    await db().execute(`update deal_stage_history set entered_at = entered_at - interval '3 days' where deal_id = ?`, [
      uuid(d3),
    ]);
    await db().execute('delete from deal where id = ?', [uuid(d4)]);

    await expectRollupFromScratch();

    // Another time zone: the rows are rebuilt in it.
    const before = await rollup();
    await must(server.gql(UpdateRenewalSettingsDocument, { input: { timeZone: 'America/New_York' } }, admin));
    const after = await rollup();
    expect(after).not.toEqual(before);
    await expectRollupFromScratch();
  });

  it('answers a window with partial days at both edges as the records do', async () => {
    // Edges at 05:00 and 07:00 UTC: partial days in both America/New_York (set above) and Makassar.
    const w = { from: '2026-02-10T05:00:00Z', to: '2026-03-03T07:00:00Z' };
    const s = (await server.gql(InteractionStatsDocument, { ...w, timeframe: 'WEEK' }, admin)).data!.interactionStats;
    const rows = await db().execute<{ kind: string; n: string }[]>(
      `select kind, count(*) as n from interaction
        where tenant_id = ? and occurred_at >= ? and occurred_at < ? and deleted_at is null group by kind`,
      [tenantId, w.from, w.to],
    );
    // The deleted EMAIL of 11 February is inside the window and not counted.
    expect(s.byKind.map((r) => r.kind)).not.toContain('EMAIL');
    expect(s.byKind.map((r) => [r.kind, r.count]).sort()).toEqual(rows.map((r) => [r.kind, Number(r.n)]).sort());
    expect(s.total).toBe(rows.reduce((t, r) => t + Number(r.n), 0));
    expect(s.perPeriod.reduce((t, p) => t + p.count, 0)).toBe(s.total);

    const pipelineId = (await server.gql(PipelinesDocument, {}, admin)).data!.pipelines[0].id;
    const all = await server.gql(AllReportsScalarsDocument, { pipelineId, ...w }, admin);
    expect(all.errors).toBeUndefined();
    const [deals] = await db().execute<{ n: string }[]>(
      `select count(*) as n from deal where tenant_id = ? and created_at >= ? and created_at < ?`,
      [tenantId, w.from, w.to],
    );
    expect(all.data!.pipelineFunnel.deals).toBe(Number(deals.n));
    expect(all.data!.pipelineFunnel.deals).toBe(2); // d1, d2 (moved to 20 February)
  });
});
