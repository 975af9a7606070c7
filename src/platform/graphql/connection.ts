import type {
  EntityClass,
  EntityManager,
  EntityMetadata,
  EntityName,
  EntityProperty,
  FilterQuery,
} from '@mikro-orm/core';
import { Cursor, CursorError } from '@mikro-orm/core';
import { ArgsType, type ClassType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';

import { countRows, type KeysetOrder, readPage } from '../db/read-model.js';
import type { ReadRunner } from '../db/statement-timeout.js';
import { DomainError } from '../errors.js';
import { countChildren, loadChildPage, type LoaderContext } from './loaders.js';

/** The page size of a connection given neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 20;

/** Largest `first`/`last`; set from GRAPHQL_MAX_PAGE_SIZE at start. */
let maxPageSize = 100;

/** Sets the page size cap (GRAPHQL_MAX_PAGE_SIZE). */
export function setMaxPageSize(n: number): void {
  maxPageSize = n;
}

/** Relay pagination arguments. Cursors are keyset-based: stable under inserts, no OFFSET. */
@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true, description: 'Return the first n items (1–100, default 20).' })
  first?: number;

  @Field({ nullable: true, description: 'Return items after this cursor.' })
  after?: string;

  @Field(() => Int, { nullable: true, description: 'Return the last n items (1–100).' })
  last?: number;

  @Field({ nullable: true, description: 'Return items before this cursor.' })
  before?: string;
}

/**
 * Forward-only Relay arguments of a parent's child connection (`Client.interactions`…): every
 * parent of a list gets the same page, read for all parents in one statement.
 */
@ArgsType()
export class ChildConnectionArgs {
  @Field(() => Int, { nullable: true, description: 'Return the first n items (0–100, default 20).' })
  first?: number;

  @Field({ nullable: true, description: 'Return items after this cursor (from this same field of this parent).' })
  after?: string;
}

/** Validated page request. */
export interface PageRequest {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}

/** Checks `first`/`last` against the cap; default is the first 20. Throws BAD_USER_INPUT. */
export function pageRequest(args: ConnectionArgs): PageRequest {
  for (const name of ['first', 'last'] as const) {
    const n = args[name];
    if (n !== undefined && n !== null && (n < 0 || n > maxPageSize)) {
      throw DomainError.badInput(`\`${name}\` must be between 0 and ${maxPageSize}; got ${n}`, name);
    }
  }
  if (args.first != null && args.last != null) {
    throw DomainError.badInput('Pass either `first` or `last`, not both', 'last');
  }
  const page: PageRequest = { after: args.after ?? undefined, before: args.before ?? undefined };
  if (args.last != null) page.last = args.last;
  else page.first = args.first ?? DEFAULT_PAGE_SIZE;
  return page;
}

