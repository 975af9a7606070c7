import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';

import { getOperationAST, getVariableValues, GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type VerifyClientCallbackAsync, WebSocketServer } from 'ws';

import type { Authenticate, Principal } from '../auth/principal.js';
import { DomainError, withErrorCode } from '../errors.js';
import type { ContextFactory, GraphQLContext } from '../graphql/context.js';
import type { OperationGuard } from '../graphql/operation-guard.js';
import { formatErrorFactory } from '../http/errors.js';
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
  /** Mask unexpected errors as on HTTP (no message, no stack). */
  production: boolean;
  metrics: Metrics;
  logger: Logger;
}

/** A running graphql-ws server. */
export interface SubscriptionServer {
  /** Closes every socket and stops accepting new ones. */
  dispose(): Promise<void>;
}

/**
 * Serves graphql-ws on the HTTP server's port. A connection without valid credentials is closed
 * with 4401 Unauthorized; each event of a subscription is executed once per group of identical
 * subscriptions (see {@link SubscriptionFanout}).
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { schema, authenticate, context, metrics, logger } = options;
  // Errors reach the client as on HTTP: coded (DomainError's code, BAD_USER_INPUT, …), unexpected ones logged and masked.
  const formatError = formatErrorFactory(logger, options.production, (code) => metrics.errors.inc({ code }));
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => formatError(e.toJSON(), e));
  // Parsed and validated once per distinct query text, not once per subscriber.
  const documents = new DocumentCache(schema, options.validationRules);
  const fanout = new SubscriptionFanout<GraphQLContext>({
    contextKey: (ctx) => (ctx.principal ? principalKey(ctx.principal) : undefined),
    eventContext: (ctx) => context(ctx.principal, ctx.requestId),
    onSubscribed: options.onSubscribed,
  });
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
      onSubscribe: async (ctx, _id, payload) => {
        const { document, errors } = documents.get(payload.query);
        if (errors) return errors;
        // As Apollo does on HTTP: the operation must be found and the variables coerce, else a coded error.
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          const message = payload.operationName
            ? `Unknown operation named "${payload.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
        }
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (coerced.errors) return coerced.errors.map((e) => withErrorCode(e, 'BAD_USER_INPUT'));
        const refused = await options.guard({
          document,
          operationName: payload.operationName,
          variables: payload.variables,
          principal: ctx.extra.principal ?? null,
        });
        if (refused) return [refused];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : result,
      context: (ctx, id) => fanout.bind(context(ctx.extra.principal ?? null, randomUUID()), ctx.extra.socket, id),
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
  return { dispose: async () => void (await server.dispose()) };
}
