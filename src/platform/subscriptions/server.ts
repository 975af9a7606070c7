import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';

import { getOperationAST, GraphQLError, type GraphQLSchema, OperationTypeNode, type ValidationRule } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type VerifyClientCallbackAsync, WebSocketServer } from 'ws';

import type { Authenticate, Principal } from '../auth/principal.js';
import { DomainError } from '../errors.js';
import type { ContextFactory, GraphQLContext } from '../graphql/context.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../logger.js';
import { DocumentCache } from './document-cache.js';
import { principalKey, SubscriptionFanout } from './fanout.js';

/** What the graphql-ws server of an API is built from. */
export interface SubscriptionServerOptions {
  /** The HTTP server whose upgrades at `path` become graphql-ws sockets. */
  httpServer: Server;
  /** Default `/graphql` (the same path as HTTP operations). */
  path?: string;
  schema: GraphQLSchema;
  /** Query limits, as on HTTP. */
  validationRules: ValidationRule[];
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
  metrics: Metrics;
  logger: Logger;
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

/**
 * Serves graphql-ws on the HTTP server's port. A connection without valid credentials is closed
 * with 4401 Unauthorized; each event of a subscription is executed once per group of identical
 * subscriptions (see {@link SubscriptionFanout}).
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { schema, authenticate, context, metrics, logger } = options;
  // Parsed and validated once per distinct query text, not once per subscriber.
  const documents = new DocumentCache(schema, options.validationRules);
  const fanout = new SubscriptionFanout<GraphQLContext>({
    contextKey: (ctx) => (ctx.principal ? principalKey(ctx.principal) : undefined),
    eventContext: (ctx) => context(ctx.principal, ctx.requestId),
    onSubscribed: options.onSubscribed,
  });
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
    verifyClient: options.verifyClient,
  });
  const server = useServer<Record<string, unknown>, { principal?: Principal | null }>(
    {
      schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        try {
          const principal = await authenticate({
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
      onSubscribe: (ctx, id, payload) => {
        const { document, errors } = documents.get(payload.query);
        if (errors) return errors;
        if (getOperationAST(document, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
          if (stopping)
            return [
              new GraphQLError('This instance is shutting down; send the operation again.', {
                extensions: { code: 'SHUTTING_DOWN' },
              }),
            ];
          let ids = running.get(ctx);
          if (!ids) running.set(ctx, (ids = new Set()));
          ids.add(id);
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx, id) => fanout.bind(context(ctx.extra.principal ?? null, randomUUID()), ctx.extra.socket, id),
      // Each event is executed and serialized once per group of identical subscriptions (same
      // document, variables and principal), and written to each subscriber's socket.
      subscribe: fanout.subscribe,
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
  const dispose = async () => void (await server.dispose());
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
