/**
 * A WebSocket never outlives what authorised it, and cannot be used to exhaust the server's memory:
 * revoked keys, deactivated members, changed roles and expired tokens close it; every operation
 * re-checks the credentials; messages are capped at BODY_LIMIT; unauthenticated sockets per
 * address are capped.
 */
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';

import { Role } from '../src/modules/tenancy/role.js';
import { TokenService } from '../src/platform/auth/jwt.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateTeamMemberDocument,
  RevokeApiKeyDocument,
  TeamMemberChangedDocument,
  UpdateTeamMemberDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { nextResults, startTestServer, TEST_JWT_SECRET, type TestServer, uniq } from './helpers/server.js';

/** Resolves with the close code and reason of a graphql-ws client's socket, and when it closed. */
export function closeOf(client: Client): Promise<{ code: number; reason: string; at: number }> {
  return new Promise((resolve) =>
    client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason, at: Date.now() });
    }),
  );
}

function connected(client: Client): Promise<void> {
  return new Promise((resolve) => client.on('connected', () => resolve()));
}

/** Runs one operation over the socket; resolves with its results, or with what failed it. */
function runOver(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<{ results: unknown[]; error?: unknown }>((resolve) => {
    const results: unknown[] = [];
    client.subscribe(
      { query, variables },
      {
        next: (r) => results.push(r),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  });
}

/** The claims of a token (sub: member id, tid: tenant id). */
function claimsOf(token: string): { sub: string; tid: string } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string; tid: string };
}

describe('WebSocket credentials', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('closes a socket with 4401 when its API key is revoked, and delivers nothing more to it', async () => {
    const tenant = uniq('wsrev');
    const admin = await server.tokenFor(tenant);
    const created = await server.gql(CreateApiKeyDocument, { input: { name: 'dashboard', role: Role.AGENT } }, admin);
    const { key, apiKey } = created.data!.createApiKey;
    const keySocket = server.ws({ apiKey: key });
    const closed = closeOf(keySocket);
    const sentinel = nextResults(server.ws({ authorization: `Bearer ${admin}` }), TeamMemberChangedDocument, {}, 2);
    const before = nextResults(keySocket, TeamMemberChangedDocument, {}, 1);
    await Promise.all([sentinel.ready, before.ready]);
    await server.gql(CreateTeamMemberDocument, { input: { email: `one@${tenant}.test`, role: Role.AGENT } }, admin);
    expect((await before.results)[0].teamMemberChanged?.email).toBe(`one@${tenant}.test`);
    const after = nextResults(keySocket, TeamMemberChangedDocument, {}, 1);
    await after.ready;

    const revokedAt = Date.now();
    const revoked = await server.gql(RevokeApiKeyDocument, { input: { id: apiKey!.id } }, admin);
    expect(revoked.data?.revokeApiKey.userErrors).toEqual([]);
    const close = await closed;
    expect([close.code, close.reason]).toEqual([4401, 'API key revoked']);
    console.log(`revoke → socket closed: ${close.at - revokedAt} ms`);

    // The next event reaches the admin's socket, not the revoked key's.
    await server.gql(CreateTeamMemberDocument, { input: { email: `two@${tenant}.test`, role: Role.AGENT } }, admin);
    const seen = await sentinel.results;
    expect(seen.map((e) => e.teamMemberChanged?.email)).toEqual([`one@${tenant}.test`, `two@${tenant}.test`]);
    // Its subscription ended with the socket, without a result.
    await expect(after.results).rejects.toThrow(Error);
  });

  it('closes the sockets of a deactivated member with 4401', async () => {
    const tenant = uniq('wsdeact');
    const admin = await server.tokenFor(tenant);
    const agent = await server.tokenFor(tenant, Role.AGENT);
    const socket = server.ws({ authorization: `Bearer ${agent}` });
    const closed = closeOf(socket);
    await connected(socket);
    const me = (await server.gql(ViewerDocument, {}, agent)).data!.viewer!;
    const res = await server.gql(UpdateTeamMemberDocument, { input: { id: me.id, active: false } }, admin);
    expect(res.data?.updateTeamMember.teamMember?.active).toBe(false);
    const close = await closed;
    expect([close.code, close.reason]).toEqual([4401, 'Team member deactivated']);
  });

  it('closes the sockets of a member whose role changed with 4403', async () => {
    const tenant = uniq('wsdemote');
    const admin = await server.tokenFor(tenant);
    const other = await server.tokenFor(tenant, Role.ADMIN, `other@${tenant}.test`);
    const socket = server.ws({ authorization: `Bearer ${other}` });
    const closed = closeOf(socket);
    await connected(socket);
    const them = (await server.gql(ViewerDocument, {}, other)).data!.viewer!;
    await server.gql(UpdateTeamMemberDocument, { input: { id: them.id, role: Role.VIEWER } }, admin);
    const close = await closed;
    expect([close.code, close.reason]).toEqual([4403, 'Role changed: reconnect']);
  });

  it('runs every operation with the role the member has now: a demoted ADMIN cannot create an ADMIN key', async () => {
    const tenant = uniq('wsop');
    const admin = await server.tokenFor(tenant);
    const other = await server.tokenFor(tenant, Role.ADMIN, `other@${tenant}.test`);
    const socket = server.ws({ authorization: `Bearer ${other}` });
    const closed = closeOf(socket);
    await connected(socket);
    // Demoted in the database without any announcement reaching the socket (as if it were lost).
    const { sub, tid } = claimsOf(other);
    await server.app.services.tenancy.updateMember(forkForTenant(server.app.db.orm.em, tid), sub, {
      role: Role.VIEWER,
    });
    const attempt = await runOver(
      socket,
      'mutation { createApiKey(input: { name: "backdoor", role: ADMIN }) { key userErrors { code } } }',
    );
    expect(attempt.results).toEqual([]);
    expect(attempt.error).toMatchObject({ code: 4403 });
    expect((await closed).code).toBe(4403);
    const keys = await server.gql(ApiKeysDocument, {}, admin);
    expect(keys.data?.apiKeys.nodes.map((k) => k.name)).toEqual([]);
  });

  it('closes a socket when its token expires', async () => {
    const tenant = uniq('wsexp');
    const admin = await server.tokenFor(tenant);
    const { sub, tid } = claimsOf(admin);
    const shortLived = await new TokenService(TEST_JWT_SECRET, '2s').sign({ sub, tid, role: Role.ADMIN });
    const { exp } = JSON.parse(Buffer.from(shortLived.split('.')[1], 'base64url').toString()) as { exp: number };
    const socket = server.ws({ authorization: `Bearer ${shortLived}` });
    const closed = closeOf(socket);
    await connected(socket);
    const close = await closed;
    expect([close.code, close.reason]).toEqual([4401, 'Token expired']);
    // Closed at exp (whole seconds), not before and not much later.
    expect(close.at).toBeGreaterThanOrEqual(exp * 1000 - 20);
    expect(close.at).toBeLessThan(exp * 1000 + 1000);
    console.log(`token exp → socket closed: ${close.at - exp * 1000} ms`);
  });
});

