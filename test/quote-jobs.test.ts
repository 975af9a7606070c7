/**
 * The quote-expiry schedule (`quotes-expiry`, every RENEWAL_TICK_SECONDS): inline in the API
 * (embedded default) with the app clock moved, and on two `npm run worker` processes (BullMQ on
 * Redis) sharing one PostgreSQL database, where each SENT quote past its validity still gets
 * exactly one QUOTE_EXPIRED.
 */
import type { ChildProcess } from 'node:child_process';

import { expect } from '@jest/globals';

import { addDays, localDateTime } from '../src/platform/clock.js';
import {
  CreateClientDocument,
  CreateQuoteDocument,
  QuoteByIdDocument,
  QuoteTimelineDocument,
  SendQuoteDocument,
} from './generated/graphql.js';
import { startWorker as spawnWorker, stopProcess } from './helpers/process.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer, uniq } from './helpers/server.js';

const LINE = { description: 'KITAS service fee', unitPrice: '1500000', taxRate: '11' };
/** The tenants' time zone (the default). */
const ZONE = 'Asia/Makassar';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A tenant with one quote per entry: valid until `validUntil`, SENT unless `draft`. Created and
 * sent at the app clock's current time. Returns the admin token and the quote ids.
 */
async function tenantWithQuotes(server: TestServer, prefix: string, quotes: { validUntil: string; draft?: boolean }[]) {
  const token = await server.tokenFor(uniq(prefix), 'ADMIN');
  const c = await server.gql(CreateClientDocument, { input: { fullName: `${prefix} client` } }, token);
  expect(c.data?.createClient.userErrors).toEqual([]);
  const clientId = c.data!.createClient.client!.id;
  const ids: string[] = [];
  for (const { validUntil, draft } of quotes) {
    const q = await server.gql(CreateQuoteDocument, { input: { clientId, validUntil, lineItems: [LINE] } }, token);
    expect(q.data?.createQuote.userErrors).toEqual([]);
    const id = q.data!.createQuote.quote!.id;
    if (!draft) {
      const s = await server.gql(SendQuoteDocument, { input: { id } }, token);
      expect(s.data?.sendQuote.userErrors).toEqual([]);
    }
    ids.push(id);
  }
  return { token, ids };
}

/** The ids of the quotes with a QUOTE_EXPIRED event, one entry per event. */
async function expiredEvents(server: TestServer, token: string): Promise<string[]> {
  const r = await server.gql(QuoteTimelineDocument, { first: 100, filter: { types: ['QUOTE_EXPIRED'] } }, token);
  expect(r.errors).toBeUndefined();
  return r.data!.timeline.nodes.map((e) => (e.subject as { id: string }).id).sort();
}

const statusOf = async (server: TestServer, token: string, id: string) =>
  (await server.gql(QuoteByIdDocument, { id }, token)).data!.quote!.status;

describe('Quote-expiry schedule, inline (JOBS=inline)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ JOBS: 'inline', RENEWAL_TICK_SECONDS: '1' });
  });
  afterAll(() => server.close());

  it('expires each SENT quote once, when the app clock passes its tenant-local validity day, and not before', async () => {
    const TODAY = '2027-06-01';
    // Noon in Makassar (UTC+8).
    server.app.services.clock.set(`${TODAY}T04:00:00Z`);
    const t = await tenantWithQuotes(server, 'qexp-inline', [
      { validUntil: TODAY },
      { validUntil: addDays(TODAY, 3) },
      { validUntil: TODAY, draft: true },
      { validUntil: addDays(TODAY, 30) },
    ]);
    await new Promise((r) => setTimeout(r, 2500)); // ticks on the validity day itself
    expect(await expiredEvents(server, t.token)).toEqual([]);

    // 16:30 UTC is 00:30 the next day in Makassar: the first quote has run out there.
    server.app.services.clock.set(`${TODAY}T16:30:00Z`);
    await until('the first expiry', async () =>
      (await expiredEvents(server, t.token)).length === 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 3000)); // three more ticks
    expect(await expiredEvents(server, t.token)).toEqual([t.ids[0]]);

    server.app.services.clock.set(`${addDays(TODAY, 5)}T04:00:00Z`);
    await until('the second expiry', async () =>
      (await expiredEvents(server, t.token)).length === 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(await expiredEvents(server, t.token)).toEqual([t.ids[0], t.ids[1]].sort());
    const statuses = await Promise.all(t.ids.map((id) => statusOf(server, t.token, id)));
    expect(statuses).toEqual(['EXPIRED', 'EXPIRED', 'DRAFT', 'SENT']);
  }, 90_000);
});

const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

(shared ? describe : describe.skip)('Quote-expiry schedule on two workers (BullMQ, PostgreSQL)', () => {
  const prefix = uniq('meridian-qexp');
  let server: TestServer;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // The API runs no jobs (JOBS=worker); the workers run the schedule.
    server = await startTestServer({ JOBS: 'worker', REDIS_PREFIX: prefix });
  });
  afterAll(async () => {
    const codes = await Promise.all(workers.map(stopProcess));
    await server.close();
    expect(codes).toEqual([0, 0]);
  });

  function startWorker(): Promise<ChildProcess> {
    return spawnWorker({
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: server.app.config.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: TEST_JWT_SECRET,
      RENEWAL_TICK_SECONDS: '1',
    });
  }

  it('gives each SENT quote past its validity one QUOTE_EXPIRED however many workers tick', async () => {
    // The workers read the machine's clock. The quotes are written and sent with the API's clock
    // ten days back, so some are valid until a day the workers already see as past.
    const today = localDateTime(new Date(), ZONE).date;
    server.app.services.clock.set(new Date(Date.now() - 10 * 86_400_000));
    const a = await tenantWithQuotes(server, 'qexp-workers-a', [
      { validUntil: addDays(today, -2) },
      { validUntil: addDays(today, -3) },
      { validUntil: addDays(today, -5) },
      { validUntil: addDays(today, 30) },
      { validUntil: addDays(today, -2), draft: true },
    ]);
    const b = await tenantWithQuotes(server, 'qexp-workers-b', [{ validUntil: addDays(today, -1) }]);
    server.app.services.clock.set(new Date());
    workers.push(await startWorker(), await startWorker());

    await until('both tenants expired', async () =>
      (await expiredEvents(server, a.token)).length === 3 && (await expiredEvents(server, b.token)).length === 1
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 4000)); // several ticks on both workers
    expect(await expiredEvents(server, a.token)).toEqual(a.ids.slice(0, 3).sort());
    expect(await expiredEvents(server, b.token)).toEqual(b.ids);
    const statuses = await Promise.all(a.ids.map((id) => statusOf(server, a.token, id)));
    expect(statuses).toEqual(['EXPIRED', 'EXPIRED', 'EXPIRED', 'SENT', 'DRAFT']);
  }, 90_000);
});
