/**
 * Fuzzing through the real endpoint (issue 12): thousands of generated operations and malformed
 * requests over HTTP and graphql-ws. Whatever comes in, the server answers below 500, every error
 * carries a known `extensions.code` (never INTERNAL_SERVER_ERROR), and it stays up.
 *
 * Reproduce a run with `FUZZ_SEED=<seed> FUZZ_RUNS=<n> npm test -- test/fuzz.test.ts`; a failure
 * prints its seed and the requests that failed.
 */
import { readFileSync } from 'node:fs';

import { expect } from '@jest/globals';
import fc from 'fast-check';
import { buildSchema } from 'graphql';
import type { Client } from 'graphql-ws';

import { KNOWN_CODES } from '../src/platform/http/errors.js';
import { caseArbitrary, type FuzzCase, type IdPool, type Sender } from './helpers/fuzz.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 8;
const BATCH = 500;
/** How long a WebSocket operation may stay open (a valid subscription waits for events: then it is left). */
const WS_WAIT_MS = 150;

/** Codes a client may see: GraphQL errors' (src/platform/http/errors.ts) and the HTTP layer's 413. */
const CODES = new Set([...KNOWN_CODES, 'PAYLOAD_TOO_LARGE']);

/** The problems of one answer's errors: a missing, unknown or internal code. */
function errorProblems(errors: unknown): string[] {
  if (errors === undefined) return [];
  if (!Array.isArray(errors)) return [`errors is not a list: ${JSON.stringify(errors).slice(0, 200)}`];
  return errors.flatMap((e: { message?: unknown; extensions?: { code?: unknown } }) => {
    const code = e?.extensions?.code;
    if (typeof code === 'string' && CODES.has(code)) return [];
    return [`error with code ${String(code)}: ${String(e?.message).slice(0, 300)}`];
  });
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

describe('Fuzzing', () => {
  let server: TestServer;
  let tokens: Record<Sender, string | undefined>;
  let ids: IdPool;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    server = await startTestServer();
    const tenant = uniq('fuzz');
    tokens = {
      admin: await server.tokenFor(tenant, 'ADMIN'),
      viewer: await server.tokenFor(tenant, 'VIEWER'),
      none: undefined,
      forged: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
    };
    ids = await seedIds(server, tokens.admin!);
  });
  afterAll(async () => {
    await server?.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });

  it(`answers ${RUNS} generated requests (seed ${SEED}) below 500, with coded errors, and stays up`, async () => {
    const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    const arbitrary = caseArbitrary(schema, ids);
    const failures: string[] = [];
    const counts: Record<string, number> = {};
    const millis: Record<string, number> = {};
    let ws: Client | undefined;
    const wsClient = () => (ws ??= server.ws({ authorization: `Bearer ${tokens.admin}` }));
    const started = Date.now();

    // Generated a batch at a time (seed + offset): generating all first would hold the event loop
    // for seconds, past the keep-alive timeout of the connections the seeding left open.
    for (let from = 0; from < RUNS; from += BATCH) {
      const cases = fc.sample(arbitrary, { seed: SEED + from, numRuns: Math.min(BATCH, RUNS - from) });
      await pool(cases, CONCURRENCY, (c, i) => send(c, from + i));
    }

    async function send(c: FuzzCase, i: number) {
      counts[c.kind] = (counts[c.kind] ?? 0) + 1;
      const sent = Date.now();
      const problems = c.via === 'http' ? await sendHttp(c) : await sendWs(wsClient(), c, () => (ws = undefined));
      millis[c.kind] = (millis[c.kind] ?? 0) + Date.now() - sent;
      if (problems.length) {
        failures.push(`#${i} (${c.kind}): ${problems.join('; ')}\n  request: ${describeCase(c).slice(0, 1500)}`);
      }
    }

    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz: ${RUNS} cases in ${seconds.toFixed(1)} s (seed ${SEED}); ${failures.length} failed; cases (ms) by kind: ${Object.keys(
        counts,
      )
        .map((k) => `${k} ${counts[k]} (${millis[k]})`)
        .join(', ')}`,
    );
    if (failures.length) {
      throw new Error(
        `fuzz seed ${SEED}: ${failures.length} of ${RUNS} requests failed (rerun with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}):\n` +
          failures.slice(0, Number(process.env.FUZZ_SHOW ?? 15)).join('\n'),
      );
    }
    // Still up, still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const res = await server.post({ query: '{ viewer { role } }' }, { authorization: `Bearer ${tokens.admin}` });
    expect(res.json).toEqual({ data: { viewer: { role: 'ADMIN' } }, extensions: expect.any(Object) });
    expect(crashes).toEqual([]);
    expect(CODES.has('INTERNAL_SERVER_ERROR')).toBe(false);
  }, 300_000);

  describe('regressions found by fuzzing', () => {
    const post = (body: object) => server.post(body, { authorization: `Bearer ${tokens.admin}` });
    /** The errors of one operation over graphql-ws, as the client receives them. */
    const overWs = (query: string, variables: Record<string, unknown> = {}, operationName?: string) => {
      const client = server.ws({ authorization: `Bearer ${tokens.admin}` });
      return new Promise<unknown>((resolve) => {
        const got: unknown[] = [];
        client.subscribe(
          { query, variables, operationName },
          {
            next: (r) => got.push(...(r.errors ?? [])),
            error: (e) => resolve(e),
            complete: () => resolve(got),
          },
        );
      }).finally(() => client.dispose());
    };
    const codes = (errors: unknown) => (errors as { extensions?: { code?: unknown } }[]).map((e) => e.extensions?.code);

    it('refuses a subscription over HTTP with 400 BAD_REQUEST (it ran as a query: INTERNAL_SERVER_ERROR)', async () => {
      const res = await post({ query: 'subscription { timelineEventAdded { id } }' });
      expect(res.status).toBe(400);
      const { errors } = res.json as { errors: { message: string }[] };
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/^Subscriptions are served over WebSocket/);
      expect(codes(errors)).toEqual(['BAD_REQUEST']);
    });

    it('codes a persisted-query hash that does not match as BAD_REQUEST', async () => {
      const res = await post({
        query: '{ __typename }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } },
      });
      expect(res.status).toBe(400);
      expect(codes((res.json as { errors: unknown }).errors)).toEqual(['BAD_REQUEST']);
    });

    it('codes "too many errors processing variables" as BAD_USER_INPUT', async () => {
      const res = await post({
        query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        variables: { ids: Array.from({ length: 60 }, () => ({})) },
      });
      const errors = (res.json as { errors: { message: string }[] }).errors;
      expect(errors.at(-1)?.message).toBe(
        'Too many errors processing variables, error limit reached. Execution aborted.',
      );
      expect(new Set(codes(errors))).toEqual(new Set(['BAD_USER_INPUT']));
    });

    it('codes errors over WebSocket as over HTTP', async () => {
      expect(codes(await overWs('{ viewer { id '))).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(codes(await overWs('{ viewer { notAField } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(codes(await overWs('query ($n: Int) { clients(first: $n) { totalCount } }', { n: 'x' }))).toEqual([
        'BAD_USER_INPUT',
      ]);
      // Apollo says OPERATION_RESOLUTION_FAILURE on HTTP; any known code will do (it had none).
      const [unresolved] = codes(await overWs('query A { viewer { id } } query B { viewer { id } }', {}, 'C'));
      expect([unresolved, CODES.has(String(unresolved))]).toEqual([expect.any(String), true]);
      const unknownClient = Buffer.from('Client:00000000-0000-4000-8000-000000000000').toString('base64url');
      const res = await overWs(
        'mutation ($id: ID!) { updateClient(input: { id: $id, notes: "x" }) { userErrors { code } } }',
        { id: unknownClient },
      );
      expect(codes(res)).toEqual(['NOT_FOUND']);
    });
  });

  async function sendHttp(c: Extract<FuzzCase, { via: 'http' }>): Promise<string[]> {
    const token = tokens[c.sender];
    const headers = { ...c.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    let res: Response;
    try {
      res =
        c.method === 'GET'
          ? await fetch(`${server.url}/graphql?${c.body}`, { headers })
          : await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: c.body });
    } catch (err) {
      return [`request failed: ${String(err)} ${String((err as { cause?: unknown }).cause)}`];
    }
    const text = await res.text();
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`HTTP ${res.status}`);
    // Node's HTTP parser answers an over-long URL (GET) itself, before any handler: 431, no body.
    if (res.status === 431 && text === '') return problems;
    let body: { errors?: unknown; data?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      problems.push(`HTTP ${res.status} answered with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (body) {
      problems.push(...errorProblems(body.errors));
      if (res.status >= 400 && !body.errors) problems.push(`HTTP ${res.status} without errors`);
    }
    return problems;
  }
});