describe('WebSocket limits', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ WS_MAX_PENDING_PER_ADDRESS: '3' });
    token = await server.tokenFor(uniq('wslim'));
  });
  afterAll(() => server.close());

  const wsUrl = () => `${server.url.replace('http', 'ws')}/graphql`;

  /** A raw graphql-ws socket (no client library), open. */
  async function rawSocket(): Promise<WebSocket> {
    const socket = new WebSocket(wsUrl(), 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
    return socket;
  }

  function closeCode(socket: WebSocket): Promise<number> {
    return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  it('closes a socket sending a message larger than BODY_LIMIT with 1009, before or after connection_init', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const early = await rawSocket();
    early.on('error', () => undefined);
    const earlyClosed = closeCode(early);
    early.send(JSON.stringify({ type: 'connection_init', payload: { pad: big } }));
    expect(await earlyClosed).toBe(1009);

    const late = await rawSocket();
    late.on('error', () => undefined);
    const lateClosed = closeCode(late);
    const acked = new Promise((resolve) => late.once('message', resolve));
    late.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect(JSON.parse(String(await acked))).toEqual({ type: 'connection_ack' });
    late.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ viewer { id } } #${big}` } }));
    expect(await lateClosed).toBe(1009);
  });

  it('refuses more unauthenticated sockets from one address than WS_MAX_PENDING_PER_ADDRESS (429)', async () => {
    const pending = [await rawSocket(), await rawSocket(), await rawSocket()];
    await expect(rawSocket()).rejects.toThrow('HTTP 429');
    // Once one is acknowledged, the address has room again.
    const acked = new Promise((resolve) => pending[0].once('message', resolve));
    pending[0].send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await acked;
    const fourth = await rawSocket();
    for (const s of [...pending, fourth]) s.close();
  });
});

describe('Subscriptions over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('are refused with 400 BAD_REQUEST, with or without credentials', async () => {
    const token = await server.tokenFor(uniq('httpsub'));
    const query = 'subscription { teamMemberChanged { id } }';
    for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const res = await server.post({ query }, headers);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        errors: [
          {
            message: 'Subscriptions are served over WebSocket (graphql-ws) at this path, not over HTTP',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
    }
  });
});
