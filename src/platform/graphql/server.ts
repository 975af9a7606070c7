import { randomUUID } from 'node:crypto';

import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';

import type { Authenticate } from '../auth/principal.js';
import { DomainError } from '../errors.js';
import { formatErrorFactory } from '../http/errors.js';
import type { Metrics } from '../http/metrics.js';
import { firstHeader } from '../http/request-scope.js';
import type { Logger } from '../logger.js';
import { currentRequest } from '../request-context.js';
import type { ContextFactory, GraphQLContext } from './context.js';

/** What the Apollo server of an API is built from. */
export interface ApolloOptions {
  schema: GraphQLSchema;
  /** Query limits and any other validation rules. */
  validationRules: ValidationRule[];
  /** Answer introspection queries (GRAPHQL_INTROSPECTION). */
  introspection: boolean;
  /** Mask unexpected errors and leave out stack traces and SQL counts. */
  production: boolean;
  metrics: Metrics;
  logger: Logger;
}

/** Builds and starts the Apollo server (operations are served by {@link graphqlMiddleware}). */
export async function startApolloServer(options: ApolloOptions): Promise<ApolloServer<GraphQLContext>> {
  const { metrics, logger, production } = options;
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    csrfPrevention: true,
    // main.ts owns the signals, and startApp's close drains the HTTP server and the WebSockets
    // before it stops Apollo (no drain plugin: see platform/http/drain.ts).
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !production,
    logger,
    validationRules: options.validationRules,
    formatError: formatErrorFactory(logger, production, (code) => metrics.errors.inc({ code })),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints: the default cache-control plugin wraps every field resolver (profiled).
      ApolloServerPluginCacheControlDisabled(),
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
            { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown' },
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
