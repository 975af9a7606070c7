/**
 * Two API processes sharing PostgreSQL and Redis: revoking an API key on one closes, within moments,
 * a WebSocket authenticated with that key on the other. Needs DATABASE_URL and REDIS_URL.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { CreateApiKeyDocument, RevokeApiKeyDocument, ViewerDocument } from './generated/graphql.js';
import { freePort, startProcess, stopProcess } from './helpers/process.js';
import { createDatabase, TEST_JWT_SECRET, uniq } from './helpers/server.js';

const run = promisify(execFile);
const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

(shared ? describe : describe.skip)('WebSocket credentials across two API processes', () => {
  const procs: ChildProcess[] = [];
  const sockets: Client[] = [];
  let drop: () => Promise<void>;
  let ports: [number, number];
  let token: string;

  beforeAll(async () => {
    const db = await createDatabase(process.env.DATABASE_URL!);
    drop = db.drop;
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_PREFIX: uniq('wsprocs'),
      JWT_SECRET: TEST_JWT_SECRET,
      DEMO_SEED: 'false',
    };
    ports = [await freePort(), await freePort()];
    procs.push(await startProcess(env, ports[0]));
    procs.push(await startProcess(env, ports[1]));
    const tenant = uniq('wsprocs');
    const { stdout } = await run(
      process.execPath,
      ['dist/src/cli/token.js', '--email', `admin@${tenant}.test`, '--tenant', tenant, '--role', 'ADMIN'],
      { env },
    );
    token = stdout.trim();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      sockets.map(async (s) => {
        await s.dispose();
      }),
    );
    const codes = await Promise.all(procs.map(stopProcess));
    await drop?.();
    expect(codes).toEqual([0, 0]);
  });

  async function gql<R, V>(port: number, doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(doc), variables }),
    });
    const body = (await res.json()) as { data: R; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  it('revoking a key on instance A closes its socket on instance B with 4401', async () => {
    const { createApiKey } = await gql(ports[0], CreateApiKeyDocument, { input: { name: 'wall', role: 'AGENT' } });
    const client = createClient({
      url: `ws://127.0.0.1:${ports[1]}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { apiKey: createApiKey.key },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    sockets.push(client);
    const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
      client.on('closed', (e) => {
        const { code, reason } = e as { code: number; reason: string };
        resolve({ code, reason, at: performance.now() });
      }),
    );
    // The socket works on B (one operation through it) before the key is revoked on A.
    const viewer = await new Promise<unknown>((resolve, reject) =>
      client.subscribe({ query: print(ViewerDocument) }, { next: resolve, error: reject, complete: () => undefined }),
    );
    expect(viewer).toEqual({ data: { viewer: null } });

    const revokedAt = performance.now();
    await gql(ports[0], RevokeApiKeyDocument, { input: { id: createApiKey.apiKey!.id } });
    const close = await closed;
    expect([close.code, close.reason]).toEqual([4401, 'API key revoked']);
    console.log(`revoke on A → socket on B closed: ${Math.round(close.at - revokedAt)} ms`);
  });
});
