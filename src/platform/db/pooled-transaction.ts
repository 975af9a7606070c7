import type { EntityManager } from '@mikro-orm/core';
import type { Pool, QueryResult } from 'pg';

import { preparedStatementName } from './read-model.js';

/** A transaction on one connection of the ORM's pool, driven through the driver (see {@link pooledTransaction}). */
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
 * parameters) is sent with BEGIN in one round trip; its rows are `fn`'s second argument. Commits
 * when `fn` returns, rolls back when it throws. Every statement is logged like MikroORM's, and
 * counted (the SQL-per-operation figure, `extensions.sqlStatements`) by the ORM's `onQuery`.
 * On the embedded PGlite the pool has one connection: `fn` must not use the ORM meanwhile.
 */
export async function pooledTransaction<T, F>(
  em: EntityManager,
  first: string,
  fn: (tx: PooledTransaction, firstRows: F[]) => Promise<T>,
): Promise<T> {
  const logger = em.config.getLogger();
  const onQuery = em.config.get('onQuery') as ((sql: string, params: unknown[]) => string) | undefined;
  const pool = (await em.getConnection().getNativeClient()) as Pool;
  const client = await pool.connect();
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
  let broken: Error | undefined;
  try {
    const firstRows = await run<F>(`begin; ${first}`, []);
    const statement = <R>(sql: string, params: unknown[], prepare: boolean, arrays: boolean) =>
      run<R>(numbered(sql), params, prepare ? preparedStatementName(em, sql) : undefined, arrays);
    const tx: PooledTransaction = {
      query: <R>(sql: string, params: unknown[] = [], prepare = false) => statement<R>(sql, params, prepare, false),
      arrays: (sql, params = [], prepare = false) => statement<unknown[]>(sql, params, prepare, true),
    };
    const result = await fn(tx, firstRows);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
