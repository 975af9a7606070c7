import 'reflect-metadata';

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { EntityManager } from '@mikro-orm/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GraphQLError, type ValidationContext } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

import { createExtractor } from './ai/index.js';
import type { Config } from './config.js';
import { oneOffJobs, recurringJobs } from './jobs.js';
import { OutboxRelay } from './modules/timeline/outbox.js';
import { TokenService } from './platform/auth/jwt.js';
import type { Principal } from './platform/auth/principal.js';
import type { Clock } from './platform/clock.js';
import { type Database, openDatabase } from './platform/db/database.js';
import { forkForTenant } from './platform/db/tenancy.js';
import { DomainError } from './platform/errors.js';
import { setMaxPageSize } from './platform/graphql/connection.js';
import type { GraphQLContext } from './platform/graphql/context.js';
import { Loaders } from './platform/graphql/loaders.js';
import { getSchema } from './platform/graphql/schema.js';
import { formatErrorFactory } from './platform/http/errors.js';
import { Metrics } from './platform/http/metrics.js';
import { playgroundRouter } from './platform/http/playground.js';
import { BullJobQueue, InlineJobRunner } from './platform/jobs.js';
import { createLogger, type Logger } from './platform/logger.js';
import { LocalPubSub, type PubSub, RedisBackedPubSub } from './platform/pubsub.js';
import { currentRequest, type RequestStore, runInRequest } from './platform/request-context.js';
import { DocumentCache } from './platform/subscriptions/document-cache.js';
import { principalKey, SubscriptionFanout } from './platform/subscriptions/fanout.js';
import { seedDemo } from './seed/demo.js';
import { createServices, type Services } from './services.js';

/** Options for {@link startApp} beyond the configuration (tests use them). */
export interface AppOptions {
  /** PGlite directory (`null`: in memory); default `DATA_DIR/pglite`. */
  embeddedDir?: string | null;
  logger?: Logger;
  /** Prefix of Redis pub/sub topics (tests isolate runs with it). Default `REDIS_PREFIX:`. */
  pubsubPrefix?: string;
  /** The application clock (tests move it). */
  clock?: Clock;
  /**
   * Called with a WebSocket subscription's id once it is subscribed: what is published from then
   * on reaches it (tests wait for it instead of sleeping).
   */
  onSubscribed?: (id: string) => void;
}

/** A running API process. */
export interface App {
  url: string;
  port: number;
  config: Config;
  db: Database;
  pubsub: PubSub;
  services: Services;
  metrics: Metrics;
  logger: Logger;
  /** Graceful stop: refuse new work, finish in-flight operations, close sockets, ORM and Redis. */
  close(): Promise<void>;
}