@ObjectType({ description: 'Where a page sits in the whole list.' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** The shape every connection class has. */
export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount(): Promise<number>;
}

/**
 * Builds the `<Name>Connection` and `<Name>Edge` types for a node type. `totalCount` is computed
 * only when asked for.
 */
export function connectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `An edge in a ${name} connection.` })
  class Edge {
    @Field({ description: 'Opaque keyset cursor of this item.' })
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class Connection implements ConnectionShape<T> {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => [node], { description: 'The items of this page (shortcut for edges.node).' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    count!: () => Promise<number>;

    @Field(() => Int, { description: 'Number of items in the whole list (all pages).' })
    totalCount(): Promise<number> {
      return this.count();
    }
  }
  return Connection;
}

/**
 * Fills a connection instance from items, cursors and page flags. Edges (a cursor per item) are
 * built only if asked for; pageInfo encodes just the first and last cursors.
 */
export function buildConnection<T extends object, C extends ConnectionShape<T>>(
  ConnectionClass: new () => C,
  items: T[],
  cursorOf: (item: T) => string,
  flags: { hasNextPage: boolean; hasPreviousPage: boolean },
  count: () => Promise<number>,
): C {
  const conn = new ConnectionClass();
  let edges: { cursor: string; node: T }[] | undefined;
  Object.defineProperty(conn, 'edges', {
    enumerable: true,
    configurable: true, // a module may re-cursor a page (the timeline seals its cursors)
    get: () => (edges ??= items.map((node) => ({ cursor: cursorOf(node), node }))),
  });
  Object.assign(conn, {
    nodes: items,
    pageInfo: Object.assign(new PageInfo(), {
      ...flags,
      startCursor: items.length ? cursorOf(items[0]) : null,
      endCursor: items.length ? cursorOf(items.at(-1)!) : null,
    }),
    count,
  });
  return conn;
}

/**
 * Pages through an entity table with keyset cursors (MikroORM's cursor conditions), scoped by the
 * EntityManager's tenant filter. Items are read-only rows (see `readRows`), not managed entities.
 * `orderBy` must end in a unique column (the id) for stable pages. `run`: how the page and the
 * count are read (e.g. {@link underCriteriaTimeout}: each in a transaction with a statement
 * timeout); default directly on `em`.
 */
export async function paginate<E extends object, C extends ConnectionShape<E>>(
  em: EntityManager,
  entity: EntityName<E>,
  ConnectionClass: new () => C,
  where: FilterQuery<E>,
  orderBy: KeysetOrder<E>,
  page: PageRequest,
  run: ReadRunner = (work) => work(em),
): Promise<C> {
  const meta = em.getMetadata().get(entity);
  const after = decodeCursor(page.after, orderBy, 'after', meta);
  const before = decodeCursor(page.before, orderBy, 'before', meta);
  try {
    const options = { orderBy, first: page.first, after, last: page.last, before, overfetch: true };
    const rows = await run((e) => readPage(e, entity, where, options));
    const cursor = new Cursor<E>(rows, 0, options, meta);
    const items: E[] = cursor.items;
    return buildConnection(
      ConnectionClass,
      items,
      (item) => encodeCursor(meta, item, orderBy),
      { hasNextPage: cursor.hasNextPage, hasPreviousPage: cursor.hasPrevPage },
      () => run((e) => countRows(e, entity, where)),
    );
  } catch (err) {
    if (isCursorError(err)) {
      throw DomainError.badInput('Invalid cursor', page.after ? 'after' : 'before');
    }
    throw err;
  }
}

/**
 * A page of one parent's children (`fk` = the parent's id, plus `where`) in `orderBy`, as a
 * connection: the page through {@link loadChildPage} (one statement for all the parents of a
 * list), `totalCount` through {@link countChildren} (one grouped statement), both tenant-scoped.
 */
export async function paginateChildren<E extends object, C extends ConnectionShape<E>>(
  ctx: LoaderContext,
  entity: EntityClass<E>,
  ConnectionClass: new () => C,
  fk: string,
  parentId: string,
  where: Record<string, unknown>,
  orderBy: KeysetOrder<E>,
  args: ChildConnectionArgs,
): Promise<C> {
  const { first = DEFAULT_PAGE_SIZE, after } = pageRequest(args);
  const meta = ctx.em.getMetadata().get(entity);
  const cursor = decodeCursor(after, orderBy, 'after', meta);
  let rows: E[];
  try {
    rows = await loadChildPage(ctx, entity, fk, parentId, where, orderBy, { first: first, after: cursor });
  } catch (err) {
    if (isCursorError(err)) {
      throw DomainError.badInput('Invalid cursor', 'after');
    }
    throw err;
  }
  return buildConnection(
    ConnectionClass,
    rows.slice(0, first),
    (item) => encodeCursor(meta, item, orderBy),
    { hasNextPage: rows.length > first, hasPreviousPage: !!cursor },
    () => countChildren(ctx, entity, fk, parentId, where),
  );
}

/** Whether `err` is MikroORM's report of a cursor it cannot use (a client error, not ours). */
function isCursorError(err: unknown): boolean {
  return err instanceof CursorError || (err instanceof Error && /cursor/i.test(err.message) && !('code' in err));
}

/**
 * The opaque cursor of `item` in `orderBy`: MikroORM's keyset cursor prefixed with a tag of the
 * order, so a cursor reused with another orderBy is refused instead of comparing a date with a
 * name in SQL.
 */
export function encodeCursor<E extends object>(meta: EntityMetadata<E>, item: E, orderBy: KeysetOrder<E>): string {
  return `${orderTag(orderBy)}.${Cursor.for(meta, item, orderBy)}`;
}

/** Longest cursor accepted (ours are well under 300 characters). */
const MAX_CURSOR_LENGTH = 1000;

/**
 * The keyset cursor inside `cursor` made by {@link encodeCursor} for `orderBy`; BAD_USER_INPUT
 * naming `arg` otherwise. With the entity's metadata the cursor's values are checked too, one per
 * column of the order and each of that column's type (a finite number, an ISO date, a UUID, a
 * string or a boolean; null only for a nullable column), so nothing a client writes reaches SQL
 * unless it is a value the column could hold.
 */
export function decodeCursor<E extends object>(
  cursor: string | null | undefined,
  orderBy: object[],
  arg: string,
  meta?: EntityMetadata<E>,
): string | undefined {
  if (!cursor) return undefined;
  const dot = cursor.indexOf('.');
  if (dot < 0 || cursor.slice(0, dot) !== orderTag(orderBy))
    throw DomainError.badInput(
      `Invalid cursor for this orderBy: ${arg} must come from a page with the same orderBy`,
      arg,
    );
  const keyset = cursor.slice(dot + 1);
  if (meta) checkCursorValues(keyset, orderBy, arg, meta);
  return keyset;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws BAD_USER_INPUT unless `keyset` is a MikroORM cursor of values fitting `orderBy`'s columns. */
function checkCursorValues<E extends object>(
  keyset: string,
  orderBy: object[],
  arg: string,
  meta: EntityMetadata<E>,
): void {
  const invalid = (why: string) => DomainError.badInput(`Invalid cursor: ${arg} ${why}`, arg);
  if (keyset.length > MAX_CURSOR_LENGTH || !/^[\w-]+$/.test(keyset)) throw invalid('is not a cursor this API gave out');
  let values: unknown;
  try {
    values = Cursor.decode(keyset);
  } catch {
    throw invalid('is not a cursor this API gave out');
  }
  const keys = orderBy.flatMap((o) => Object.keys(o));
  if (!Array.isArray(values) || values.length !== keys.length)
    throw invalid(`must hold ${keys.length} values, one per sort key`);
  const properties = meta.properties as Record<string, EntityProperty<E>>;
  keys.forEach((key, i) => {
    const prop = properties[key];
    const value: unknown = values[i];
    if (value === null) {
      if (prop?.nullable) return;
      throw invalid(`has no value for \`${key}\``);
    }
    if (!prop || !fitsColumn(prop, value)) throw invalid(`has a value for \`${key}\` that it cannot hold`);
  });
}

/** Whether a cursor value is one the column of `prop` can hold. */
function fitsColumn(prop: EntityProperty, value: unknown): boolean {
  const type = String(prop.runtimeType ?? prop.type).toLowerCase();
  const column = String(prop.columnTypes?.[0] ?? '').toLowerCase();
  if (column === 'uuid') return typeof value === 'string' && UUID.test(value);
  if (type === 'date' || column.startsWith('date') || column.startsWith('timestamp'))
    return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value));
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (type === 'boolean') return typeof value === 'boolean';
  if (type === 'string') return typeof value === 'string' && value.length <= (prop.length ?? MAX_CURSOR_LENGTH);
  return false;
}

/** Short tag of an order (`name:asc,id:asc` in base64url). */
function orderTag(orderBy: object[]): string {
  const sig = orderBy.flatMap((o) => Object.entries(o).map(([k, v]) => `${k}:${String(v)}`)).join(',');
  return Buffer.from(sig).toString('base64url');
}

/** Sort direction. */
export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Sort direction: ASC (ascending) or DESC (descending).',
});

/**
 * Turns `{ field, direction }` into a keyset-safe MikroORM order: the chosen column, then the id
 * (unique) in the same direction, so pages never skip or repeat rows with equal values.
 */
export function keysetOrder<F extends string, K extends string>(
  order: { field: F; direction: OrderDirection } | null | undefined,
  columns: Record<F, K>,
  fallback: { field: F; direction: OrderDirection },
): (Partial<Record<K, 'asc' | 'desc'>> | { id: 'asc' | 'desc' })[] {
  const o = order ?? fallback;
  const dir = o.direction === OrderDirection.ASC ? 'asc' : 'desc';
  // TypeScript types a computed key as `string`: the key is a K by construction.
  const column = { [columns[o.field]]: dir } as Partial<Record<K, 'asc' | 'desc'>>;
  return [column, { id: dir }];
}
