import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';

import {
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  type ValidationRule,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type VerifyClientCallbackAsync, WebSocketServer } from 'ws';

import type { Authenticate, Credentials } from '../auth/principal.js';
import { PRINCIPAL_CHANGES_TOPIC, type PrincipalChange } from '../auth/principal-changes.js';
import { DomainError } from '../errors.js';
import type { ContextFactory, GraphQLContext } from '../graphql/context.js';
import type { OperationGuard } from '../graphql/operation-guard.js';
import { formatErrorFactory } from '../http/errors.js';
import type { Metrics } from '../http/metrics.js';
import type { IdempotencyStore } from '../idempotency.js';
import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import { ConnectionRegistry, type SocketConnection } from './connections.js';
import { DocumentCache } from './document-cache.js';
import { principalKey, SubscriptionFanout } from './fanout.js';
import { WebSocketIdempotency } from './idempotency.js';

/** What the graphql-ws server of an API is built from. */
export interface SubscriptionServerOptions {
  /** The HTTP server whose upgrades at `path` become graphql-ws sockets. */
  httpServer: Server;
  /** Default `/graphql` (the same path as HTTP operations). */
  path?: string;
  schema: GraphQLSchema;
  /** Query limits, as on HTTP. */
  validationRules: ValidationRule[];
  /** Checks an operation passes before it runs (cost with variables, rate limits), as on HTTP. */
  guard: OperationGuard;
  /**
   * Checked before the upgrade (the socket's CSRF guard: browsers send credentials on cross-site
   * WebSockets); a refused upgrade gets HTTP 403 and no socket. Default: every upgrade is accepted.
   */
  verifyClient?: VerifyClientCallbackAsync;
  /** Called with a subscription's graphql-ws id once its source stream is open (tests wait for it). */
  onSubscribed?: (id: string) => void;
  /** `connectionParams` `authorization` (or `Authorization`) and `apiKey` to a principal. */
  authenticate: Authenticate;
  context: ContextFactory;
  /** Where {@link PrincipalChange}s are announced (they close the sockets of that principal). */
  pubsub: PubSub;
  /** Largest message a client may send, in bytes (BODY_LIMIT); a larger one closes the socket with 1009. */
  maxPayload: number;
  /**
   * Sockets from one remote address that have not been acknowledged yet (no valid `connection_init`
   * so far); one more upgrade is refused with HTTP 429 (WS_MAX_PENDING_PER_ADDRESS). Default 16.
   */
  maxPendingPerAddress?: number;
  /** How long a socket may take to send `connection_init` before it is closed with 4408. Default 3000 ms. */
  connectionInitTimeoutMs?: number;
  /** Answer introspection (GRAPHQL_INTROSPECTION), as on HTTP. */
  introspection: boolean;
  /** Production: no "Did you mean …" suggestions, unexpected errors masked, as on HTTP. */
  production: boolean;
  metrics: Metrics;
  logger: Logger;
  /** Where mutations' `extensions.idempotencyKey`s are kept; absent: the key is ignored. */
  idempotency?: IdempotencyStore;
}

/** A running graphql-ws server. */
export interface SubscriptionServer {
  /**
   * The graceful stop: queries and mutations received from now on are refused unexecuted
   * (`SHUTTING_DOWN`, safe to send again to another instance), those in flight finish and are
   * answered (until `deadline`, epoch ms), then every socket is closed with 1001 Going Away, the
   * signal for clients to reconnect (to another instance) and resume their subscriptions.
   */
  stop(deadline: number): Promise<void>;
  /** Closes every socket with 1001 at once and stops accepting new ones. */
  dispose(): Promise<void>;
}

/** What graphql-ws keeps per socket, beyond the socket and request. */
type SocketExtra = { connection?: SocketConnection };

/**
 * Serves graphql-ws on the HTTP server's port. A connection without valid credentials is closed
 * with 4401 Unauthorized; every operation re-checks them, and a socket whose credentials stop
 * holding (revoked, deactivated, expired, role changed) is closed (see {@link ConnectionRegistry}).
 * Each event of a subscription is executed once per group of identical subscriptions (see
 * {@link SubscriptionFanout}). Resolves once announcements of principal changes are heard.
 */
