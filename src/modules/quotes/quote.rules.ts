import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/**
 * Reserves the tenant's next `count` quote numbers by advancing its `quote` counter (created if
 * missing, never below the highest existing quote number); returns the first reserved number. The
 * counter row stays locked until the caller's transaction commits, so numbers are sequential and
 * never handed out twice. `em` must be the transaction's EntityManager.
 */
export async function reserveQuoteNumbers(em: EntityManager, tenantId: string, count: number): Promise<number> {
  const rows = await (em as SqlEntityManager).execute<{ value: string | number }[]>(
    `insert into tenant_counter (tenant_id, name, value)
     select ?, 'quote', coalesce(max(number), 0) + ? from quote where tenant_id = ?
     on conflict (tenant_id, name) do update set value = greatest(tenant_counter.value + ?, excluded.value)
     returning value`,
    [tenantId, count, tenantId, count],
  );
  return Number(rows[0].value) - count + 1;
}

/** Days a quote stands when created without validUntil. */
export const DEFAULT_VALIDITY_DAYS = 30;

/** Lines a quote may have. */
export const MAX_LINE_ITEMS = 200;

/** Largest quote total accepted (the amount columns are numeric(20, 2)). */
export const MAX_TOTAL = '1000000000000000';
