import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { GraphQLError, ValidationContext, ValidationRule } from 'graphql';

/** Limits of one operation (GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_ALIASES, GRAPHQL_MAX_COST). */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/** Validation rules enforcing the query limits, the same on HTTP and WebSocket operations. */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...armorReporting }),
    maxAliasesRule({ n: limits.maxAliases, ...armorReporting }),
    costLimitRule({ maxCost: limits.maxCost, flattenFragments: true, ...armorReporting }),
  ];
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
