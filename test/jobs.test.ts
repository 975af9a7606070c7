/**
 * Background jobs. The daily renewal scan on its schedule: inline in the API (embedded default),
 * and on two `npm run worker` processes (BullMQ on Redis) sharing one PostgreSQL database, where
 * each tenant's scheduled scan still runs once per day; and background extractions (wait: false)
 * queued by the API and run by those workers.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { expect, jest } from '@jest/globals';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';

import {
  CreateClientDocument,
  CreatePracticeDocument,
  CreateQuoteDocument,
  ExtractionCompletedDocument,
  IngestConversationDocument,
  QuotesPageDocument,
  QuoteTimelineDocument,
  RenewalAlertRaisedDocument,
  RenewalAlertsDocument,
  SendQuoteDocument,
  UpdateRenewalSettingsDocument,
} from './generated/graphql.js';
import { stopProcess } from './helpers/process.js';
import { nextResults, startTestServer, startWorkerFor, type TestServer, uniq } from './helpers/server.js';
import { callsFromNow, scheduledRunsFromNow, until } from './helpers/wait.js';

const run = promisify(execFile);

/** Today in Asia/Makassar plus `days`. */
function makassarDate(days = 0, from = new Date()): string {
  const local = new Date(from.getTime() + 8 * 3600_000 + days * 86_400_000);
  return local.toISOString().slice(0, 10);
}

/** The UTC instant of local time `hhmm` on `date` in Asia/Makassar (UTC+8). */
function makassarAt(date: string, hhmm: string): Date {
  return new Date(new Date(`${date}T${hhmm}:00Z`).getTime() - 8 * 3600_000);
}

/**
 * Creates a tenant with practices expiring in `days`, then sets its daily scan time (so no scan
 * can run before the practices exist); returns its admin token and id.
 */
async function tenantWithPractices(server: TestServer, prefix: string, days: number[], scanTime = '00:00') {
  const slug = uniq(prefix);
  const token = await server.tokenFor(slug, 'ADMIN');
  const c = await server.gql(CreateClientDocument, { input: { fullName: `${prefix} client` } }, token);
  const clientId = c.data!.createClient.client!.id;
  for (const d of days) {
    const p = await server.gql(
      CreatePracticeDocument,
      { input: { clientId, practiceTypeCode: 'KITAS', expiryDate: makassarDate(d, server.app.services.clock.now()) } },
      token,
    );
    expect(p.data?.createPractice.userErrors).toEqual([]);
  }
  const settings = await server.gql(UpdateRenewalSettingsDocument, { input: { scanTime } }, token);
  expect(settings.data?.updateRenewalSettings.userErrors).toEqual([]);
  const tenantId = (
    await server.app.db.orm.em.fork().getConnection().execute(`select id from tenant where slug = ?`, [slug])
  )[0].id as string;
  return { token, tenantId };
}

async function scheduledScans(
  server: TestServer,
  tenantId: string,
): Promise<{ scheduled_for: string; raised: number }[]> {
  const em = server.app.db.orm.em.fork() as SqlEntityManager;
  return em.execute(
    `select to_char(scheduled_for, 'YYYY-MM-DD') as scheduled_for, raised from renewal_scan
      where tenant_id = ? and trigger = 'SCHEDULED' order by scheduled_for`,
    [tenantId],
  );
}

/** A tenant with `n` SENT quotes valid until `validUntil` (by the server's clock, which must allow it). */
async function tenantWithSentQuotes(server: TestServer, prefix: string, validUntil: string, n: number) {
  const token = await server.tokenFor(uniq(prefix), 'ADMIN');
  const c = await server.gql(CreateClientDocument, { input: { fullName: `${prefix} client` } }, token);
  const clientId = c.data!.createClient.client!.id;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const q = await server.gql(
      CreateQuoteDocument,
      { input: { clientId, validUntil, lineItems: [{ description: 'Fee', unitPrice: '1000' }] } },
      token,
    );
    expect(q.data?.createQuote.userErrors).toEqual([]);
    const sent = await server.gql(SendQuoteDocument, { input: { id: q.data!.createQuote.quote!.id } }, token);
    expect(sent.data?.sendQuote.quote?.status).toBe('SENT');
    ids.push(sent.data!.sendQuote.quote!.id);
  }
  return { token, ids };
}

