import { randomUUID } from 'node:crypto';

import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import {
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  OperationTypeNode,
  type ValidationRule,
} from 'graphql';

import type { AuthenticateLater } from '../auth/principal.js';
import { DomainError } from '../errors.js';
import { formatErrorFactory } from '../http/errors.js';
import type { Metrics } from '../http/metrics.js';
import { firstHeader } from '../http/request-scope.js';
import {
  IDEMPOTENCY_HEADER,
  type IdempotencyClaim,
  type IdempotencyStore,
  parseIdempotencyKey,
  refusedBeforeRunning,
  REPLAYED_HEADER,
  requestHash,
} from '../idempotency.js';
import type { Logger } from '../logger.js';
import { currentRequest } from '../request-context.js';
import type { ContextFactory, GraphQLContext } from './context.js';
import { type FastPlan, planFast, runFast } from './fast-path.js';
import type { OperationGuard } from './operation-guard.js';

/** What the Apollo server of an API is built from. */
export interface ApolloOptions {
  schema: GraphQLSchema;
  /** Query limits and any other validation rules. */
  validationRules: ValidationRule[];
  /** Checks an operation passes before it runs (cost with variables, rate limits). */
  guard: OperationGuard;
  /** Answer introspection queries (GRAPHQL_INTROSPECTION). */
  introspection: boolean;
  /** Mask unexpected errors and leave out stack traces and SQL counts. */
  production: boolean;
  metrics: Metrics;
  logger: Logger;
  /** Where `Idempotency-Key`s of mutations are kept; absent: the header is ignored. */
  idempotency?: IdempotencyStore;
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
    // No "Did you mean …?" in production: suggestions reveal the schema that introspection hides.
    hideSchemaDetailsFromClientErrors: production,
    logger,
    validationRules: options.validationRules,
    formatError: formatErrorFactory(logger, production, (code) => metrics.errors.inc({ code })),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP cache hints: the default cache-control plugin wraps every field resolver (profiled).
      ApolloServerPluginCacheControlDisabled(),
      subscriptionsOverWebSocketOnly(),
      // The caller's member check, the guard, and the fast path (in this order, in one plugin).
      admissionPlugin(options.guard),
      operationPlugin(metrics, production),
      // Last: it stores (or replays) the response exactly as the plugins above left it.
      ...(options.idempotency ? [idempotencyPlugin(options.idempotency, logger)] : []),
    ],
  });
  await apollo.start();
  return apollo;
}

/** How HTTP operations are read and who sends them. */
export interface GraphqlMiddlewareOptions {
  /** Largest JSON body accepted (BODY_LIMIT), e.g. `1mb`. */
  bodyLimit: string;
  /**
   * Credentials from the `Authorization` and `X-Api-Key` headers to a principal; a token's member
   * is checked later (see {@link confirmPrincipal}).
   */
  authenticate: AuthenticateLater;
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
        const found = await authenticate({
          authorization: req.headers.authorization,
          apiKey: firstHeader(req.headers['x-api-key']),
        }).catch(unauthenticated);
        const requestId = currentRequest()?.requestId ?? randomUUID();
        if (!found || !('confirm' in found)) return context(found, requestId);
        const ctx = context(found.principal, requestId);
        ctx.unconfirmed = found;
        return ctx;
      },
    }),
  ];
}

/** Refused credentials (a {@link DomainError}) as the 401 GraphQL error; anything else rethrown. */
function unauthenticated(err: unknown): never {
  if (err instanceof DomainError) {
    throw new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 401 } } });
  }
  throw err;
}

/**
 * Checks the member row of a principal taken from a token's claims (`ctx.unconfirmed`), if not done
 * yet: the principal becomes the one the row makes (its current role), or the result is the 401
 * UNAUTHENTICATED error (an inactive or unknown member) the request is refused with, as when the
 * check ran with the credentials. Done before anything runs, except on the fast read path, whose
 * statement checks the row itself; and before any response leaves with the check still undone (a
 * parse or validation error).
 */
async function confirmPrincipal(ctx: GraphQLContext): Promise<GraphQLError | null> {
  const pending = ctx.unconfirmed;
  if (!pending) return null;
  ctx.unconfirmed = undefined;
  try {
    ctx.principal = await pending.confirm();
    return null;
  } catch (err) {
    ctx.principal = null;
    try {
      return unauthenticated(err);
    } catch (refusal) {
      if (refusal instanceof GraphQLError) return refusal;
      throw refusal;
    }
  }
}

/** The response of a request refused by {@link confirmPrincipal} after Apollo's own error handling. */
function refusedResponse(refusal: GraphQLError) {
  return {
    http: { status: 401, headers: new HeaderMap() },
    body: {
      kind: 'single' as const,
      singleResult: { errors: [{ message: refusal.message, extensions: { code: refusal.extensions.code } }] },
    },
  };
}

