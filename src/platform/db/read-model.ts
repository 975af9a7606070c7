import { createHash } from 'node:crypto';

import {
  Cursor,
  type EntityManager,
  type EntityMetadata,
  type EntityName,
  type EntityProperty,
  type FilterQuery,
  type Loaded,
  type Platform,
  QueryHelper,
  type QueryOrderMap,
  RawQueryFragment,
  ReferenceKind,
  type Transaction,
} from '@mikro-orm/core';

import { TENANT_FILTER } from './tenancy.js';

/**
 * Read-only rows for GraphQL field resolution.
 *
 * Rows are selected through MikroORM (its filters, hence the tenant filter; its where syntax; its
 * SQL and keyset-cursor conditions) but not hydrated into managed entities: no identity map, no
 * unit-of-work snapshot, no Reference wrapper per relation. Profiling the dashboard list showed
 * that hydration and the garbage it leaves were the largest cost of a read request (an `em.find`
 * of 60 practices: 8.2 ms; the same rows here: about 2 ms).
 *
 * A row is an instance of the entity class (so `instanceof`, getters such as `nodeId` and the
 * GraphQL type resolution work) with every column property set, custom types converted as
 * `em.find` would, and each to-one relation as a {@link RowRef} (`{ id }`, what loaders need).
 * Rows are never persisted: services load the managed entities they change themselves.
 */

/** A to-one relation of a read-only row: only the id of the row it points at. */
export class RowRef {
  constructor(readonly id: string) {}
}

/**
 * A keyset order: columns of `E` with their direction, most significant first; it ends in a
 * unique column (the id) so pages never skip or repeat rows, e.g.
 * `[{ createdAt: 'desc' }, { id: 'desc' }]`.
 */
export type KeysetOrder<E> = QueryOrderMap<E>[];

/** Options of {@link readRows}: order, limit, and MikroORM keyset-cursor options. */
export interface ReadOptions<E> {
  orderBy?: KeysetOrder<E>;
  limit?: number;
  first?: number;
  last?: number;
  /** Keyset cursor strings (MikroORM `Cursor` format). */
  after?: string;
  before?: string;
  /** Fetch one row more than `first`/`last` (to know whether another page exists). */
  overfetch?: boolean;
}

interface Column {
  name: string;
  /** The table column (for values and refs). */
  column: string;
  kind: 'value' | 'ref' | 'embedded';
  convert: ((value: unknown) => unknown) | null;
  /** Position of the column in the generated select list (for rows read as arrays). */
  index: number;
  /**
   * For an embedded value object: its class and its flattened columns (child name, column
   * property, column, position in the select list).
   */
  embeddable?: { prototype: object; children: [string, string, string, number][] };
}

const columnsOf = new WeakMap<EntityMetadata, Column[]>();

function converter(p: EntityProperty, platform: Platform): Column['convert'] {
  if (p.customType) return (v) => p.customType!.convertToJSValue(v, platform) as unknown;
  if (p.runtimeType === 'Date') return (v) => (v instanceof Date ? v : new Date(v as string));
  return null;
}

function columns(meta: EntityMetadata, platform: Platform): Column[] {
  let cols = columnsOf.get(meta);
  if (cols) return cols;
  cols = [];
  let index = 0;
  for (const p of Object.values(meta.properties as Record<string, EntityProperty>)) {
    if (p.persist === false || p.embedded) continue; // flattened columns of an embeddable: below
    if (p.lazy) continue; // as em.find: e.g. the stored search document, large and never read here
    if (p.kind === ReferenceKind.SCALAR)
      cols.push({
        name: p.name,
        column: p.fieldNames[0],
        kind: 'value',
        convert: converter(p, platform),
        index: index++,
      });
    else if (p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner))
      cols.push({ name: p.name, column: p.fieldNames[0], kind: 'ref', convert: null, index: index++ });
    else if (p.kind === ReferenceKind.EMBEDDED && !p.object && !p.array) {
      const children = Object.entries(p.embeddedProps as Record<string, EntityProperty>).map(
        ([child, c]) => [child, c.name, c.fieldNames[0], index++] as [string, string, string, number],
      );
      cols.push({
        name: p.name,
        column: '',
        kind: 'embedded',
        convert: null,
        index: -1,
        embeddable: { prototype: (p.embeddable as { prototype: object }).prototype, children },
      });
    } else if (p.kind === ReferenceKind.EMBEDDED) {
      throw new Error(`read-model: ${meta.className}.${p.name}: only flattened single embeddables are supported`);
    }
  }
  columnsOf.set(meta, cols);
  return cols;
}