/** Starts the API: HTTP (Apollo at /graphql, playground, health, metrics) and graphql-ws on one port. */
export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const production = config.NODE_ENV === 'production';
  setMaxPageSize(config.GRAPHQL_MAX_PAGE_SIZE);

  const db = await openDatabase(config, logger, { embeddedDir: options.embeddedDir });
  const services = createServices(TokenService.fromConfig(config), {
    clock: options.clock,
    extractor: createExtractor(config),
    model: config.ANTHROPIC_MODEL,
  });
  const root = db.orm.em;

  let demoToken: string | undefined;
  if (config.DEMO_SEED) {
    const demo = await seedDemo(root, services, logger);
    if (config.NODE_ENV === 'development') demoToken = demo.token;
  }

  const pubsub: PubSub = config.REDIS_URL
    ? new RedisBackedPubSub(config.REDIS_URL, options.pubsubPrefix ?? `${config.REDIS_PREFIX}:`)
    : new LocalPubSub();
  const outbox = new OutboxRelay(db.orm, pubsub, logger);
  outbox.start();
  // Background work: inline in this process, or (JOBS=worker) queued on BullMQ for `npm run worker`.
  const jobs =
    config.JOBS === 'worker'
      ? new BullJobQueue(config.REDIS_URL!, oneOffJobs(root, services, logger), `${config.REDIS_PREFIX}-jobs`)
      : new InlineJobRunner(
          config.JOBS === 'inline' ? recurringJobs(root, services, config, logger) : [],
          oneOffJobs(root, services, logger),
          logger,
        );
  services.jobs.bind(jobs);
  if (jobs instanceof InlineJobRunner) await jobs.start();
  const metrics = new Metrics();
  const schema = await getSchema();

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);

  /**
   * Builds the context of one operation from its principal. The EntityManager fork and the loaders
   * are made on first use: a subscription's context lives as long as its socket, and its events are
   * executed with a context of their own (see SubscriptionFanout).
   */
  const makeContext = (principal: Principal | null, requestId: string): GraphQLContext => {
    let em: EntityManager | undefined;
    let loaders: Loaders | undefined;
    return {
      requestId,
      principal,
      get em() {
        return (em ??= principal
          ? forkForTenant(root, principal.tenantId)
          : root.fork({ clear: true, useContext: false }));
      },
      get loaders() {
        return (loaders ??= new Loaders());
      },
      pubsub,
      logger,
      services,
    };
  };

  // Query limits, the same on HTTP and WebSocket operations.
  const limitRules = [
    maxDepthRule({ n: config.GRAPHQL_MAX_DEPTH, flattenFragments: true, ...armorReporting }),
    maxAliasesRule({ n: config.GRAPHQL_MAX_ALIASES, ...armorReporting }),
    costLimitRule({ maxCost: config.GRAPHQL_MAX_COST, flattenFragments: true, ...armorReporting }),
  ];

  // --- WebSocket (graphql-ws) on the same port and path ---
  const documents = new DocumentCache(schema, limitRules);
  const fanout = new SubscriptionFanout<GraphQLContext>({
    contextKey: (ctx) => (ctx.principal ? principalKey(ctx.principal) : undefined),
    eventContext: (ctx) => makeContext(ctx.principal, ctx.requestId),
    onSubscribed: options.onSubscribed,
  });
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal | null }>(
    {
      schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        try {
          const principal = await services.auth.authenticate(root, {
            authorization:
              typeof params.authorization === 'string'
                ? params.authorization
                : typeof params.Authorization === 'string'
                  ? params.Authorization
                  : undefined,
            apiKey: typeof params.apiKey === 'string' ? params.apiKey : undefined,
          });
          if (!principal) throw DomainError.unauthenticated();
          ctx.extra.principal = principal;
          // graphql-ws keeps the upgrade request (headers and all) for the socket's lifetime; nothing
          // reads it after the handshake, and with 10,000 dashboards that is ~1.5 KB each.
          (ctx.extra as { request?: unknown }).request = undefined;
          return true;
        } catch (err) {
          if (!(err instanceof DomainError)) logger.error({ err }, 'websocket authentication failed');
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
      },
      // Parsed and validated once per distinct query text, not once per subscriber.
      onSubscribe: (_ctx, _id, payload) => {
        const { document, errors } = documents.get(payload.query);
        if (errors) return errors;
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx, id) => fanout.bind(makeContext(ctx.extra.principal ?? null, randomUUID()), ctx.extra.socket, id),
      // Each event is executed and serialized once per group of identical subscriptions (same
      // document, variables and principal), and written to each subscriber's socket.
      subscribe: fanout.subscribe,
    },
    wsServer,
  );
  wsServer.on('connection', (socket) => {
    metrics.wsConnections.inc();
    socket.once('close', () => metrics.wsConnections.dec());
  });

  // --- Apollo ---
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.GRAPHQL_INTROSPECTION,
    csrfPrevention: true,
    // main.ts owns the signals, so shutdown runs in one known order.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !production,
    logger,
    validationRules: limitRules,
    formatError: formatErrorFactory(logger, production, (code) => metrics.errors.inc({ code })),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_TIMEOUT_MS }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints: the default cache-control plugin wraps every field resolver (profiled).
      ApolloServerPluginCacheControlDisabled(),
      operationPlugin(metrics, production),
    ],
  });
  await apollo.start();

  app.use(requestScope(metrics));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    checks.database = await timed(db.ping()).then(
      () => 'ok',
      (e: Error) => `error: ${e.message}`,
    );
    if (pubsub instanceof RedisBackedPubSub) {
      checks.redis = await timed(pubsub.ping()).then(
        () => 'ok',
        (e: Error) => `error: ${e.message}`,
      );
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  if (config.PLAYGROUND) {
    app.use(
      playgroundRouter({ headers: async () => (demoToken ? { Authorization: `Bearer ${demoToken}` } : undefined) }),
    );
  }
  app.use(
    '/graphql',
    express.json({ limit: config.BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const principal = await services.auth.authenticate(root, {
            authorization: req.headers.authorization,
            apiKey: header(req.headers['x-api-key']),
          });
          return makeContext(principal, currentRequest()?.requestId ?? randomUUID());
        } catch (err) {
          if (err instanceof DomainError) {
            throw new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 401 } } });
          }
          throw err;
        }
      },
    }),
  );
  app.use(httpErrorHandler(logger));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  logger.info(
    {
      url: `${url}/graphql`,
      database: db.embedded ? 'embedded PGlite' : 'PostgreSQL',
      pubsub: config.REDIS_URL ? 'Redis' : 'in-process',
      jobs: config.JOBS,
    },
    'Meridian is listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    config,
    db,
    pubsub,
    services,
    metrics,
    logger,
    close() {
      closing ??= (async () => {
        logger.debug('stopping apollo');
        await apollo.stop();
        logger.debug('closing http');
        await closeServer(httpServer);
        logger.debug('stopping jobs');
        await (jobs instanceof InlineJobRunner ? jobs.stop() : jobs.close());
        logger.debug('stopping outbox relay');
        await outbox.stop();
        logger.debug('closing pubsub');
        await pubsub.close();
        logger.debug('closing db');
        await db.close();
        logger.debug('closed');
      })();
      return closing;
    },
  };
}