/**
 * Apollo plugin: once the operation is known, the fast read path's plan (fast-path.ts) if it answers
 * it, else the caller's member check ({@link confirmPrincipal}); then the {@link OperationGuard}; a
 * refusal answers 400 (cost) or 429 with `Retry-After` (rate limit). Planned queries are answered by
 * the fast path, after validation, limits and the guard, instead of graphql-js execution; when its
 * statement finds that the caller's row no longer matches the token, the member check runs and the
 * ordinary path answers. A response never leaves with the member check undone.
 */
function admissionPlugin(guard: OperationGuard): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      let plan: FastPlan | null = null;
      return Promise.resolve({
        async didResolveOperation({ schema, document, operation, operationName, request, contextValue }) {
          plan = planFast({ schema, document, operation, variables: request.variables, ctx: contextValue });
          if (!plan) {
            const refusal = await confirmPrincipal(contextValue);
            if (refusal) throw refusal;
          }
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
        async responseForOperation({ contextValue }) {
          if (!plan) return null;
          const data = await runFast(plan, contextValue);
          if (data) {
            return {
              http: { status: undefined, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: { data } },
            };
          }
          const refusal = await confirmPrincipal(contextValue);
          return refusal ? refusedResponse(refusal) : null;
        },
        async willSendResponse({ contextValue, response }) {
          const refusal = await confirmPrincipal(contextValue);
          if (!refusal) return;
          const refused = refusedResponse(refusal);
          response.http.status = refused.http.status;
          response.body = refused.body;
        },
      });
    },
  };
}

/**
 * Apollo plugin: a subscription sent over HTTP is refused with 400 BAD_REQUEST before anything runs
 * (subscriptions are served by graphql-ws on the same path), instead of running its resolver once.
 */
function subscriptionsOverWebSocketOnly(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation }) {
          if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return Promise.resolve();
          throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at this path, not over HTTP', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
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

/**
 * Apollo plugin: `Idempotency-Key` on mutations. A malformed key is refused (400) before anything
 * runs; a mutation with a key claims it just before execution (after validation, cost and rate
 * limits, so refusals there are not stored), and its response is stored before it is sent. A retry
 * with the same key and request gets that response again (same status and body, header
 * `Idempotent-Replayed: true`) without executing; with another request 422 IDEMPOTENCY_CONFLICT;
 * while the first still executes 409 IDEMPOTENCY_IN_PROGRESS with `Retry-After: 1`. Queries run as
 * usual. Responses of 5xx, and mutations refused for credentials or role, release the key.
 */
function idempotencyPlugin(store: IdempotencyStore, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart() {
      let key: string | undefined;
      let claim: IdempotencyClaim | undefined;
      let replay: string | undefined;
      let executed = false;
      return Promise.resolve({
        didResolveOperation({ request }) {
          key = parseIdempotencyKey(request.http?.headers.get(IDEMPOTENCY_HEADER));
          return Promise.resolve();
        },
        async responseForOperation({ request, operation, contextValue }) {
          const principal = contextValue.principal;
          if (!key || operation?.operation !== OperationTypeNode.MUTATION || !principal) return null;
          try {
            const decision = await store.begin(principal, key, requestHash(request));
            if (decision.kind === 'execute') {
              claim = decision.claim;
              return null;
            }
            replay = decision.body;
            return {
              http: { status: decision.status, headers: new HeaderMap([[REPLAYED_HEADER, 'true']]) },
              body: { kind: 'single', singleResult: JSON.parse(replay) as FormattedExecutionResult },
            };
          } catch (err) {
            if (!(err instanceof GraphQLError)) throw err;
            const { http, ...extensions } = err.extensions as { http: { status: number }; retryAfter?: number };
            const headers = new HeaderMap(
              typeof extensions.retryAfter === 'number' ? [['retry-after', String(extensions.retryAfter)]] : [],
            );
            return {
              http: { status: http.status, headers },
              body: { kind: 'single', singleResult: { errors: [{ message: err.message, extensions }] } },
            };
          }
        },
        executionDidStart() {
          executed = true;
          return Promise.resolve();
        },
        async willSendResponse({ response }) {
          if (replay !== undefined) {
            // Undo what other plugins added (e.g. this request's sqlStatements): byte for byte the first response.
            response.body = { kind: 'single', singleResult: JSON.parse(replay) as FormattedExecutionResult };
            return;
          }
          if (!claim) return;
          const status = response.http.status ?? 200;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          try {
            if (executed && result && status < 500 && !refusedBeforeRunning(result)) {
              await store.complete(claim, status, JSON.stringify(result));
            } else {
              await store.release(claim);
            }
          } catch (err) {
            // The mutation has run; its response still goes out. A retry waits for the lock to expire.
            logger.error({ err }, 'could not store the response of an idempotency key');
          }
        },
      });
    },
  };
}
