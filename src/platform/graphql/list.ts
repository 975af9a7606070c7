import type { EntityKey, EntityManager, EntityName, FilterQuery } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';

import type { KeysetOrder } from '../db/read-model.js';
import type { ReadRunner } from '../db/statement-timeout.js';
import {
  type ConnectionArgs,
  type ConnectionShape,
  keysetOrder,
  type OrderDirection,
  pageRequest,
  paginate,
} from './connection.js';
import { fromGlobalId } from './global-id.js';

/** A client-chosen sort (`orderBy: { field, direction }`) and how it maps onto columns. */
export interface SortSpec<F extends string, K extends string> {
  /** The `orderBy` argument as given (null: `defaultOrder`). */
  orderBy: { field: F; direction: OrderDirection } | null | undefined;
  /** The column of each order field. */
  columns: Record<F, K>;
  /** The order when none is given. */
  defaultOrder: { field: F; direction: OrderDirection };
  /** Fields whose column is nullable: sorting by one of them leaves out the rows where it is null. */
  nonNullWhenSortedBy?: readonly F[];
}

/** What {@link listConnection} pages through. */
export interface ListOptions<E extends object, C extends ConnectionShape<E>, F extends string, K extends string> {
  /** The entity listed. */
  entity: EntityName<E>;
  /** The `<Name>Connection` class returned (from `connectionType`). */
  connection: new () => C;
  /** The Relay page arguments. */
  args: ConnectionArgs;
  /** The filter (the service's `where(filter)`), within the tenant's scope. */
  where: FilterQuery<E>;
  /** A fixed keyset order (ending in the id), or a client-chosen sort. */
  order: KeysetOrder<E> | SortSpec<F, K>;
  /** How the page and the count are read (see `paginate`); default directly on `em`. */
  run?: ReadRunner;
}

/**
 * The shape of every top-level list query: a filter, a fixed or client-chosen order, one page as
 * a Relay connection. A chosen order adds the id as tie-breaker (`keysetOrder`); sorting by a
 * nullable column listed in `nonNullWhenSortedBy` skips the rows where it is null, since keyset
 * cursors cannot compare with null.
 */
export function listConnection<
  E extends object,
  C extends ConnectionShape<E>,
  F extends string = never,
  K extends EntityKey<E> & string = never,
>(em: EntityManager, options: ListOptions<E, C, F, K>): Promise<C> {
  const { where, keyset } = listQuery(options);
  return paginate(em, options.entity, options.connection, where, keyset, pageRequest(options.args), options.run);
}

/**
 * The where clause and keyset order of a list (see {@link listConnection}): a chosen order adds
 * the id as tie-breaker; sorting by a nullable column listed in `nonNullWhenSortedBy` skips the
 * rows where it is null. Shared by the loader path and the fast path.
 */
export function listQuery<E extends object, F extends string, K extends string>(options: {
  where: FilterQuery<E>;
  order: KeysetOrder<E> | SortSpec<F, K>;
}): { where: FilterQuery<E>; keyset: KeysetOrder<E> } {
  const { order } = options;
  let where = options.where;
  if (Array.isArray(order)) return { where, keyset: order };
  const field = order.orderBy?.field;
  if (field !== undefined && order.nonNullWhenSortedBy?.includes(field)) {
    const filter = where as Record<string, unknown>;
    const column = order.columns[field];
    where = { ...filter, [column]: { ...(filter[column] as object), $ne: null } } as FilterQuery<E>;
  }
  // `keysetOrder` names only columns of E (K is an EntityKey<E>) and the id.
  return { where, keyset: keysetOrder(order.orderBy, order.columns, order.defaultOrder) as KeysetOrder<E> };
}

/**
 * The shape of every "one by global ID" query: the row when `id` names an `entity` of the
 * caller's tenant, null otherwise (an ID of another type is simply not found).
 */
export async function findByGlobalId<E extends object>(
  em: EntityManager,
  entity: ClassType<E>,
  id: string,
): Promise<E | null> {
  const decoded = fromGlobalId(id);
  return decoded?.type === entity.name ? em.findOne(entity, { id: decoded.id } as FilterQuery<NoInfer<E>>) : null;
}