/**
 * Turns a result row into a read-only instance of the entity class. `shape`: how the row is keyed:
 * by property names (as the driver maps them), by column names (raw SQL), or an array in the order
 * of the generated select list.
 */
function toRow<E extends object>(
  meta: EntityMetadata<E>,
  cols: Column[],
  data: Record<string, unknown> | unknown[],
  shape: 'property' | 'column' | 'array' = 'property',
): Loaded<E> {
  const row = Object.create(meta.prototype) as Record<string, unknown>;
  const get = (name: string, column: string, index: number) =>
    shape === 'array'
      ? (data as unknown[])[index]
      : (data as Record<string, unknown>)[shape === 'column' ? column : name];
  for (const col of cols) {
    if (col.kind === 'embedded') {
      const { prototype, children } = col.embeddable!;
      let value: Record<string, unknown> | null = null;
      for (const [child, prop, column, index] of children) {
        const v = get(prop, column, index);
        if (v === undefined || v === null) continue;
        value ??= Object.create(prototype) as Record<string, unknown>;
        value[child] = v;
      }
      if (value) for (const [child] of children) value[child] ??= null;
      row[col.name] = value;
      continue;
    }
    const value = get(col.name, col.column, col.index);
    if (value === undefined || value === null) row[col.name] = null;
    else if (col.kind === 'ref') {
      const id = value as string | number | bigint; // a foreign key column
      row[col.name] = new RowRef(String(id));
    } else row[col.name] = col.convert ? col.convert(value) : value;
  }
  return row as Loaded<E>;
}

/**
 * Selects rows of `entity` matching `where` (MikroORM filter-query syntax) with the
 * EntityManager's filters applied (the tenant filter fails closed without a tenant), inside its
 * transaction if it has one.
 */
export async function readRows<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  where: FilterQuery<E>,
  options: ReadOptions<E> = {},
): Promise<Loaded<E>[]> {
  const data = await em.getDriver().find(entity, await filtered(em, entity, where), {
    ...options,
    orderBy: options.orderBy ?? [],
    ctx: em.getTransactionContext<Transaction<object>>(),
  });
  const meta = em.getMetadata().get(entity);
  const cols = columns(meta as EntityMetadata, em.getPlatform());
  return data.map((d) => toRow(meta, cols, d));
}

/** Counts the rows {@link readRows} would select for `where` (same filters, same transaction). */
export async function countRows<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  where: FilterQuery<E>,
): Promise<number> {
  return em
    .getDriver()
    .count(entity, await filtered(em, entity, where), { ctx: em.getTransactionContext<Transaction<object>>() });
}

