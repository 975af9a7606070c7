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

/**
 * The body of a one-row CTE `z` of the tenant's zone and the window in local days: `tz`; `lo` and
 * `hi`, the first local day wholly in the window and the day after the last (null when `from` /
 * `to` is open); `lo_at` and `hi_at`, the instants at which `lo` and `hi` start. Read with {@link facts}.
 */
export function zone(tenantId: string, w: Window): Sql {
  const lo = w.from
    ? sql`(${w.from}::timestamptz at time zone tz)::date
          + case when (${w.from}::timestamptz at time zone tz)::time = time '00:00' then 0 else 1 end`
    : sql`null::date`;
  const hi = w.to ? sql`(${w.to}::timestamptz at time zone tz)::date` : sql`null::date`;
  return sql`select tz, lo, hi, lo::timestamp at time zone tz as lo_at, hi::timestamp at time zone tz as hi_at
    from (select tz, ${lo} as lo, ${hi} as hi from (select ${tenantZone(tenantId)} as tz) q) q`;
}

/**
 * Rows `(fact, day, k1, k2, n, m, amt, x)` of the facts `names` of `table`'s records whose instant
 * `at` (trusted SQL: a column of `table`) falls in the window: the rollup's rows of the local days
 * wholly inside it (`analytics_daily`, kept by triggers), and the facts of the records of the
 * partial days at its edges computed from the records by the same function the triggers use
 * (`fnName`, by default `analytics_<table>_facts`). The statement must have the CTE `z` of {@link zone}. Rows may
 * repeat a key and sum to zero: aggregate them.
 */
export function facts(
  tenantId: string,
  table: string,
  at: string,
  names: string[],
  w: Window,
  fnName = `analytics_${table}_facts`,
): Sql {
  const list = new Sql(names.map((n) => `'${n}'`).join(', '), []);
  const rolled = sql`select a.fact, a.day, a.k1, a.k2, a.n, a.m, a.amt, a.x from analytics_daily a cross join z
    where a.tenant_id = ${tenantId} and a.fact in (${list})${w.from ? sql` and a.day >= z.lo` : EMPTY}${w.to ? sql` and a.day < z.hi` : EMPTY}`;
  if (!w.from && !w.to) return rolled;
  const col = new Sql(`r.${at}`, []);
  const edges = [
    w.from &&
      sql`(${col} >= ${w.from}::timestamptz and ${col} < ${w.to ? sql`least(${w.to}::timestamptz, (select lo_at from z))` : sql`(select lo_at from z)`})`,
    w.to &&
      sql`(${col} >= ${w.from ? sql`greatest(${w.from}::timestamptz, (select lo_at from z), (select hi_at from z))` : sql`(select hi_at from z)`} and ${col} < ${w.to}::timestamptz)`,
  ].filter((e): e is Sql => e instanceof Sql);
  const either = edges.reduce((all, e) => sql`${all} or ${e}`);
  const fn = new Sql(fnName, []);
  return sql`${rolled}
    union all
    select f.fact, f.day, f.k1, f.k2, f.n, f.m, f.amt, f.x
      from ${new Sql(table, [])} r cross join lateral ${fn}(r, (select tz from z)) f
     where r.tenant_id = ${tenantId} and f.fact in (${list}) and (${either})`;
}

/** Rows `(fact, day, k1, k2, n, m, amt, x)` of the rollup's facts about the present (`names`). */
export function current(tenantId: string, names: string[]): Sql {
  const list = new Sql(names.map((n) => `'${n}'`).join(', '), []);
  return sql`select fact, day, k1, k2, n, m, amt, x from analytics_daily
    where tenant_id = ${tenantId} and fact in (${list}) and day is null`;
}

/** The local bucket (a `timestamp`) of a local `day` (trusted SQL). */
export function bucketOfDay(timeframe: Timeframe, day: string): Sql {
  return sql`date_trunc(${BUCKET[timeframe].unit}, ${new Sql(day, [])}::timestamp)`;
}
