import type { EntityClass, EntityManager, EventArgs, EventSubscriber, FilterDef } from '@mikro-orm/core';

import { Tenant } from './tenant.entity.js';
import { TenantScopedEntity } from './tenant-scoped.entity.js';

/** Name of the filter that scopes tenant-owned tables. */
export const TENANT_FILTER = 'tenant';

/** Parameters of the tenant filter. */
export interface TenantFilterParams {
  tenantId: string;
}

/**
 * The one tenancy mechanism of the data layer: a default-on filter on every entity that extends
 * {@link TenantScopedEntity}. MikroORM applies it to reads, updates, deletes and relation loads.
 * An EntityManager without tenant parameters fails closed ("No arguments provided for filter").
 */
export function tenantFilter(entities: readonly EntityClass<object>[]): FilterDef {
  return {
    name: TENANT_FILTER,
    cond: (args: Record<string, unknown>) => ({ tenant: args.tenantId }),
    default: true,
    entity: entities.filter((e) => e.prototype instanceof TenantScopedEntity),
  };
}

/** Returns a fork of `em` scoped to `tenantId`. */
export function forkForTenant(em: EntityManager, tenantId: string): EntityManager {
  const fork = em.fork({ clear: true, useContext: false, keepTransactionContext: true });
  fork.setFilterParams(TENANT_FILTER, { tenantId } satisfies TenantFilterParams);
  return fork;
}

/** The tenant an EntityManager is scoped to, or undefined for a system EntityManager. */
export function scopedTenantId(em: EntityManager): string | undefined {
  const params = em.getFilterParams<Partial<TenantFilterParams>>(TENANT_FILTER);
  return params?.tenantId;
}

/** Thrown when code tries to write a row of one tenant through an EntityManager of another. */
export class CrossTenantWriteError extends Error {
  constructor(entity: string) {
    super(`Refused to write ${entity} of another tenant`);
    this.name = 'CrossTenantWriteError';
  }
}

/**
 * Stamps the EntityManager's tenant on every new tenant-owned row and refuses rows of another
 * tenant, so inserts are scoped by the same mechanism as reads.
 */
export class TenancySubscriber implements EventSubscriber<TenantScopedEntity> {
  beforeCreate(args: EventArgs<TenantScopedEntity>): void {
    const { entity, em } = args;
    if (!(entity instanceof TenantScopedEntity)) return;
    const tenantId = scopedTenantId(em);
    const current = (entity.tenant as { id?: string } | undefined)?.id;
    if (!current) {
      if (!tenantId) throw new CrossTenantWriteError(entity.constructor.name);
      entity.tenant = em.getReference(Tenant, tenantId, { wrapped: true });
    } else if (tenantId && current !== tenantId) {
      throw new CrossTenantWriteError(entity.constructor.name);
    }
  }
}
