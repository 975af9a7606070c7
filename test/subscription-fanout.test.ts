import type { EventEmitter } from 'node:events';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';

import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { timelineTopic } from '../src/modules/timeline/outbox.js';
import { LocalPubSub } from '../src/platform/pubsub.js';
import { CreateClientDocument } from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

type Event = Record<string, unknown>;
type Payload = { timelineEventAdded: Event };

const WITH_CLIENT = parse(
  'subscription { timelineEventAdded(types: [CLIENT_CREATED]) { id type summary client { id fullName } } }',
) as TypedDocumentNode<Payload, Record<string, never>>;
const SUMMARY_ONLY = parse(
  'subscription { timelineEventAdded(types: [CLIENT_CREATED]) { summary occurredAt } }',
) as TypedDocumentNode<Payload, Record<string, never>>;
const BY_TYPES = parse(
  'subscription ByTypes($types: [TimelineEventType!]) { timelineEventAdded(types: $types) { type summary } }',
) as TypedDocumentNode<Payload, Record<string, unknown>>;

const RENEWALS = parse('subscription { renewalAlertRaised { id } }') as TypedDocumentNode<
  unknown,
  Record<string, never>
>;
const EXTRACTIONS = parse('subscription { extractionCompleted { id } }') as TypedDocumentNode<
  unknown,
  Record<string, never>
>;

/**
 * The fan-out executes an event once per group of identical subscriptions and shares the result:
 * these tests hold many subscriptions of one event at once and check that each still gets exactly
 * what it asked for, of its own tenant, and that a relation costs one query however many share it.
 */
describe('Subscription fan-out (shared execution)', () => {
  let server: TestServer;
  let adminA: string;
  let viewerA: string;
  let adminB: string;
  const slugA = uniq('fan-a');

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(slugA);
    viewerA = await server.tokenFor(slugA, 'VIEWER');
    adminB = await server.tokenFor(uniq('fan-b'));
  });
  afterAll(() => server.close());

  const ws = (token: string) => server.ws({ authorization: `Bearer ${token}` });

  it('gives each tenant, selection, variables and role exactly its own payload', async () => {
    const sameA = [1, 2, 3].map(() => nextResults(ws(adminA), WITH_CLIENT, {}, 1));
    const viewer = nextResults(ws(viewerA), WITH_CLIENT, {}, 1);
    const summaryA = nextResults(ws(adminA), SUMMARY_ONLY, {}, 1);
    const createdA = nextResults(ws(adminA), BY_TYPES, { types: ['CLIENT_CREATED'] }, 1);
    const loggedA = nextResults(ws(adminA), BY_TYPES, { types: ['INTERACTION_LOGGED'] }, 1, 2500);
    const sameB = [1, 2].map(() => nextResults(ws(adminB), WITH_CLIENT, {}, 1));
    const all = [...sameA, viewer, summaryA, createdA, loggedA, ...sameB];
    await Promise.all(all.map((s) => s.ready));

    const a = await server.gql(CreateClientDocument, { input: { fullName: 'Fanout Alpha' } }, adminA);
    const b = await server.gql(CreateClientDocument, { input: { fullName: 'Fanout Beta' } }, adminB);
    const clientA = a.data!.createClient.client!.id;
    const clientB = b.data!.createClient.client!.id;

    for (const sub of [...sameA, viewer]) {
      const [got] = await sub.results;
      expect(Object.keys(got!.timelineEventAdded).sort()).toEqual(['client', 'id', 'summary', 'type']);
      expect(got!.timelineEventAdded).toMatchObject({
        type: 'CLIENT_CREATED',
        summary: 'Client Fanout Alpha created',
        client: { id: clientA, fullName: 'Fanout Alpha' },
      });
    }
    const [summary] = await summaryA.results;
    expect(Object.keys(summary!.timelineEventAdded).sort()).toEqual(['occurredAt', 'summary']);
    expect(summary!.timelineEventAdded.summary).toBe('Client Fanout Alpha created');
    const [created] = await createdA.results;
    expect(created!.timelineEventAdded).toEqual({ type: 'CLIENT_CREATED', summary: 'Client Fanout Alpha created' });
    await expect(loggedA.results).rejects.toThrow(/timed out/);
    for (const sub of sameB) {
      const [got] = await sub.results;
      expect(got!.timelineEventAdded).toMatchObject({
        summary: 'Client Fanout Beta created',
        client: { id: clientB, fullName: 'Fanout Beta' },
      });
    }
  });

  it('loads a relation once per event for all subscribers that select it (no N+1)', async () => {
    const config = server.app.db.orm.config;
    const onQuery = config.get('onQuery');
    let clientReads = 0;
    config.set('onQuery', (sql: string, params: readonly unknown[]) => {
      if (/^select\b.*\bfrom "client"/i.test(sql)) clientReads++;
      return onQuery(sql, params);
    });
    try {
      const readsFor = async (subscribers: number, name: string): Promise<number> => {
        const subs = Array.from({ length: subscribers }, () => nextResults(ws(adminA), WITH_CLIENT, {}, 1));
        await Promise.all(subs.map((s) => s.ready));
        const before = clientReads;
        await server.gql(CreateClientDocument, { input: { fullName: name } }, adminA);
        for (const s of subs) {
          const [got] = await s.results;
          expect(got!.timelineEventAdded.client).toMatchObject({ fullName: name });
        }
        return clientReads - before;
      };
      const one = await readsFor(1, 'Reads One');
      const twenty = await readsFor(20, 'Reads Twenty');
      expect(one).toBeGreaterThanOrEqual(1);
      expect(twenty).toBe(one);
    } finally {
      config.set('onQuery', onQuery);
    }
  });

  it('closes the tenant’s live subscription once its last subscriber leaves, of every stream', async () => {
    if (!(server.app.pubsub instanceof LocalPubSub)) return; // Redis: nothing observable in-process
    const em = server.app.db.orm.em.fork();
    const tenant = await em.findOneOrFail(Tenant, { slug: slugA });
    const emitter = (server.app.pubsub as unknown as { emitter: EventEmitter }).emitter;
    const listeners = () => emitter.listenerCount(timelineTopic(tenant.id));
    const subs = [
      ...[1, 2, 3].map(() => nextResults(ws(adminA), SUMMARY_ONLY, {}, 1, 1000)),
      nextResults(ws(adminA), RENEWALS, {}, 1, 1000),
      nextResults(ws(adminA), EXTRACTIONS, {}, 1, 1000),
    ];
    for (const s of subs) s.results.catch(() => undefined); // disposed before any event: they time out
    await Promise.all(subs.map((s) => s.ready));
    expect(listeners()).toBe(1); // one PubSub subscription for the tenant, however many subscribers
    for (const s of subs) s.dispose();
    const deadline = Date.now() + 3000;
    while (listeners() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(listeners()).toBe(0);
  });
});
