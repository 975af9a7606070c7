import { escapeLike } from '../../platform/db/like.js';
import type { UserErrorShape } from '../../platform/errors.js';
import { CRITERIA_TABLES, type CriteriaEntityName, type FieldDef } from './criteria.fields.js';
import { type CheckedCriteria, type CheckedFilter, type CriteriaValue, validateCriteria } from './criteria.tree.js';

/** What the compiler needs besides the tree. */
export interface CompileOptions {
  /** The caller's tenant: every table of the statement (root, joined, EXISTS) is limited to it. */
  tenantId: string;
  /** "Now" for LAST_N_DAYS / NEXT_N_DAYS: the application clock (`services.clock.now()`). */
  now: Date;
  /**
   * The tenant's IANA time zone: days start at its midnight. Default: read by the statement
   * itself from the tenant's row (no extra round trip).
   */
  timeZone?: string;
  /**
   * How the SQL names the root row's table. Default: the quoted table name (`"client"`), for
   * `select … from "client" where <sql>`. MikroORM raw fragments use `[::alias::]`.
   */
  alias?: string;
}

/**
 * A compiled criteria: a boolean SQL condition over the root table and its parameters. `?`
 * marks each parameter (MikroORM / knex placeholders, as `em.getConnection().execute(sql,
 * params)` and `raw(sql, params)` take them); no value is ever written into `sql`.
 */
export interface CompiledCriteria {
  sql: string;
  params: CriteriaValue[];
}

/**
 * Validates and compiles a criteria tree for `entity` (see {@link validateCriteria} for the
 * errors and their paths, relative to `path`). The condition always includes the root's tenant.
 */
export function compileCriteria(
  entity: CriteriaEntityName,
  tree: unknown,
  options: CompileOptions,
  path: string[] = [],
): ({ ok: true } & CompiledCriteria) | { ok: false; errors: UserErrorShape[] } {
  const checked = validateCriteria(entity, tree, path);
  if (!checked.ok) return checked;
  return { ok: true, ...compileChecked(entity, checked.criteria, options) };
}

/**
 * Compiles a validated tree (from `validateCriteria`) to `<root>.tenant_id = ? and (<tree>)`.
 *
 * Semantics: a relation path to one record (`client.nationality` on a practice) is an EXISTS on
 * that record in the same tenant; a path through a to-many relation (`practices.expiryDate` on a
 * client) means "any of them" (EXISTS), each filter on its own. IS_NOT_SET through to-one
 * relations also holds when the relation is empty. NEQ and NOT_IN hold for empty (null) values.
 * Text comparisons (EQ, IN, CONTAINS, STARTS_WITH, ENDS_WITH) ignore case; LIKE wildcards in
 * values match literally. A DATETIME compared with a bare date uses that day in the tenant's
 * time zone; LAST_N_DAYS n is from the start of the day n days ago until now, NEXT_N_DAYS n from
 * now until the end of the day n days ahead (for DATE fields: today − n … today, today … today + n).
 */
