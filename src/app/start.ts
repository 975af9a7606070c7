import 'reflect-metadata';

import type { EntityManager } from '@mikro-orm/core';

import { createExtractor } from '../ai/index.js';
import { type Config, parseByteSize } from '../config.js';
import type { HubspotAdapter } from '../modules/sync/hubspot/hubspot.adapter.js';
import { hubspotRouter } from '../modules/sync/hubspot/hubspot.http.js';
import { importsRouter } from '../modules/sync/imports.http.js';
import { CrmProvider } from '../modules/sync/sync.enums.js';
import { OutboxRelay } from '../modules/timeline/outbox.js';
import type { Credentials } from '../platform/auth/principal.js';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../platform/db/database.js';
import { setCriteriaStatementTimeout } from '../platform/db/statement-timeout.js';
import { DEFAULT_PAGE_SIZE, setMaxPageSize } from '../platform/graphql/connection.js';
import { contextFactory } from '../platform/graphql/context.js';
import { GlobalIdLiteralsRule } from '../platform/graphql/global-id.js';
import { CostLimit, limitRules } from '../platform/graphql/limits.js';
import { operationGuard } from '../platform/graphql/operation-guard.js';
import { getSchema } from '../platform/graphql/schema.js';
import { graphqlMiddleware, startApolloServer } from '../platform/graphql/server.js';
import { corsMiddleware, verifyWebSocketOrigin } from '../platform/http/cors.js';
import { type DashboardOptions, dashboardRouter } from '../platform/http/dashboard.js';
import { httpErrorHandler } from '../platform/http/errors.js';
import { healthRouter } from '../platform/http/health.js';
import { Metrics, metricsRouter } from '../platform/http/metrics.js';
import { type PlaygroundOptions, playgroundRouter } from '../platform/http/playground.js';
import { requestScope } from '../platform/http/request-scope.js';
import { closeServer, createHttpServer, listen } from '../platform/http/server.js';
import { IdempotencyStore } from '../platform/idempotency.js';
import { startApiJobs } from '../platform/jobs.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { createPubSub, type PubSub } from '../platform/pubsub.js';
import { RateLimits, tenantLimitsFrom } from '../platform/rate-limits.js';
import { startSubscriptionServer } from '../platform/subscriptions/server.js';
import { openAppDatabase } from './database.js';
import { oneOffJobs, recurringJobs } from './jobs.js';
import { resolvers } from './resolvers.js';
import { askInterpreter, createServices, type Services, syncOptions, tokenService } from './services.js';

/** Options for {@link startApp} beyond the configuration (tests and main.ts use them). */
export interface AppOptions {
  /** PGlite directory (`null`: in memory); default `DATA_DIR/pglite`. */
  embeddedDir?: string | null;
  /** With `embeddedDir: null`: the data directory image the in-memory PGlite starts from (tests). */
  embeddedImage?: string;
  logger?: Logger;
  /** Prefix of Redis pub/sub topics (tests isolate runs with it). Default `REDIS_PREFIX:`. */
  pubsubPrefix?: string;
  /** The application clock (tests move it). */
  clock?: Clock;
  /**
   * Runs once the database is open and the services are wired, before anything is served
   * (main.ts seeds the demo tenant here). A rejection stops the start.
   */
  onDatabaseReady?: (parts: { root: EntityManager; services: Services; logger: Logger }) => Promise<void>;
  /** Headers the playground pre-fills (main.ts: the demo admin's token, in development). */
  playgroundHeaders?: PlaygroundOptions['headers'];
  /** The token the dashboard page uses without asking (main.ts: the demo admin's, in development). */
  dashboardToken?: DashboardOptions['token'];
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
  /**
   * Graceful stop: `/readyz` answers 503 at once, the instance keeps serving for DRAIN_SECONDS,
   * then stops accepting work, answers every request it has started (keep-alive connections close
   * between requests), finishes in-flight WebSocket operations and closes the sockets with 1001,
   * then stops its jobs, the outbox relay, Redis and the database.
   */
  close(): Promise<void>;
}