/** `where` in MikroORM's processed form with the EntityManager's filters (the tenant's) applied. */
async function filtered<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  where: FilterQuery<E>,
): Promise<FilterQuery<E>> {
  const metadata = em.getMetadata();
  const cond = QueryHelper.processWhere({
    where,
    entityName: entity,
    metadata,
    platform: em.getPlatform(),
    aliased: true,
  });
  return (await em.applyFilters(entity, cond, {}, 'read')) ?? {};
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

interface Table {
  select: string;
  /** The quoted table name. */
  from: string;
  /** The select list (the columns {@link toRow} reads, in order). */
  list: string;
  /** The tenant column, for tenant-owned entities. */
  tenant: string | null;
  /** Property → quoted column, for properties stored in exactly one column of this table. */
  columns: Map<string, string>;
}

const tables = new WeakMap<EntityMetadata, Table>();

function table(meta: EntityMetadata, platform: Platform): Table {
  let t = tables.get(meta);
  if (t) return t;
  const cols = columns(meta, platform);
  const select = cols
    .flatMap((c) => (c.kind === 'embedded' ? c.embeddable!.children.map(([, , col]) => col) : [c.column]))
    .map(quote)
    .join(', ');
  const props = meta.properties as Record<string, EntityProperty>;
  const own = new Map<string, string>();
  for (const c of cols) if (c.kind !== 'embedded') own.set(c.name, quote(c.column));
  const tenant = props.tenant?.kind === ReferenceKind.MANY_TO_ONE ? quote(props.tenant.fieldNames[0]) : null;
  const from = quote(meta.tableName);
  t = { select: `select ${select} from ${from}`, from, list: select, tenant, columns: own };
  tables.set(meta, t);
  return t;
}

type Value = string | number | boolean | Date;
const isValue = (v: unknown): v is Value => ['string', 'number', 'boolean'].includes(typeof v) || v instanceof Date;
const COMPARISONS: Record<string, string> = {
  $eq: '=',
  $ne: '<>',
  $gt: '>',
  $gte: '>=',
  $lt: '<',
  $lte: '<=',
  $like: 'like',
  $ilike: 'ilike',
};

/**
 * SQL for a MikroORM filter query over the table's own columns: equality, null, lists,
 * `$in`/`$nin`, comparisons, `$like`/`$ilike`, `$and`/`$or`/`$not`. Returns null for anything else
 * (conditions on related tables, array operators…), which then goes through the query builder.
 */
function compileWhere(t: Table, where: unknown, params: unknown[], numbered = false): string | null {
  if (!where || typeof where !== 'object' || Array.isArray(where)) return null;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) return null;
      const subs = value.map((v) => compileWhere(t, v, params, numbered));
      if (subs.some((x) => x === null)) return null;
      parts.push(`(${subs.join(key === '$and' ? ' and ' : ' or ')})`);
      continue;
    }
    if (key === '$not') {
      const sub = compileWhere(t, value, params, numbered);
      if (sub === null) return null;
      parts.push(`not (${sub})`);
      continue;
    }
    const column = t.columns.get(key);
    if (!column) return null;
    const cond = compileColumn(column, value, params, numbered);
    if (cond === null) return null;
    parts.push(cond);
  }
  // A raw condition (`{ [raw(sql, params)]: [] }`, e.g. a compiled criteria tree): its SQL with the
  // root alias placeholder naming this table. Any other symbol key goes through MikroORM.
  for (const key of Object.getOwnPropertySymbols(where)) {
    const fragment = RawQueryFragment.getKnownFragment(key);
    const value = (where as Record<symbol, unknown>)[key];
    // Its `?` placeholders are not renumbered: numbered SQL takes no raw condition.
    if (!fragment || !Array.isArray(value) || value.length || numbered) return null;
    parts.push(`(${fragment.sql.replaceAll('[::alias::]', t.from)})`);
    params.push(...fragment.params);
  }
  return parts.length ? parts.join(' and ') : 'true';
}

/**
 * A value's placeholder: `?` (formatted into the SQL later), or with `numbered` `$n`, n its position
 * in `params` (a parameter of the statement, so its text stays the same for other values).
 */
function placeholder(value: unknown, params: unknown[], numbered: boolean): string {
  if (!numbered) {
    params.push(value);
    return '?';
  }
  return `$${params.push(value instanceof Date ? value.toISOString() : value)}`;
}

function compileColumn(column: string, value: unknown, params: unknown[], numbered: boolean): string | null {
  if (value === null) return `${column} is null`;
  if (isValue(value)) return `${column} = ${placeholder(value, params, numbered)}`;
  if (Array.isArray(value)) return compileColumn(column, { $in: value }, params, numbered);
  if (typeof value !== 'object') return null;
  const parts: string[] = [];
  for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
    if (operand === undefined) continue;
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(operand) || !operand.every(isValue)) return null;
      if (operand.length === 0) parts.push(op === '$in' ? 'false' : 'true');
      else if (numbered) {
        // One array parameter whatever the list's length (the same statement for 1 or 30 values).
        const list = placeholder(
          operand.map((v) => (v instanceof Date ? v.toISOString() : v)),
          params,
          true,
        );
        parts.push(op === '$in' ? `${column} = any(${list})` : `not (${column} = any(${list}))`);
      } else {
        params.push(operand);
        parts.push(`${column} ${op === '$in' ? 'in' : 'not in'} (?)`);
      }
    } else if (op in COMPARISONS) {
      if (operand === null && (op === '$eq' || op === '$ne')) {
        parts.push(`${column} is ${op === '$eq' ? '' : 'not '}null`);
        continue;
      }
      if (!isValue(operand)) return null;
      parts.push(`${column} ${COMPARISONS[op]} ${placeholder(operand, params, numbered)}`);
    } else return null;
  }
  return parts.length ? parts.join(' and ') : null;
}

