import type { EntityManager } from '@mikro-orm/core';

import { Role } from '../modules/tenancy/role.js';
import type { Logger } from '../platform/logger.js';
import type { Services } from '../services.js';

/** Slug of the demo tenant created on the embedded default's first start. */
export const DEMO_TENANT = 'demo';
/** Email of the demo tenant's admin. */
export const DEMO_ADMIN_EMAIL = 'admin@demo.meridian.dev';

/** Makes sure the demo tenant and its admin exist; returns a token for the admin. */
export async function seedDemo(root: EntityManager, services: Services, logger: Logger): Promise<{ token: string }> {
  const { token, tenant, member } = await services.tenancy.mintToken(root, {
    email: DEMO_ADMIN_EMAIL,
    tenant: DEMO_TENANT,
    role: Role.ADMIN,
  });
  logger.info({ tenant: tenant.slug, admin: member.email }, 'demo tenant ready');
  return { token };
}
