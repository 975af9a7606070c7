import { randomUUID } from 'node:crypto';

import type { SqlEntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';

import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import {
  CreateClientDocument,
  LogInteractionDocument,
  TimelineDocument,
  TimelineEventAddedDocument,
  UpdateClientDocument,
} from './generated/graphql.js';
import { redisProxy } from './helpers/redis-proxy.js';
import { nextResults, startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

describe('Live timeline (graphql-ws, outbox)', () => {
  let server: TestServer;
  let tokenA: string;
  let tokenB: string;
  const slugA = uniq('live-a');

  beforeAll(async () => {
    server = await startTestServer();
    tokenA = await server.tokenFor(slugA);
    tokenB = await server.tokenFor(uniq('live-b'));
  });
  afterAll(() => server.close());

  const ws = (token: string) => server.ws({ authorization: `Bearer ${token}` });

  it("delivers committed events of the subscriber's tenant, filtered by client and types, never another tenant's", async () => {
    const c = await server.gql(CreateClientDocument, { input: { fullName: 'Live One' } }, tokenA);
    const clientId = c.data!.createClient.client!.id;
    const all = nextResults(ws(tokenA), TimelineEventAddedDocument, {}, 2);
    const onlyClient = nextResults(
      ws(tokenA),
      TimelineEventAddedDocument,
      { clientId, types: ['INTERACTION_LOGGED'] },
      1,
    );
    const otherTenant = nextResults(ws(tokenB), TimelineEventAddedDocument, {}, 1);
    await Promise.all([all.ready, onlyClient.ready, otherTenant.ready]);
    await server.gql(UpdateClientDocument, { input: { id: clientId, nationality: 'German' } }, tokenA);
    await server.gql(LogInteractionDocument, { input: { clientId, kind: 'CALL', summary: 'Called' } }, tokenA);
    expect((await all.results).map((r) => r.timelineEventAdded.type)).toEqual(['CLIENT_UPDATED', 'INTERACTION_LOGGED']);
    const [only] = await onlyClient.results;
    expect(only.timelineEventAdded).toMatchObject({ type: 'INTERACTION_LOGGED', client: { id: clientId } });
    // Sentinel: B's own event, caused after A's were delivered, is the first B receives.
    await server.gql(CreateClientDocument, { input: { fullName: 'Other Tenant' } }, tokenB);
    const [own] = await otherTenant.results;
    expect(own.timelineEventAdded).toMatchObject({ type: 'CLIENT_CREATED', summary: 'Client Other Tenant created' });
  });

  it('delivers through the relay an event committed by a process that died before publishing', async () => {
    const c = await server.gql(CreateClientDocument, { input: { fullName: 'Crash Test' } }, tokenA);
    const clientId = c.data!.createClient.client!.id;
    // (Only the kind of the row below: the client's creation may still be on its way.)
    const sub = nextResults(ws(tokenA), TimelineEventAddedDocument, { clientId, types: ['CLIENT_UPDATED'] }, 1, 5000);
    await sub.ready;
    // What a crash between commit and publish leaves behind: a committed row with published_at null.
    const em = server.app.db.orm.em.fork() as SqlEntityManager;
    const tenant = await em.findOneOrFail(Tenant, { slug: slugA });
    const rawClientId = Buffer.from(clientId, 'base64url').toString().split(':')[1];
    await em.execute(
      `insert into timeline_event (id, tenant_id, type, actor_label, subject_type, subject_id, client_id, summary, data)
       values (?, ?, 'CLIENT_UPDATED', 'crashed process', 'Client', ?, ?, 'committed before the crash', '{}')`,
      [randomUUID(), tenant.id, rawClientId, rawClientId],
    );
    const [event] = await sub.results;
    expect(event.timelineEventAdded.summary).toBe('committed before the crash');
  });

  (usingPostgres ? it : it.skip)(
    'delivers an event that commits after a later-numbered one (commit order is not sequence order)',
    async () => {
      const c = await server.gql(CreateClientDocument, { input: { fullName: 'Late Commit' } }, tokenA);
      const clientId = c.data!.createClient.client!.id;
      const rawClientId = Buffer.from(clientId, 'base64url').toString().split(':')[1];
      const tenantId = (await server.app.db.orm.em.fork().findOneOrFail(Tenant, { slug: slugA })).id;
      const sub = nextResults(ws(tokenA), TimelineEventAddedDocument, { clientId }, 2, 8000);
      const probe = nextResults(ws(tokenA), TimelineEventAddedDocument, { clientId }, 1, 8000);
      await Promise.all([sub.ready, probe.ready]);
      const insert = (db: pg.Client, summary: string) =>
        db.query<{ seq: string }>(
          `insert into timeline_event (id, tenant_id, type, actor_label, subject_type, subject_id, client_id, summary, data)
           values ($1, $2, 'CLIENT_UPDATED', 'test', 'Client', $3, $3, $4, '{}') returning seq`,
          [randomUUID(), tenantId, rawClientId, summary],
        );
      const [a, b] = [
        new pg.Client({ connectionString: server.app.config.DATABASE_URL }),
        new pg.Client({ connectionString: server.app.config.DATABASE_URL }),
      ];
      await Promise.all([a.connect(), b.connect()]);
      try {
        await a.query('begin');
        const seqA = BigInt((await insert(a, 'numbered first, committed last')).rows[0].seq);
        await b.query('begin');
        const seqB = BigInt((await insert(b, 'numbered second, committed first')).rows[0].seq);
        expect(seqA < seqB).toBe(true);
        await b.query('commit');
        // Commit A once B has been delivered (to the probe, hence to every subscriber of this process).
        await probe.results;
        await a.query('commit');
        const got = (await sub.results).map((r) => r.timelineEventAdded.summary);
        expect(got).toEqual(['numbered second, committed first', 'numbered first, committed last']);
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    },
  );

  it('replays the events after a cursor in order, then continues live, without duplicates', async () => {
    const c = await server.gql(CreateClientDocument, { input: { fullName: 'Resumer' } }, tokenA);
    const clientId = c.data!.createClient.client!.id;
    const first = await server.gql(TimelineDocument, { first: 1, filter: { clientId } }, tokenA);
    const cursor = first.data!.timeline.edges[0].cursor;
    for (const n of [1, 2, 3])
      await server.gql(LogInteractionDocument, { input: { clientId, kind: 'NOTE', summary: `missed ${n}` } }, tokenA);
    const sub = nextResults(ws(tokenA), TimelineEventAddedDocument, { clientId, after: cursor }, 5);
    await sub.ready;
    await server.gql(LogInteractionDocument, { input: { clientId, kind: 'NOTE', summary: 'live 1' } }, tokenA);
    await server.gql(LogInteractionDocument, { input: { clientId, kind: 'NOTE', summary: 'live 2' } }, tokenA);
    const got = (await sub.results).map((r) => r.timelineEventAdded);
    expect(got.map((e) => e.summary)).toEqual([
      'NOTE logged: missed 1',
      'NOTE logged: missed 2',
      'NOTE logged: missed 3',
      'NOTE logged: live 1',
      'NOTE logged: live 2',
    ]);
    expect(new Set(got.map((e) => e.id)).size).toBe(5);
  });

  it('rejects a malformed resume cursor with BAD_USER_INPUT', async () => {
    const sub = nextResults(ws(tokenA), TimelineEventAddedDocument, { after: 'garbage' }, 1, 3000);
    await expect(sub.results).rejects.toThrow(/BAD_USER_INPUT|Invalid timeline cursor/);
  });

  (usingPostgres && process.env.REDIS_URL ? it : it.skip)(
    'delivers to a subscriber on another instance within a second (shared PostgreSQL and Redis)',
    async () => {
      const second = await startTestServer({}, { shareWith: server });
      try {
        const sub = nextResults(
          second.ws({ authorization: `Bearer ${tokenA}` }),
          TimelineEventAddedDocument,
          { types: ['CLIENT_CREATED'] },
          1,
          3000,
        );
        await sub.ready;
        const started = Date.now();
        await server.gql(CreateClientDocument, { input: { fullName: 'Cross Instance' } }, tokenA);
        const [event] = await sub.results;
        expect(event.timelineEventAdded.summary).toBe('Client Cross Instance created');
        console.log(`cross-instance timeline event after ${Date.now() - started} ms`);
      } finally {
        await second.close();
      }
    },
  );
  (usingPostgres && process.env.REDIS_URL ? it : it.skip)(
    "catches up from PostgreSQL on events another instance published while this one's Redis connection was down",
    async () => {
      const redis = new URL(process.env.REDIS_URL!);
      const proxy = await redisProxy(redis.hostname, Number(redis.port || 6379));
      const second = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, { shareWith: server });
      try {
        const sub = nextResults(
          second.ws({ authorization: `Bearer ${tokenA}` }),
          TimelineEventAddedDocument,
          { types: ['CLIENT_CREATED'] },
          2,
          15_000,
        );
        await sub.ready;
        proxy.cut(); // the second instance's Redis connections drop, and cannot come back yet
        await server.gql(CreateClientDocument, { input: { fullName: 'While Away' } }, tokenA);
        // The first instance publishes it at once (its relay runs after each commit): gone for the second.
        const em = server.app.db.orm.em.fork() as SqlEntityManager;
        for (let i = 0; i < 50; i++) {
          const [row] = await em.execute<{ published: boolean }[]>(
            `select published_at is not null as published from timeline_event where summary = 'Client While Away created'`,
          );
          if (row?.published) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const resubscribed = new Promise<void>((r) => second.app.pubsub.onResubscribed!(r));
        proxy.restore();
        const events = sub.results;
        // A live event after the reconnect follows the caught-up one.
        await resubscribed;
        await server.gql(CreateClientDocument, { input: { fullName: 'After Return' } }, tokenA);
        expect((await events).map((e) => e.timelineEventAdded.summary)).toEqual([
          'Client While Away created',
          'Client After Return created',
        ]);
      } finally {
        await second.close();
        await proxy.close();
      }
    },
  );
  (usingPostgres && process.env.REDIS_URL ? it : it.skip)(
    `does not replay the tenant's whole history after a Redis reconnect when its newest event could not be read${usingPostgres && process.env.REDIS_URL ? '' : ' (needs DATABASE_URL and REDIS_URL)'}`,
    async () => {
      const slug = uniq('unread');
      const token = await server.tokenFor(slug);
      for (const n of [1, 2]) await server.gql(CreateClientDocument, { input: { fullName: `History ${n}` } }, token);
      const redis = new URL(process.env.REDIS_URL!);
      const proxy = await redisProxy(redis.hostname, Number(redis.port || 6379));
      const second = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, { shareWith: server });
      const config = second.app.db.orm.config;
      const onQuery = config.get('onQuery');
      try {
        // The tenant timeline's read of its newest event (where a catch-up would start) fails once.
        let failed = 0;
        config.set('onQuery', (sql: string, params: readonly unknown[]) => {
          if (!failed && /from "timeline_event".*order by "t0"\."position" desc limit/i.test(sql)) {
            failed++;
            return 'select * from "newest_event_unreadable_in_this_test"';
          }
          return onQuery(sql, params);
        });
        const sub = nextResults(
          second.ws({ authorization: `Bearer ${token}` }),
          TimelineEventAddedDocument,
          {},
          1,
          15_000,
        );
        await sub.ready;
        config.set('onQuery', onQuery);
        expect(failed).toBe(1);

        const resubscribed = new Promise<void>((r) => second.app.pubsub.onResubscribed!(r));
        proxy.cut();
        proxy.restore();
        await resubscribed; // the timeline's catch-up (if any) runs before what arrives next
        await server.gql(CreateClientDocument, { input: { fullName: 'After Reconnect' } }, token);
        const [first] = await sub.results;
        expect(first.timelineEventAdded.summary).toBe('Client After Reconnect created'); // not History 1
      } finally {
        config.set('onQuery', onQuery);
        await second.close();
        await proxy.close();
      }
    },
  );
});
