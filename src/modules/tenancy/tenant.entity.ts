import type { EntityManager } from '@mikro-orm/core';

import { Tenant } from '../../platform/db/tenant.entity.js';

/** The tenant entity is the platform's (tenancy is machinery); re-exported for the modules' readers. */
export { DEFAULT_RENEWAL_OFFSETS, Tenant } from '../../platform/db/tenant.entity.js';

/** The tenant's default currency, used for money given without one. */
export async function tenantCurrency(em: EntityManager, tenantId: string): Promise<string> {
  return (await em.findOneOrFail(Tenant, { id: tenantId })).currency;
}