export async function startSubscriptionServer(options: SubscriptionServerOptions): Promise<SubscriptionServer> {
  const { schema, authenticate, context, metrics, logger, pubsub, production } = options;
  const connections = new ConnectionRegistry(authenticate, logger);
  const changes = await pubsub.subscribe<PrincipalChange>(PRINCIPAL_CHANGES_TOPIC);
  void (async () => {
    for await (const change of changes) connections.apply(change);
  })().catch((err: unknown) => logger.error({ err }, 'principal changes no longer heard'));
  // Announcements published while this instance's PubSub was away are lost: re-check every socket.
  const stopResubscribed = pubsub.onResubscribed?.(() => void connections.recheckAll());

  // Parsed and validated once per distinct query text, not once per subscriber; the same rules as HTTP.
  const rules = options.introspection
    ? options.validationRules
    : [...options.validationRules, NoSchemaIntrospectionCustomRule];
  const documents = new DocumentCache(schema, rules);
  const formatExecutionError = wsErrorFormatter(logger, production, (code) => metrics.errors.inc({ code }));
  const fanout = new SubscriptionFanout<GraphQLContext>({
    contextKey: (ctx) => (ctx.principal ? principalKey(ctx.principal) : undefined),
    eventContext: (ctx) => context(ctx.principal, ctx.requestId),
    onSubscribed: options.onSubscribed,
    formatError: formatExecutionError,
  });
  const idempotency =
    options.idempotency && new WebSocketIdempotency(options.idempotency, logger, formatExecutionError);
  const pending = new PendingSockets(options.maxPendingPerAddress ?? 16);
  // Queries and mutations in flight, per socket: a stop answers them before closing the sockets.
  const running = new Map<object, Set<string>>();
  let stopping = false;
  let idle: (() => void) | undefined;
  const done = (ctx: object, id?: string) => {
    const ids = running.get(ctx);
    if (id === undefined) running.delete(ctx);
    else if (ids?.delete(id) && !ids.size) running.delete(ctx);
    if (!running.size) idle?.();
  };
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path ?? '/graphql',
    maxPayload: options.maxPayload,
    verifyClient: (info, callback) => {
      const admit = (ok: boolean, status?: number, message?: string) => {
        if (!ok) return callback(false, status, message);
        if (!pending.admit(info.req)) return callback(false, 429, 'Too many unauthenticated WebSockets');
        callback(true);
      };
      if (options.verifyClient) options.verifyClient(info, admit);
      else admit(true);
    },
  });
  const server = useServer<Record<string, unknown>, SocketExtra>(
    {
      schema,
      connectionInitWaitTimeout: options.connectionInitTimeoutMs ?? 3000,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const credentials: Credentials = {
          authorization:
            typeof params.authorization === 'string'
              ? params.authorization
              : typeof params.Authorization === 'string'
                ? params.Authorization
                : undefined,
          apiKey: typeof params.apiKey === 'string' ? params.apiKey : undefined,
        };
        try {
          const principal = await authenticate(credentials);
          if (!principal) throw DomainError.unauthenticated();
          ctx.extra.connection = connections.add(ctx.extra.socket, credentials, principal);
          pending.acknowledged(ctx.extra.request);
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
      onSubscribe: async (ctx, id, payload) => {
        // Every operation runs as the credentials are now, not as they were at connection time.
        const checked = await connections.recheck(ctx.extra.connection!);
        if ('refused' in checked) {
          const code = checked.refused.code === CloseCode.Forbidden ? 'FORBIDDEN' : 'UNAUTHENTICATED';
          return [new GraphQLError(checked.refused.reason, { extensions: { code } })];
        }
        const { document, errors } = documents.get(payload.query);
        if (errors) return errors;
        const subscription =
          getOperationAST(document, payload.operationName)?.operation === OperationTypeNode.SUBSCRIPTION;
        if (stopping && !subscription)
          return [
            new GraphQLError('This instance is shutting down; send the operation again.', {
              extensions: { code: 'SHUTTING_DOWN' },
            }),
          ];
        const refused = await options.guard({
          document,
          operationName: payload.operationName,
          variables: payload.variables,
          principal: checked.principal,
        });
        if (refused) return [refused];
        const args = { schema, document, operationName: payload.operationName, variableValues: payload.variables };
        const keyRefused = await idempotency?.begin(args, payload, checked.principal);
        if (keyRefused) return [keyRefused];
        if (!subscription) {
          let ids = running.get(ctx);
          if (!ids) running.set(ctx, (ids = new Set()));
          ids.add(id);
        }
        return args;
      },
      execute: idempotency?.execute,
      context: (ctx, id) =>
        fanout.bind(context(ctx.extra.connection?.principal ?? null, randomUUID()), ctx.extra.socket, id),
      // Each event is executed and serialized once per group of identical subscriptions (same
      // document, variables and principal), and written to each subscriber's socket.
      subscribe: fanout.subscribe,
      // Refused operations (validation, credentials) and results of queries, mutations and replays.
      onError: (_ctx, _id, _payload, errors) => errors.map(formatRequestError(production)),
      // A replayed mutation's stored result (idempotency keys), else errors formatted as on HTTP.
      onNext: (ctx, id, payload, args, result) =>
        idempotency?.onNext(ctx, id, payload, args) ??
        (result.errors ? { ...result, errors: result.errors.map(formatExecutionError) } : undefined),
      // Called once an operation's result has been sent (or its subscription ended).
      onComplete: (ctx, id) => done(ctx, id),
      onClose: (ctx) => done(ctx),
    },
    wsServer,
  );
  wsServer.on('connection', (socket) => {
    metrics.wsConnections.inc();
    socket.once('close', () => metrics.wsConnections.dec());
  });
  const dispose = async () => {
    stopResubscribed?.();
    await changes.return?.();
    await server.dispose();
  };
  return {
    dispose,
    async stop(deadline) {
      stopping = true;
      if (running.size)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      idle = undefined;
      await dispose();
    },
  };
}

