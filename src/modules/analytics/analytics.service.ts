import type { EntityManager } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import type { Clock } from '../../platform/clock.js';
import { DomainError } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { Money } from '../../platform/graphql/money.js';
import type { ClientSource, LifecycleStage } from '../clients/client.enums.js';
import type { InteractionKind, Sentiment } from '../interactions/interaction.enums.js';
import { channelOfInteraction } from '../interactions/interaction.rules.js';
import { PracticeStatus } from '../practices/practice.enums.js';
import type { Channel } from '../shared/channel.js';
import {
  BUCKET,
  bucketOfDay,
  bucketSeries,
  current,
  facts,
  int,
  MAX_BUCKETS,
  moneyJson,
  moneyList,
  num,
  ratio,
  run,
  Sql,
  sql,
  tenantZone,
  type Window,
  zone,
} from './analytics.sql.js';
import type {
  ClientStats,
  ClientSummary,
  DashboardKpis,
  FunnelStage,
  InteractionStats,
  PeriodCount,
  PipelineFunnel,
  PracticeStats,
  PracticeStatusCount,
  RepPerformance,
  RepPerformanceReport,
  RepPeriod,
  TeamMemberWorkload,
  Timeframe,
} from './analytics.types.js';

/** Practice statuses in which a practice is no longer open. */
const CLOSED = sql`('COMPLETED', 'REJECTED', 'CANCELLED')`;
/** Practice statuses of a dead practice (no revenue, no renewal). */
const DEAD = sql`('REJECTED', 'CANCELLED')`;
/** "Renewals due" in team overview and KPIs: expiring within this many days. */
export const RENEWALS_DUE_DAYS = 30;
const DAY_SECONDS = 86_400;
/** Practice status order, for stable output. */
const STATUS_ORDER = Object.values(PracticeStatus);

/**
 * Analytics: aggregates computed by PostgreSQL in a few set-based statements per report, each
 * scoped to the caller's tenant by a `tenant_id = …` condition on every table it reads (raw SQL
 * bypasses the ORM's tenant filter, so each statement carries its own). Period buckets are cut at
 * local midnight in the tenant's time zone (`date_trunc(unit, at at time zone tz)`).
 */
export class AnalyticsService {
  /** `clock`: "now" and "today" (tests move it). */
  constructor(private readonly clock: Clock) {}

  /** A validated window: `from` before `to` when both are given. */
  private window(w: Window): Window {
    if (w.from && w.to && w.from.getTime() >= w.to.getTime())
      throw DomainError.badInput('`from` must be before `to`', 'from');
    return { from: w.from ?? null, to: w.to ?? null };
  }

  /** Refuses a window that would have more than MAX_BUCKETS buckets of `timeframe`. */
  private checkBuckets(timeframe: Timeframe, w: Window): void {
    const days = { WEEK: 7, MONTH: 28, QUARTER: 89 }[timeframe];
    const from = w.from?.getTime();
    const to = (w.to ?? this.clock.now()).getTime();
    if (from !== undefined && (to - from) / (days * DAY_SECONDS * 1000) > MAX_BUCKETS)
      throw DomainError.badInput(`At most ${MAX_BUCKETS} ${timeframe} buckets in one report`, 'timeframe');
  }