/** Sends one operation over graphql-ws; a valid subscription is left after WS_WAIT_MS. */
function sendWs(client: Client, c: Extract<FuzzCase, { via: 'ws' }>, dropClient: () => void): Promise<string[]> {
  return new Promise((resolve) => {
    const problems: string[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(problems);
    };
    const timer = setTimeout(finish, WS_WAIT_MS);
    const unsubscribe = client.subscribe(
      { query: c.query, variables: c.variables, operationName: c.operationName },
      {
        next: (result) => problems.push(...errorProblems(result.errors)),
        error: (err) => {
          if (Array.isArray(err)) problems.push(...errorProblems(err));
          else {
            // The socket itself failed (closed, refused): a fuzzed operation must never do that.
            const { code, reason } = (err ?? {}) as { code?: number; reason?: string };
            problems.push(`socket failed: ${code ?? ''} ${reason ?? String(err)}`);
            dropClient();
          }
          finish();
        },
        complete: finish,
      },
    );
  });
}

function describeCase(c: FuzzCase): string {
  return c.via === 'http'
    ? `${c.method} as ${c.sender} ${JSON.stringify(c.headers)} ${c.body}`
    : `WS ${JSON.stringify({ query: c.query, variables: c.variables, operationName: c.operationName })}`;
}

