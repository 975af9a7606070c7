import type { EntityManager } from '@mikro-orm/core';
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';

import type { Principal } from './auth/principal.js';
import { Tenant } from './db/tenant.entity.js';
import type { Logger } from './logger.js';

/**
 * The budgets every principal has, counted separately:
 * - `operations`: every GraphQL operation (query, mutation, subscription; HTTP or WebSocket), 1 point;
 * - `mutations`: each root field of a mutation, 1 point (15 aliased `createClient`s cost 15);
 * - `expensive`: each root field named in the expensive list ({@link EXPENSIVE_FIELDS}), 1 point.
 */
export const BUDGETS = ['operations', 'mutations', 'expensive'] as const;

/** One of {@link BUDGETS}. */
export type Budget = (typeof BUDGETS)[number];

/** A budget's size: `points` per window of `seconds`. */
export interface BudgetLimit {
  points: number;
  seconds: number;
}

/** Every budget's size. */
export type RateLimitSettings = Record<Budget, BudgetLimit>;

/** A tenant's own budgets (Tenant.rateLimits); a budget left out uses the default. */
export type TenantRateLimits = Partial<RateLimitSettings>;

/**
 * Root fields that cost the `expensive` budget: they call an LLM, run a search or start a sync.
 * Add a field here when it is added to the schema.
 */
export const EXPENSIVE_FIELDS: ReadonlySet<string> = new Set(['ingestConversation']);

/** A refused operation: which budget ran out and when to try again. */
export interface RateLimitRefusal {
  budget: Budget;
  /** Whole seconds until the budget has room again (at least 1). */
  retryAfter: number;
}