  /** The funnel of a pipeline over the cohort of its deals created in the window. */
  async pipelineFunnel(
    em: EntityManager,
    principal: Principal,
    pipelineGlobalId: string,
    window: Window,
  ): Promise<PipelineFunnel> {
    const w = this.window(window);
    const t = principal.tenantId;
    const pipelineId = expectGlobalId(pipelineGlobalId, 'Pipeline');
    const rows = await run<{
      tz: string;
      stage_id: string | null;
      kind: string | null;
      deals: string;
      won: string;
      lost: string;
      entered: string | null;
      converted: string | null;
      dropped: string | null;
      days: string | null;
    }>(
      em,
      sql`with z as (${zone(t, w)}),
      p as (select id from pipeline where tenant_id = ${t} and id = ${pipelineId}),
      f as (
        select f.* from (${facts(t, 'deal', 'created_at', ['f.deal', 'f.entered', 'f.converted', 'f.dropped'], w, 'analytics_funnel_facts')}) f
      ),
      per_stage as (
        select k1 as stage_id,
               sum(n) filter (where fact = 'f.entered') as entered,
               sum(n) filter (where fact = 'f.converted') as converted,
               sum(n) filter (where fact = 'f.dropped') as dropped,
               sum(amt) filter (where fact = 'f.entered') / nullif(sum(m) filter (where fact = 'f.entered'), 0) / ${DAY_SECONDS} as days
          from f where fact <> 'f.deal' group by k1
      ),
      totals as (
        select coalesce(sum(n), 0) as deals, coalesce(sum(n) filter (where k2 = 'WON'), 0) as won,
               coalesce(sum(n) filter (where k2 = 'LOST'), 0) as lost
          from f join p on f.k1 = p.id::text where f.fact = 'f.deal'
      )
      select z.tz, s.id as stage_id, s.kind, totals.deals, totals.won, totals.lost,
             ps.entered, ps.converted, ps.dropped, ps.days
        from p cross join totals cross join z
        left join pipeline_stage s on s.pipeline_id = p.id and s.tenant_id = ${t}
        left join per_stage ps on ps.stage_id = s.id::text
       order by s.position, s.id`,
    );
    if (!rows.length) throw DomainError.notFound('Pipeline', pipelineGlobalId);
    const deals = int(rows[0].deals);
    const won = int(rows[0].won);
    const stages: FunnelStage[] = rows
      .filter((r) => r.stage_id)
      .map((r) => {
        const entered = int(r.entered);
        const open = r.kind === 'OPEN';
        return {
          stageId: r.stage_id!,
          entered,
          convertedToNext: int(r.converted),
          conversionRate: open ? ratio(int(r.converted), entered) : null,
          dropOffRate: open ? ratio(int(r.dropped), entered) : null,
          averageDaysInStage: num(r.days),
        };
      });
    return {
      pipelineId,
      window: { from: w.from, to: w.to, timeZone: rows[0].tz },
      deals,
      won,
      lost: int(rows[0].lost),
      overallConversionRate: ratio(won, deals),
      stages,
    };
  }

