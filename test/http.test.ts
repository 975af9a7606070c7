import { CreateApiKeyDocument, RevokeApiKeyDocument, TenantInfoDocument, ViewerDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

describe('HTTP surface', () => {
  let server: TestServer;
  let token: string;
  const tenant = uniq('http');

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(tenant);
  });
  afterAll(() => server.close());

  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, string> };
    expect(body.checks.database).toBe('ok');
    if (process.env.REDIS_URL) expect(body.checks.redis).toBe('ok');
    await server.gql(ViewerDocument, {}, token);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('meridian_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/meridian_graphql_operation_duration_seconds_count\{operation="Viewer",type="query"\} \d+/);
    expect(metrics).toContain('meridian_websocket_connections');
  });

  it('serves the playground from installed packages, with no external URLs', async () => {
    for (const path of ['/playground', '/graphql']) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('GraphiQL');
      expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThanOrEqual(5);
      for (const asset of assets) {
        expect(asset.startsWith('/playground/assets/')).toBe(true);
        expect((await fetch(`${server.url}${asset}`)).status).toBe(200);
      }
    }
  });

  it('answers { viewer { email role } } for a token', async () => {
    const res = await server.gql(ViewerDocument, {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.viewer).toMatchObject({ email: `admin@${tenant}.test`, role: 'ADMIN' });
    const t = await server.gql(TenantInfoDocument, {}, token);
    expect(t.data?.tenant).toMatchObject({ slug: tenant, currency: 'IDR' });
  });

  it('gives UNAUTHENTICATED to an anonymous query', async () => {
    const res = await server.gql(ViewerDocument, {});
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data?.viewer ?? null).toBeNull();
  });

  it('refuses an invalid token with 401 UNAUTHENTICATED', async () => {
    const res = await server.gql(ViewerDocument, {}, `${token.slice(0, -4)}abcd`);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const malformed = await server.post({ query: '{ viewer { email } }' }, { authorization: 'Basic abc' });
    expect(malformed.status).toBe(401);
  });

  it('authenticates with an API key until it is revoked', async () => {
    const created = await server.gql(CreateApiKeyDocument, { input: { name: 'website form', role: 'AGENT' } }, token);
    expect(created.data?.createApiKey.userErrors).toEqual([]);
    const key = created.data!.createApiKey.key!;
    expect(key).toMatch(/^mk_/);
    const asKey = await server.gql(TenantInfoDocument, {}, { apiKey: key });
    expect(asKey.data?.tenant.slug).toBe(tenant);
    const viewer = await server.gql(ViewerDocument, {}, { apiKey: key });
    expect(viewer.data?.viewer).toBeNull();
    await server.gql(RevokeApiKeyDocument, { input: { id: created.data!.createApiKey.apiKey!.id } }, token);
    const revoked = await server.gql(TenantInfoDocument, {}, { apiKey: key });
    expect(revoked.status).toBe(401);
    expect(revoked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('returns 400 BAD_REQUEST for a malformed JSON body, never 500', async () => {
    const res = await server.post('{"query": "{ viewer { email } ', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('returns 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    const res = await server.post(
      { query: `{ viewer { email } } #${'x'.repeat(1_100_000)}` },
      { authorization: `Bearer ${token}` },
    );
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('returns 400 GRAPHQL_PARSE_FAILED for a syntax error', async () => {
    const res = await server.post({ query: '{ viewer { email ' }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
  });

  it('returns 400 GRAPHQL_VALIDATION_FAILED for an unknown field', async () => {
    const res = await server.post({ query: '{ viewer { shoeSize } }' }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });

  it('blocks a GET mutation-free query without a preflight header (CSRF prevention)', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(res.status).toBe(400);
  });

  it('answers POST /graphql with the security headers, no-store, a request id and no ETag', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'post-1' },
      body: JSON.stringify({ query: '{ viewer { email } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toBe('post-1');
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(res.headers.get('etag')).toBeNull();
    expect(((await res.json()) as { data: { viewer: { email: string } } }).data.viewer.email).toBe(
      `admin@${tenant}.test`,
    );
  });

  it('puts a request id on every response (x-request-id) and echoes one it is sent', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const other = await fetch(`${server.url}/healthz`);
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
