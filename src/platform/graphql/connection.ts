import type { EntityClass, EntityManager, EntityMetadata, EntityName, FilterQuery } from '@mikro-orm/core';
import { Cursor, CursorError } from '@mikro-orm/core';
import { ArgsType, type ClassType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';

import { countRows, type KeysetOrder, readPage } from '../db/read-model.js';
import { DomainError } from '../errors.js';
import { countChildren, loadChildPage, type LoaderContext } from './loaders.js';

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
  else page.first = args.first ?? 20;
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
 * `orderBy` must end in a unique column (the id) for stable pages.
 */
export async function paginate<E extends object, C extends ConnectionShape<E>>(
  em: EntityManager,
  entity: EntityName<E>,
  ConnectionClass: new () => C,
  where: FilterQuery<E>,
  orderBy: KeysetOrder<E>,
  page: PageRequest,
): Promise<C> {
  const after = decodeCursor(page.after, orderBy, 'after');
  const before = decodeCursor(page.before, orderBy, 'before');
  try {
    const options = { orderBy, first: page.first, after, last: page.last, before, overfetch: true };
    const meta = em.getMetadata().get(entity);
    const cursor = new Cursor<E>(await readPage(em, entity, where, options), 0, options, meta);
    const items: E[] = cursor.items;
    return buildConnection(
      ConnectionClass,
      items,
      (item) => encodeCursor(meta, item, orderBy),
      { hasNextPage: cursor.hasNextPage, hasPreviousPage: cursor.hasPrevPage },
      () => countRows(em, entity, where),
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
  const { first = 20, after } = pageRequest(args);
  const cursor = decodeCursor(after, orderBy, 'after');
  let rows: E[];
  try {
    rows = await loadChildPage(ctx, entity, fk, parentId, where, orderBy, { first: first, after: cursor });
  } catch (err) {
    if (isCursorError(err)) {
      throw DomainError.badInput('Invalid cursor', 'after');
    }
    throw err;
  }
  const meta = ctx.em.getMetadata().get(entity);
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

/** The keyset cursor inside `cursor` made by {@link encodeCursor} for `orderBy`; BAD_USER_INPUT otherwise. */
export function decodeCursor(cursor: string | null | undefined, orderBy: object[], arg: string): string | undefined {
  if (!cursor) return undefined;
  const dot = cursor.indexOf('.');
  if (dot < 0 || cursor.slice(0, dot) !== orderTag(orderBy))
    throw DomainError.badInput(
      `Invalid cursor for this orderBy: ${arg} must come from a page with the same orderBy`,
      arg,
    );
  return cursor.slice(dot + 1);
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
