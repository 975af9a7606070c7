import type { EntityManager } from '@mikro-orm/core';

import { reserveNumbers } from '../tenancy/tenant-counter.rules.js';

/**
 * Reserves the tenant's next `count` quote numbers (its `quote` counter, see
 * {@link reserveNumbers}); returns the first. `em` must be the transaction's EntityManager.
 */
export function reserveQuoteNumbers(em: EntityManager, tenantId: string, count: number): Promise<number> {
  return reserveNumbers(em, tenantId, 'quote', 'quote', count);
}

/** Days a quote stands when created without validUntil. */
export const DEFAULT_VALIDITY_DAYS = 30;

/** Lines a quote may have. */
export const MAX_LINE_ITEMS = 200;

/** Largest quote total accepted (the amount columns are numeric(20, 2)). */
export const MAX_TOTAL = '1000000000000000';