  /** Deal results per owner (every active member, and no owner when such deals exist). */
  async repPerformance(
    em: EntityManager,
    principal: Principal,
    timeframe: Timeframe,
    window: Window,
  ): Promise<RepPerformanceReport> {
    const w = this.window(window);
    this.checkBuckets(timeframe, w);
    const t = principal.tenantId;
    const now = this.clock.now();
    const first = sql`(select min(created_at) from deal where tenant_id = ${t})`;
    // 1: the facts, per owner and per (owner, bucket); money per currency.
    const factRows = await run<{
      owner_id: string | null;
      b: Date | string | null;
      what: 'created' | 'won' | 'lost';
      cur: string | null;
      by_cur: boolean;
      by_bucket: boolean;
      n: string;
      total: string | null;
      average: string | null;
      days: string | null;
    }>(
      em,
      sql`with z as (${zone(t, w)}),
      f as (
        ${facts(t, 'deal', 'created_at', ['d.created'], w)}
        union all
        ${facts(t, 'deal', 'closed_at', ['d.won', 'd.lost'], w)}
      ),
      e as (select k1 as owner_id, substr(fact, 3) as what, ${bucketOfDay(timeframe, 'day')} at time zone z.tz as b,
                   k2 as cur, n, m, amt, x from f cross join z)
      select owner_id, what, b, cur, grouping(cur) = 0 as by_cur, grouping(b) = 0 as by_bucket,
             sum(n) as n, case when sum(m) > 0 then sum(amt) end as total,
             round(sum(amt) / nullif(sum(m), 0), 2) as average,
             case when what <> 'created' then (sum(x) / nullif(sum(n), 0))::float8 end as days
        from e
       group by grouping sets ((owner_id, what), (owner_id, what, cur), (owner_id, what, b), (owner_id, what, b, cur))
      having sum(n) <> 0`,
    );
    // 2: the zone, the members, the buckets and the velocity's window in weeks.
    const [meta] = await run<{
      tz: string;
      members: string[] | null;
      buckets: { s: string; e: string }[] | string;
      weeks: string;
    }>(
      em,
      sql`with z as (select ${tenantZone(t)} as tz), series as (${bucketSeries(timeframe, w, first, now, 'z.tz')} )
      select z.tz, (select array_agg(id::text order by name, id) from team_member where tenant_id = ${t} and active) as members,
             (select coalesce(json_agg(json_build_object('s', b at time zone z.tz, 'e', (b + ${BUCKET[timeframe].step}::interval) at time zone z.tz) order by b), '[]'::json)
                from series cross join z) as buckets,
             greatest(extract(epoch from (${w.to ?? now}::timestamptz - coalesce(${w.from}::timestamptz, ${first}, ${now}::timestamptz))) / ${7 * DAY_SECONDS}, 1) as weeks
        from z`,
    );
    const buckets = (typeof meta.buckets === 'string' ? JSON.parse(meta.buckets) : meta.buckets) as {
      s: string;
      e: string;
    }[];
    const weeks = Number(meta.weeks) || 1;
    const key = (id: string | null) => id ?? '';
    const bucketKey = (b: Date | string) => new Date(b).getTime();

    // Facts by owner → what → (bucket) → figures; money lists per currency.
    interface Fig {
      n: number;
      days: number | null;
      total: Money[];
      average: Money[];
    }
    const blank = (): Fig => ({ n: 0, days: null, total: [], average: [] });
    const byOwner = new Map<string, { total: Map<string, Fig>; buckets: Map<number, Map<string, Fig>> }>();
    const ownerOf = (id: string | null) => {
      let o = byOwner.get(key(id));
      if (!o) byOwner.set(key(id), (o = { total: new Map(), buckets: new Map() }));
      return o;
    };
    for (const f of factRows) {
      const o = ownerOf(f.owner_id);
      let figs = o.total;
      if (f.by_bucket && f.b !== null) {
        const k = bucketKey(f.b);
        if (!o.buckets.has(k)) o.buckets.set(k, new Map());
        figs = o.buckets.get(k)!;
      }
      const fig = figs.get(f.what) ?? blank();
      figs.set(f.what, fig);
      if (!f.by_cur) {
        fig.n = int(f.n);
        fig.days = num(f.days);
      } else if (f.cur !== null) {
        fig.total.push(...moneyList([{ currency: f.cur, amount: f.total! }]));
        fig.average.push(...moneyList([{ currency: f.cur, amount: f.average! }]));
      }
    }

    const owners = [...(meta.members ?? [])];
    if (byOwner.has('')) owners.push('');
    const members: RepPerformance[] = owners.map((id) => {
      const o = byOwner.get(id);
      const get = (what: string) => o?.total.get(what) ?? blank();
      const created = get('created');
      const won = get('won');
      const lost = get('lost');
      const periods: RepPeriod[] = buckets.map((b) => {
        const figs = o?.buckets.get(bucketKey(b.s)) ?? new Map<string, Fig>();
        const fig = (what: string) => figs.get(what) ?? blank();
        return {
          start: new Date(b.s),
          end: new Date(b.e),
          dealsCreated: fig('created').n,
          dealsWon: fig('won').n,
          dealsLost: fig('lost').n,
          wonValue: fig('won').total,
        };
      });
      return {
        teamMemberId: id || null,
        dealsCreated: created.n,
        dealsWon: won.n,
        dealsLost: lost.n,
        totalValue: created.total,
        wonValue: won.total,
        winRate: ratio(won.n, won.n + lost.n),
        averageDealSize: won.average,
        averageDaysToClose: won.days,
        velocity: won.n / weeks,
        periods,
      };
    });
    return { timeframe, window: { from: w.from, to: w.to, timeZone: meta.tz }, members };
  }

