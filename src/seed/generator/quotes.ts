/**
 * Quotes of the generated practices: a DRAFT for some inquiries, a SENT quote (still valid, or
 * EXPIRED when its validity has passed) for practices in QUOTATION_SENT, an ACCEPTED one for most
 * practices past that stage, a REJECTED one for some cancelled ones. Lines and amounts follow the
 * quote rules (quote.math.ts); numbers are given once reserved (see {@link QuoteRows.number}).
 */
import { randomUUID } from 'node:crypto';

import { PracticeStatus } from '../../modules/practices/practice.enums.js';
import { Quote, type QuoteLineItem } from '../../modules/quotes/quote.entity.js';
import { QuoteStatus } from '../../modules/quotes/quote.enums.js';
import { type LineInput, quoteAmounts } from '../../modules/quotes/quote.math.js';
import { quoteFields } from '../../modules/quotes/quote.payloads.js';
import type { TimelineEvent } from '../../modules/timeline/timeline-event.entity.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import type { Batch, Row, SeedContext } from './context.js';
import { clip, DAY, isoDate, SEED_ANCHOR } from './util.js';

/** The quote rows of one batch, their lines and "created" events. */
export interface QuoteRows {
  quotes: Row<Quote>[];
  lines: Row<QuoteLineItem>[];
  events: Row<TimelineEvent>[];
  /** Gives the quotes their numbers from `first` on (and their events' summaries). */
  number: (first: number) => void;
}

/** Statuses a practice reaches only after its quotation was sent (and, by the workflow, accepted). */
const PAST_QUOTATION = new Set<string>([
  PracticeStatus.PAYMENT_PENDING,
  PracticeStatus.IN_PROGRESS,
  PracticeStatus.WAITING_DOCUMENTS,
  PracticeStatus.SUBMITTED,
  PracticeStatus.APPROVED,
  PracticeStatus.COMPLETED,
]);

/** Quotes for the practices of a generated batch. */
export function generateQuotes(g: SeedContext, b: Batch): QuoteRows {
  const f = g.f;
  const out: QuoteRows = { quotes: [], lines: [], events: [], number: () => undefined };
  const summaries: { quote: Row<Quote>; event: Row<TimelineEvent>; label: string }[] = [];
  for (const p of b.practices) {
    const type = g.types.find((t) => t.id === p.type);
    if (!type) continue;
    const roll = f.number.float();
    let status: QuoteStatus | null = null;
    if (p.status === PracticeStatus.INQUIRY && roll < 0.3) status = QuoteStatus.DRAFT;
    else if (p.status === PracticeStatus.QUOTATION_SENT) status = roll < 0.2 ? QuoteStatus.EXPIRED : QuoteStatus.SENT;
    else if (PAST_QUOTATION.has(p.status as string) && roll < 0.6) status = QuoteStatus.ACCEPTED;
    else if (p.status === PracticeStatus.CANCELLED && roll < 0.5) status = QuoteStatus.REJECTED;
    if (!status) continue;
    const price = Number((p.quotedPrice as { amount: string } | null)?.amount ?? type.price ?? 10_000_000);
    const currency = (p.quotedPrice as { currency: string } | null)?.currency ?? type.currency;
    const inputs: (LineInput & { description: string })[] = [
      {
        description: `${type.name}: service fee`,
        quantity: '1',
        unitPrice: String(Math.round(price)),
        discountPercent: f.number.float() < 0.2 ? '10' : '0',
        taxRate: '11',
      },
    ];
    if (f.number.float() < 0.5)
      inputs.push({
        description: 'Government fees (no VAT)',
        quantity: String(f.number.int({ min: 1, max: 3 })),
        unitPrice: String(f.number.int({ min: 5, max: 40 }) * 50_000),
        discountPercent: '0',
        taxRate: '0',
      });
    const { lines, totals } = quoteAmounts(inputs, currency);
    const createdAt = g.between(p.createdAt as Date, new Date((p.createdAt as Date).getTime() + 5 * DAY));
    const sent = status !== QuoteStatus.DRAFT;
    const sentAt = sent ? g.between(createdAt, new Date(createdAt.getTime() + 2 * DAY)) : null;
    // Open quotes are valid into the coming weeks (relative to today, like expiry dates); closed
    // ones were valid for 30 days from their creation.
    const validUntil =
      status === QuoteStatus.SENT || status === QuoteStatus.DRAFT
        ? isoDate(g.today + f.number.int({ min: 3, max: 30 }) * DAY)
        : status === QuoteStatus.EXPIRED
          ? isoDate(Math.min(g.today - DAY, createdAt.getTime() + 30 * DAY))
          : isoDate(createdAt.getTime() + 30 * DAY);
    const closedAt =
      status === QuoteStatus.ACCEPTED || status === QuoteStatus.REJECTED
        ? g.between(sentAt!, new Date(sentAt!.getTime() + 14 * DAY))
        : status === QuoteStatus.EXPIRED
          ? new Date(Date.parse(`${validUntil}T00:00:00Z`) + DAY)
          : null;
    const id = randomUUID();
    const quote: Row<Quote> = {
      id,
      tenant: g.tenantId,
      number: 0,
      client: p.client,
      deal: null,
      practice: p.id,
      status,
      currency,
      validUntil,
      notes: status === QuoteStatus.REJECTED ? 'Client chose another agent' : null,
      ...totals,
      sentAt,
      closedAt,
      rejectionReason: status === QuoteStatus.REJECTED ? 'Price' : null,
      createdAt,
      updatedAt: closedAt && closedAt.getTime() <= SEED_ANCHOR.getTime() ? closedAt : (sentAt ?? createdAt),
    };
    out.quotes.push(quote);
    inputs.forEach((l, i) =>
      out.lines.push({
        id: randomUUID(),
        tenant: g.tenantId,
        quote: id,
        position: i + 1,
        ...l,
        ...lines[i],
        createdAt,
        updatedAt: createdAt,
      }),
    );
    const event = g.event(TimelineEventType.QUOTE_CREATED, Quote.name, id, p.client as string, createdAt, '', {
      after: quoteFields(quote as Parameters<typeof quoteFields>[0], inputs.length),
    });
    out.events.push(event);
    summaries.push({ quote, event, label: `(${status}): ${totals.total} ${currency}` });
  }
  out.number = (first) =>
    summaries.forEach(({ quote, event, label }, i) => {
      quote.number = first + i;
      const data = event.data as { after: { number: number } };
      data.after.number = quote.number;
      event.summary = clip(`Quote #${quote.number} ${label}`);
    });
  return out;
}