/**
 * Counts, per remote address, upgraded sockets not yet acknowledged, so that one address cannot
 * hold many sockets open without credentials (each may be sending a message up to maxPayload).
 */
class PendingSockets {
  private readonly byAddress = new Map<string, number>();
  private readonly counted = new WeakMap<IncomingMessage, string>();

  constructor(private readonly max: number) {}

  /** Counts the upgrade of `req`, or returns false when its address has `max` pending already. */
  admit(req: IncomingMessage): boolean {
    const address = req.socket.remoteAddress ?? 'unknown';
    const n = this.byAddress.get(address) ?? 0;
    if (n >= this.max) return false;
    this.byAddress.set(address, n + 1);
    this.counted.set(req, address);
    // Whatever happens next (acknowledged, refused, timed out, upgrade failed), the TCP socket closes.
    req.socket.once('close', () => this.acknowledged(req));
    return true;
  }

  /** `req`'s socket is no longer pending (acknowledged or closed); counted once. */
  acknowledged(req: IncomingMessage): void {
    const address = this.counted.get(req);
    if (address === undefined) return;
    this.counted.delete(req);
    const n = (this.byAddress.get(address) ?? 1) - 1;
    if (n > 0) this.byAddress.set(address, n);
    else this.byAddress.delete(address);
  }
}

/** Drops graphql-js's "Did you mean …?" hints, which name parts of the schema. */
function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}

/**
 * Errors that refuse a whole operation (parse, validation, credentials): their codes kept, with
 * GRAPHQL_VALIDATION_FAILED for graphql-js's own, and no suggestions in production.
 */
function formatRequestError(production: boolean) {
  return (error: GraphQLError): GraphQLFormattedError => {
    const json = error.toJSON();
    return {
      ...json,
      message: production ? withoutSuggestions(json.message) : json.message,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...json.extensions },
    };
  };
}

/**
 * Errors in results, as HTTP formats them (codes of domain errors, unexpected ones logged and masked
 * in production). Errors without a path refuse the operation's input (e.g. a variable of the wrong
 * type): BAD_USER_INPUT unless they carry a code.
 */
function wsErrorFormatter(
  logger: Logger,
  production: boolean,
  onCode: (code: string) => void,
): (error: GraphQLError) => GraphQLFormattedError {
  const format = formatErrorFactory(logger, production, onCode);
  return (error) => {
    if (error.path === undefined) {
      const json = error.toJSON();
      return {
        ...json,
        message: production ? withoutSuggestions(json.message) : json.message,
        extensions: { code: 'BAD_USER_INPUT', ...json.extensions },
      };
    }
    return format(error.toJSON(), error);
  };
}
