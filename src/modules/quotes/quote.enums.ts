import { registerEnumType } from 'type-graphql';

/** Where a quote stands. */
export enum QuoteStatus {
  DRAFT = 'DRAFT',
  SENT = 'SENT',
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
  EXPIRED = 'EXPIRED',
}

/** The statuses a quote may move to from each status (by `sendQuote`, `acceptQuote`, `rejectQuote`, the expiry schedule). */
export const QUOTE_TRANSITIONS: Record<QuoteStatus, readonly QuoteStatus[]> = {
  DRAFT: [QuoteStatus.SENT],
  SENT: [QuoteStatus.ACCEPTED, QuoteStatus.REJECTED, QuoteStatus.EXPIRED],
  ACCEPTED: [],
  REJECTED: [],
  EXPIRED: [],
};

registerEnumType(QuoteStatus, {
  name: 'QuoteStatus',
  description:
    'DRAFT (editable) → SENT (sendQuote) → ACCEPTED (acceptQuote) | REJECTED (rejectQuote) | EXPIRED (the daily schedule, once the tenant-local day is past validUntil).',
});
