import { Money } from '../../platform/graphql/money.js';
import type { QuoteFields } from '../timeline/event-payloads.js';
import { globalRef } from '../timeline/payload-fields.js';
import type { Quote } from './quote.entity.js';

/** A quote's fields its events describe: an entity, or a generated row (references as entities or ids). */
export type QuoteSource = Pick<
  Quote,
  'number' | 'status' | 'currency' | 'validUntil' | 'subtotal' | 'discount' | 'tax' | 'total'
> & {
  notes?: string | null;
  deal?: unknown;
  practice?: unknown;
};

/** The tracked fields of a quote for its events (`lineItems`: how many lines it has). */
export function quoteFields(q: QuoteSource, lineItems: number): QuoteFields {
  const money = (amount: string) => ({ amount, currency: q.currency });
  return {
    number: q.number,
    status: q.status,
    currency: q.currency,
    validUntil: q.validUntil,
    notes: q.notes ?? null,
    deal: globalRef('Deal', q.deal),
    practice: globalRef('Practice', q.practice),
    lineItems,
    subtotal: money(q.subtotal),
    discount: money(q.discount),
    tax: money(q.tax),
    total: money(q.total),
  };
}

/** A quote amount as Money in the quote's currency. */
export function quoteMoney(q: Quote, amount: string): Money {
  return new Money(amount, q.currency);
}
