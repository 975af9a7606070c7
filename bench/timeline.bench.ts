/**
 * Timeline benchmarks (issue: the event spine):
 *  1. publish-to-receive latency of timelineEventAdded over 1,000 events (graphql-ws subscriber);
 *  2. time to fetch a page of 50 from the timeline of a client with 1,000,000 events.
 * Against a fresh PostgreSQL database (and Redis when REDIS_URL is set).
 */
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { NEWEST_FIRST, TimelineEvent } from '../src/modules/timeline/timeline-event.entity.js';
import { encodeCursor } from '../src/platform/graphql/connection.js';
import { freshDatabase, gql, percentile, startBenchApp } from './lib.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const BIG = Number(process.env.BENCH_TIMELINE_ROWS ?? 1_000_000);

export async function runTimelineBench(): Promise<Record<string, unknown>> {
  const db = await freshDatabase();
  const app = await startBenchApp(db.url);
  try {
    const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
      email: 'bench@bench.test',
      tenant: 'bench',
    });
    const client = await gql(
      app.url,
      token,
      'mutation { createClient(input: { fullName: "Bench" }) { client { id } } }',
    );
    const clientId = client.createClient.client.id as string;

    // 1. Latency: mutation sent → event received over graphql-ws, sequentially.
    const ws = createClient({
      url: `${app.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const pending = new Map<string, (t: number) => void>();
    ws.subscribe(
      {
        query: 'subscription($c: ID) { timelineEventAdded(clientId: $c, types: [INTERACTION_LOGGED]) { summary } }',
        variables: { c: clientId },
      },
      {
        next: (v) => pending.get((v.data as any).timelineEventAdded.summary)?.(performance.now()),
        error: (e) => console.error(e),
        complete: () => undefined,
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    const latencies: number[] = [];
    const roundTrips: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const summary = `NOTE logged: e${i}`;
      const received = new Promise<number>((resolve) => pending.set(summary, resolve));
      const sent = performance.now();
      await gql(
        app.url,
        token,
        'mutation($i: LogInteractionInput!) { logInteraction(input: $i) { interaction { id } } }',
        { i: { clientId, kind: 'NOTE', summary: `e${i}` } },
      );
      const answered = performance.now();
      const at = await received;
      pending.delete(summary);
      latencies.push(at - answered);
      roundTrips.push(at - sent);
    }
    await ws.dispose();

    // 2. A client with BIG events: bulk insert, then time pages of 50 (first page and deep pages).
    const em = app.db.orm.em.fork() as SqlEntityManager;
    const tenant = await em.findOneOrFail(Tenant, { slug: 'bench' });
    const rawClient = Buffer.from(clientId, 'base64url').toString().split(':')[1];
    const t0 = performance.now();
    await em.execute(
      `insert into timeline_event (id, tenant_id, type, actor_label, subject_type, subject_id, client_id, summary, data, occurred_at, published_at)
       select gen_random_uuid(), ?, 'INTERACTION_LOGGED', 'bench', 'Client', ?, ?, 'bulk event ' || g, '{}', now() - (g || ' seconds')::interval, now()
       from generate_series(1, ?) g`,
      [tenant.id, rawClient, rawClient, BIG],
    );
    await em.execute('analyze timeline_event');
    const insertSeconds = (performance.now() - t0) / 1000;
    const pageQuery =
      'query($id: ID!, $after: String) { client(id: $id) { timeline(first: 50, after: $after) { edges { cursor node { id type summary occurredAt } } pageInfo { endCursor } } } }';
    const firstPage: number[] = [];
    let after: string | undefined;
    for (let i = 0; i < 30; i++) {
      const s = performance.now();
      await gql(app.url, token, pageQuery, { id: clientId });
      firstPage.push(performance.now() - s);
    }
    // Walk deep: 20 pages of 50 starting at the 500,000th event.
    const deepCursor = await em.execute<{ seq: string }[]>(
      'select seq from timeline_event where client_id = ? order by seq desc offset ? limit 1',
      [rawClient, Math.floor(BIG / 2)],
    );
    after = encodeCursor(
      em.getMetadata().find(TimelineEvent)!,
      { seq: deepCursor[0].seq } as never,
      NEWEST_FIRST as never,
    );
    const deepPages: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const page: any = await gql(app.url, token, pageQuery, { id: clientId, after });
      deepPages.push(performance.now() - s);
      after = page.client.timeline.pageInfo.endCursor;
    }
    const result = {
      events: EVENTS,
      redis: Boolean(process.env.REDIS_URL),
      commitToReceiveMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      sendToReceiveMs: { p50: percentile(roundTrips, 50), p99: percentile(roundTrips, 99) },
      bigTimeline: {
        rows: BIG,
        insertSeconds,
        firstPageMs: { p50: percentile(firstPage, 50), p99: percentile(firstPage, 99) },
        deepPageMs: { p50: percentile(deepPages, 50), p99: percentile(deepPages, 99) },
      },
    };
    return result;
  } finally {
    await app.close();
    await db.drop();
  }
}
