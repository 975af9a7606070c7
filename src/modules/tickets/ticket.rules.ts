import type { EntityManager } from '@mikro-orm/core';

import { reserveNumbers } from '../tenancy/tenant-counter.rules.js';

/**
 * Reserves the tenant's next `count` ticket numbers (its `ticket` counter, see
 * {@link reserveNumbers}); returns the first. `em` must be the transaction's EntityManager.
 */
export function reserveTicketNumbers(em: EntityManager, tenantId: string, count: number): Promise<number> {
  return reserveNumbers(em, tenantId, 'ticket', 'ticket', count);
}

/** The timeline summary of a newly opened ticket. */
export function ticketOpenedSummary(number: number, subject: string): string {
  return `Ticket #${number} opened: ${subject}`;
}