/**
 * graphql-armor rules throw by default (meant for envelop); as plain validation rules they must
 * report, so Apollo answers 400 GRAPHQL_VALIDATION_FAILED naming the limit.
 */
const armorReporting = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
};

/** Express middleware: request id, request scope (AsyncLocalStorage) and HTTP duration metric. */
function requestScope(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = header(req.headers['x-request-id'])?.slice(0, 128) || randomUUID();
    res.setHeader('x-request-id', requestId);
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.once('finish', () => {
      const route = ['/graphql', '/healthz', '/readyz', '/metrics', '/playground'].includes(req.path)
        ? req.path
        : req.path.startsWith('/playground/')
          ? '/playground/assets'
          : 'other';
      end({ route, status: String(res.statusCode) });
    });
    const store: RequestStore = { requestId, sqlStatements: 0 };
    runInRequest(store, () => next());
  };
}

/** Apollo plugin: operation duration metric, and (outside production) SQL statements per operation in `extensions`. */
function operationPlugin(metrics: Metrics, production: boolean): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async executionDidStart() {
          const store = currentRequest();
          if (store) store.sqlStatements = 0;
        },
        async willSendResponse({ operationName, operation, response }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe(
            { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown' },
            seconds,
          );
          const store = currentRequest();
          if (!production && store && response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, sqlStatements: store.sqlStatements };
          }
        },
      };
    },
  };
}

/** Errors before GraphQL (malformed JSON, too large a body) as coded 4xx JSON. */
function httpErrorHandler(logger: Logger) {
  return (err: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const code =
      err.type === 'entity.parse.failed'
        ? 'BAD_REQUEST'
        : err.type === 'entity.too.large'
          ? 'PAYLOAD_TOO_LARGE'
          : status < 500
            ? 'BAD_REQUEST'
            : 'INTERNAL_SERVER_ERROR';
    const message =
      code === 'BAD_REQUEST' && err.type === 'entity.parse.failed'
        ? 'Malformed JSON body'
        : code === 'PAYLOAD_TOO_LARGE'
          ? 'Request body too large'
          : status < 500
            ? err.message
            : 'Internal server error';
    if (status >= 500) logger.error({ err }, 'unexpected HTTP error');
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Rejects after 2 s, so a hung dependency makes /readyz fail instead of hang. */
function timed<T>(p: Promise<T>, ms = 2000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
