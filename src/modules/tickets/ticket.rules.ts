import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

/**
 * Reserves the tenant's next `count` ticket numbers by advancing its `ticket` counter (created if
 * missing, and never below the highest existing ticket number); returns the first reserved number.
 * The counter row stays locked until the caller's transaction commits, so numbers are sequential
 * and never handed out twice. `em` must be the transaction's EntityManager.
 */
export async function reserveTicketNumbers(em: EntityManager, tenantId: string, count: number): Promise<number> {
  const rows = await (em as SqlEntityManager).execute<{ value: string | number }[]>(
    `insert into tenant_counter (tenant_id, name, value)
     select ?, 'ticket', coalesce(max(number), 0) + ? from ticket where tenant_id = ?
     on conflict (tenant_id, name) do update set value = greatest(tenant_counter.value + ?, excluded.value)
     returning value`,
    [tenantId, count, tenantId, count],
  );
  return Number(rows[0].value) - count + 1;
}

/** The timeline summary of a newly opened ticket. */
export function ticketOpenedSummary(number: number, subject: string): string {
  return `Ticket #${number} opened: ${subject}`;
}
