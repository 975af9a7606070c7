import 'reflect-metadata';

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

import { type App, type AppOptions, startApp } from '../../src/app/start.js';
import { loadConfig } from '../../src/config.js';
import { Role } from '../../src/modules/tenancy/role.js';
import { createLogger } from '../../src/platform/logger.js';
import { postGraphql } from './post.js';
import { startWorker } from './process.js';
import { embeddedImage, templateDatabase } from './templates.js';

/** Secret of test tokens (tests never touch a real DATA_DIR secret). */
export const TEST_JWT_SECRET = 'meridian-test-secret-meridian-test-secret';

/** Unique suffix for names owned by one test suite, so suites never collide. */
export function uniq(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A GraphQL response as the tests read it. */
export interface GqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

/** A real API process (HTTP + WebSocket) on a free port, with its own database. */
export interface TestServer {
  app: App;
  url: string;
  /** Redis channel prefix of this server (shared by servers started with `shareWith`). */
  pubsubPrefix: string;
  /** Sends a typed operation over HTTP. */
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, auth?: Auth): Promise<GqlResponse<R>>;
  /** Sends a raw POST body (for malformed requests). */
  post(
    body: string | object,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: unknown; text: string }>;
  /** Creates (if needed) a tenant and member and returns a bearer token for them. */
  tokenFor(tenant: string, role?: Role | `${Role}`, email?: string): Promise<string>;
  /** A graphql-ws client; `connectionParams` as a dashboard would send them. */
  ws(connectionParams?: Record<string, unknown>): Client;
  close(): Promise<void>;
}

/** Credentials for a request: a bearer token, or an API key. */
export type Auth = string | { apiKey: string } | undefined;

/** True when the suite runs against the real PostgreSQL (DATABASE_URL set), false for PGlite. */
export const usingPostgres = Boolean(process.env.DATABASE_URL);

/**
 * Starts the app on a free port. With DATABASE_URL set, against a fresh database created on that
 * server (dropped on close) and REDIS_URL if set; otherwise on an in-memory PGlite.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { shareWith?: TestServer; app?: Pick<AppOptions, 'dashboardToken'> } = {},
): Promise<TestServer> {
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (options.shareWith) {
    databaseUrl = options.shareWith.app.config.DATABASE_URL;
    if (!databaseUrl) throw new Error('shareWith needs DATABASE_URL (PGlite serves one process)');
  } else if (process.env.DATABASE_URL) {
    const created = await createDatabase(process.env.DATABASE_URL, await templateDatabase(process.env.DATABASE_URL));
    databaseUrl = created.url;
    dropDatabase = created.drop;
  }
  const pubsubPrefix = env.REDIS_PREFIX ? `${env.REDIS_PREFIX}:` : `${uniq('meridian-test')}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: dataDir,
    DEMO_SEED: 'false',
    JOBS: 'off', // tests run scans themselves (runRenewalScan); test/jobs.test.ts turns jobs on
    RATE_LIMITS: 'false', // suites send bursts; test/rate-limits.test.ts turns the limits on
    DRAIN_SECONDS: '0', // also for NODE_ENV=production servers: no balancer to wait for
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  });
  const subscriptions = new SubscriptionRegistry();
  const app = await startApp(config, {
    embeddedDir: null,
    embeddedImage: databaseUrl ? undefined : await embeddedImage(),
    logger: createLogger(config.LOG_LEVEL),
    pubsubPrefix: options.shareWith?.pubsubPrefix ?? pubsubPrefix,
    onSubscribed: (id) => subscriptions.subscribed(id),
    ...options.app,
  });
  const url = app.url;
  const sockets: Client[] = [];
  // Keep-alive connections for gql/post, closed with the server.
  const agent = new Agent({ keepAlive: true });

  const headersFor = (auth: Auth): Record<string, string> =>
    typeof auth === 'string' ? { authorization: `Bearer ${auth}` } : auth ? { 'x-api-key': auth.apiKey } : {};

  const server: TestServer = {
    app,
    url,
    pubsubPrefix: options.shareWith?.pubsubPrefix ?? pubsubPrefix,
    async gql(doc, variables, auth) {
      const res = await postGraphql(agent, url, JSON.stringify({ query: printed(doc), variables }), headersFor(auth));
      const body = JSON.parse(res.text) as Omit<GqlResponse<never>, 'status'>;
      return { status: res.status, ...body };
    },
    async post(body, headers = {}) {
      const res = await postGraphql(agent, url, typeof body === 'string' ? body : JSON.stringify(body), headers);
      let json: unknown;
      try {
        json = JSON.parse(res.text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text: res.text };
    },
    async tokenFor(tenant, role = Role.ADMIN, email) {
      const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
        tenant,
        role: role as Role,
        email: email ?? `${role.toLowerCase()}@${tenant}.test`,
      });
      return token;
    },
    ws(connectionParams) {
      const client = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        // Called synchronously by client.subscribe: nextResults learns the id it waits for.
        generateID: () => {
          const id = randomUUID();
          lastIds.set(client, id);
          return id;
        },
      });
      registries.set(client, subscriptions);
      sockets.push(client);
      return client;
    },
    async close() {
      await Promise.all(
        sockets.map(async (s) => {
          await s.dispose();
        }),
      );
      agent.destroy();
      await app.close();
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Each operation's text, printed once per document (`print` walks the whole document). */
const printedDocs = new WeakMap<DocumentNode, string>();
function printed(doc: DocumentNode): string {
  let text = printedDocs.get(doc);
  if (text === undefined) printedDocs.set(doc, (text = print(doc)));
  return text;
}