export function compileChecked(
  entity: CriteriaEntityName,
  criteria: CheckedCriteria,
  options: CompileOptions,
): CompiledCriteria {
  const root = CRITERIA_TABLES[entity];
  const alias = options.alias ?? quote(root.table);
  const c = new Compilation(options);
  const sql = `(${alias}."tenant_id" = ${c.p(options.tenantId)} and ${c.criteria(criteria, alias)})`;
  return { sql, params: c.params };
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** One compilation: its parameters (in order of appearance) and its subquery aliases. */
class Compilation {
  readonly params: CriteriaValue[] = [];
  private aliases = 0;

  constructor(private readonly options: CompileOptions) {}

  /** The tenant's time zone: the given one, or read from its row. */
  private tz(): string {
    const { timeZone, tenantId } = this.options;
    return timeZone
      ? `${this.p(timeZone)}::text`
      : `(select "time_zone" from "tenant" where "id" = ${this.p(tenantId)})`;
  }

  /** Today's date in the tenant's time zone, by the application clock. */
  private today(): string {
    return `(${this.p(this.options.now)}::timestamptz at time zone ${this.tz()})::date`;
  }

  /** A placeholder for `value` (pushed now: call in the order the SQL is written). */
  p(value: CriteriaValue): string {
    this.params.push(value);
    return '?';
  }

  criteria(c: CheckedCriteria, alias: string): string {
    if (!c.groups.length) return 'true';
    const groups = c.groups.map((g) => {
      const parts = [
        ...g.filters.map((f) => this.filter(f, alias)),
        ...g.anyOf.map((sub) => this.criteria(sub, alias)),
      ];
      return parts.length ? `(${parts.join(' and ')})` : 'true';
    });
    return groups.length === 1 ? groups[0] : `(${groups.join(' or ')})`;
  }

  private filter(f: CheckedFilter, alias: string): string {
    const { hops, field } = f.path;
    // "not set" through to-one relations: no related record, or one without the value.
    if (f.operator === 'IS_NOT_SET' && hops.length && hops.every((h) => h.relation.kind === 'one'))
      return `not ${this.through(hops, 0, alias, (a) => this.leaf(field!, 'IS_SET', [], a))}`;
    if (!field) {
      // A to-many relation itself: has any / has none.
      const exists = this.through(hops, 0, alias, () => 'true');
      return f.operator === 'IS_SET' ? exists : `not ${exists}`;
    }
    return this.through(hops, 0, alias, (a) => this.leaf(field, f.operator, f.values, a));
  }

  /** `exists (…)` along `hops` from `alias`, ending in `leaf` on the last table's alias. */
  private through(
    hops: CheckedFilter['path']['hops'],
    i: number,
    alias: string,
    leaf: (alias: string) => string,
  ): string {
    if (i === hops.length) return leaf(alias);
    const { relation } = hops[i];
    const target = CRITERIA_TABLES[relation.target];
    const t = `"cr${++this.aliases}"`;
    const join =
      relation.kind === 'one'
        ? `${t}."id" = ${alias}.${quote(relation.column)}`
        : `${t}.${quote(relation.column)} = ${alias}."id"`;
    const tenant = `${t}."tenant_id" = ${this.p(this.options.tenantId)}`;
    return `exists (select 1 from ${quote(target.table)} ${t} where ${join} and ${tenant} and ${this.through(hops, i + 1, t, leaf)})`;
  }

  private leaf(field: FieldDef, op: CheckedFilter['operator'], values: CriteriaValue[], alias: string): string {
    const col = `${alias}.${quote(field.column)}`;
    if (op === 'IS_SET') return field.type === 'TAGS' ? `cardinality(${col}) > 0` : `${col} is not null`;
    if (op === 'IS_NOT_SET') return field.type === 'TAGS' ? `cardinality(${col}) = 0` : `${col} is null`;
    switch (field.type) {
      case 'STRING':
        return this.text(col, op, values as string[]);
      case 'TAGS':
        return this.tags(col, op, values as string[]);
      case 'DATETIME':
        return this.datetime(col, op, values);
      case 'DATE':
        return this.compare(col, op, values, '::date', true);
      case 'INTEGER':
        return this.compare(col, op, values, '::int', false);
      case 'DECIMAL':
        return this.compare(col, op, values, '::numeric', false);
      case 'ENUM':
      case 'ID':
      case 'BOOLEAN':
        return this.compare(
          col,
          op,
          values,
          field.type === 'ID' ? '::uuid' : field.type === 'BOOLEAN' ? '::boolean' : '',
          false,
        );
    }
  }

  private list(values: CriteriaValue[], cast: string, wrap = (s: string) => s): string {
    return values.map((v) => wrap(`${this.p(v)}${cast}`)).join(', ');
  }

  private text(col: string, op: CheckedFilter['operator'], values: string[]): string {
    const lower = (s: string) => `lower(${s})`;
    switch (op) {
      case 'EQ':
        return `lower(${col}) = lower(${this.p(values[0])})`;
      case 'NEQ':
        return `lower(${col}) is distinct from lower(${this.p(values[0])})`;
      case 'IN':
        return `lower(${col}) in (${this.list(values, '', lower)})`;
      case 'NOT_IN':
        return `(${col} is null or lower(${col}) not in (${this.list(values, '', lower)}))`;
      case 'CONTAINS':
        return `${col} ilike ${this.p(`%${escapeLike(values[0])}%`)}`;
      case 'STARTS_WITH':
        return `${col} ilike ${this.p(`${escapeLike(values[0])}%`)}`;
      case 'ENDS_WITH':
        return `${col} ilike ${this.p(`%${escapeLike(values[0])}`)}`;
      default:
        throw new Error(`criteria: ${op} on text`); // refused by validation
    }
  }

  private tags(col: string, op: CheckedFilter['operator'], values: string[]): string {
    switch (op) {
      case 'CONTAINS':
        return `${this.p(values[0])}::text = any(${col})`;
      case 'IN':
        return `${col} && array[${this.list(values, '::text')}]`;
      case 'NOT_IN':
        return `not (${col} && array[${this.list(values, '::text')}])`;
      default:
        throw new Error(`criteria: ${op} on tags`); // refused by validation
    }
  }

  /** Comparisons of a column with typed parameters (`cast`); DATE columns also take the relative operators. */
  private compare(
    col: string,
    op: CheckedFilter['operator'],
    values: CriteriaValue[],
    cast: string,
    isDate: boolean,
  ): string {
    const v = (i: number) => `${this.p(values[i])}${cast}`;
    switch (op) {
      case 'EQ':
        return `${col} = ${v(0)}`;
      case 'NEQ':
        return `${col} is distinct from ${v(0)}`;
      case 'IN':
        return `${col} in (${this.list(values, cast)})`;
      case 'NOT_IN':
        return `(${col} is null or ${col} not in (${this.list(values, cast)}))`;
      case 'GT':
      case 'AFTER':
        return `${col} > ${v(0)}`;
      case 'GTE':
        return `${col} >= ${v(0)}`;
      case 'LT':
      case 'BEFORE':
        return `${col} < ${v(0)}`;
      case 'LTE':
        return `${col} <= ${v(0)}`;
      case 'BETWEEN':
        return `${col} between ${v(0)} and ${v(1)}`;
      case 'LAST_N_DAYS':
      case 'NEXT_N_DAYS': {
        if (!isDate) break;
        const n = values[0] as number;
        return op === 'LAST_N_DAYS'
          ? `${col} between ${this.today()} - ${this.p(n)}::int and ${this.today()}`
          : `${col} between ${this.today()} and ${this.today()} + ${this.p(n)}::int`;
      }
      default:
        break;
    }
    throw new Error(`criteria: ${op} here`); // refused by validation
  }

  /** The instant the local day `date` (an SQL date expression) starts in the tenant's time zone. */
  private dayStart(date: string): string {
    return `((${date})::timestamp at time zone ${this.tz()})`;
  }

  /** A DATETIME column against instants, or against local days (bare dates). */
  private datetime(col: string, op: CheckedFilter['operator'], values: CriteriaValue[]): string {
    const isDay = (v: CriteriaValue): v is string => typeof v === 'string';
    const start = (v: CriteriaValue) => (isDay(v) ? this.dayStart(`${this.p(v)}::date`) : `${this.p(v)}::timestamptz`);
    // The first instant after the value: the next day's start for a day, the instant itself otherwise.
    const end = (v: CriteriaValue) =>
      isDay(v) ? this.dayStart(`${this.p(v)}::date + 1`) : `${this.p(v)}::timestamptz`;
    const [a, b] = values;
    switch (op) {
      case 'EQ':
        return isDay(a) ? `(${col} >= ${start(a)} and ${col} < ${end(a)})` : `${col} = ${start(a)}`;
      case 'NEQ':
        return isDay(a)
          ? `(${col} is null or ${col} < ${start(a)} or ${col} >= ${end(a)})`
          : `${col} is distinct from ${start(a)}`;
      case 'GT':
      case 'AFTER':
        return isDay(a) ? `${col} >= ${end(a)}` : `${col} > ${start(a)}`;
      case 'GTE':
        return `${col} >= ${start(a)}`;
      case 'LT':
      case 'BEFORE':
        return `${col} < ${start(a)}`;
      case 'LTE':
        return isDay(a) ? `${col} < ${end(a)}` : `${col} <= ${start(a)}`;
      case 'BETWEEN':
        return `(${col} >= ${start(a)} and ${isDay(b) ? `${col} < ${end(b)}` : `${col} <= ${start(b)}`})`;
      case 'LAST_N_DAYS':
        return `(${col} >= ${this.dayStart(`${this.today()} - ${this.p(a)}::int`)} and ${col} <= ${this.p(this.options.now)}::timestamptz)`;
      case 'NEXT_N_DAYS':
        return `(${col} >= ${this.p(this.options.now)}::timestamptz and ${col} < ${this.dayStart(`${this.today()} + ${this.p(a)}::int + 1`)})`;
      default:
        throw new Error(`criteria: ${op} on a date-time`); // refused by validation
    }
  }
}