  /** Practices created in the window: counts and revenue, in one pass over them. */
  async practiceStats(em: EntityManager, principal: Principal, window: Window): Promise<PracticeStats> {
    const w = this.window(window);
    const t = principal.tenantId;
    const rows = await run<{
      tz: string;
      g: string;
      k: string | null;
      cur: string | null;
      n: string | null;
      amt: string | null;
    }>(
      em,
      sql`with z as (${zone(t, w)}),
      f as (${facts(t, 'practice', 'created_at', ['p.status', 'p.type', 'p.quoted', 'p.paid', 'p.outstanding'], w)})
      select 'zone' as g, z.tz as k, null as cur, null::numeric as n, null as amt from z
      union all
      select split_part(fact, '.', 2), k1, null, sum(n), null from f where fact in ('p.status', 'p.type')
       group by fact, k1 having sum(n) > 0
      union all
      select split_part(fact, '.', 2), null, k2, null, sum(amt)::text from f where fact in ('p.quoted', 'p.paid', 'p.outstanding')
       group by fact, k2 having sum(m) > 0`,
    );
    const byStatus = rows
      .filter((r) => r.g === 'status')
      .map((r) => ({ status: r.k as PracticeStatus, count: int(r.n) }))
      .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
    const byType = rows
      .filter((r) => r.g === 'type')
      .map((r) => ({ typeId: r.k!, count: int(r.n) }))
      .sort((a, b) => b.count - a.count || a.typeId.localeCompare(b.typeId));
    const money = (m: string) => moneyOf(rows.filter((r) => r.g === m));
    return {
      window: { from: w.from, to: w.to, timeZone: rows.find((r) => r.g === 'zone')!.k! },
      total: byStatus.reduce((s, r) => s + r.count, 0),
      byStatus,
      byType,
      quoted: money('quoted'),
      paid: money('paid'),
      outstanding: money('outstanding'),
    };
  }

  /** Clients created in the window (live ones): one pass over them, grouped four ways. */
  async clientStats(
    em: EntityManager,
    principal: Principal,
    timeframe: Timeframe,
    window: Window,
  ): Promise<ClientStats> {
    const w = this.window(window);
    this.checkBuckets(timeframe, w);
    const t = principal.tenantId;
    const rows = await run<BreakdownRow>(
      em,
      sql`with z as (${zone(t, w)}),
      f as (${facts(t, 'client', 'created_at', ['c.stage', 'c.source', 'c.nationality'], w)}),
      ${this.breakdown(timeframe, w, 'c.stage', sql`sum(n) filter (where fact = 'c.stage' and k1 in ('CUSTOMER', 'CHURNED'))`)}`,
    );
    const b = breakdownOf(rows);
    const byCount = <T extends { count: number }>(x: T, y: T) => y.count - x.count;
    const byLifecycleStage = b.group('stage').map((r) => ({ stage: r.k as LifecycleStage, count: r.count }));
    const total = b.total;
    return {
      window: { from: w.from, to: w.to, timeZone: b.timeZone },
      timeframe,
      total,
      byLifecycleStage,
      bySource: b
        .group('source')
        .map((r) => ({ source: r.k as ClientSource, count: r.count }))
        .sort(byCount),
      byNationality: b
        .group('nationality')
        .map((r) => ({ nationality: r.k, count: r.count }))
        .sort((x, y) => y.count - x.count || (x.nationality ?? '\uffff').localeCompare(y.nationality ?? '\uffff'))
        .slice(0, 50),
      newClients: b.periods,
      leadConversion: { clients: total, converted: b.extra, rate: ratio(b.extra, total) },
    };
  }

  /** Interactions that occurred in the window: one pass over them, grouped four ways. */
  async interactionStats(
    em: EntityManager,
    principal: Principal,
    timeframe: Timeframe,
    window: Window,
  ): Promise<InteractionStats> {
    const w = this.window(window);
    this.checkBuckets(timeframe, w);
    const t = principal.tenantId;
    const rows = await run<BreakdownRow>(
      em,
      sql`with z as (${zone(t, w)}),
      f as (${facts(t, 'interaction', 'occurred_at', ['i.kind', 'i.sentiment', 'i.member'], w)}),
      ${this.breakdown(timeframe, w, 'i.kind', sql`0`)}`,
    );
    const b = breakdownOf(rows);
    const byCount = <T extends { count: number }>(x: T, y: T) => y.count - x.count;
    const byKind = b.group('kind').map((r) => ({ kind: r.k as InteractionKind, count: r.count }));
    const channels = new Map<Channel | null, number>();
    for (const r of byKind) {
      const ch = channelOfInteraction(r.kind);
      channels.set(ch, (channels.get(ch) ?? 0) + r.count);
    }
    return {
      window: { from: w.from, to: w.to, timeZone: b.timeZone },
      timeframe,
      total: b.total,
      byKind: byKind.sort(byCount),
      byChannel: [...channels].map(([channel, count]) => ({ channel, count })).sort(byCount),
      bySentiment: b
        .group('sentiment')
        .map((r) => ({ sentiment: r.k as Sentiment | null, count: r.count }))
        .sort(byCount),
      byTeamMember: b
        .group('member')
        .map((r) => ({ teamMemberId: r.k, count: r.count }))
        .sort(byCount),
      perPeriod: b.periods,
    };
  }