/** `order by` SQL, or null when a key is not an own column. */
function compileOrder(t: Table, order: [string, unknown][]): string | null {
  const parts: string[] = [];
  for (const [key, dir] of order) {
    const column = t.columns.get(key);
    if (!column || (dir !== 'asc' && dir !== 'desc')) return null;
    parts.push(`${column} ${dir}`);
  }
  return parts.length ? ` order by ${parts.join(', ')}` : '';
}

/** {@link tenantCondition}'s SQL with its value as the next `$n` of `params`. */
function numberedTenant(t: Table, tenantParams: unknown[], params: unknown[]): string {
  return tenantParams.length ? `${t.tenant} = ${placeholder(tenantParams[0], params, true)} and ` : '';
}

/** Runs `select <all columns> where <tenant> and <condition> <order> <limit>` and maps the rows. */
async function select<E extends object>(
  em: EntityManager,
  meta: EntityMetadata<E>,
  t: Table,
  condition: string,
  params: unknown[],
  orderSql: string,
  limit?: number,
): Promise<Loaded<E>[]> {
  const [tenant, tenantParams] = tenantCondition(em, meta, t);
  const sql = `${t.select} where ${tenant}(${condition})${orderSql}${limit !== undefined ? ` limit ${limit}` : ''}`;
  return run(em, meta, sql, [...tenantParams, ...params]);
}

/** `<tenant column> = ? and ` and its parameter (fails closed without a tenant); nothing for shared tables. */
function tenantCondition(em: EntityManager, meta: EntityMetadata, t: Table): [string, unknown[]] {
  if (!t.tenant) return ['', []];
  const tenantId = em.getFilterParams<{ tenantId?: string }>(TENANT_FILTER)?.tenantId;
  if (!tenantId) throw new Error(`No tenant for a read of ${meta.className} (tenant filter parameters missing)`);
  return [`${t.tenant} = ? and `, [tenantId]];
}

/** Runs `sql`, whose select list starts with the table's {@link Table.list}, and maps the rows. */
async function run<E extends object>(
  em: EntityManager,
  meta: EntityMetadata<E>,
  sql: string,
  params: unknown[],
): Promise<Loaded<E>[]> {
  const tx = em.getTransactionContext<Transaction<object>>();
  const cols = columns(meta as EntityMetadata, em.getPlatform());
  if (tx) {
    const data = (await em.getConnection().execute(sql, params, 'all', tx)) as Record<string, unknown>[];
    return data.map((d) => toRow(meta, cols, d, 'column'));
  }
  const data = await batchOf(em).query(em.getPlatform().formatQuery(sql, params));
  return data.map((d) => toRow(meta, cols, d, 'array'));
}

interface PgPool {
  query(query: { text: string; rowMode: 'array' }): Promise<{ rows: unknown[][] } | { rows: unknown[][] }[]>;
}

/**
 * The reads an EntityManager issues in one turn of the event loop, sent as ONE multi-statement
 * round trip. The DataLoaders of one level of a GraphQL query (a page's owners, practices, deals and
 * tickets) dispatch in the same turn: four statements, one write and one wake-up of PostgreSQL
 * instead of four. Each statement still counts (and is logged) as one statement. Only for reads
 * outside a transaction (inside one, the transaction's connection is used as is).
 */
class ReadBatch {
  private queue: { sql: string; resolve: (rows: unknown[][]) => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly em: EntityManager) {}

  /** Rows as arrays, in the order of the select list (no object per row from the driver). */
  query(sql: string): Promise<unknown[][]> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ sql, resolve, reject }) === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const connection = this.em.getConnection();
      // Counted (the SQL-per-operation figure) like every other statement.
      const onQuery = this.em.config.get('onQuery') as ((sql: string, params: unknown[]) => string) | undefined;
      for (const q of batch) onQuery?.(q.sql, []);
      const pool = (await connection.getNativeClient()) as PgPool;
      const started = performance.now();
      const result = await pool.query({ text: batch.map((q) => q.sql).join(';\n'), rowMode: 'array' });
      const results = Array.isArray(result) ? result : [result];
      const took = Math.round(performance.now() - started);
      const logger = this.em.config.getLogger();
      batch.forEach((q, i) => {
        logger.logQuery({ query: `${q.sql} [batch of ${batch.length}]`, took, results: results[i].rows.length });
        q.resolve(results[i].rows);
      });
    } catch (err) {
      for (const q of batch) q.reject(err);
    }
  }
}

