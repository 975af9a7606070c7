import type { EntityManager } from '@mikro-orm/core';

import type { Services } from '../app/services.js';
import { Role } from '../modules/tenancy/role.js';
import { forkForTenant } from '../platform/db/tenancy.js';
import type { Logger } from '../platform/logger.js';
import { seedDemoData } from './generator/index.js';

/** Slug of the demo tenant created on the embedded default's first start. */
export const DEMO_TENANT = 'demo';
/** Email of the demo tenant's admin. */
export const DEMO_ADMIN_EMAIL = 'admin@demo.meridian.dev';

/**
 * Makes sure the demo tenant, its admin and (when the tenant has no clients yet) a small data set
 * of clients, practices, deals, tickets and interactions exist; returns a token for the admin.
 */
export async function seedDemo(root: EntityManager, services: Services, logger: Logger): Promise<{ token: string }> {
  const { token, tenant, member } = await services.tenancy.mintToken(root, {
    email: DEMO_ADMIN_EMAIL,
    tenant: DEMO_TENANT,
    role: Role.ADMIN,
  });
  await seedDemoData(forkForTenant(root, tenant.id), tenant, services);
  logger.info({ tenant: tenant.slug, admin: member.email }, 'demo tenant ready');
  return { token };
}