  /**
   * The tail of a breakdown statement over the CTE `f` of rollup facts ({@link facts}; the statement
   * also has the CTE `z` of {@link zone}): per fact, its count by key (the group named by the fact's
   * part after the dot), `extra` (an aggregate over `f`), the total (the sum of `total`, a fact every
   * record has once), the zone, and one row per period bucket of the window, empty buckets
   * included. Read with {@link breakdownOf}.
   */
  private breakdown(timeframe: Timeframe, w: Window, total: string, extra: Sql): Sql {
    const step = BUCKET[timeframe].step;
    const first = sql`(select min(day) from f where fact = ${total})::timestamp at time zone z.tz`;
    return sql`series as (${bucketSeries(timeframe, w, first, this.clock.now(), 'z.tz')}),
      per_bucket as (select ${bucketOfDay(timeframe, 'day')} as b, sum(n) as n from f where fact = ${total} group by 1)
      select 'zone' as g, z.tz as k, null::bigint as n, null::timestamptz as s, null::timestamptz as e from z
      union all
      select 'total', null, coalesce(sum(n), 0), null, null from f where fact = ${total}
      union all
      select 'extra', null, coalesce(${extra}, 0), null, null from f
      union all
      select split_part(fact, '.', 2), k1, sum(n), null, null from f group by fact, k1 having sum(n) > 0
      union all
      select 'bucket', null, coalesce(per_bucket.n, 0), series.b at time zone z.tz, (series.b + ${step}::interval) at time zone z.tz
        from series cross join z left join per_bucket on per_bucket.b = series.b`;
  }

  /** Every active member's workload now, then the unassigned work (if any). */
  async teamOverview(em: EntityManager, principal: Principal): Promise<TeamMemberWorkload[]> {
    const t = principal.tenantId;
    const now = this.clock.now();
    const today = sql`(${now}::timestamptz at time zone ${tenantZone(t)})::date`;
    const rows = await run<{ g: string; m: string | null; k: string | null; n: string; amt: string | null }>(
      em,
      sql`with f as (${current(t, ['p.open', 't.open', 'd.open'])})
      select 'practice' as g, k1 as m, k2 as k, sum(n) as n, null as amt
        from f where fact = 'p.open' group by k1, k2 having sum(n) > 0
      union all
      select 'ticket', k1, null, sum(n), null from f where fact = 't.open' group by k1 having sum(n) > 0
      union all
      select 'renewal', p.assigned_to_id::text, null, count(*), null
        from practice p join practice_type pt on pt.id = p.type_id and pt.tenant_id = ${t} and pt.renewable
       where p.tenant_id = ${t} and p.renewed_at is null and p.status not in ${DEAD}
         and p.expiry_date >= ${today} and p.expiry_date <= ${today} + ${RENEWALS_DUE_DAYS}
       group by p.assigned_to_id
      union all
      select 'deal', k1, k2, sum(n), case when sum(m) > 0 then sum(amt)::text end
        from f where fact = 'd.open' group by k1, k2 having sum(n) > 0
      union all
      select 'member', id::text, name, 0, null from team_member where tenant_id = ${t} and active`,
    );
    const members = rows
      .filter((r) => r.g === 'member')
      .sort((a, b) => a.k!.localeCompare(b.k!) || a.m!.localeCompare(b.m!))
      .map((r) => r.m);
    const work = rows.filter((r) => r.g !== 'member');
    if (work.some((r) => r.m === null)) members.push(null);
    return members.map((m) => {
      const mine = work.filter((r) => r.m === m);
      const n = (g: string) => mine.filter((r) => r.g === g).reduce((s, r) => s + int(r.n), 0);
      const byStatus: PracticeStatusCount[] = mine
        .filter((r) => r.g === 'practice')
        .map((r) => ({ status: r.k as PracticeStatus, count: int(r.n) }))
        .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
      return {
        teamMemberId: m,
        openPractices: n('practice'),
        openPracticesByStatus: byStatus,
        openTickets: n('ticket'),
        renewalsDue: n('renewal'),
        openDeals: n('deal'),
        pipelineValue: moneyOf(mine.filter((r) => r.g === 'deal').map((r) => ({ cur: r.k, amt: r.amt }))),
      };
    });
  }

