import { TicketPriority } from '../tickets/ticket.enums.js';

const HOUR = 3_600_000;

/**
 * How long after filing a conversation its action items fall due, by the extraction's urgency:
 * URGENT 4 hours, HIGH 1 day, NORMAL 3 days, LOW 7 days (no urgency: NORMAL).
 */
export const ACTION_ITEM_DUE_HOURS: Record<TicketPriority, number> = {
  [TicketPriority.URGENT]: 4,
  [TicketPriority.HIGH]: 24,
  [TicketPriority.NORMAL]: 72,
  [TicketPriority.LOW]: 168,
};

/** The priority of an action item's task: the extraction's urgency on the same scale (default NORMAL). */
export function actionItemPriority(urgency: string | null | undefined): TicketPriority {
  return (Object.values(TicketPriority) as string[]).includes(urgency ?? '')
    ? (urgency as TicketPriority)
    : TicketPriority.NORMAL;
}

/** When an action item's task is due, filed at `now` with `priority` (see {@link ACTION_ITEM_DUE_HOURS}). */
export function actionItemDueAt(priority: TicketPriority, now: Date): Date {
  return new Date(now.getTime() + ACTION_ITEM_DUE_HOURS[priority] * HOUR);
}

/**
 * The identity of an action item within its conversation: case, spacing and trailing punctuation
 * ignored, so the same item extracted again (a re-ingested session, an accepted proposal) is
 * recognised and not filed twice.
 */
export function actionItemKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s.!?…]+$/u, '')
    .trim()
    .slice(0, 300);
}

/** The title of an action item's task (1–300 characters). */
export function actionItemTitle(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}
