/**
 * Browser front ends on other origins: CORS on HTTP and the Origin check on WebSocket upgrades,
 * with the development default list, the production default (nothing) and CORS_ORIGINS.
 * Requests go through node:http and ws so the tests can set `Origin` as a browser would.
 */
import { request as httpRequest } from 'node:http';

import { expect } from '@jest/globals';
import WebSocket from 'ws';

import { startTestServer, type TestServer, uniq } from './helpers/server.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(server: TestServer, method: string, headers: Record<string, string>, body?: string, path = '/graphql') {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The preflight a browser sends before a JSON POST with a bearer token. */
const preflight = (server: TestServer, origin: string) =>
  send(server, 'OPTIONS', {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type,authorization,apollo-require-preflight',
  });

/** The actual cross-origin request: a JSON POST, as Apollo Client sends it. */
const post = (server: TestServer, origin: string, token: string) =>
  send(
    server,
    'POST',
    { origin, 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'cors-test' },
    JSON.stringify({ query: '{ viewer { role } }' }),
  );

/** Opens a graphql-ws socket with the given Origin (none when undefined); resolves with the upgrade's outcome. */
function upgrade(server: TestServer, origin?: string): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      ...(origin ? { origin } : {}),
    });
    socket.once('open', () => {
      socket.close();
      resolve({ opened: true });
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      res.resume();
      socket.terminate();
    });
    socket.once('error', () => resolve({ opened: false }));
  });
}

function expectAllowed(res: RawResponse, origin: string) {
  expect(res.headers['access-control-allow-origin']).toBe(origin);
  expect(res.headers['access-control-allow-credentials']).toBe('true');
  expect(res.headers.vary).toMatch(/\bOrigin\b/);
}

function expectNoCors(res: RawResponse) {
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  expect(res.headers['access-control-allow-headers']).toBeUndefined();
}

describe('CORS with the development default (any localhost port)', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(uniq('cors'), 'VIEWER');
  });
  afterAll(() => server.close());

  it('answers the preflight of a Vite dev server with the credentials-safe headers', async () => {
    const res = await preflight(server, 'http://localhost:5173');
    expect(res.status).toBe(204);
    expectAllowed(res, 'http://localhost:5173');
    expect(res.headers['access-control-max-age']).toBe('600');
    const allowedHeaders = String(res.headers['access-control-allow-headers']).split(',');
    expect(allowedHeaders).toEqual(
      expect.arrayContaining([
        'content-type',
        'authorization',
        'x-api-key',
        'x-request-id',
        'apollo-require-preflight',
        'idempotency-key',
      ]),
    );
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('serves the JSON POST that follows (CSRF prevention passes) and exposes x-request-id', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000']) {
      const res = await post(server, origin, token);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ data: { viewer: { role: 'VIEWER' } }, extensions: expect.any(Object) });
      expectAllowed(res, origin);
      expect(res.headers['access-control-expose-headers']).toBe('x-request-id,idempotent-replayed');
      expect(res.headers['x-request-id']).toBe('cors-test');
    }
  });

  it('refuses the preflight of another origin with 403 and no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example:5173', 'null']) {
      const res = await preflight(server, origin);
      expect(res.status).toBe(403);
      expectNoCors(res);
      expect(res.headers.vary).toMatch(/\bOrigin\b/);
      expect((JSON.parse(res.body) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
        'FORBIDDEN',
      );
    }
  });

  it('gives an actual request from another origin no CORS headers, so the browser keeps the answer from the page', async () => {
    const res = await post(server, 'https://evil.example', token);
    expectNoCors(res);
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
  });

  it('never lets another origin read the playground page, whose headers carry the demo token', async () => {
    const page = await send(server, 'GET', { origin: 'http://localhost:5173' }, undefined, '/playground');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    expect(page.headers['access-control-allow-credentials']).toBeUndefined();
    // The API itself still answers that origin.
    expectAllowed(await preflight(server, 'http://localhost:5173'), 'http://localhost:5173');
  });

  it('lets requests without Origin (servers, curl) through untouched', async () => {
    const res = await send(
      server,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      '{"query":"{ viewer { role } }"}',
    );
    expect(res.status).toBe(200);
    expectNoCors(res);
  });

  it('upgrades WebSockets from listed origins and from clients without Origin, refuses others with 403', async () => {
    expect(await upgrade(server, 'http://localhost:5173')).toEqual({ opened: true });
    expect(await upgrade(server)).toEqual({ opened: true });
    expect(await upgrade(server, 'https://evil.example')).toEqual({ opened: false, status: 403 });
  });
});

describe('CORS in production', () => {
  let closed: TestServer;
  let configured: TestServer;
  let token: string;
  beforeAll(async () => {
    closed = await startTestServer({ NODE_ENV: 'production' });
    configured = await startTestServer({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' });
    token = await configured.tokenFor(uniq('cors'), 'VIEWER');
  });
  afterAll(async () => {
    await closed.close();
    await configured.close();
  });

  it('allows no cross-origin access by default, not even localhost', async () => {
    const res = await preflight(closed, 'http://localhost:5173');
    expect(res.status).toBe(403);
    expectNoCors(res);
    expect(await upgrade(closed, 'http://localhost:5173')).toEqual({ opened: false, status: 403 });
  });

  it('still upgrades the API’s own pages (same host) and clients without Origin', async () => {
    expect(await upgrade(closed, closed.url)).toEqual({ opened: true });
    expect(await upgrade(closed)).toEqual({ opened: true });
  });

  it('allows the origins listed in CORS_ORIGINS, and only those', async () => {
    const pre = await preflight(configured, 'https://app.example.com');
    expect(pre.status).toBe(204);
    expectAllowed(pre, 'https://app.example.com');
    const res = await post(configured, 'https://app.example.com', token);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { data: unknown }).data).toEqual({ viewer: { role: 'VIEWER' } });
    expectAllowed(res, 'https://app.example.com');
    expect(await upgrade(configured, 'https://app.example.com')).toEqual({ opened: true });

    expect((await preflight(configured, 'http://localhost:5173')).status).toBe(403);
    expect(await upgrade(configured, 'https://app.example.com.evil.example')).toEqual({ opened: false, status: 403 });
  });
});