  /** Summaries of many clients (ids: row ids of the caller's tenant): three statements. */
  async clientSummaries(
    em: EntityManager,
    principal: Principal,
    clientIds: readonly string[],
  ): Promise<ClientSummary[]> {
    const t = principal.tenantId;
    const ids = `{${clientIds.join(',')}}`;
    const today = sql`(${this.clock.now()}::timestamptz at time zone ${tenantZone(t)})::date`;
    const [practices, interactions, tickets] = await Promise.all([
      run<{
        client_id: string;
        open: string;
        completed: string;
        quoted: unknown;
        paid: unknown;
        next_id: string | null;
        next_date: string | null;
      }>(
        em,
        sql`with p as (select * from practice where tenant_id = ${t} and client_id = any(${ids}::uuid[])),
        next as (
          select distinct on (p.client_id) p.client_id, p.id, p.expiry_date::text as expiry
            from p join practice_type pt on pt.id = p.type_id and pt.tenant_id = ${t} and pt.renewable
           where p.renewed_at is null and p.status not in ${DEAD} and p.expiry_date >= ${today}
           order by p.client_id, p.expiry_date, p.id
        )
        select c.client_id,
               count(*) filter (where c.status not in ${CLOSED}) as open,
               count(*) filter (where c.status = 'COMPLETED') as completed,
               ${moneyJson(sql`select quoted_price_currency as cur, sum(quoted_price_amount) as amt from p
                                 where p.client_id = c.client_id and p.status not in ${DEAD} and quoted_price_amount is not null
                                 group by 1`)} as quoted,
               ${moneyJson(sql`select amount_paid_currency as cur, sum(amount_paid_amount) as amt from p
                                 where p.client_id = c.client_id and payment_status <> 'REFUNDED' and amount_paid_amount is not null
                                 group by 1`)} as paid,
               min(next.id::text) as next_id, min(next.expiry) as next_date
          from p c left join next on next.client_id = c.client_id
         group by c.client_id`,
      ),
      run<{ client_id: string; last: Date | string | null; items: string[] | null }>(
        em,
        sql`with i as (select client_id, occurred_at, id, action_items from interaction
                        where tenant_id = ${t} and client_id = any(${ids}::uuid[]) and deleted_at is null),
        last as (select client_id, max(occurred_at) as last from i group by client_id),
        items as (select distinct on (client_id) client_id, action_items from i
                   where cardinality(action_items) > 0 order by client_id, occurred_at desc, id desc)
        select last.client_id, last.last, items.action_items as items
          from last left join items on items.client_id = last.client_id`,
      ),
      run<{ client_id: string; n: string }>(
        em,
        sql`select client_id, count(*) as n from ticket
             where tenant_id = ${t} and client_id = any(${ids}::uuid[]) and status in ('OPEN', 'PENDING')
             group by client_id`,
      ),
    ]);
    const p = new Map(practices.map((r) => [r.client_id, r]));
    const i = new Map(interactions.map((r) => [r.client_id, r]));
    const k = new Map(tickets.map((r) => [r.client_id, int(r.n)]));
    return clientIds.map((id) => {
      const pr = p.get(id);
      const ir = i.get(id);
      return {
        openPractices: int(pr?.open),
        completedPractices: int(pr?.completed),
        totalQuoted: moneyList(pr?.quoted),
        totalPaid: moneyList(pr?.paid),
        lastContactAt: ir?.last ? new Date(ir.last) : null,
        pendingActionItems: ir?.items ?? [],
        openTickets: k.get(id) ?? 0,
        nextRenewalId: pr?.next_id ?? null,
        nextRenewalDate: pr?.next_date ?? null,
      };
    });
  }