/**
 * Creates a uniquely named database on the server of `adminUrl` (empty, or a copy of `template`);
 * returns its URL and a dropper.
 */
export async function createDatabase(
  adminUrl: string,
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `meridian_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

/** The subscriptions a test server has subscribed, by graphql-ws id (see AppOptions.onSubscribed). */
class SubscriptionRegistry {
  private readonly ids = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  subscribed(id: string): void {
    this.ids.add(id);
    this.waiting.get(id)?.();
    this.waiting.delete(id);
  }

  /** Resolves once the server has subscribed `id`. */
  when(id: string): Promise<void> {
    if (this.ids.has(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }
}

/** The registry of the server a client of `TestServer.ws` talks to, and the id of its last subscribe. */
const registries = new WeakMap<Client, SubscriptionRegistry>();
const lastIds = new WeakMap<Client, string>();

/**
 * Collects the next `n` results of a subscription (rejects after `timeoutMs`). `ready` resolves once
 * the server has subscribed it (anything published from then on is delivered), and rejects if the
 * subscription fails first; `client` must come from {@link TestServer.ws}.
 */
export function nextResults<T>(
  client: Client,
  query: TypedDocumentNode<T, Record<string, unknown>> | TypedDocumentNode<T, Record<string, never>>,
  variables: Record<string, unknown> = {},
  n = 1,
  timeoutMs = 5000,
): { results: Promise<T[]>; ready: Promise<void>; dispose: () => void } {
  const registry = registries.get(client);
  if (!registry) throw new Error('nextResults needs a client of TestServer.ws (it knows when the server subscribed)');
  const got: T[] = [];
  let dispose: () => void = () => undefined;
  const results = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`timed out waiting for ${n} subscription result(s); got ${got.length}`));
    }, timeoutMs);
    dispose = client.subscribe<T>(
      { query: printed(query), variables },
      {
        next: (value) => {
          if (value.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(value.errors)));
            return;
          }
          got.push(value.data as T);
          if (got.length >= n) {
            clearTimeout(timer);
            dispose();
            resolve(got);
          }
        },
        error: (err) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        },
        complete: () => undefined,
      },
    );
  });
  const ready = Promise.race([registry.when(lastIds.get(client)!), results.then(() => undefined)]);
  ready.catch(() => undefined); // a failure is the results' to report when nobody waits for ready
  return { results, ready, dispose: () => dispose() };
}

/**
 * Starts a job worker (`dist/src/worker.js`) on `server`'s database and Redis, under `redisPrefix`
 * (the server's `REDIS_PREFIX`), with `env` on top; resolves once it runs.
 */
export function startWorkerFor(server: TestServer, redisPrefix: string, env: NodeJS.ProcessEnv = {}) {
  return startWorker({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: server.app.config.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
}
