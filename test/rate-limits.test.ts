import { print } from 'graphql';

import { createLogger } from '../src/platform/logger.js';
import { RateLimits } from '../src/platform/rate-limits.js';
import { CreateClientDocument, IngestConversationDocument, TeamMembersDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

/** Small budgets, so a burst is a handful of requests (the other suites run with RATE_LIMITS=false). */
const LIMITS = {
  RATE_LIMITS: 'true',
  RATE_LIMIT_OPERATIONS: '1000/60',
  RATE_LIMIT_MUTATIONS: '3/60',
  RATE_LIMIT_EXPENSIVE: '2/60',
};

const createClient = (name: string) => ({
  query: print(CreateClientDocument),
  variables: { input: { fullName: name } },
});

describe('Rate limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(LIMITS);
  });
  afterAll(() => server.close());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses a burst beyond the mutation budget with 429, Retry-After and RATE_LIMITED', async () => {
    const token = await server.tokenFor(uniq('burst'));
    for (let i = 0; i < 3; i++) {
      const ok = await server.post(createClient(`Burst ${i}`), bearer(token));
      expect(ok.status).toBe(200);
      expect(ok.json).not.toHaveProperty('errors');
    }
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify(createClient('One too many')),
    });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await res.json()) as { data?: unknown; errors: { message: string; extensions: unknown }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      message: `Rate limit exceeded (mutations): try again in ${retryAfter} s`,
      extensions: { code: 'RATE_LIMITED', retryAfter, budget: 'mutations' },
    });
    // Nothing was created by the refused one, and reads are another budget.
    const list = await server.post({ query: '{ clients(first: 10) { totalCount } }' }, bearer(token));
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ data: { clients: { totalCount: 3 } } });
  });

  it('counts each aliased mutation field', async () => {
    const token = await server.tokenFor(uniq('aliases'));
    const four = `mutation { ${[1, 2, 3, 4].map((i) => `c${i}: createClient(input: { fullName: "A ${i}" }) { client { id } }`).join(' ')} }`;
    const res = await server.post({ query: four }, bearer(token));
    expect(res.status).toBe(429);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', budget: 'mutations' } }] });
  });

  it('leaves other principals unaffected', async () => {
    const tenant = uniq('others');
    const admin = await server.tokenFor(tenant, 'ADMIN');
    const manager = await server.tokenFor(tenant, 'MANAGER');
    const stranger = await server.tokenFor(uniq('stranger'));
    for (let i = 0; i < 3; i++) expect((await server.post(createClient(`O ${i}`), bearer(admin))).status).toBe(200);
    expect((await server.post(createClient('O 4'), bearer(admin))).status).toBe(429);
    for (const other of [manager, stranger]) {
      const res = await server.post(createClient('Unaffected'), bearer(other));
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ data: { createClient: { client: { fullName: 'Unaffected' } } } });
    }
  });

  it('refuses over WebSocket with RATE_LIMITED for that operation', async () => {
    const token = await server.tokenFor(uniq('ws'));
    const client = server.ws(bearer(token));
    const run = (name: string) =>
      new Promise<{ data?: unknown; errors?: unknown }>((resolve) => {
        let data: unknown;
        client.subscribe(createClient(name), {
          next: (v) => (data = v.data),
          error: (errors) => resolve({ errors }),
          complete: () => resolve({ data }),
        });
      });
    try {
      for (let i = 0; i < 3; i++) expect(await run(`W ${i}`)).toMatchObject({ data: { createClient: { client: {} } } });
      const refused = await run('W 4');
      expect(refused.errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED', budget: 'mutations' } }]);
      const [error] = refused.errors as { extensions: { retryAfter: number } }[];
      expect(error.extensions.retryAfter).toBeGreaterThanOrEqual(1);
      // The socket stays open: queries still run.
      const members = await new Promise<unknown>((resolve, reject) => {
        let data: unknown;
        client.subscribe(
          { query: print(TeamMembersDocument), variables: { first: 1 } },
          { next: (v) => (data = v.data), error: reject, complete: () => resolve(data) },
        );
      });
      expect(members).toMatchObject({ teamMembers: { totalCount: 1 } });
    } finally {
      await client.dispose();
    }
  });

  it('charges ingestConversation to the expensive budget', async () => {
    const token = await server.tokenFor(uniq('expensive'));
    const ingest = (i: number) =>
      server.gql(
        IngestConversationDocument,
        { input: { sessionId: `s-${i}`, messages: [{ role: 'user', content: `Hi, I am Ana ${i}` }] } },
        token,
      );
    expect((await ingest(1)).errors).toBeUndefined();
    expect((await ingest(2)).errors).toBeUndefined();
    const refused = await ingest(3);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'expensive' });
  });

  it("uses a tenant's own budgets when it has them", async () => {
    const slug = uniq('own');
    const token = await server.tokenFor(slug);
    await server.app.db.orm.em
      .getConnection()
      .execute(`update tenant set rate_limits = '{"mutations":{"points":5,"seconds":60}}' where slug = ?`, [slug]);
    for (let i = 0; i < 5; i++) expect((await server.post(createClient(`T ${i}`), bearer(token))).status).toBe(200);
    expect((await server.post(createClient('T 6'), bearer(token))).status).toBe(429);
  });

  it('counts refusals per budget in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const count = (budget: string) =>
      Number(new RegExp(`^meridian_rate_limited_total\\{budget="${budget}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    // One each from the burst, aliases, other-principals, WebSocket and own-budget tests; one expensive.
    expect(count('mutations')).toBe(5);
    expect(count('expensive')).toBe(1);
  });
});

describe('Rate limits on Redis', () => {
  const redisUrl = process.env.REDIS_URL;
  const itRedis = redisUrl ? it : it.skip;
  const itShared = redisUrl && usingPostgres ? it : it.skip;
  const logger = createLogger('silent');

  itRedis('shares one budget between limiters on the same Redis', async () => {
    const keyPrefix = `${uniq('rl-test')}:`;
    const defaults = {
      operations: { points: 100, seconds: 60 },
      mutations: { points: 3, seconds: 60 },
      expensive: { points: 1, seconds: 60 },
    };
    const a = new RateLimits({ defaults, redisUrl, keyPrefix, logger });
    const b = new RateLimits({ defaults, redisUrl, keyPrefix, logger });
    const principal = { kind: 'member' as const, tenantId: 't', memberId: 'm', role: 'ADMIN' as never, label: 'M' };
    const mutation = CreateClientDocument;
    try {
      await Promise.all([a.ready(), b.ready()]);
      expect(await a.consume(principal, mutation, 'CreateClient')).toBeUndefined();
      expect(await b.consume(principal, mutation, 'CreateClient')).toBeUndefined();
      expect(await a.consume(principal, mutation, 'CreateClient')).toBeUndefined();
      expect(await b.consume(principal, mutation, 'CreateClient')).toMatchObject({ budget: 'mutations' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  itShared('two API instances share the budget of a principal', async () => {
    const one = await startTestServer(LIMITS);
    const two = await startTestServer(LIMITS, { shareWith: one });
    try {
      const token = await one.tokenFor(uniq('shared'));
      const auth = { authorization: `Bearer ${token}` };
      expect((await one.post(createClient('S 1'), auth)).status).toBe(200);
      expect((await two.post(createClient('S 2'), auth)).status).toBe(200);
      expect((await one.post(createClient('S 3'), auth)).status).toBe(200);
      const refused = await two.post(createClient('S 4'), auth);
      expect(refused.status).toBe(429);
      expect(refused.json).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', budget: 'mutations' } }] });
    } finally {
      await two.close();
      await one.close();
    }
  });
});
