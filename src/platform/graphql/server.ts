import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';

import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { GraphQLError, type GraphQLSchema, OperationTypeNode, type ValidationRule } from 'graphql';

import type { Authenticate } from '../auth/principal.js';
import { DomainError } from '../errors.js';
import { formatErrorFactory } from '../http/errors.js';
import type { Metrics } from '../http/metrics.js';
import { firstHeader } from '../http/request-scope.js';
import type { Logger } from '../logger.js';
import { currentRequest } from '../request-context.js';
import type { ContextFactory, GraphQLContext } from './context.js';
import type { OperationGuard } from './operation-guard.js';

/** What the Apollo server of an API is built from. */
export interface ApolloOptions {
  schema: GraphQLSchema;
  /** The HTTP server Apollo drains on stop. */
  httpServer: Server;
  /** Query limits and any other validation rules. */
  validationRules: ValidationRule[];
  /** Checks an operation passes before it runs (cost with variables, rate limits). */
  guard: OperationGuard;
  /** Answer introspection queries (GRAPHQL_INTROSPECTION). */
  introspection: boolean;
  /** Mask unexpected errors and leave out stack traces and SQL counts. */
  production: boolean;
  /** How long stop waits for in-flight HTTP requests (SHUTDOWN_TIMEOUT_MS). */
  stopGracePeriodMillis: number;
  metrics: Metrics;
  logger: Logger;
  /** Runs while the server drains (e.g. closing the WebSocket server). */
  onDrain?: () => Promise<void>;
}

/** Builds and starts the Apollo server (operations are served by {@link graphqlMiddleware}). */
export async function startApolloServer(options: ApolloOptions): Promise<ApolloServer<GraphQLContext>> {
  const { metrics, logger, production, onDrain } = options;
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    csrfPrevention: true,
    // main.ts owns the signals, so shutdown runs in one known order.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !production,
    logger,
    validationRules: options.validationRules,
    formatError: formatErrorFactory(logger, production, (code) => metrics.errors.inc({ code })),
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer: options.httpServer,
        stopGracePeriodMillis: options.stopGracePeriodMillis,
      }),
      {
        serverWillStart() {
          return Promise.resolve({
            async drainServer() {
              await onDrain?.();
            },
          });
        },
      },
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints: the default cache-control plugin wraps every field resolver (profiled).
      ApolloServerPluginCacheControlDisabled(),
      subscriptionsOverWebSocket(),
      guardPlugin(options.guard),
      operationPlugin(metrics, production),
    ],
  });
  await apollo.start();
  return apollo;
}

/** How HTTP operations are read and who sends them. */
export interface GraphqlMiddlewareOptions {
  /** Largest JSON body accepted (BODY_LIMIT), e.g. `1mb`. */
  bodyLimit: string;
  /** Credentials from the `Authorization` and `X-Api-Key` headers to a principal. */
  authenticate: Authenticate;
  context: ContextFactory;
}

/**
 * The handlers of `POST /graphql`: the JSON body, then Apollo with a context per operation. Bad
 * credentials answer 401 UNAUTHENTICATED.
 */
export function graphqlMiddleware(
  apollo: ApolloServer<GraphQLContext>,
  { bodyLimit, authenticate, context }: GraphqlMiddlewareOptions,
): RequestHandler[] {
  return [
    express.json({ limit: bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const principal = await authenticate({
            authorization: req.headers.authorization,
            apiKey: firstHeader(req.headers['x-api-key']),
          });
          return context(principal, currentRequest()?.requestId ?? randomUUID());
        } catch (err) {
          if (err instanceof DomainError) {
            throw new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 401 } } });
          }
          throw err;
        }
      },
    }),
  ];
}

/**
 * Apollo plugin: subscriptions are served over WebSocket (graphql-ws) only; over HTTP one is
 * refused with 400 BAD_REQUEST before it runs (executed as a query, its fields would fail).
 */
function subscriptionsOverWebSocket(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation }) {
          if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return Promise.resolve();
          return Promise.reject(
            new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at /graphql, not over HTTP', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            }),
          );
        },
      });
    },
  };
}

/**
 * Apollo plugin: the {@link OperationGuard} once the operation is known, before it runs. A refusal
 * answers 400 (cost) or 429 with `Retry-After` (rate limit).
 */
function guardPlugin(guard: OperationGuard): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation({ document, operationName, request, contextValue }) {
          const refused = await guard({
            document,
            operationName,
            variables: request.variables,
            principal: contextValue.principal,
          });
          if (!refused) return;
          const retryAfter = refused.extensions.retryAfter;
          const http =
            typeof retryAfter === 'number'
              ? { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) }
              : { status: 400 };
          throw new GraphQLError(refused.message, { extensions: { ...refused.extensions, http } });
        },
      });
    },
  };
}

/** Apollo plugin: operation duration metric, and (outside production) SQL statements per operation in `extensions`. */
function operationPlugin(metrics: Metrics, production: boolean): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      const started = process.hrtime.bigint();
      return Promise.resolve({
        executionDidStart() {
          const store = currentRequest();
          if (store) store.sqlStatements = 0;
          return Promise.resolve();
        },
        willSendResponse({ operationName, operation, response }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe(
            { operation: metrics.operationLabel(operationName), type: operation?.operation ?? 'unknown' },
            seconds,
          );
          const store = currentRequest();
          if (!production && store && response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, sqlStatements: store.sqlStatements };
          }
          return Promise.resolve();
        },
      });
    },
  };
}