/** The ids of the quotes with a QUOTE_EXPIRED event (one entry per event), and how many quotes are EXPIRED. */
async function quoteExpiry(server: TestServer, token: string): Promise<{ events: string[]; expired: number }> {
  const events = await server.gql(QuoteTimelineDocument, { first: 100, filter: { types: ['QUOTE_EXPIRED'] } }, token);
  const quotes = await server.gql(QuotesPageDocument, { first: 1, filter: { statuses: ['EXPIRED'] } }, token);
  return {
    events: events.data!.timeline.nodes.map((e) => (e.subject as { id: string }).id).sort(),
    expired: quotes.data!.quotes.totalCount,
  };
}

async function alertCount(server: TestServer, token: string): Promise<number> {
  const r = await server.gql(RenewalAlertsDocument, { first: 1 }, token);
  return r.data!.renewalAlerts.totalCount;
}

describe('Renewal schedule, inline (JOBS=inline)', () => {
  let server: TestServer;
  /** Each run of the renewal tick and of the quotes expiry (the schedule calls through these spies). */
  let renewalTicks: { mock: { results: { value: unknown }[] } };
  let quoteTicks: { mock: { results: { value: unknown }[] } };
  beforeAll(async () => {
    server = await startTestServer({ JOBS: 'inline', RENEWAL_TICK_SECONDS: '1' });
    renewalTicks = jest.spyOn(server.app.services.renewals, 'tick');
    quoteTicks = jest.spyOn(server.app.services.quotes, 'expireDue');
  });
  afterAll(() => server.close());

  it('scans each tenant once a day after its scan time, and again on the next day', async () => {
    // 00:30 in Makassar: before the default 07:00 scan time, so nothing is due while tenants are set up.
    const day = makassarDate();
    server.app.services.clock.set(makassarAt(day, '00:30'));
    const due = await tenantWithPractices(server, 'inline-due', [5, 45], '00:00');
    const later = await tenantWithPractices(server, 'inline-later', [5], '23:59');

    await until('the scheduled scan', async () => ((await alertCount(server, due.token)) === 2 ? true : undefined));
    await callsFromNow(renewalTicks, 2, 'the renewal tick'); // the schedule looked again: no second scan
    expect(await scheduledScans(server, due.tenantId)).toEqual([{ scheduled_for: day, raised: 2 }]);
    expect(await alertCount(server, due.token)).toBe(2);
    expect(await scheduledScans(server, later.tenantId)).toEqual([]);
    expect(await alertCount(server, later.token)).toBe(0);

    // The next day: nothing new to raise, but one more scheduled scan.
    server.app.services.clock.set(makassarAt(makassarDate(1, makassarAt(day, '12:00')), '00:30'));
    await until('the next day scan', async () =>
      (await scheduledScans(server, due.tenantId)).length === 2 ? true : undefined,
    );
    await callsFromNow(renewalTicks, 2, 'the renewal tick');
    expect((await scheduledScans(server, due.tenantId)).map((s) => s.raised)).toEqual([2, 0]);
    expect(await scheduledScans(server, later.tenantId)).toEqual([]);
  }, 60_000);

  it('expires SENT quotes once the local day passes validUntil, with one QUOTE_EXPIRED event each', async () => {
    const day = makassarDate(5);
    server.app.services.clock.set(makassarAt(day, '12:00'));
    const { token, ids } = await tenantWithSentQuotes(server, 'inline-quotes', day, 2);
    await callsFromNow(quoteTicks, 2, 'the quotes expiry'); // ticks on validUntil itself: still valid
    expect(await quoteExpiry(server, token)).toEqual({ events: [], expired: 0 });
    server.app.services.clock.set(makassarAt(makassarDate(1, makassarAt(day, '12:00')), '00:30'));
    await until('the quotes expired', async () =>
      (await quoteExpiry(server, token)).expired === 2 ? true : undefined,
    );
    await callsFromNow(quoteTicks, 2, 'the quotes expiry'); // more ticks: no second event
    expect(await quoteExpiry(server, token)).toEqual({ events: [...ids].sort(), expired: 2 });
  }, 60_000);
});

const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

