import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { DomainError } from '../errors.js';
import { type PooledTransaction, pooledTransaction } from './pooled-transaction.js';

/** Longest a statement built from a client's criteria tree may run; set from CRITERIA_STATEMENT_TIMEOUT_MS at start. */
let criteriaTimeoutMs = 5000;

/** Sets the statement timeout of criteria queries (CRITERIA_STATEMENT_TIMEOUT_MS). */
export function setCriteriaStatementTimeout(ms: number): void {
  criteriaTimeoutMs = ms;
}

/** The statement timeout of criteria queries, in ms (default 5000). */
export function criteriaStatementTimeout(): number {
  return criteriaTimeoutMs;
}

/** Runs a unit of reads on an EntityManager it chooses (e.g. one inside a transaction with a timeout). */
export type ReadRunner = <T>(work: (em: EntityManager) => Promise<T>) => Promise<T>;

/** A {@link ReadRunner} putting each unit of reads under the criteria statement timeout. */
export function underCriteriaTimeout(em: EntityManager): ReadRunner {
  return (work) => withStatementTimeout(em, criteriaTimeoutMs, work);
}

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout`. */
const QUERY_CANCELED = '57014';

/**
 * Runs `work` in a transaction whose statements may each run at most `ms` milliseconds
 * (`SET LOCAL statement_timeout`, which ends with the transaction, so a pooled connection is not
 * left with it). A statement cancelled by the timeout becomes a QUERY_TIMEOUT error: what a
 * client-built query (a criteria tree) that would run too long gives instead of holding a
 * connection. Inside a transaction already, the setting applies until that one ends.
 */
export function withStatementTimeout<T>(
  em: EntityManager,
  ms: number,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  return timingOut(ms, () =>
    em.transactional(async (tx) => {
      await (tx as SqlEntityManager).execute(setLocalTimeout(ms));
      return work(tx);
    }),
  );
}

/**
 * {@link withStatementTimeout} for reads sent through the driver: `work` runs in a
 * {@link pooledTransaction} whose BEGIN carries the timeout (one round trip for both), with no
 * entity manager, unit of work or commit subscriber (a read-only transaction has nothing for the
 * outbox relay, which MikroORM's commit would wake). Never inside the caller's transaction: a
 * connection of its own.
 */
export function pooledWithStatementTimeout<T>(
  em: EntityManager,
  ms: number,
  work: (tx: PooledTransaction) => Promise<T>,
): Promise<T> {
  return timingOut(ms, () => pooledTransaction(em, setLocalTimeout(ms), (tx) => work(tx)));
}

/** The statement setting the transaction's timeout (`ms` is a number from the configuration, never a client's). */
const setLocalTimeout = (ms: number) => `set local statement_timeout = ${Math.max(1, Math.floor(ms))}`;

/** `run`, with a statement it cancelled after `ms` as a QUERY_TIMEOUT error. */
async function timingOut<T>(ms: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isStatementTimeout(err))
      throw new DomainError(
        'QUERY_TIMEOUT',
        `The query ran longer than ${ms} ms and was stopped: narrow the criteria (fewer text searches, more exact filters)`,
        { timeoutMs: ms },
      );
    throw err;
  }
}

/** Whether `err` (a driver error, possibly wrapped by MikroORM) is a statement timeout. */
export function isStatementTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const o = e as { code?: unknown; sqlState?: unknown; cause?: unknown; previous?: unknown };
    if (o.code === QUERY_CANCELED || o.sqlState === QUERY_CANCELED) return true;
    e = o.previous ?? o.cause;
  }
  return false;
}