/** Starts the API: HTTP (Apollo at /graphql, playground, health, metrics) and graphql-ws on one port. */
export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const production = config.NODE_ENV === 'production';
  setMaxPageSize(config.GRAPHQL_MAX_PAGE_SIZE);
  setCriteriaStatementTimeout(config.CRITERIA_STATEMENT_TIMEOUT_MS);

  const db = await openAppDatabase(config, logger, {
    embeddedDir: options.embeddedDir,
    embeddedImage: options.embeddedImage,
  });
  const root = db.orm.em;
  const services = createServices(tokenService(config), {
    clock: options.clock,
    extractor: await createExtractor(config),
    askInterpreter: await askInterpreter(config),
    model: config.ANTHROPIC_MODEL,
    conversationLimits: {
      maxMessageChars: config.CONVERSATION_MAX_MESSAGE_CHARS,
      maxMessages: config.CONVERSATION_MAX_MESSAGES,
      maxChars: config.CONVERSATION_MAX_CHARS,
    },
    sync: syncOptions(config),
  });
  await options.onDatabaseReady?.({ root, services, logger });

  const pubsub = createPubSub(config.REDIS_URL, options.pubsubPrefix ?? `${config.REDIS_PREFIX}:`);
  const outbox = new OutboxRelay(db.orm, pubsub, logger);
  outbox.start();
  services.sync.engine.bindPubSub(pubsub);
  services.segments.bindPubSub(pubsub);
  // Background work: inline in this process, or (JOBS=worker) queued on BullMQ for `npm run worker`.
  const jobs = await startApiJobs({
    mode: config.JOBS,
    redisUrl: config.REDIS_URL,
    prefix: `${config.REDIS_PREFIX}-jobs`,
    recurring: recurringJobs(root, services, config, logger),
    oneOff: oneOffJobs(root, services, logger),
    logger,
  });
  services.jobs.bind(jobs.queue);

  const metrics = new Metrics();
  services.sync.engine.bindMetrics(metrics.sync);
  const schema = await getSchema(resolvers);
  const context = contextFactory({ root, pubsub, logger, services });
  const authenticate = (credentials: Credentials) => services.auth.authenticate(root, credentials);
  // Beyond graphql-js's own rules, on HTTP and WebSocket alike: well-formed ID literals, query limits.
  const validationRules = [
    GlobalIdLiteralsRule,
    ...limitRules({
      maxDepth: config.GRAPHQL_MAX_DEPTH,
      maxAliases: config.GRAPHQL_MAX_ALIASES,
      maxCost: config.GRAPHQL_MAX_COST,
    }),
  ];
  // Checked once an operation is known, with its variables and principal: cost, then rate limits.
  const rateLimits = config.RATE_LIMITS
    ? new RateLimits({
        defaults: {
          operations: config.RATE_LIMIT_OPERATIONS,
          mutations: config.RATE_LIMIT_MUTATIONS,
          expensive: config.RATE_LIMIT_EXPENSIVE,
        },
        redisUrl: config.REDIS_URL,
        keyPrefix: options.pubsubPrefix ?? `${config.REDIS_PREFIX}:`,
        tenantLimits: tenantLimitsFrom(root, logger),
        onRefused: (budget) => metrics.rateLimited.inc({ budget }),
        logger,
      })
    : undefined;
  // Counting in Redis from the first operation (at most 2 s: meanwhile the in-memory insurance counts).
  await Promise.race([rateLimits?.ready(), new Promise((r) => setTimeout(r, 2000).unref())]);
  const guard = operationGuard(
    schema,
    new CostLimit({ maxCost: config.GRAPHQL_MAX_COST, defaultPageSize: DEFAULT_PAGE_SIZE }),
    rateLimits,
  );
  const idempotency = new IdempotencyStore(root, { ttlHours: config.IDEMPOTENCY_TTL_HOURS });
  const { app, server, drain } = createHttpServer();
  const served = { httpServer: server, schema, validationRules, guard, metrics, logger, idempotency };
  const checkOrigin = verifyWebSocketOrigin(config.CORS_ORIGINS);
  // A stopping instance takes no new socket (a keep-alive connection could still ask for one).
  const verifyClient: typeof checkOrigin = (info, callback) =>
    drain.phase === 'stopping' ? callback(false, 503, 'Shutting down') : checkOrigin(info, callback);
  const subscriptions = await startSubscriptionServer({
    ...served,
    authenticate,
    context,
    verifyClient,
    pubsub,
    maxPayload: parseByteSize(config.BODY_LIMIT),
    maxPendingPerAddress: config.WS_MAX_PENDING_PER_ADDRESS,
    introspection: config.GRAPHQL_INTROSPECTION,
    production,
    onSubscribed: options.onSubscribed,
  });
  const apollo = await startApolloServer({
    ...served,
    production,
    introspection: config.GRAPHQL_INTROSPECTION,
  });

  const graphql = graphqlMiddleware(apollo, {
    bodyLimit: config.BODY_LIMIT,
    authenticate: (credentials) => services.auth.authenticateLater(root, credentials),
    context,
  });
  app.use(requestScope(metrics));
  app.use(corsMiddleware(config.CORS_ORIGINS));
  // Operations first: no router below answers POST /graphql, and each would be matched on every request.
  app.post('/graphql', graphql);
  app.use(healthRouter({ db, pubsub, draining: () => drain.phase !== 'serving' }));
  // In production /metrics on the public port needs METRICS_TOKEN (else 404); METRICS_PORT adds a loopback-only listener.
  app.use(
    metricsRouter(metrics, { enabled: !production || Boolean(config.METRICS_TOKEN), token: config.METRICS_TOKEN }),
  );
  if (config.PLAYGROUND) app.use(playgroundRouter({ headers: options.playgroundHeaders }));
  // The page's token (the demo admin's) is for development only: in production the page asks.
  if (config.DASHBOARD_ENABLED) app.use(dashboardRouter({ token: production ? undefined : options.dashboardToken }));
  app.use(
    importsRouter({ authenticate, services, root, logger, maxBytes: parseByteSize(config.SYNC_IMPORT_MAX_BYTES) }),
  );
  app.use(
    hubspotRouter({
      authenticate,
      services,
      adapter: services.sync.adapter(CrmProvider.HUBSPOT) as HubspotAdapter | undefined,
      root,
      jobs: services.jobs,
      logger,
      stateKey: services.tokens.derivedKey('hubspot oauth state'),
      onWebhookEvents: (outcome, n) => metrics.sync.webhookEvents(CrmProvider.HUBSPOT, outcome, n),
    }),
  );
  // Other methods (GET queries, a wrong method's error) after the playground, which answers a browser's GET /graphql.
  app.use('/graphql', graphql);
  app.use(httpErrorHandler(logger));

  const port = await listen(server, config.PORT, config.HOST);
  const metricsListener = config.METRICS_PORT === undefined ? undefined : createHttpServer();
  if (metricsListener) {
    metricsListener.app.use(metricsRouter(metrics));
    await listen(metricsListener.server, config.METRICS_PORT!, '127.0.0.1');
  }
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

  // Stopped in this order: unready while still serving, then no new operations (every started one
  // answered), then no background work, then the connections.
  const close = stopInOrder(logger, {
    drain: async () => {
      drain.startDraining();
      if (config.DRAIN_SECONDS) {
        logger.info({ drainSeconds: config.DRAIN_SECONDS }, 'draining: unready, still serving');
        await new Promise((resolve) => setTimeout(resolve, config.DRAIN_SECONDS * 1000));
      }
    },
    'http and websockets': async () => {
      const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
      const [answered] = await Promise.all([drain.stop(server, deadline), subscriptions.stop(deadline)]);
      if (!answered) logger.warn('shutdown timed out: requests still in flight were cut off');
    },
    apollo: () => apollo.stop(),
    'metrics listener': () => (metricsListener ? closeServer(metricsListener.server) : Promise.resolve()),
    jobs: () => jobs.stop(),
    'outbox relay': () => outbox.stop(),
    pubsub: () => pubsub.close(),
    'rate limits': async () => rateLimits?.close(),
    'sync providers': () => services.sync.close(),
    db: () => db.close(),
  });
  return { url, port, config, db, pubsub, services, metrics, logger, close };
}

/** A `close` that runs the stops one after the other, once however often it is called. */
function stopInOrder(logger: Logger, stops: Record<string, () => Promise<void>>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const [name, stop] of Object.entries(stops)) {
        logger.debug(`stopping ${name}`);
        await stop();
      }
      logger.debug('closed');
    })());
}
