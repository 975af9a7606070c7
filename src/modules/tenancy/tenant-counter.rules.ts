import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/**
 * Reserves the tenant's next `count` numbers of the sequence `counter`, whose numbers are stored in
 * `table.number`: advances the tenant's counter row (created if missing, and never below the
 * highest number already in `table`) and returns the first reserved number. The counter row stays
 * locked until the caller's transaction commits, so numbers are sequential and never handed out
 * twice. `em` must be the transaction's EntityManager; `table` is a fixed table name, never input.
 */
export async function reserveNumbers(
  em: EntityManager,
  tenantId: string,
  counter: string,
  table: string,
  count: number,
): Promise<number> {
  const rows = await (em as SqlEntityManager).execute<{ value: string | number }[]>(
    `insert into tenant_counter (tenant_id, name, value)
     select ?, ?, coalesce(max(number), 0) + ? from "${table}" where tenant_id = ?
     on conflict (tenant_id, name) do update set value = greatest(tenant_counter.value + ?, excluded.value)
     returning value`,
    [tenantId, counter, count, tenantId, count],
  );
  return Number(rows[0].value) - count + 1;
}
