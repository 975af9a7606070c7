import type { EventEmitter } from 'node:events';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';

import { Role } from '../src/modules/tenancy/role.js';
import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { timelineTopic } from '../src/modules/timeline/outbox.js';
import type { Principal } from '../src/platform/auth/principal.js';
import { LocalPubSub } from '../src/platform/pubsub.js';
import { AsyncQueue } from '../src/platform/subscriptions/async-queue.js';
import { principalKey, SubscriptionFanout } from '../src/platform/subscriptions/fanout.js';
import { CreateClientDocument, LogInteractionDocument } from './generated/graphql.js';
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

  /** SQL reads of the client table while `action` runs. */
  async function clientReadsDuring(action: () => Promise<unknown>): Promise<number> {
    const config = server.app.db.orm.config;
    const onQuery = config.get('onQuery');
    let reads = 0;
    config.set('onQuery', (sql: string, params: readonly unknown[]) => {
      if (/^select\b.*\bfrom "client"/i.test(sql)) reads++;
      return onQuery(sql, params);
    });
    try {
      await action();
    } finally {
      config.set('onQuery', onQuery);
    }
    return reads;
  }

  /**
   * What createClient reads of the client table itself, and what one execution of WITH_CLIENT adds
   * (fresh loaders per execution: at least one read): reads beyond the first count executions.
   */
  async function readsOfCreateAndOneExecution(): Promise<{ create: number; execution: number }> {
    const create = await clientReadsDuring(() =>
      server.gql(CreateClientDocument, { input: { fullName: 'Nobody Watching' } }, adminA),
    );
    const probe = nextResults(ws(adminA), WITH_CLIENT, {}, 1);
    await probe.ready;
    const withOne = await clientReadsDuring(async () => {
      await server.gql(CreateClientDocument, { input: { fullName: 'One Watching' } }, adminA);
      await probe.results;
    });
    expect(withOne - create).toBeGreaterThanOrEqual(1);
    return { create, execution: withOne - create };
  }

  it('gives each tenant, selection, variables and role exactly its own payload, executed once per principal', async () => {
    const cost = await readsOfCreateAndOneExecution();
    const sameA = [1, 2, 3].map(() => nextResults(ws(adminA), WITH_CLIENT, {}, 1));
    const viewer = nextResults(ws(viewerA), WITH_CLIENT, {}, 1);
    const summaryA = nextResults(ws(adminA), SUMMARY_ONLY, {}, 1);
    const createdA = nextResults(ws(adminA), BY_TYPES, { types: ['CLIENT_CREATED'] }, 1);
    const loggedA = nextResults(ws(adminA), BY_TYPES, { types: ['INTERACTION_LOGGED'] }, 1);
    const all = [...sameA, viewer, summaryA, createdA, loggedA];
    await Promise.all(all.map((s) => s.ready));

    let clientA = '';
    const reads = await clientReadsDuring(async () => {
      const a = await server.gql(CreateClientDocument, { input: { fullName: 'Fanout Alpha' } }, adminA);
      clientA = a.data!.createClient.client!.id;
      for (const sub of [...sameA, viewer]) {
        const [got] = await sub.results;
        expect(Object.keys(got.timelineEventAdded).sort()).toEqual(['client', 'id', 'summary', 'type']);
        expect(got.timelineEventAdded).toMatchObject({
          type: 'CLIENT_CREATED',
          summary: 'Client Fanout Alpha created',
          client: { id: clientA, fullName: 'Fanout Alpha' },
        });
      }
    });
    // No field of the schema differs by role or member (no field-level authorization, nothing
    // "mine"), so what shows that the admin's and the viewer's results are not shared is the
    // number of executions: one for the three identical admin subscriptions, one for the viewer.
    expect(reads).toBe(cost.create + 2 * cost.execution);

    const [summary] = await summaryA.results;
    expect(Object.keys(summary.timelineEventAdded).sort()).toEqual(['occurredAt', 'summary']);
    expect(summary.timelineEventAdded.summary).toBe('Client Fanout Alpha created');
    const [created] = await createdA.results;
    expect(created.timelineEventAdded).toEqual({ type: 'CLIENT_CREATED', summary: 'Client Fanout Alpha created' });
    // Sentinel: an interaction logged after the client was created reaches loggedA; the client's
    // CLIENT_CREATED event, earlier on the same stream, would have arrived first.
    await server.gql(
      LogInteractionDocument,
      { input: { clientId: clientA, kind: 'NOTE', summary: 'Sentinel' } },
      adminA,
    );
    const [logged] = await loggedA.results;
    expect(logged.timelineEventAdded).toEqual({ type: 'INTERACTION_LOGGED', summary: 'NOTE logged: Sentinel' });
  });

  it("never gives one tenant's subscribers another tenant's event, though the selection is the same", async () => {
    const sameB = [1, 2].map(() => nextResults(ws(adminB), WITH_CLIENT, {}, 1));
    const sameA = nextResults(ws(adminA), WITH_CLIENT, {}, 1);
    await Promise.all([...sameB, sameA].map((s) => s.ready));
    await server.gql(CreateClientDocument, { input: { fullName: 'Tenant Alpha' } }, adminA);
    expect((await sameA.results)[0].timelineEventAdded.client).toMatchObject({ fullName: 'Tenant Alpha' });
    // Sentinel: B's own event, caused after A's was delivered, is the first B's subscribers get.
    const b = await server.gql(CreateClientDocument, { input: { fullName: 'Tenant Beta' } }, adminB);
    for (const sub of sameB) {
      const [got] = await sub.results;
      expect(got.timelineEventAdded).toMatchObject({
        summary: 'Client Tenant Beta created',
        client: { id: b.data!.createClient.client!.id, fullName: 'Tenant Beta' },
      });
    }
  });

  it('never groups two members of one tenant and role: each gets its own execution', async () => {
    const otherAdminA = await server.tokenFor(slugA, 'ADMIN', `second-admin@${slugA}.test`);
    const cost = await readsOfCreateAndOneExecution();
    const first = [1, 2].map(() => nextResults(ws(adminA), WITH_CLIENT, {}, 1));
    const second = [1, 2].map(() => nextResults(ws(otherAdminA), WITH_CLIENT, {}, 1));
    await Promise.all([...first, ...second].map((s) => s.ready));
    const reads = await clientReadsDuring(async () => {
      const c = await server.gql(CreateClientDocument, { input: { fullName: 'Two Admins' } }, adminA);
      for (const sub of [...first, ...second]) {
        const [got] = await sub.results;
        expect(got.timelineEventAdded).toMatchObject({
          summary: 'Client Two Admins created',
          client: { id: c.data!.createClient.client!.id, fullName: 'Two Admins' },
        });
      }
    });
    // Same tenant, role, document and variables: still one execution per member (the selection
    // could read who is asking; see the SubscriptionFanout test below), shared by a member's own.
    expect(reads).toBe(cost.create + 2 * cost.execution);
  });

  it('loads a relation once per event for all subscribers that select it (no N+1)', async () => {
    const readsFor = async (subscribers: number, name: string): Promise<number> => {
      const subs = Array.from({ length: subscribers }, () => nextResults(ws(adminA), WITH_CLIENT, {}, 1));
      await Promise.all(subs.map((s) => s.ready));
      return clientReadsDuring(async () => {
        await server.gql(CreateClientDocument, { input: { fullName: name } }, adminA);
        for (const s of subs) {
          const [got] = await s.results;
          expect(got.timelineEventAdded.client).toMatchObject({ fullName: name });
        }
      });
    };
    const one = await readsFor(1, 'Reads One');
    const twenty = await readsFor(20, 'Reads Twenty');
    expect(one).toBeGreaterThanOrEqual(1);
    expect(twenty).toBe(one);
  });

  // With Redis the subscription is in Redis (nothing to count in-process): the in-process pass covers it.
  (process.env.REDIS_URL ? it.skip : it)(
    `closes the tenant’s live subscription once its last subscriber leaves, of every stream${process.env.REDIS_URL ? ' (in-process PubSub only: skipped with REDIS_URL)' : ''}`,
    async () => {
      expect(server.app.pubsub).toBeInstanceOf(LocalPubSub);
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
    },
  );
});

