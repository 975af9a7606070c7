/**
 * Two API processes (separate `node dist/src/main.js`, different ports) sharing one PostgreSQL
 * database and Redis: an event caused on one reaches a subscriber of the other within a second.
 * Needs DATABASE_URL and REDIS_URL (PGlite serves a single process), so it runs in the PostgreSQL
 * pass of `.ci/run`.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { inspect, promisify } from 'node:util';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

import {
  CreateApiKeyDocument,
  CreateClientDocument,
  RevokeApiKeyDocument,
  TimelineEventAddedDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { freePort, openSocket, outputOf, startProcess, stopProcess } from './helpers/process.js';
import { createDatabase, TEST_JWT_SECRET, uniq } from './helpers/server.js';

const run = promisify(execFile);
const shared = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

(shared ? describe : describe.skip)('Two API processes sharing PostgreSQL and Redis', () => {
  const procs: ChildProcess[] = [];
  const sockets: Client[] = [];
  let drop: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  let ports: [number, number];
  let token: string;

  beforeAll(async () => {
    const db = await createDatabase(process.env.DATABASE_URL!);
    drop = db.drop;
    env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      // Its own channels and job queue: no other suite's processes on the shared Redis reach these two.
      REDIS_PREFIX: uniq('procs'),
      JWT_SECRET: TEST_JWT_SECRET,
      DEMO_SEED: 'false',
    };
    ports = [await freePort(), await freePort()];
    // One after the other: the first applies the migrations, the second finds them applied.
    procs.push(await startProcess(env, ports[0]));
    procs.push(await startProcess(env, ports[1]));
    const tenant = uniq('procs');
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

  /** Subscribes on `port`; resolves with a function that waits for the event of a given client. */
  async function subscribe(port: number) {
    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    sockets.push(client);
    const waiting = new Map<string, (receivedAt: number) => void>();
    const early = new Map<string, number>();
    let failed: unknown;
    client.subscribe(
      { query: print(TimelineEventAddedDocument), variables: { types: ['CLIENT_CREATED'] } },
      {
        next: (r) => {
          const id = (r.data as { timelineEventAdded: { client: { id: string } | null } }).timelineEventAdded.client
            ?.id;
          if (!id) return;
          const now = performance.now();
          const w = waiting.get(id);
          if (w) w(now);
          else early.set(id, now);
        },
        error: (err) => (failed = err),
        complete: () => undefined,
      },
    );
    const received = (clientId: string, timeoutMs = 5000) =>
      new Promise<number>((resolve, reject) => {
        if (early.has(clientId)) return resolve(early.get(clientId)!);
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no event for ${clientId} within ${timeoutMs} ms (${failed === undefined ? 'no error' : inspect(failed)})`,
              ),
            ),
          timeoutMs,
        );
        waiting.set(clientId, (t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
    // Subscribed once an event caused after subscribing arrives (the other process is another
    // program: nothing to ask it); one missed while the subscription was still being set up is
    // followed by another.
    for (let attempt = 1; ; attempt++) {
      const warm = await gql(port, CreateClientDocument, { input: { fullName: `Warm-up ${port} ${attempt}` } });
      try {
        await received(warm.createClient.client!.id, 1000);
        break;
      } catch (err) {
        if (attempt === 10) throw err;
      }
    }
    return received;
  }

  // How fast is bench/'s business (fanout); here: every event arrives, both ways, and the latencies are printed.
  it('delivers an event caused on one process to a subscriber on the other, both ways', async () => {
    const received = [await subscribe(ports[0]), await subscribe(ports[1])];
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [sub, mut] = i % 2 === 0 ? [0, 1] : [1, 0];
      const sent = performance.now();
      const created = await gql(ports[mut], CreateClientDocument, { input: { fullName: `Across ${i}` } });
      const at = await received[sub](created.createClient.client!.id);
      latencies.push(at - sent);
    }
    expect(latencies).toHaveLength(20);
    console.log(`cross-process delivery: max ${Math.max(...latencies).toFixed(0)} ms over 20 events`);
  }, 60_000);

  /**
   * `promise`, or a failure naming the step and carrying what both processes printed (a hang
   * otherwise ends as jest's bare timeout, saying nothing of where it stopped).
   */
  function within<T>(step: string, promise: Promise<T>, ms = 15_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const printed = procs.map((p, i) => `--- process ${i} (port ${ports[i]}):\n${outputOf(p) || '(nothing)'}`);
        reject(new Error(`${step}: nothing within ${ms} ms\n${printed.join('\n')}`));
      }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  it('closes a socket on one process with 4401 when its API key is revoked on the other', async () => {
    const { createApiKey } = await within(
      'createApiKey on process 0',
      gql(ports[0], CreateApiKeyDocument, { input: { name: 'wall', role: 'AGENT' } }),
    );
    const socket = openSocket(ports[1], { apiKey: createApiKey.key! });
    sockets.push(socket.client);
    // The key's socket works on the second process before the key is revoked on the first.
    const viewer = await within("a query over the key's socket on process 1", socket.query(print(ViewerDocument)));
    expect(viewer).toEqual({ data: { viewer: null } });
    const revokedAt = performance.now();
    await within(
      'revokeApiKey on process 0',
      gql(ports[0], RevokeApiKeyDocument, { input: { id: createApiKey.apiKey!.id } }),
    );
    const close = await within("the close of the key's socket on process 1", socket.closed);
    expect([close.code, close.reason]).toEqual([4401, 'API key revoked']);
    console.log(`revoke on one process → socket on the other closed: ${Math.round(close.at - revokedAt)} ms`);
  });

  it("closes a member's sockets with 4403 when the token command changes their role while both processes run", async () => {
    const tenant = uniq('role');
    const token = async (role: string) =>
      (
        await run(
          process.execPath,
          ['dist/src/cli/token.js', '--email', `agent@${tenant}.test`, '--tenant', tenant, '--role', role],
          { env },
        )
      ).stdout.trim();
    const agent = await token('AGENT');
    const socket = openSocket(ports[1], { authorization: `Bearer ${agent}` });
    sockets.push(socket.client);
    const viewer = await within("a query over the member's socket on process 1", socket.query('{ viewer { role } }'));
    expect(viewer).toEqual({ data: { viewer: { role: 'AGENT' } } });
    // Another OS process (no API instance) writes the change; an instance's outbox relay announces it.
    await token('VIEWER');
    const close = await within("the close of the member's socket on process 1", socket.closed);
    expect([close.code, close.reason]).toEqual([4403, 'Role changed: reconnect']);
  });
});