const batches = new WeakMap<EntityManager, ReadBatch>();

function batchOf(em: EntityManager): ReadBatch {
  let batch = batches.get(em);
  if (!batch) batches.set(em, (batch = new ReadBatch(em)));
  return batch;
}

/**
 * The loaders' path: rows whose `key` property is one of `keys` and that match `where`, ordered by
 * `orderBy`. The SQL is generated from the entity metadata and sent through MikroORM's connection
 * (its transaction context, logging and statement count); the tenant condition is explicit and,
 * like the tenant filter, fails closed when the EntityManager has no tenant. Conditions the
 * generator does not handle go through {@link readRows}.
 */
export async function readRowsIn<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  key: string,
  keys: readonly string[],
  where: Record<string, unknown> = {},
  orderBy: KeysetOrder<E> = [],
): Promise<Loaded<E>[]> {
  const meta = em.getMetadata().get<E>(entity);
  const t = table(meta as EntityMetadata, em.getPlatform());
  const params: unknown[] = [];
  // Plain conditions over the entity's own columns (the generator's input), hence a plain record.
  const inKeys = { ...where, [key]: { $in: [...keys] } } as FilterQuery<E>;
  const condition = compileWhere(t, inKeys, params);
  const orderSql = compileOrder(
    t,
    orderBy.flatMap((o) => Object.entries(o)),
  );
  if (condition === null || orderSql === null) {
    return readRows(em, entity, inKeys, { orderBy });
  }
  return select(em, meta, t, condition, params, orderSql);
}

/**
 * One page of a keyset-paginated list: `first` rows (plus one, to know whether more follow) after
 * the MikroORM cursor `after`, in `orderBy` (which ends in a unique column). Pages it cannot build
 * itself (backwards pages, null cursor values, conditions on related tables) go through
 * {@link readRows} and MikroORM's cursor conditions.
 */
export async function readPage<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  where: FilterQuery<E>,
  options: ReadOptions<E> & { orderBy: KeysetOrder<E> },
): Promise<Loaded<E>[]> {
  const fallback = () => readRows(em, entity, where, options);
  if (options.last !== undefined || options.before !== undefined || options.first === undefined) return fallback();
  const meta = em.getMetadata().get<E>(entity);
  const t = table(meta as EntityMetadata, em.getPlatform());
  const params: unknown[] = [];
  let condition = compileWhere(t, where, params);
  const order = options.orderBy.flatMap((o) => Object.entries(o));
  const orderSql = compileOrder(t, order);
  if (condition === null || orderSql === null) return fallback();
  if (options.after) {
    const after = afterCondition(t, order, options.after, params);
    if (after === null) return fallback();
    condition = `(${condition}) and ${after}`;
  }
  return select(em, meta, t, condition, params, orderSql, options.first + (options.overfetch ? 1 : 0));
}

/** A statement (or a part of one) with `?` placeholders and their values, in order. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

/**
 * Reads of `entity`'s rows selected by a condition the caller wrote in SQL (a compiled criteria
 * tree), for a statement the caller sends itself (through the driver, e.g. in a
 * `pooledTransaction`): the count, a keyset page, and the page's rows turned into read-only
 * rows as {@link readPage} returns them. The condition names the table by its quoted name
 * (`"client"`), unaliased; the tenant condition comes first in both (failing closed without a
 * tenant).
 */
export interface RowQuery<E> {
  /** `select count(*)::int from <table> where <tenant> and (<condition>)`. */
  count(): SqlPart;
  /**
   * `select <every column> from <table> where <tenant> and (<condition>) [and <after>] order by
   * <orderBy> limit first + 1` (one more: whether another page follows); null when `after` is not a
   * cursor this generator handles (see {@link readPage}) or the order is not over own columns.
   * `outerOrder(alias)`: the same ` order by …` over the page as a subquery named `alias`.
   */
  page(
    orderBy: KeysetOrder<E>,
    first: number,
    after?: string,
  ): (SqlPart & { outerOrder(alias: string): string }) | null;
  /** Rows of {@link page} read as arrays (its columns from position `offset` on) as read-only rows. */
  rows(values: unknown[][], offset?: number): Loaded<E>[];
}

