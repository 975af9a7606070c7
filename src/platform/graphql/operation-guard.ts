import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';

import type { Principal } from '../auth/principal.js';
import { rateLimitedError, type RateLimits } from '../rate-limits.js';
import type { CostLimit } from './limits.js';

/** An operation about to run, as HTTP and WebSocket both know it once it is parsed and validated. */
export interface OperationToRun {
  document: DocumentNode;
  operationName: string | null | undefined;
  /** The variables as sent (not yet coerced). */
  variables: Record<string, unknown> | null | undefined;
  principal: Principal | null;
}

/**
 * The checks an operation passes before it runs, on HTTP (Apollo's `didResolveOperation`) and on
 * WebSocket (graphql-ws's `onSubscribe`) alike: the cost limit with its variables' values
 * (GRAPHQL_VALIDATION_FAILED, HTTP 400), then the principal's rate limits (RATE_LIMITED, HTTP 429
 * with `extensions.retryAfter`). Resolves with the error refusing it, or undefined.
 */
export type OperationGuard = (operation: OperationToRun) => Promise<GraphQLError | undefined>;

/** Builds the {@link OperationGuard} of a schema; without `rateLimits` (RATE_LIMITS=false) only the cost is checked. */
export function operationGuard(schema: GraphQLSchema, costLimit: CostLimit, rateLimits?: RateLimits): OperationGuard {
  return async ({ document, operationName, variables, principal }) => {
    const tooCostly = costLimit.check(schema, document, operationName, variables);
    if (tooCostly) return tooCostly;
    const refusal = await rateLimits?.consume(principal, document, operationName);
    return refusal ? rateLimitedError(refusal) : undefined;
  };
}