/** The GraphQL error of a refusal: code RATE_LIMITED, `retryAfter` in seconds and the budget. */
export function rateLimitedError(refusal: RateLimitRefusal): GraphQLError {
  return new GraphQLError(`Rate limit exceeded (${refusal.budget}): try again in ${refusal.retryAfter} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: refusal.retryAfter, budget: refusal.budget },
  });
}

/** What {@link RateLimits} is built from. */
export interface RateLimitsOptions {
  /** Budgets of principals whose tenant sets none (RATE_LIMIT_*). */
  defaults: RateLimitSettings;
  /** Root fields charged to the `expensive` budget. Default {@link EXPENSIVE_FIELDS}. */
  expensiveFields?: ReadonlySet<string>;
  /** Redis shared by every API instance (REDIS_URL); absent: counted in this process only. */
  redisUrl?: string;
  /** Prefix of the counters' Redis keys, e.g. `meridian:`. */
  keyPrefix: string;
  /** A tenant's own budgets, if any (default: none). */
  tenantLimits?: (tenantId: string) => Promise<TenantRateLimits | null>;
  /** Called with the budget of each refusal (the metric). */
  onRefused?: (budget: Budget) => void;
  logger: Logger;
}

/**
 * Per-principal rate limits (rate-limiter-flexible: fixed windows, counted in Redis when
 * configured so all instances share a budget, else in memory). A principal is a team member or
 * an API key; anonymous operations share one budget.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly expensive: ReadonlySet<string>;
  private readonly redis: Redis | undefined;

  constructor(private readonly options: RateLimitsOptions) {
    this.expensive = options.expensiveFields ?? EXPENSIVE_FIELDS;
    // No offline queue: while Redis is away a count fails at once and the in-memory insurance
    // limiter counts instead, rather than every operation waiting for Redis.
    this.redis = options.redisUrl
      ? new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
      : undefined;
    this.redis?.on('error', (err) => options.logger.debug({ err }, 'rate-limit Redis connection error'));
  }

  /**
   * Resolves once counts go to Redis (at once without Redis). Until then, and whenever Redis is
   * away, this process counts in memory.
   */
  async ready(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise((resolve) => redis.once('ready', resolve));
  }

  /** Closes the Redis connection, if any. */
  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  /**
   * Charges the operation `operationName` of `document` to `principal`'s budgets; returns the
   * refusal when one of them is exhausted (the points of the budgets charged before it stay spent),
   * undefined when it may run.
   */
  async consume(
    principal: Principal | null,
    document: DocumentNode,
    operationName: string | null | undefined,
  ): Promise<RateLimitRefusal | undefined> {
    const operation = operationOf(document, operationName);
    if (!operation) return undefined; // execution refuses it
    const roots = rootFields(document, operation.selectionSet);
    const charges: [Budget, number][] = [['operations', 1]];
    if (operation.operation === OperationTypeNode.MUTATION) charges.push(['mutations', roots.length]);
    const expensive = roots.filter((f) => this.expensive.has(f)).length;
    if (expensive) charges.push(['expensive', expensive]);

    const own = principal ? await this.tenantLimits(principal.tenantId) : null;
    const key = principal ? `${principal.tenantId}:${principal.memberId ?? `key-${principal.apiKeyId}`}` : 'anonymous';
    for (const [budget, points] of charges) {
      if (points <= 0) continue;
      const limit = own?.[budget] ?? this.options.defaults[budget];
      try {
        await this.limiter(budget, limit).consume(key, points);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        this.options.onRefused?.(budget);
        return { budget, retryAfter: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      }
    }
    return undefined;
  }

  /** The limiter of a budget of one size (tenants with their own sizes get their own limiters). */
  private limiter(budget: Budget, { points, seconds }: BudgetLimit): RateLimiterAbstract {
    const name = `${budget}:${points}:${seconds}`;
    let limiter = this.limiters.get(name);
    if (limiter) return limiter;
    const keyPrefix = `${this.options.keyPrefix}rl:${name}`;
    const memory = new RateLimiterMemory({ points, duration: seconds, keyPrefix });
    limiter = this.redis
      ? new RateLimiterRedis({
          storeClient: this.redis,
          points,
          duration: seconds,
          keyPrefix,
          // Redis down: counted in this process meanwhile, rather than refusing or waiting.
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory;
    this.limiters.set(name, limiter);
    return limiter;
  }

  private readonly cache = new LRUCache<string, { limits: TenantRateLimits | null }>({ max: 10_000, ttl: 60_000 });

  /** A tenant's own budgets, cached for a minute. */
  private async tenantLimits(tenantId: string): Promise<TenantRateLimits | null> {
    const cached = this.cache.get(tenantId);
    if (cached) return cached.limits;
    let limits: TenantRateLimits | null = null;
    try {
      limits = (await this.options.tenantLimits?.(tenantId)) ?? null;
    } catch (err) {
      this.options.logger.warn({ err, tenantId }, 'could not read the tenant rate limits; using the defaults');
      return null;
    }
    this.cache.set(tenantId, { limits });
    return limits;
  }
}

const budgetLimit = z.object({ points: z.number().int().min(1), seconds: z.number().int().min(1) }).strict();
const tenantRateLimits = z
  .object({ operations: budgetLimit, mutations: budgetLimit, expensive: budgetLimit })
  .partial();

/**
 * Reads Tenant.rateLimits. A value that is not a valid {@link TenantRateLimits} is ignored (the
 * defaults apply) and logged.
 */
export function tenantLimitsFrom(
  root: EntityManager,
  logger: Logger,
): (tenantId: string) => Promise<TenantRateLimits | null> {
  return async (tenantId) => {
    const tenant = await root
      .fork({ clear: true, useContext: false })
      .findOne(Tenant, tenantId, { fields: ['rateLimits'] });
    if (!tenant?.rateLimits) return null;
    const parsed = tenantRateLimits.safeParse(tenant.rateLimits);
    if (parsed.success) return parsed.data;
    logger.warn({ tenantId, issues: parsed.error.issues }, 'invalid tenant rate limits ignored');
    return null;
  };
}

/** The operation that runs: the one named, or the only one. */
function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (name) return operations.find((o) => o.name?.value === name);
  return operations.length === 1 ? operations[0] : undefined;
}

/** Names of the root fields an operation selects (through fragments; `__typename` left out), once per alias. */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith('__')) names.push(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      names.push(...rootFields(document, selection.selectionSet, seen));
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) names.push(...rootFields(document, fragment.selectionSet, seen));
    }
  }
  return names;
}
