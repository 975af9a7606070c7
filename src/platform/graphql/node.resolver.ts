import type { EntityClass } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';

import { entities } from '../../entities.js';
import { Role } from '../../modules/tenancy/role.js';
import { Tenant } from '../../modules/tenancy/tenant.entity.js';
import type { Principal } from '../auth/principal.js';
import type { GraphQLContext } from './context.js';
import { CurrentPrincipal } from './current-principal.js';
import { fromGlobalId } from './global-id.js';
import { loadById } from './loaders.js';
import { Node } from './node.js';

/** Entity types a caller may fetch through `node`, and the roles allowed (undefined: everyone). */
const NODE_ROLES: Record<string, readonly Role[] | undefined> = { ApiKey: [Role.ADMIN] };

const byName = new Map<string, EntityClass<object>>(entities.map((e) => [e.name, e as EntityClass<object>]));

/** `node` and `nodes`: any object by its global ID, within the caller's tenant. */
@Resolver()
export class NodeResolver {
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

/** Loads a node through a per-request loader per type (one query per type, however many IDs). */
async function loadNode(ctx: GraphQLContext, principal: Principal, globalId: string): Promise<Node | null> {
  const decoded = fromGlobalId(globalId);
  const entity = decoded && byName.get(decoded.type);
  if (!decoded || !entity) return null;
  const roles = NODE_ROLES[decoded.type];
  if (roles && !roles.includes(principal.role)) return null;
  if (entity === Tenant && decoded.id !== principal.tenantId) return null;
  return (await loadById(ctx, entity, decoded.id)) as Node | null;
}