(shared ? describe : describe.skip)('Jobs on two workers (BullMQ, PostgreSQL)', () => {
  const prefix = uniq('meridian-sched');
  let server: TestServer;
  const workers: ChildProcess[] = [];
  /** Reads the workers' BullMQ queue (which scheduled runs completed). */
  let redis: Redis;

  beforeAll(async () => {
    // The API runs no jobs (JOBS=worker); it shares the workers' Redis prefix to receive their events.
    server = await startTestServer({ JOBS: 'worker', REDIS_PREFIX: prefix });
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    const codes = await Promise.all(workers.map(stopProcess));
    redis.disconnect();
    await server.close();
    expect(codes).toEqual([0, 0]);
  });

  const startWorker = (env: NodeJS.ProcessEnv = {}) =>
    startWorkerFor(server, prefix, { RENEWAL_TICK_SECONDS: '1', ...env });
  /** Waits for more runs of a recurring job on the workers, due after now (they looked at the state as it is now). */
  const moreTicks = (job: string) => scheduledRunsFromNow(redis, `${prefix}-jobs`, job, 2);

  it('runs each scheduled scan once however many workers tick, and the API delivers the alerts live', async () => {
    const a = await tenantWithPractices(server, 'workers-a', [3, 25, 59]);
    const b = await tenantWithPractices(server, 'workers-b', [80]);
    const live = nextResults(
      server.ws({ authorization: `Bearer ${a.token}` }),
      RenewalAlertRaisedDocument,
      {},
      3,
      30_000,
    );
    await live.ready;
    workers.push(await startWorker(), await startWorker());

    await until('both tenants scanned', async () =>
      (await alertCount(server, a.token)) === 3 && (await alertCount(server, b.token)) === 1 ? true : undefined,
    );
    await moreTicks('renewals-tick'); // several ticks, on either worker
    expect(await scheduledScans(server, a.tenantId)).toEqual([{ scheduled_for: makassarDate(), raised: 3 }]);
    expect(await scheduledScans(server, b.tenantId)).toEqual([{ scheduled_for: makassarDate(), raised: 1 }]);
    expect(await alertCount(server, a.token)).toBe(3);
    expect((await live.results).map((r) => r.renewalAlertRaised.daysBefore).sort((x, y) => x - y)).toEqual([7, 30, 60]);
  }, 90_000);

  it('expires SENT quotes past validUntil on the workers, one QUOTE_EXPIRED event per quote', async () => {
    expect(workers).toHaveLength(2); // started by the first test
    // Quotes valid until yesterday, written while the API's clock reads ten days ago; the workers'
    // clocks read today.
    server.app.services.clock.set(makassarAt(makassarDate(-10), '12:00'));
    const { token, ids } = await tenantWithSentQuotes(server, 'workers-quotes', makassarDate(-1), 3);
    server.app.services.clock.set(new Date());
    await until('the quotes expired', async () =>
      (await quoteExpiry(server, token)).expired === 3 ? true : undefined,
    );
    await moreTicks('quotes-expiry'); // several ticks, on either worker
    expect(await quoteExpiry(server, token)).toEqual({ events: [...ids].sort(), expired: 3 });
  }, 60_000);

  it('runs background extractions queued by the API (wait: false) on the workers', async () => {
    expect(workers).toHaveLength(2); // started by the test above
    const token = await server.tokenFor(uniq('workers-chat'), 'AGENT');
    const done = nextResults(
      server.ws({ authorization: `Bearer ${token}` }),
      ExtractionCompletedDocument,
      {},
      1,
      20_000,
    );
    await done.ready;
    const res = await server.gql(
      IngestConversationDocument,
      {
        input: {
          sessionId: 'worker-chat-1',
          wait: false,
          userEmail: 'john.smith@email.com',
          messages: [
            { role: 'user', content: 'Hi, my name is John Smith. I want to open a PT PMA for coffee export business.' },
          ],
        },
      },
      token,
    );
    expect(res.data!.ingestConversation.extraction).toMatchObject({ status: 'PENDING' });
    const [completed] = await done.results;
    expect(completed.extractionCompleted).toMatchObject({
      id: res.data!.ingestConversation.extraction!.id,
      status: 'SUCCEEDED',
      decision: 'APPLIED',
      result: { client: { fullName: 'John Smith' }, practice: { type: { code: 'PT_PMA' } } },
    });
  }, 60_000);

  it('stops on SIGTERM by closing everything it opened: the process then ends by itself, promptly', async () => {
    // The worker does not call process.exit once stopped: a handle left open (a Redis connection
    // BullMQ was given, a pool…) would keep it alive until its watchdog exits with 1 after
    // SHUTDOWN_TIMEOUT_MS + 5 s.
    const worker = await startWorker({ SHUTDOWN_TIMEOUT_MS: '1000' });
    const started = Date.now();
    const code = await stopProcess(worker);
    expect({ code, beforeTheWatchdog: Date.now() - started < 6000 }).toEqual({ code: 0, beforeTheWatchdog: true });
  }, 60_000);

  it('refuses to start a worker without DATABASE_URL or REDIS_URL', async () => {
    const env = { ...process.env, DATABASE_URL: '', REDIS_URL: '' };
    await expect(run(process.execPath, ['dist/src/worker.js'], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/DATABASE_URL/),
    });
  });
});