/**
 * The grouping itself, on a schema that has what Meridian's lacks: a field whose value depends on
 * who asks. Each principal must get its own execution, with its own value, however many share an
 * event object.
 */
describe('SubscriptionFanout groups executions by principal (principalKey)', () => {
  type Ctx = { principal: Principal };
  let executions = 0;
  const sources: AsyncQueue<object>[] = [];
  const Tick = new GraphQLObjectType<object, Ctx>({
    name: 'Tick',
    fields: {
      n: { type: GraphQLInt },
      seenBy: {
        type: GraphQLString,
        resolve: (_tick, _args, ctx) => {
          executions++;
          return `${ctx.principal.role}:${ctx.principal.memberId}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType<unknown, Ctx>({
      name: 'Subscription',
      fields: {
        tick: {
          type: Tick,
          subscribe: () => {
            const q = new AsyncQueue<object>();
            sources.push(q);
            return q;
          },
          resolve: (payload: unknown) => payload,
        },
      },
    }),
  });
  const fanout = new SubscriptionFanout<Ctx>({
    contextKey: (ctx) => principalKey(ctx.principal),
    eventContext: (ctx) => ({ ...ctx }),
  });
  const member = (memberId: string, role: Role): Principal => ({
    kind: 'member',
    tenantId: 'tenant-1',
    role,
    memberId,
    label: memberId,
  });

  it('executes once per principal and gives each its own value', async () => {
    const document = parse('subscription { tick { n seenBy } }');
    const principals = [
      member('ana', Role.ADMIN),
      member('ana', Role.ADMIN),
      member('ben', Role.ADMIN), // same tenant and role as ana, another member
      member('cy', Role.VIEWER),
    ];
    const streams = await Promise.all(
      principals.map(
        async (principal) =>
          (await fanout.subscribe({
            schema,
            document,
            contextValue: { principal },
          })) as AsyncIterableIterator<ExecutionResult>,
      ),
    );
    const event = { n: 1 }; // one object for every subscriber, as the tenant timeline delivers it
    for (const q of sources) q.push(event);
    const got = await Promise.all(streams.map(async (s) => (await s.next()).value as ExecutionResult));
    expect(got.map((r) => r.data)).toEqual([
      { tick: { n: 1, seenBy: 'ADMIN:ana' } },
      { tick: { n: 1, seenBy: 'ADMIN:ana' } },
      { tick: { n: 1, seenBy: 'ADMIN:ben' } },
      { tick: { n: 1, seenBy: 'VIEWER:cy' } },
    ]);
    expect(executions).toBe(3); // ana's two subscriptions share one
    await Promise.all(
      streams.map(async (s) => {
        await s.return?.();
      }),
    );
  });
});