/** The {@link RowQuery} of `entity`'s rows of `em`'s tenant matching `condition`. */
export function rowQuery<E extends object>(em: EntityManager, entity: EntityName<E>, condition: SqlPart): RowQuery<E> {
  const meta = em.getMetadata().get<E>(entity);
  const t = table(meta as EntityMetadata, em.getPlatform());
  const [tenant, tenantParams] = tenantCondition(em, meta as EntityMetadata, t);
  const where = `${tenant}(${condition.sql})`;
  return {
    count: () => ({
      sql: `select count(*)::int as "count" from ${t.from} where ${where}`,
      params: [...tenantParams, ...condition.params],
    }),
    page: (orderBy, first, after) => {
      const order = orderBy.flatMap((o) => Object.entries(o));
      const orderSql = compileOrder(t, order);
      const params = [...tenantParams, ...condition.params];
      const keyset = after === undefined ? '' : afterCondition(t, order, after, params);
      if (orderSql === null || keyset === null) return null;
      params.push(first + 1);
      return {
        sql: `${t.select} where ${where}${keyset && ` and ${keyset}`}${orderSql} limit ?`,
        params,
        outerOrder: (alias) => compileOrder(qualified(t, alias), order)!,
      };
    },
    rows: (values, offset = 0) => {
      const cols = columns(meta as EntityMetadata, em.getPlatform());
      return values.map((v) => toRow(meta, cols, offset ? v.slice(offset) : v, 'array'));
    },
  };
}

/**
 * The keyset condition "after the MikroORM cursor `after`" in `order` (each column compared in its
 * own direction), its values pushed on `params`; null when the cursor is not one this generator
 * handles (invalid, or with null values), for MikroORM to report or handle.
 */
function afterCondition(t: Table, order: [string, unknown][], after: string, params: unknown[]): string | null {
  let values: unknown;
  try {
    values = Cursor.decode(after);
  } catch {
    return null;
  }
  if (!Array.isArray(values) || values.length !== order.length || !values.every(isValue)) return null;
  // (a > v1) or (a = v1 and b > v2) …
  const branches = order.map((_, i) => {
    const eq = order.slice(0, i).map(([k]) => `${t.columns.get(k)} = ?`);
    const [k, dir] = order[i];
    return [...eq, `${t.columns.get(k)} ${dir === 'asc' ? '>' : '<'} ?`].join(' and ');
  });
  for (let i = 0; i < order.length; i++) params.push(...values.slice(0, i + 1));
  return `((${branches.join(') or (')}))`;
}

/**
 * The same page of each parent's children in ONE statement: for every `key` (a to-one relation
 * column) in `keys`, the first `first + 1` rows matching `where` after the MikroORM cursor
 * `after` in `orderBy` (`row_number() over (partition by <key> order by <orderBy>)`). Returns the
 * rows (in `orderBy` within each parent), or null when the generator cannot build it (conditions
 * on related tables, an invalid cursor): the caller then pages each parent with {@link readPage}.
 */
export async function readPagesIn<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  key: string,
  keys: readonly string[],
  where: Record<string, unknown>,
  orderBy: KeysetOrder<E>,
  page: { first: number; after?: string },
): Promise<Loaded<E>[] | null> {
  const meta = em.getMetadata().get<E>(entity);
  const t = table(meta as EntityMetadata, em.getPlatform());
  const params: unknown[] = [];
  let condition = compileWhere(t, { ...where, [key]: { $in: [...keys] } }, params);
  const order = orderBy.flatMap((o) => Object.entries(o));
  const orderSql = compileOrder(t, order);
  const partition = t.columns.get(key);
  if (condition === null || !orderSql || !partition || !Number.isSafeInteger(page.first)) return null;
  if (page.after) {
    const after = afterCondition(t, order, page.after, params);
    if (after === null) return null;
    condition = `(${condition}) and ${after}`;
  }
  const [tenant, tenantParams] = tenantCondition(em, meta as EntityMetadata, t);
  const numbered = `select ${t.list}, row_number() over (partition by ${partition}${orderSql}) as "row_number" from ${t.from} where ${tenant}(${condition})`;
  const sql = `select * from (${numbered}) as "numbered" where "row_number" <= ${page.first + 1} order by ${partition},${orderSql.slice(' order by'.length)}`;
  return run(em, meta, sql, [...tenantParams, ...params]);
}

