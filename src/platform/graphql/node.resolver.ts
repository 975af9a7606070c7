import type { EntityClass } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';

import type { Principal } from '../auth/principal.js';
import type { Role } from '../auth/role.js';
import { Tenant } from '../db/tenant.entity.js';
import type { GraphQLContext } from './context.js';
import { CurrentPrincipal } from './current-principal.js';
import { fromGlobalId } from './global-id.js';
import { loadById } from './loaders.js';
import { Node } from './node.js';

/** What `node` may fetch: the composition root lists the entity classes and any role limits. */
export interface NodeRegistry {
  /** Entity classes fetchable by global ID (the global ID names the class). */
  entities: readonly EntityClass<object>[];
  /** Types only some roles may fetch, by class name (e.g. `ApiKey: [ADMIN]`); others: every principal. */
  roles?: Readonly<Record<string, readonly Role[]>>;
  /** Records that exist but are gone for the API (e.g. soft-deleted), by class name: `node` gives null. */
  hidden?: Readonly<Record<string, (node: object) => boolean>>;
}

/**
 * Builds the resolver of `node` and `nodes`: any object by its global ID, within the caller's
 * tenant (a tenant is visible to its own principals only). Call it once per process.
 */
export function createNodeResolver(registry: NodeRegistry) {
  const byName = new Map(registry.entities.map((e) => [e.name, e]));
  const roles = registry.roles ?? {};
  const hidden = registry.hidden ?? {};

  /** Loads a node through a per-request loader per type (one query per type, however many IDs). */
  async function loadNode(ctx: GraphQLContext, principal: Principal, globalId: string): Promise<Node | null> {
    const decoded = fromGlobalId(globalId);
    const entity = decoded && byName.get(decoded.type);
    if (!decoded || !entity) return null;
    const allowed = roles[decoded.type];
    if (allowed && !allowed.includes(principal.role)) return null;
    if (entity === Tenant && decoded.id !== principal.tenantId) return null;
    const node = (await loadById(ctx, entity, decoded.id)) as Node | null;
    return node && hidden[decoded.type]?.(node) ? null : node;
  }

  /** `node` and `nodes`: any object by its global ID, within the caller's tenant. */
  @Resolver()
  class NodeResolver {
    @Authorized()
    @Query(() => Node, {
      nullable: true,
      description: 'Fetches any object by its global ID. An ID of another tenant, or of nothing, gives null.',
    })
    node(
      @Arg('id', () => ID) id: string,
      @CurrentPrincipal() principal: Principal,
      @Ctx() ctx: GraphQLContext,
    ): Promise<Node | null> {
      return loadNode(ctx, principal, id);
    }

    @Authorized()
    @Query(() => [Node], {
      nullable: 'items',
      description: 'Fetches objects by global IDs, in order; null for each one not found.',
    })
    nodes(
      @Arg('ids', () => [ID]) ids: string[],
      @CurrentPrincipal() principal: Principal,
      @Ctx() ctx: GraphQLContext,
    ): Promise<(Node | null)[]> {
      return Promise.all(ids.map((id) => loadNode(ctx, principal, id)));
    }
  }
  return NodeResolver;
}
