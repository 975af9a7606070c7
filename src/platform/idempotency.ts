import { createHash, randomUUID } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';

import type { Principal } from './auth/principal.js';

/** The HTTP request header carrying a key (graphql-ws: `extensions.idempotencyKey` of a subscribe payload). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The response header set on a replayed HTTP response. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** How long an unfinished execution holds its key before a retry may take it over (a crashed instance). */
export const DEFAULT_LOCK_SECONDS = 300;

const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/**
 * Checks a key as sent: undefined when none was sent, the key when it is 1–255 printable ASCII
 * characters; otherwise throws BAD_USER_INPUT (HTTP 400). A key that is not a string (graphql-ws
 * `extensions`) is refused too.
 */
export function parseIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && KEY_PATTERN.test(value)) return value;
  throw new GraphQLError('Idempotency-Key must be 1 to 255 printable ASCII characters', {
    extensions: { code: 'BAD_USER_INPUT', argument: 'Idempotency-Key', http: { status: 400 } },
  });
}

/** JSON with object keys sorted at every level, so equal values always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same" for a key: the query text, operation name and variables. */
export interface IdempotentRequest {
  query?: string | undefined;
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
}

/** SHA-256 (hex) of the canonical JSON of a request's query, operationName and variables. */
export function requestHash({ query, operationName, variables }: IdempotentRequest): string {
  const text = canonicalJson({
    query: query ?? null,
    operationName: operationName ?? null,
    variables: variables ?? {},
  });
  return createHash('sha256').update(text).digest('hex');
}

/** Whose keys these are within a tenant: a member's keys are not an API key's, nor another member's. */
export function principalScope(principal: Principal): string {
  return principal.kind === 'member' ? `member:${principal.memberId}` : `apiKey:${principal.apiKeyId}`;
}

/** A key this execution holds: {@link IdempotencyStore.complete} or {@link IdempotencyStore.release} it. */
export interface IdempotencyClaim {
  tenantId: string;
  principal: string;
  key: string;
  claim: string;
}

/** What to do with a request that carries a key. */
export type IdempotencyDecision =
  { kind: 'execute'; claim: IdempotencyClaim } | { kind: 'replay'; status: number; body: string };

/** The key was used before with a different request (HTTP 422). */
export function idempotencyConflictError(): GraphQLError {
  return new GraphQLError(
    'This Idempotency-Key was already used with a different request (query, operationName or variables); use a new key',
    { extensions: { code: 'IDEMPOTENCY_CONFLICT', http: { status: 422 } } },
  );
}

/** The first request with the key is still executing (HTTP 409, `Retry-After: 1`). */
export function idempotencyInProgressError(): GraphQLError {
  return new GraphQLError('A request with this Idempotency-Key is still executing; retry in a second', {
    extensions: { code: 'IDEMPOTENCY_IN_PROGRESS', retryAfter: 1, http: { status: 409 } },
  });
}

const NOT_RUN_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

/**
 * True when a result says the mutation was refused before it changed anything: no root field has
 * data and every error is UNAUTHENTICATED or FORBIDDEN (checked by the resolvers, so after
 * execution began). Such responses are not stored: the client may fix its credentials and retry.
 */
export function refusedBeforeRunning(result: {
  data?: Record<string, unknown> | null;
  errors?: readonly { extensions?: Record<string, unknown> }[];
}): boolean {
  const errors = result.errors ?? [];
  if (!errors.length || !errors.every((e) => NOT_RUN_CODES.has(String(e.extensions?.code)))) return false;
  return !result.data || Object.values(result.data).every((v) => v === null);
}

/** What an {@link IdempotencyStore} is built from. */
export interface IdempotencyStoreOptions {
  /** How long a key and its response are kept (IDEMPOTENCY_TTL_HOURS). Default 24. */
  ttlHours?: number;
  /** How long an unfinished execution holds its key. Default {@link DEFAULT_LOCK_SECONDS}. */
  lockSeconds?: number;
}