/**
 * How many rows matching `where` each parent in `keys` has (`key`: a to-one relation), in one
 * grouped statement, tenant-scoped; parents without any are absent from the map.
 */
export async function countRowsIn<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  key: string,
  keys: readonly string[],
  where: Record<string, unknown> = {},
): Promise<Map<string, number> | null> {
  const meta = em.getMetadata().get<E>(entity);
  const t = table(meta as EntityMetadata, em.getPlatform());
  const params: unknown[] = [];
  const condition = compileWhere(t, { ...where, [key]: { $in: [...keys] } }, params);
  const column = t.columns.get(key);
  if (condition === null || !column) return null;
  const [tenant, tenantParams] = tenantCondition(em, meta as EntityMetadata, t);
  const sql = `select ${column}, count(*) from ${t.from} where ${tenant}(${condition}) group by ${column}`;
  const allParams = [...tenantParams, ...params];
  const tx = em.getTransactionContext<Transaction<object>>();
  const rows = tx
    ? ((await em.getConnection().execute(sql, allParams, 'all', tx)) as Record<string, unknown>[]).map((r) =>
        Object.values(r),
      )
    : await batchOf(em).query(em.getPlatform().formatQuery(sql, allParams));
  return new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
}

/** A read the fast path nests in its statement: table, condition (tenant included), order, columns. */
export interface CompiledRead {
  /** The quoted table name (the statement refers to the table by it, unaliased). */
  from: string;
  /**
   * `<tenant column> = … and (<condition>)`: its values as `$n` parameters appended to the `params`
   * given, or without them inlined as SQL literals.
   */
  where: string;
  /** ` order by …` (empty without an order). */
  order: string;
  /** Property → quoted column of this table. */
  columns: ReadonlyMap<string, string>;
}

/** `t` with its columns (and tenant column) qualified by `qualifier` (a quoted table name or alias). */
function qualified(t: Table, qualifier: string | undefined): Table {
  if (!qualifier) return t;
  let byQualifier = qualifiedTables.get(t);
  if (!byQualifier) qualifiedTables.set(t, (byQualifier = new Map<string, Table>()));
  let q = byQualifier.get(qualifier);
  if (!q) {
    q = {
      ...t,
      tenant: t.tenant && `${qualifier}.${t.tenant}`,
      columns: new Map([...t.columns].map(([name, column]) => [name, `${qualifier}.${column}`])),
    };
    byQualifier.set(qualifier, q);
  }
  return q;
}

/**
 * {@link qualified} tables made so far, by table and qualifier: the fast path compiles each read of
 * a kept plan again per request, and the qualifiers are the statement's few table names and aliases.
 */
const qualifiedTables = new WeakMap<Table, Map<string, Table>>();

/**
 * `where` and `orderBy` over the own columns of `entity` as SQL text, and the tenant condition first
 * (failing closed without a tenant). With `params`, each value is a `$n` parameter appended to it
 * (so the text is the same for other values: PostgreSQL can keep the statement prepared); without,
 * the values are inlined (by the platform's quoting, as the read batch does). Null when the
 * generator cannot build it (conditions on related tables, array operators, a raw condition with
 * `params`…): the caller then takes the loader path. With `qualifier` (a quoted table name or alias),
 * columns are qualified by it (for a statement joining other tables); its `from` stays the table.
 */
export function compileRead<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  where: Record<string, unknown>,
  orderBy: KeysetOrder<E> = [],
  params?: unknown[],
  qualifier?: string,
): CompiledRead | null {
  const meta = em.getMetadata().get<E>(entity);
  const t = qualified(table(meta as EntityMetadata, em.getPlatform()), qualifier);
  const order = compileOrder(
    t,
    orderBy.flatMap((o) => Object.entries(o)),
  );
  const [tenant, tenantParams] = tenantCondition(em, meta as EntityMetadata, t);
  if (params) {
    const tenantSql = numberedTenant(t, tenantParams, params);
    const condition = compileWhere(t, where, params, true);
    if (condition === null || order === null) return null;
    return { from: t.from, where: `${tenantSql}(${condition})`, order, columns: t.columns };
  }
  const inlined: unknown[] = [];
  const condition = compileWhere(t, where, inlined);
  if (condition === null || order === null) return null;
  return {
    from: t.from,
    where: em.getPlatform().formatQuery(`${tenant}(${condition})`, [...tenantParams, ...inlined]),
    order,
    columns: t.columns,
  };
}

