/**
 * Renewal scan benchmark: one tenant with BENCH_PRACTICES practices (default 1,000,000) of
 * BENCH_CLIENTS clients (default 100,000), expiring from 30 days ago to 400 days ahead over all the
 * default practice types (5 renewable, 2 not), mostly live, some CANCELLED/REJECTED or renewed.
 * Times, through the `runRenewalScan` mutation (ADMIN):
 *  1. the first scan (raises one alert, and one RENEWAL_ALERT_RAISED event, per due practice);
 *  2. the outbox relay publishing all those events (until no event has `published_at` null);
 *  3. a rerun the same day (raises nothing);
 *  4. the scan of the next day (application clock moved forward a day), and its relay drain.
 * Checks the counts against the data (exact expected alerts, alert rows, events) and throws on a
 * mismatch. Against a fresh PostgreSQL database (and Redis when REDIS_URL is set); the in-process
 * renewal schedule is off so that only the timed scans run. BENCH_KEEP_DB=1 keeps the database.
 */
import { loadavg } from 'node:os';

import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { addDays } from '../src/platform/clock.js';
import { freshDatabase, gql, startBenchApp } from './lib.js';

const PRACTICES = Number(process.env.BENCH_PRACTICES ?? 1_000_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? Math.max(1, Math.round(PRACTICES / 10)));
/** Expiry dates run from today - PAST_DAYS to today + FUTURE_DAYS (431 days: a prime, so the spread is even). */
const PAST_DAYS = 30;
const FUTURE_DAYS = 400;
/** Statuses a practice can be live in (the scan skips CANCELLED and REJECTED). */
const LIVE_STATUSES = [
  'INQUIRY',
  'QUOTATION_SENT',
  'PAYMENT_PENDING',
  'IN_PROGRESS',
  'WAITING_DOCUMENTS',
  'SUBMITTED',
  'APPROVED',
  'COMPLETED',
];
const SCAN = 'mutation { runRenewalScan { raised reopened asOf } }';

interface Scan {
  raised: number;
  reopened: number;
  asOf: string;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`renewals bench: check failed: ${what}`);
}