interface KeyRow {
  request_hash: string;
  status: number | null;
  body: string | null;
}

/**
 * Idempotency keys in the `idempotency_key` table, one row per tenant, principal and key. Each
 * step is one SQL statement, so instances sharing the database agree on who executes a key.
 */
export class IdempotencyStore {
  private readonly ttlHours: number;
  private readonly lockSeconds: number;

  constructor(
    private readonly root: EntityManager,
    options: IdempotencyStoreOptions = {},
  ) {
    this.ttlHours = options.ttlHours ?? 24;
    this.lockSeconds = options.lockSeconds ?? DEFAULT_LOCK_SECONDS;
  }

  /**
   * Claims `key` for this execution, or says what to answer instead: the stored response (same
   * request, finished), or throws IDEMPOTENCY_CONFLICT (another request) or IDEMPOTENCY_IN_PROGRESS
   * (same request, still executing). An expired key, or an unfinished one whose holder has not
   * finished within the lock time (a crashed instance), is claimed afresh.
   */
  async begin(principal: Principal, key: string, hash: string): Promise<IdempotencyDecision> {
    const claim: IdempotencyClaim = {
      tenantId: principal.tenantId,
      principal: principalScope(principal),
      key,
      claim: randomUUID(),
    };
    const connection = this.root.getConnection();
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = (await connection.execute(
        `insert into idempotency_key as k (tenant_id, principal, key, request_hash, claim, created_at, locked_until, expires_at)
         values (?, ?, ?, ?, ?, now(), now() + make_interval(secs => ?), now() + make_interval(hours => ?))
         on conflict (tenant_id, principal, key) do update
           set request_hash = excluded.request_hash, claim = excluded.claim, status = null, body = null,
               created_at = now(), locked_until = excluded.locked_until, expires_at = excluded.expires_at
           where k.expires_at <= now()
              or (k.status is null and k.locked_until <= now() and k.request_hash = excluded.request_hash)
         returning claim`,
        [claim.tenantId, claim.principal, key, hash, claim.claim, this.lockSeconds, this.ttlHours],
        'all',
      )) as unknown[];
      if (claimed.length) return { kind: 'execute', claim };
      const [row] = (await connection.execute(
        'select request_hash, status, body from idempotency_key where tenant_id = ? and principal = ? and key = ?',
        [claim.tenantId, claim.principal, key],
        'all',
      )) as KeyRow[];
      if (!row) continue; // purged between the two statements: claim again
      if (row.request_hash !== hash) throw idempotencyConflictError();
      if (row.status === null || row.body === null) throw idempotencyInProgressError();
      return { kind: 'replay', status: Number(row.status), body: row.body };
    }
    throw idempotencyInProgressError();
  }

  /** Stores the response of a claimed execution; retries with the key replay it until the key expires. */
  async complete(claim: IdempotencyClaim, status: number, body: string): Promise<void> {
    await this.root
      .getConnection()
      .execute(
        'update idempotency_key set status = ?, body = ?, locked_until = null where tenant_id = ? and principal = ? and key = ? and claim = ?',
        [status, body, claim.tenantId, claim.principal, claim.key, claim.claim],
        'run',
      );
  }

  /** Gives a claimed key up without a response (the request failed before it ran): a retry executes. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.root
      .getConnection()
      .execute(
        'delete from idempotency_key where tenant_id = ? and principal = ? and key = ? and claim = ?',
        [claim.tenantId, claim.principal, claim.key, claim.claim],
        'run',
      );
  }

  /** Deletes expired keys (at most `limit` per call); resolves with how many. */
  async purgeExpired(limit = 10_000): Promise<number> {
    const rows = (await this.root
      .getConnection()
      .execute(
        `delete from idempotency_key where ctid in (select ctid from idempotency_key where expires_at <= now() limit ?) returning 1`,
        [limit],
        'all',
      )) as unknown[];
    return rows.length;
  }
}