  /** The dashboard header's figures: one statement. */
  async dashboardKpis(em: EntityManager, principal: Principal, window: Window): Promise<DashboardKpis> {
    const w = this.window(window);
    const t = principal.tenantId;
    const today = sql`(${this.clock.now()}::timestamptz at time zone z.tz)::date`;
    // From the rollup: deals per currency (counts summed here), clients, open practices; renewals
    // due from the practices expiring in the next days (an index range).
    const rows = await run<{
      tz: string;
      clients: string;
      new_clients: string;
      active_practices: string;
      renewals_due: string;
      cur: string | null;
      open: string | null;
      open_amt: string | null;
      won: string | null;
      won_amt: string | null;
      lost: string | null;
    }>(
      em,
      sql`with z as (${zone(t, w)}),
      now as (${current(t, ['d.open', 'p.open'])}),
      closed as (${facts(t, 'deal', 'closed_at', ['d.won', 'd.lost'], w)}),
      d as (
        select k2 as cur,
               sum(n) filter (where fact = 'd.open') as open,
               case when sum(m) filter (where fact = 'd.open') > 0 then sum(amt) filter (where fact = 'd.open') end as open_amt,
               sum(n) filter (where fact = 'd.won') as won,
               case when sum(m) filter (where fact = 'd.won') > 0 then sum(amt) filter (where fact = 'd.won') end as won_amt,
               sum(n) filter (where fact = 'd.lost') as lost
          from (select * from now where fact = 'd.open' union all select * from closed) x
         group by k2
      ),
      c as (
        select coalesce(sum(n), 0) as clients from analytics_daily where tenant_id = ${t} and fact = 'c.stage'
      ),
      nc as (
        select coalesce(sum(n), 0) as new_clients from (${facts(t, 'client', 'created_at', ['c.stage'], w)}) x
      ),
      p as (select coalesce(sum(n), 0) as active_practices from now where fact = 'p.open'),
      r as (
        select count(*) as renewals_due
          from practice p join practice_type pt on pt.id = p.type_id and pt.tenant_id = ${t} and pt.renewable
          cross join z
         where p.tenant_id = ${t} and p.renewed_at is null and p.status not in ${DEAD}
           and p.expiry_date >= ${today} and p.expiry_date <= ${today} + ${RENEWALS_DUE_DAYS}
      )
      select z.tz, c.clients, nc.new_clients, p.active_practices, r.renewals_due,
             d.cur, d.open, d.open_amt::text as open_amt, d.won, d.won_amt::text as won_amt, d.lost
        from z cross join c cross join nc cross join p cross join r left join d on true`,
    );
    const r = rows[0];
    const sum = (k: 'open' | 'won' | 'lost') => rows.reduce((s, x) => s + int(x[k]), 0);
    const won = sum('won');
    return {
      window: { from: w.from, to: w.to, timeZone: r.tz },
      clients: int(r.clients),
      newClients: int(r.new_clients),
      activePractices: int(r.active_practices),
      openDeals: sum('open'),
      pipelineValue: moneyOf(rows.map((x) => ({ cur: x.cur, amt: x.open_amt }))),
      dealsWon: won,
      wonValue: moneyOf(rows.map((x) => ({ cur: x.cur, amt: x.won_amt }))),
      conversionRate: ratio(won, won + sum('lost')),
      renewalsDue: int(r.renewals_due),
    };
  }
}

/** A row of a breakdown statement (see AnalyticsService.breakdown). */
interface BreakdownRow {
  g: string;
  k: string | null;
  n: string | number | null;
  s: Date | string | null;
  e: Date | string | null;
}

/** The parts of a breakdown statement's result. */
function breakdownOf(rows: BreakdownRow[]) {
  const one = (g: string) => rows.find((r) => r.g === g);
  return {
    timeZone: one('zone')!.k!,
    total: int(one('total')?.n),
    extra: int(one('extra')?.n),
    group: (g: string) => rows.filter((r) => r.g === g).map((r) => ({ k: r.k, count: int(r.n) })),
    periods: rows
      .filter((r) => r.g === 'bucket')
      .map((r) => ({ start: new Date(r.s!), end: new Date(r.e!), count: int(r.n) }))
      .sort((x, y) => x.start.getTime() - y.start.getTime()) as PeriodCount[],
  };
}

/** Money per currency from `(cur, amt)` rows, by currency. */
function moneyOf(rows: { cur: string | null; amt: string | null }[]): Money[] {
  return rows
    .filter((r) => r.cur !== null && r.amt !== null)
    .sort((a, b) => a.cur!.localeCompare(b.cur!))
    .map((r) => new Money(r.amt!, r.cur!));
}
