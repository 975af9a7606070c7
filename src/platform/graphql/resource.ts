import type { EntityKey, FilterQuery } from '@mikro-orm/core';
import {
  Arg,
  Args,
  Authorized,
  type ClassType,
  Ctx,
  Field,
  ID,
  InputType,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';

import type { Role } from '../auth/role.js';
import type { KeysetOrder } from '../db/read-model.js';
import { underCriteriaTimeout } from '../db/statement-timeout.js';
import { ConnectionArgs, type ConnectionShape, OrderDirection, pageRequest } from './connection.js';
import type { GraphQLContext } from './context.js';
import { registerFastList } from './fast-path.js';
import { findByGlobalId, listConnection, listQuery, type SortSpec } from './list.js';
import { UserError } from './user-error.js';

/** A client-chosen order: the `orderBy` input type and how its fields map onto columns. */
export interface ResourceSort<F extends string, K extends string> extends Omit<SortSpec<F, K>, 'orderBy'> {
  /** The `<Name>Order` input type (`{ field, direction }`). */
  type: ClassType<{ field: F; direction: OrderDirection }>;
}

/** What {@link ResourceResolver} serves for one entity. */
export interface ResourceOptions<
  E extends object,
  Filter extends object,
  F extends string,
  K extends EntityKey<E> & string,
> {
  /** The entity listed (and fetched by ID). */
  entity: ClassType<E>;
  /** The `<Name>Connection` class (from `connectionType`). */
  connection: new () => ConnectionShape<E>;
  /** The list query: its name and schema description. */
  list: { name: string; description: string };
  /** Roles allowed to list (default: any signed-in caller). */
  roles?: Role[];
  /** The `filter` argument: its input type and the where clause it means (the service's `where`). */
  filter?: { type: ClassType<Filter>; where: (ctx: GraphQLContext, filter: Filter | null) => FilterQuery<E> };
  /** Rows every page is limited to, when there is no `filter` argument. */
  where?: FilterQuery<E>;
  /** A fixed keyset order (ending in the id), or an `orderBy` argument (needs `filter`). */
  order: KeysetOrder<E> | ResourceSort<F, K>;
  /** The by-ID query (`deal(id: ID!): Deal`), when the entity has one. */
  get?: { name: string; description?: string };
}

/**
 * The queries every listed entity has, defined once (conventions.md, "ResourceResolver(Entity)"):
 * `<list>(first, after, filter, orderBy)` as a Relay connection, and `<get>(id)` by global ID,
 * null when not found in the caller's tenant. A module's resolver extends what this returns and
 * adds its mutations and fields.
 */
export function ResourceResolver<
  E extends object,
  Filter extends object = never,
  F extends string = never,
  K extends EntityKey<E> & string = never,
>(options: ResourceOptions<E, Filter, F, K>) {
  const { entity, connection, filter, order } = options;
  const sort = Array.isArray(order) ? undefined : order;
  if (sort && !filter) throw new Error(`${options.list.name}: an orderBy argument needs a filter argument`);

  @Resolver()
  abstract class ResourceResolverBase {
    @Authorized(options.roles ?? [])
    @Query(() => connection, { name: options.list.name, description: options.list.description })
    list(
      @Args() args: ConnectionArgs,
      @Ctx() ctx: GraphQLContext,
      filterArg?: Filter | null,
      orderBy?: { field: F; direction: OrderDirection } | null,
    ) {
      return listConnection(ctx.em, {
        entity,
        connection,
        args,
        where: filter ? filter.where(ctx, filterArg ?? null) : (options.where ?? {}),
        order: sort ? { ...sort, orderBy } : (order as KeysetOrder<E>),
        // A criteria tree (`filter.where`) is the client's own query: its statements run under the timeout.
        run: hasCriteria(filterArg) ? underCriteriaTimeout(ctx.em) : undefined,
      });
    }

    get(id: string, ctx: GraphQLContext) {
      return findByGlobalId(ctx.em, entity, id);
    }
  }

  // The same list on the fast path (see fast-path.ts): a first page (no cursor, not backwards).
  registerFastList(options.list.name, {
    entity: entity as ClassType<object>,
    roles: options.roles ?? [],
    query(ctx, args) {
      const { first, after, last, before } = args as ConnectionArgs;
      if (after != null || last != null || before != null) return null;
      let page;
      try {
        page = pageRequest({ first });
      } catch {
        return null; // the ordinary path reports it
      }
      const filterArg = (args.filter ?? null) as Filter | null;
      // A criteria tree runs under the statement timeout, which the ordinary path sets.
      if (hasCriteria(filterArg)) return null;
      const orderBy = (args.orderBy ?? null) as { field: F; direction: OrderDirection } | null;
      const { where, keyset } = listQuery<E, F, K>({
        where: filter ? filter.where(ctx, filterArg) : (options.where ?? {}),
        order: sort ? { ...sort, orderBy } : (order as KeysetOrder<E>),
      });
      return {
        where: where as Record<string, unknown>,
        orderBy: keyset,
        first: page.first!,
      };
    },
  });

  const proto = ResourceResolverBase.prototype;
  // Arguments declared only where the entity has them; their positions follow `list`'s signature.
  if (filter) Arg('filter', () => filter.type, { nullable: true })(proto, 'list', 2);
  if (sort) Arg('orderBy', () => sort.type, { nullable: true })(proto, 'list', 3);
  if (options.get) {
    const get = Object.getOwnPropertyDescriptor(proto, 'get')!;
    Arg('id', () => ID)(proto, 'get', 0);
    Ctx()(proto, 'get', 1);
    Query(() => entity, { name: options.get.name, nullable: true, description: options.get.description })(
      proto,
      'get',
      get,
    );
    Authorized()(proto, 'get');
  }
  return ResourceResolverBase;
}

/** Whether a list's filter carries a criteria tree (`where`). */
function hasCriteria(filter: unknown): boolean {
  return typeof filter === 'object' && filter !== null && (filter as { where?: unknown }).where != null;
}

/** A field of a mutation payload besides `userErrors`: its type, and a description if it needs one. */
export type PayloadField = (() => ClassType) | { type: () => ClassType; description: string };

/**
 * A list's `<Name>Order` input: `field`, one of `fields` (an enum registered with type-graphql), and
 * `direction` (default ASC). One definition for every list's order input.
 */
export function orderInput<F extends string>(
  name: string,
  fields: Record<string, F>,
  description: string,
): ClassType<{ field: F; direction: OrderDirection }> {
  const Order = class {} as ClassType<{ field: F; direction: OrderDirection }>;
  Object.defineProperty(Order, 'name', { value: name });
  Field(() => fields)(Order.prototype, 'field');
  Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })(Order.prototype, 'direction');
  InputType(name, { description })(Order);
  return Order;
}

/**
 * A mutation's result type: the changed records (each nullable) and `userErrors`; when there are
 * user errors nothing changed and the records are null. One definition for every `<X>Payload`.
 */
export function payloadType(name: string, description: string, fields: Record<string, PayloadField>): ClassType {
  const Payload = class {};
  Object.defineProperty(Payload, 'name', { value: name });
  for (const [key, field] of Object.entries(fields)) {
    const [type, extra] = typeof field === 'function' ? [field, {}] : [field.type, { description: field.description }];
    Field(type, { nullable: true, ...extra })(Payload.prototype, key);
  }
  Field(() => [UserError])(Payload.prototype, 'userErrors');
  ObjectType(name, { description })(Payload);
  return Payload;
}