/** 1-minute load average, rounded. */
function load(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

export async function runRenewalsBench(): Promise<Record<string, unknown>> {
  const db = await freshDatabase();
  // JOBS off: the inline renewal schedule would otherwise scan the tenant on its own.
  const app = await startBenchApp(db.url, { JOBS: 'off' });
  const loads: Record<string, number> = { start: load() };
  try {
    const { token, tenant, member } = await app.services.tenancy.mintToken(app.db.orm.em, {
      email: 'bench@bench.test',
      tenant: 'bench',
    });
    const em = app.db.orm.em.fork() as SqlEntityManager;
    const today = app.services.renewals.today(tenant);
    const offsets = [...tenant.renewalOffsets].sort((a, b) => a - b);
    const maxOffset = offsets.at(-1)!;
    const count = async (sql: string, params: unknown[] = []): Promise<number> =>
      Number((await em.execute<{ n: string }[]>(sql, params))[0].n);

    // Data: clients and practices, each with one insert … select from generate_series. Practice g
    // gets client 1 + g % CLIENTS, type g % 7 (by code), expiry today - 30 + g % 431, status
    // CANCELLED (1 in 20) or REJECTED (1 in 97) or a live one, renewed (1 in 53), assigned (1 in 2).
    const t0 = performance.now();
    await em.execute(
      `insert into client (id, tenant_id, full_name, email)
       select md5('bench-client-' || g)::uuid, ?, 'Bench Client ' || g, 'client' || g || '@bench.test'
       from generate_series(1, ?::int) g`,
      [tenant.id, CLIENTS],
    );
    const clientSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await em.execute(
      `insert into practice (id, tenant_id, client_id, type_id, status, expiry_date, renewed_at, assigned_to_id)
       select gen_random_uuid(), ?, md5('bench-client-' || (1 + g % ?::int))::uuid,
              (select array_agg(id order by code) from practice_type where tenant_id = ?)[1 + g % 7],
              case when g % 20 = 0 then 'CANCELLED' when g % 97 = 0 then 'REJECTED'
                   else (?::text[])[1 + (g / 7) % ?::int] end,
              ?::date - ?::int + (g % ?::int),
              case when g % 53 = 0 then now() end,
              case when g % 2 = 0 then ?::uuid end
       from generate_series(1, ?::int) g`,
      [
        tenant.id,
        CLIENTS,
        tenant.id,
        `{${LIVE_STATUSES.join(',')}}`,
        LIVE_STATUSES.length,
        today,
        PAST_DAYS,
        PAST_DAYS + FUTURE_DAYS + 1,
        member.id,
        PRACTICES,
      ],
    );
    const practiceSeconds = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    await em.execute('analyze client');
    await em.execute('analyze practice');
    const analyzeSeconds = (performance.now() - t2) / 1000;
    check((await count('select count(*) as n from practice')) === PRACTICES, `${PRACTICES} practices inserted`);

    /** Practices due for an alert as of `asOf`: renewable, live, not renewed, expiring in the window. */
    const due = (asOf: string, extra = '', params: unknown[] = []) =>
      count(
        `select count(*) as n from practice p join practice_type pt on pt.id = p.type_id
          where pt.renewable and p.renewed_at is null and p.status not in ('CANCELLED', 'REJECTED')
            and p.expiry_date between ?::date and ?::date + ?::int ${extra}`,
        [asOf, asOf, maxOffset, ...params],
      );
    const alerts = () => count('select count(*) as n from renewal_alert');
    const raisedEvents = () => count(`select count(*) as n from timeline_event where type = 'RENEWAL_ALERT_RAISED'`);
    const unpublished = () => count('select count(*) as n from timeline_event where published_at is null');
    /** Seconds until the outbox relay has published every event (polled every 100 ms). */
    const drain = async (): Promise<number> => {
      const s = performance.now();
      while ((await unpublished()) > 0) {
        if (performance.now() - s > 1_800_000) throw new Error('renewals bench: relay did not drain in 30 min');
        await new Promise((r) => setTimeout(r, 100));
      }
      return (performance.now() - s) / 1000;
    };
    const scan = async (): Promise<{ result: Scan; seconds: number }> => {
      const s = performance.now();
      const data = await gql<{ runRenewalScan: Scan }>(app.url, token, SCAN);
      return { result: data.runRenewalScan, seconds: (performance.now() - s) / 1000 };
    };

    // 1. First scan, then the relay publishing its events.
    await drain(); // events of the tenant's creation, if any
    loads.firstScan = load();
    const first = await scan();
    const firstDrainSeconds = await drain();
    const expectedFirst = await due(first.result.asOf);
    check(first.result.asOf === today, `first scan as of ${first.result.asOf}, expected ${today}`);
    check(first.result.raised > 0, 'the first scan raised alerts');
    check(
      first.result.raised === expectedFirst,
      `first scan raised ${first.result.raised}, expected ${expectedFirst} (one per due practice)`,
    );
    check(first.result.reopened === 0, `first scan reopened ${first.result.reopened}, expected 0`);
    const alertsAfterFirst = await alerts();
    check(alertsAfterFirst === first.result.raised, `${alertsAfterFirst} alert rows after the first scan`);
    const eventsAfterFirst = await raisedEvents();
    check(eventsAfterFirst === alertsAfterFirst, `${eventsAfterFirst} RENEWAL_ALERT_RAISED events`);

    // 2. Rerun the same day: nothing new.
    loads.rerun = load();
    const rerun = await scan();
    check(rerun.result.raised === 0, `rerun raised ${rerun.result.raised}, expected 0`);
    check((await alerts()) === alertsAfterFirst, 'rerun added no alert rows');

    // 3. The next day: the practices crossing an offset (and those entering the window) raise one more.
    app.services.clock.set(new Date(Date.now() + 86_400_000));
    const nextAsOf = addDays(first.result.asOf, 1);
    const crossing = offsets.map((o) => addDays(nextAsOf, o));
    const expectedNext = await due(nextAsOf, `and p.expiry_date = any(?::date[])`, [`{${crossing.join(',')}}`]);
    loads.nextDay = load();
    const next = await scan();
    const nextDrainSeconds = await drain();
    check(next.result.asOf === nextAsOf, `next-day scan as of ${next.result.asOf}, expected ${nextAsOf}`);
    check(next.result.raised === expectedNext, `next-day scan raised ${next.result.raised}, expected ${expectedNext}`);
    const alertsAfterNext = await alerts();
    check(
      alertsAfterNext === first.result.raised + next.result.raised,
      `${alertsAfterNext} alert rows after the next-day scan, expected ${first.result.raised + next.result.raised}`,
    );
    const eventsAfterNext = await raisedEvents();
    check(eventsAfterNext === alertsAfterNext, `${eventsAfterNext} RENEWAL_ALERT_RAISED events after the next day`);
    loads.end = load();

    if (process.env.BENCH_KEEP_DB) console.log(`keeping database ${db.url}`);
    return {
      redis: Boolean(process.env.REDIS_URL),
      rows: { clients: CLIENTS, practices: PRACTICES, duePractices: expectedFirst },
      offsets,
      insertSeconds: { clients: clientSeconds, practices: practiceSeconds, analyze: analyzeSeconds },
      firstScan: { seconds: first.seconds, ...first.result },
      firstRelayDrainSeconds: firstDrainSeconds,
      rerun: { seconds: rerun.seconds, ...rerun.result },
      nextDay: { seconds: next.seconds, ...next.result, relayDrainSeconds: nextDrainSeconds },
      alertRows: alertsAfterNext,
      raisedEvents: eventsAfterNext,
      loadAverage1m: loads,
    };
  } finally {
    await app.close();
    if (!process.env.BENCH_KEEP_DB) await db.drop();
  }
}
