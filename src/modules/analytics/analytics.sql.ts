import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { Money } from '../../platform/graphql/money.js';
import type { Timeframe } from './analytics.types.js';

/**
 * A fragment of parameterised SQL: text with `?` placeholders and their values, in order. Built
 * with the {@link sql} tag, so values are always quoted by the driver's platform and fragments compose.
 */
export class Sql {
  constructor(
    readonly text: string,
    readonly params: readonly unknown[],
  ) {}
}

/**
 * Tagged template for {@link Sql}: `sql\`x = ${value}\`` becomes `x = ?` with `[value]`; an
 * interpolated {@link Sql} is spliced in with its own parameters.
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  let text = strings[0];
  const params: unknown[] = [];
  values.forEach((value, i) => {
    if (value instanceof Sql) {
      text += value.text;
      params.push(...value.params);
    } else {
      text += '?';
      // Instants as ISO 8601 UTC text: unambiguous whatever the session's time zone.
      params.push(value instanceof Date ? value.toISOString() : value);
    }
    text += strings[i + 1];
  });
  return new Sql(text, params);
}

/** An empty fragment. */
export const EMPTY = new Sql('', []);

/** Runs one statement in the EntityManager's connection (and transaction, if any). */
export function run<R>(em: EntityManager, query: Sql): Promise<R[]> {
  return (em as SqlEntityManager).execute<R[]>(query.text, [...query.params]);
}

/** A report window: `from` inclusive, `to` exclusive; null is unbounded. */
export interface Window {
  from: Date | null;
  to: Date | null;
}

/** `and <column> >= from and <column> < to` for the bounds that are set (column: trusted SQL). */
export function inWindow(column: string, w: Window): Sql {
  const col = new Sql(column, []);
  return sql`${w.from ? sql` and ${col} >= ${w.from}::timestamptz` : EMPTY}${w.to ? sql` and ${col} < ${w.to}::timestamptz` : EMPTY}`;
}

/** `date_trunc` units and bucket steps of each timeframe. */
export const BUCKET: Record<Timeframe, { unit: string; step: string }> = {
  WEEK: { unit: 'week', step: '1 week' },
  MONTH: { unit: 'month', step: '1 month' },
  QUARTER: { unit: 'quarter', step: '3 months' },
};

/** At most this many period buckets in one report (about ten years of weeks). */
export const MAX_BUCKETS = 520;

/** The tenant's time zone, as a scalar subquery. */
export function tenantZone(tenantId: string): Sql {
  return sql`(select time_zone from tenant where id = ${tenantId})`;
}

/**
 * The local bucket (a `timestamp` in the tenant's zone `tz`, trusted SQL naming a column or
 * subquery) that the instant `at` (trusted SQL) falls in.
 */
export function bucketOf(timeframe: Timeframe, at: string, tz: string): Sql {
  return sql`date_trunc(${BUCKET[timeframe].unit}, ${new Sql(at, [])} at time zone ${new Sql(tz, [])})`;
}

/**
 * Rows `(b)` of a CTE body: the local period buckets from the one holding `from` (or `first`, trusted SQL
 * giving the earliest instant of the data, when `from` is open) to the one holding the last
 * instant before `to` (or `now`), at most {@link MAX_BUCKETS}. The statement must have a one-row CTE
 * `z`; `tz` is trusted SQL naming the zone in it (`'z.tz'`).
 */
export function bucketSeries(timeframe: Timeframe, w: Window, first: Sql, now: Date, tz: string): Sql {
  const { unit, step } = BUCKET[timeframe];
  const zone = new Sql(tz, []);
  const lo = w.from ? sql`${w.from}::timestamptz` : first;
  const hi = w.to ? sql`${w.to}::timestamptz - interval '1 microsecond'` : sql`${now}::timestamptz`;
  return sql`select b from z cross join lateral generate_series(
      date_trunc(${unit}, (${lo}) at time zone ${zone}),
      date_trunc(${unit}, (${hi}) at time zone ${zone}),
      ${step}::interval) b
    limit ${MAX_BUCKETS}`;
}

/** SQL giving a JSON array of `{currency, amount}` from a query of `(cur, amt)` rows (trusted SQL). */
export function moneyJson(rows: Sql): Sql {
  return sql`(select coalesce(json_agg(json_build_object('currency', m.cur, 'amount', m.amt::text) order by m.cur), '[]'::json) from (${rows}) m)`;
}

/** Money amounts per currency, from `{currency, amount}` JSON (or its text). */
export function moneyList(value: unknown): Money[] {
  const list = (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as {
    currency: string;
    amount: string;
  }[];
  return list.map((m) => new Money(m.amount, m.currency));
}

/** A count column (bigint arrives as a string) as a number. */
export function int(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** A nullable numeric column as a number. */
export function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** `part / whole`, or null when whole is 0. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
