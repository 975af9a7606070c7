import type { EntityManager } from '@mikro-orm/core';
import type { Pool, PoolClient, QueryResult } from 'pg';

import { preparedStatementName, statementsPrepared } from './read-model.js';

/**
 * A transaction on one connection of the ORM's pool, driven through the driver (see
 * {@link pooledTransaction}). Statements run in the order they are sent; on PostgreSQL each is
 * sent when called, without waiting for the answers to the previous ones (pipelined), so
 * statements that do not depend on each other's rows share one round trip: send them all, then
 * await them.
 */
export interface PooledTransaction {
  /**
   * Runs one statement written with `?` placeholders (each becomes `$n`, its value sent as a
   * parameter, never inlined); rows as objects. With `prepare`, on PostgreSQL (see
   * `prepareStatements`), it is a named prepared statement: PostgreSQL parses and plans the text
   * once per connection. Default: unnamed (parsed and planned every time).
   */
  query<R>(sql: string, params?: unknown[], prepare?: boolean): Promise<R[]>;
  /** {@link query} with each row as an array of its columns, in the order of the select list. */
  arrays(sql: string, params?: unknown[], prepare?: boolean): Promise<unknown[][]>;
  /**
   * Sends COMMIT now, after the statements sent so far (in the same round trip as the last ones,
   * on PostgreSQL); nothing may be sent after it. Await the statements' own promises: if one of
   * them failed, the transaction was rolled back instead (PostgreSQL answers COMMIT of a failed
   * transaction with a rollback) and that statement's promise rejects. Without it, the transaction
   * commits when `fn` returns.
   */
  commit(): Promise<void>;
}

/**
 * `sql` with its `?` placeholders numbered (`$1`, `$2`, …). For statements whose only question
 * marks are placeholders (no `?` operators, no literals holding one).
 */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs `fn` in a transaction of its own on a pooled connection, driven through the driver rather
 * than MikroORM: no entity manager, unit of work or transaction events (so no subscriber runs at
 * its commit), values as parameters, statements that can stay prepared. `first` (SQL without
 * parameters) is sent with BEGIN as one text; its rows are `fn`'s second argument, a promise, so
 * that `fn` can send its first statements before they come (in the same round trip on
 * PostgreSQL). Commits when `fn` returns (unless `fn` sent COMMIT itself, see
 * {@link PooledTransaction.commit}), rolls back when it throws. Every statement is logged like
 * MikroORM's, and counted (the SQL-per-operation figure, `extensions.sqlStatements`) by the ORM's
 * `onQuery`. On the embedded PGlite the pool has one connection: `fn` must not use the ORM
 * meanwhile; statements there wait for the previous one's answer (no pipelining, as no prepared
 * statements: see `prepareStatements`).
 */
export async function pooledTransaction<T, F>(
  em: EntityManager,
  first: string,
  fn: (tx: PooledTransaction, firstRows: Promise<F[]>) => Promise<T>,
): Promise<T> {
  const logger = em.config.getLogger();
  const onQuery = em.config.get('onQuery') as ((sql: string, params: unknown[]) => string) | undefined;
  const pool = (await em.getConnection().getNativeClient()) as Pool;
  const client = (await pool.connect()) as PoolClient & { pipeline: boolean };
  const run = async <R>(text: string, values: unknown[], name?: string, arrays = false): Promise<R[]> => {
    onQuery?.(text, values);
    const started = performance.now();
    const result = (await client.query({
      ...(name ? { name } : {}),
      ...(arrays ? { rowMode: 'array' } : {}),
      text,
      values,
    })) as QueryResult | QueryResult[];
    // A text of several statements (BEGIN and `first`) gives one result each: the last one's rows.
    const rows = (Array.isArray(result) ? result.at(-1)!.rows : result.rows) as R[];
    logger.logQuery({
      query: text,
      params: values,
      took: Math.round(performance.now() - started),
      results: rows.length,
    });
    return rows;
  };
  // pg sends each query as it comes while `pipeline` is set (each with its own Sync: an error
  // fails that statement, and the later ones of the aborted transaction); back to one at a time
  // before the connection returns to the pool, where MikroORM expects it.
  const pipelined = statementsPrepared(em);
  client.pipeline = pipelined;
  let committed: Promise<unknown> | undefined;
  let broken: Error | undefined;
  try {
    const firstRows = run<F>(`begin; ${first}`, []);
    firstRows.catch(() => {}); // reported by commit() when `fn` does not await it
    /** Every statement sent: COMMIT succeeds only if each of them did (also those `fn` never awaited). */
    const sent: Promise<unknown>[] = [firstRows];
    const statement = <R>(sql: string, params: unknown[], prepare: boolean, arrays: boolean) => {
      if (committed) throw new Error('pooledTransaction: a statement after COMMIT');
      const rows = run<R>(numbered(sql), params, prepare ? preparedStatementName(em, sql) : undefined, arrays);
      rows.catch(() => {}); // reported by commit() when `fn` does not await it
      sent.push(rows);
      return rows;
    };
    const commit = async () => {
      await (committed ??= client.query('commit'));
      await Promise.all(sent);
    };
    const tx: PooledTransaction = {
      query: <R>(sql: string, params: unknown[] = [], prepare = false) => statement<R>(sql, params, prepare, false),
      arrays: (sql, params = [], prepare = false) => statement<unknown[]>(sql, params, prepare, true),
      commit,
    };
    const result = await fn(tx, firstRows);
    await commit();
    return result;
  } catch (err) {
    // After a COMMIT that rolled back (a statement before it failed), this ROLLBACK only warns.
    await client.query('rollback').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    if (pipelined) client.pipeline = false;
    client.release(broken);
  }
}