interface PgQueryPool {
  query(query: { name?: string; text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}

/** Connections (one per ORM) on which {@link readPrepared} may prepare named statements. */
const preparing = new WeakSet<object>();

/**
 * Lets {@link readPrepared} keep its statements prepared on the connections of `em`'s ORM (named
 * statements: PostgreSQL parses and plans each once per connection, not once per request). Only for
 * a real PostgreSQL server: the embedded PGlite is one session shared by every client of its socket,
 * where a new pooled connection would find the names of the previous one still taken.
 */
export function prepareStatements(em: EntityManager): void {
  preparing.add(em.getConnection());
}

/** Prepared-statement name of each statement text; past {@link MAX_PREPARED} texts, statements go unnamed. */
const statementNames = new Map<string, string>();
/**
 * How many distinct statements are kept prepared (per connection, by PostgreSQL). The text depends
 * on the query document's shape only (values are parameters), so a deployment's clients use a few
 * dozen; the bound keeps a client sending ever new shapes from growing every connection's memory.
 */
const MAX_PREPARED = 500;

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `meridian_${createHash('sha256').update(sql).digest('base64url').slice(0, 32)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** Whether statements are kept prepared on the connections of `em`'s ORM (PostgreSQL; see {@link prepareStatements}). */
export function statementsPrepared(em: EntityManager): boolean {
  return preparing.has(em.getConnection());
}

/**
 * The name under which `sql` may be kept prepared on the connections of `em`'s ORM (see
 * {@link prepareStatements}): undefined on the embedded PGlite, or past {@link MAX_PREPARED} texts.
 */
export function preparedStatementName(em: EntityManager, sql: string): string | undefined {
  return statementsPrepared(em) ? statementName(sql) : undefined;
}

/**
 * Runs one read statement with `$n` parameters `params`, outside any transaction (callers check),
 * counted and logged like every statement; rows as arrays. On PostgreSQL (see
 * {@link prepareStatements}) it is a named prepared statement: sent with the same text again,
 * PostgreSQL reuses its parse and plan.
 */
export async function readPrepared(em: EntityManager, sql: string, params: unknown[]): Promise<unknown[][]> {
  const connection = em.getConnection();
  const onQuery = em.config.get('onQuery') as ((sql: string, params: unknown[]) => string) | undefined;
  onQuery?.(sql, params);
  const pool = (await connection.getNativeClient()) as PgQueryPool;
  const name = preparedStatementName(em, sql);
  const started = performance.now();
  const result = await pool.query({ ...(name ? { name } : {}), text: sql, values: params, rowMode: 'array' });
  em.config.getLogger().logQuery({
    query: sql,
    params,
    took: Math.round(performance.now() - started),
    results: result.rows.length,
  });
  return result.rows;
}

/**
 * {@link readRowsIn} without conditions or order, as a prepared statement of its own: for the read
 * that precedes every request (the caller's team member), which runs alone (the read batch gains
 * nothing) and costs PostgreSQL more to parse and plan inlined than to run. Inside a transaction,
 * {@link readRowsIn}.
 */
export async function readRowsInPrepared<E extends object>(
  em: EntityManager,
  entity: EntityName<E>,
  key: string,
  keys: readonly string[],
): Promise<Loaded<E>[]> {
  const meta = em.getMetadata().get<E>(entity);
  const t = table(meta as EntityMetadata, em.getPlatform());
  const params: unknown[] = [];
  const tenant = numberedTenant(t, tenantCondition(em, meta as EntityMetadata, t)[1], params);
  const condition = compileWhere(t, { [key]: { $in: [...keys] } }, params, true);
  if (condition === null || em.getTransactionContext()) return readRowsIn(em, entity, key, keys);
  const cols = columns(meta as EntityMetadata, em.getPlatform());
  const rows = await readPrepared(em, `${t.select} where ${tenant}(${condition})`, params);
  return rows.map((d) => toRow(meta, cols, d, 'array'));
}