/** Creates a few records in the fuzz tenant and returns their IDs (and the pipelines'), by type. */
async function seedIds(server: TestServer, token: string): Promise<IdPool> {
  const auth = { authorization: `Bearer ${token}` };
  const run = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await server.post({ query, variables }, auth);
    const body = res.json as { data?: T; errors?: unknown };
    if (!body?.data || body.errors) throw new Error(`fuzz seed failed: ${res.text}`);
    return body.data;
  };
  type Id = { id: string };
  const base = await run<{ pipelines: (Id & { stages: Id[] })[]; teamMembers: { nodes: Id[] } }>(
    '{ pipelines { id stages { id } } teamMembers(first: 5) { nodes { id } } }',
  );
  const client = await run<{ createClient: { client: Id } }>(
    'mutation ($e: String) { createClient(input: { fullName: "Fuzz Seed", email: $e }) { client { id } } }',
    { e: `${uniq('seed')}@fuzz.test` },
  );
  const clientId = client.createClient.client.id;
  const made = await run<{
    createPractice: { practice: Id };
    createDeal: { deal: Id };
    createTicket: { ticket: Id };
  }>(
    `mutation ($c: ID!) {
      createPractice(input: { clientId: $c, practiceTypeCode: "KITAS" }) { practice { id } }
      createDeal(input: { clientId: $c, title: "Fuzz deal" }) { deal { id } }
      createTicket(input: { clientId: $c, subject: "Fuzz ticket" }) { ticket { id } }
    }`,
    { c: clientId },
  );
  return {
    Client: [clientId],
    Practice: [made.createPractice.practice.id],
    Deal: [made.createDeal.deal.id],
    Ticket: [made.createTicket.ticket.id],
    Pipeline: base.pipelines.map((p) => p.id),
    PipelineStage: base.pipelines.flatMap((p) => p.stages.map((st) => st.id)),
    TeamMember: base.teamMembers.nodes.map((m) => m.id),
  };
}
