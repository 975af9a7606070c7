import { type EntityManager, type FilterQuery, LockMode, ref } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import { addDays, type Clock, localDateTime } from '../../platform/clock.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { DealStatus } from '../deals/deal.enums.js';
import type { DealService } from '../deals/deal.service.js';
import { Practice } from '../practices/practice.entity.js';
import { PracticeStatus } from '../practices/practice.enums.js';
import type { PracticeService } from '../practices/practice.service.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Quote, QuoteLineItem } from './quote.entity.js';
import { QUOTE_TRANSITIONS, QuoteStatus } from './quote.enums.js';
import type { CreateQuoteInput, QuoteFilter, QuoteLineItemInput, UpdateQuoteInput } from './quote.input.js';
import { compareDecimal, hasAtMostDecimals, type LineInput, minorDigits, quoteAmounts } from './quote.math.js';
import { quoteFields } from './quote.payloads.js';
import { DEFAULT_VALIDITY_DAYS, MAX_LINE_ITEMS, MAX_TOTAL, reserveQuoteNumbers } from './quote.rules.js';

const CURRENCY = /^[A-Z]{3}$/;

/** A line ready to store: its input values (defaults applied) and description. */
type CleanLine = LineInput & { description: string };

/** The quote actions after DRAFT, by the status they lead to. */
type Action = 'send' | 'accept' | 'reject';
const TARGET: Record<Action, QuoteStatus> = {
  send: QuoteStatus.SENT,
  accept: QuoteStatus.ACCEPTED,
  reject: QuoteStatus.REJECTED,
};

/**
 * Quotes: numbered per tenant, edited while DRAFT, then sent, accepted, rejected or expired by the
 * daily schedule. Accepting moves the linked practice (QUOTATION_SENT → PAYMENT_PENDING) and wins
 * the linked open deal, in the same transaction.
 */
export class QuoteService {
  constructor(
    private readonly clock: Clock,
    private readonly practices: PracticeService,
    private readonly deals: DealService,
  ) {}

  /** The tenant's local date today. */
  private async today(em: EntityManager, tenantId: string): Promise<string> {
    const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
    return localDateTime(this.clock.now(), tenant.timeZone).date;
  }

  /** Creates a DRAFT quote with the tenant's next number. */
  async create(em: EntityManager, actor: Principal, input: CreateQuoteInput): Promise<Quote> {
    const checks = new Checks();
    const tenant = await em.findOneOrFail(Tenant, { id: actor.tenantId });
    const today = localDateTime(this.clock.now(), tenant.timeZone).date;
    const client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    if (client?.archivedAt) checks.add('clientId', 'ARCHIVED', `Client ${client.fullName} is archived`);
    const { deal, practice } = await this.links(em, checks, client?.id, input.dealId, input.practiceId);
    const currency = this.currency(checks, input.currency ?? tenant.currency);
    const validUntil = this.validUntil(checks, input.validUntil, today) ?? addDays(today, DEFAULT_VALIDITY_DAYS);
    const notes = checks.text('notes', input.notes, 10_000);
    const lines = this.lines(checks, input.lineItems ?? [], currency);
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const quote = tx.create(Quote, {
        number: await reserveQuoteNumbers(tx, actor.tenantId, 1),
        client: client!,
        deal: deal ?? null,
        practice: practice ?? null,
        status: QuoteStatus.DRAFT,
        currency: currency!,
        validUntil,
        notes: notes ?? null,
      });
      this.writeLines(tx, quote, lines!);
      recordEvent(tx, actor, {
        type: TimelineEventType.QUOTE_CREATED,
        subject: quote,
        client: client!,
        summary: `Quote #${quote.number} drafted for ${client!.fullName}: ${quote.total} ${quote.currency}`,
        data: { after: quoteFields(quote, lines!.length) },
      });
      return quote;
    });
  }

  /** Changes a DRAFT quote; other statuses are a QUOTE_NOT_DRAFT user error. */
  async update(em: EntityManager, actor: Principal, input: UpdateQuoteInput): Promise<Quote> {
    return em.transactional(async (tx) => {
      const quote = await this.get(tx, input.id, true);
      if (quote.status !== QuoteStatus.DRAFT)
        throw ValidationFailed.of(
          'id',
          'QUOTE_NOT_DRAFT',
          `Quote #${quote.number} is ${quote.status}: only a DRAFT quote can be changed`,
        );
      const checks = new Checks();
      const today = await this.today(tx, actor.tenantId);
      const { deal, practice } = await this.links(tx, checks, refId(quote.client)!, input.dealId, input.practiceId);
      if (input.currency === null) checks.add('currency', 'REQUIRED', 'currency cannot be cleared');
      if (input.validUntil === null) checks.add('validUntil', 'REQUIRED', 'validUntil cannot be cleared');
      const currency = input.currency ? this.currency(checks, input.currency) : quote.currency;
      const validUntil = this.validUntil(checks, input.validUntil, today);
      const notes = checks.text('notes', input.notes, 10_000);
      const current = await tx.find(QuoteLineItem, { quote }, { orderBy: { position: 'asc' } });
      // A new currency re-checks (and recomputes) the kept lines too.
      const given = input.lineItems ?? (currency !== quote.currency ? current.map(lineInput) : null);
      const lines = given ? this.lines(checks, given, currency ?? quote.currency) : null;
      checks.throwIfAny();
      const before = quoteFields(quote, current.length);
      if (input.dealId !== undefined) quote.deal = deal ? ref(deal) : null;
      if (input.practiceId !== undefined) quote.practice = practice ? ref(practice) : null;
      if (currency) quote.currency = currency;
      if (validUntil) quote.validUntil = validUntil;
      if (notes !== undefined) quote.notes = notes;
      if (lines) {
        for (const l of current) tx.remove(l);
        await tx.flush(); // the old lines go before the new ones take their positions
        this.writeLines(tx, quote, lines);
      }
      const change = diff(before, quoteFields(quote, lines ? lines.length : current.length));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.QUOTE_UPDATED,
          subject: quote,
          client: quote.client,
          summary: `Quote #${quote.number} updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      return quote;
    });
  }

  /**
   * Sends, accepts or rejects a quote along {@link QUOTE_TRANSITIONS}. Sending needs a line and a
   * validUntil not yet past, and moves a linked practice in INQUIRY to QUOTATION_SENT; accepting
   * (not after validUntil) moves a linked practice in QUOTATION_SENT to PAYMENT_PENDING and wins a
   * linked open deal (its pipeline's WON stage); all in one transaction with the events.
   */
  async act(
    em: EntityManager,
    actor: Principal,
    globalId: string,
    action: Action,
    reason?: string | null,
  ): Promise<Quote> {
    return em.transactional(async (tx) => {
      const quote = await this.get(tx, globalId, true);
      const from = quote.status;
      const to = TARGET[action];
      if (!QUOTE_TRANSITIONS[from].includes(to))
        throw ValidationFailed.of(
          'id',
          'ILLEGAL_TRANSITION',
          `Quote #${quote.number} is ${from}: it cannot become ${to}${from === QuoteStatus.DRAFT ? ' before it is sent' : ''}`,
        );
      const checks = new Checks();
      const why = action === 'reject' ? checks.text('reason', reason, 500) : undefined;
      const today = await this.today(tx, actor.tenantId);
      if (action !== 'reject' && quote.validUntil < today)
        checks.add('id', 'VALIDITY_PASSED', `Quote #${quote.number} was valid until ${quote.validUntil}`);
      const lines = await tx.count(QuoteLineItem, { quote });
      if (action === 'send' && !lines) checks.add('id', 'NO_LINE_ITEMS', 'A quote needs at least one line to be sent');
      checks.throwIfAny();
      const now = this.clock.now();
      quote.status = to;
      const total = { amount: quote.total, currency: quote.currency };
      const event = { subject: quote, client: quote.client };
      if (action === 'send') {
        quote.sentAt = now;
        recordEvent(tx, actor, {
          ...event,
          type: TimelineEventType.QUOTE_SENT,
          summary: `Quote #${quote.number} sent: ${quote.total} ${quote.currency}, valid until ${quote.validUntil}`,
          data: {
            before: { status: QuoteStatus.DRAFT },
            after: { status: QuoteStatus.SENT, validUntil: quote.validUntil, total },
          },
        });
        await this.movePractice(tx, actor, quote, PracticeStatus.INQUIRY, PracticeStatus.QUOTATION_SENT);
      } else if (action === 'reject') {
        quote.closedAt = now;
        quote.rejectionReason = why ?? null;
        recordEvent(tx, actor, {
          ...event,
          type: TimelineEventType.QUOTE_REJECTED,
          summary: `Quote #${quote.number} rejected${why ? `: ${why}` : ''}`,
          data: { before: { status: QuoteStatus.SENT }, after: { status: QuoteStatus.REJECTED, reason: why ?? null } },
        });
      } else {
        quote.closedAt = now;
        const deal = quote.deal ? await tx.findOne(Deal, { id: quote.deal.id }) : null;
        const dealWon = deal?.status === DealStatus.OPEN;
        const practice = quote.practice ? await tx.findOne(Practice, { id: quote.practice.id }) : null;
        const moves = practice?.status === PracticeStatus.QUOTATION_SENT;
        recordEvent(tx, actor, {
          ...event,
          type: TimelineEventType.QUOTE_ACCEPTED,
          summary: `Quote #${quote.number} accepted: ${quote.total} ${quote.currency}`,
          data: {
            before: { status: QuoteStatus.SENT },
            after: {
              status: QuoteStatus.ACCEPTED,
              total,
              practiceMovedTo: moves ? PracticeStatus.PAYMENT_PENDING : null,
              dealWon,
            },
          },
        });
        await this.movePractice(tx, actor, quote, PracticeStatus.QUOTATION_SENT, PracticeStatus.PAYMENT_PENDING);
        if (dealWon) await this.deals.win(tx, actor, deal.nodeId);
      }
      return quote;
    });
  }

  /** Moves the quote's practice from `from` to `to` (through the practice workflow), if it is in `from`. */
  private async movePractice(
    tx: EntityManager,
    actor: Principal,
    quote: Quote,
    from: PracticeStatus,
    to: PracticeStatus,
  ): Promise<void> {
    if (!quote.practice) return;
    const practice = await tx.findOne(Practice, { id: quote.practice.id });
    if (practice?.status === from) await this.practices.transition(tx, actor, practice.nodeId, to);
  }

  /**
   * The expiry schedule: every SENT quote of every tenant whose validUntil is before the tenant's
   * local today becomes EXPIRED, with a QUOTE_EXPIRED event (actor "system") in the same statement.
   * Safe on any number of workers at once: a quote already expired (or accepted meanwhile) no
   * longer matches `status = 'SENT'` once its row lock is released, so each expires once. Returns
   * how many quotes this call expired.
   */
  async expireDue(root: EntityManager): Promise<number> {
    const now = this.clock.now().toISOString();
    const [row] = await (root.fork() as SqlEntityManager).execute<{ n: string }[]>(
      `with expired as (
         update quote q set status = 'EXPIRED', closed_at = ?::timestamptz, updated_at = now()
           from tenant t
          where t.id = q.tenant_id and q.status = 'SENT'
            and q.valid_until < (?::timestamptz at time zone t.time_zone)::date
         returning q.id, q.tenant_id, q.client_id, q.number, q.valid_until,
                   (?::timestamptz at time zone t.time_zone)::date as as_of
       ), events as (
         insert into timeline_event (id, tenant_id, type, actor_id, actor_label, subject_type, subject_id, client_id, summary, data)
         select gen_random_uuid(), e.tenant_id, 'QUOTE_EXPIRED', null, 'system', 'Quote', e.id, e.client_id,
                'Quote #' || e.number || ' expired (valid until ' || e.valid_until || ')',
                jsonb_build_object('before', jsonb_build_object('status', 'SENT'),
                  'after', jsonb_build_object('status', 'EXPIRED', 'validUntil', e.valid_until, 'asOf', e.as_of))
           from expired e
         returning 1
       )
       select count(*) as n from events`,
      [now, now, now],
    );
    return Number(row.n);
  }

  /**
   * The quote with a global ID in the caller's tenant, or NOT_FOUND. With `lock` (inside a
   * transaction), its row is locked until commit and its state re-read after the lock.
   */
  async get(em: EntityManager, globalId: string, lock = false): Promise<Quote> {
    const quote = await em.findOne(Quote, { id: expectGlobalId(globalId, 'Quote') });
    if (!quote) throw DomainError.notFound('Quote', globalId);
    if (lock) {
      await em.lock(quote, LockMode.PESSIMISTIC_WRITE);
      await em.refreshOrFail(quote);
    }
    return quote;
  }

  /** The where clause of a quote list. */
  where(filter: QuoteFilter | null | undefined): FilterQuery<Quote> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    if (f.statuses?.length) where.status = { $in: f.statuses };
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    if (f.dealId) where.deal = filterIds([f.dealId], 'Deal')![0];
    if (f.practiceId) where.practice = filterIds([f.practiceId], 'Practice')![0];
    if (f.currencies?.length) where.currency = { $in: f.currencies.map((c) => c.trim().toUpperCase()) };
    if (f.validUntilFrom || f.validUntilTo) {
      Checks.assertFilterDates('filter', { validUntilFrom: f.validUntilFrom, validUntilTo: f.validUntilTo });
      where.validUntil = {
        ...(f.validUntilFrom ? { $gte: f.validUntilFrom } : {}),
        ...(f.validUntilTo ? { $lte: f.validUntilTo } : {}),
      };
    }
    return where;
  }

  /** The deal and practice given for a quote of client `clientId`: found in the tenant and of that client. */
  private async links(
    em: EntityManager,
    checks: Checks,
    clientId: string | undefined,
    dealId: string | null | undefined,
    practiceId: string | null | undefined,
  ): Promise<{ deal: Deal | null | undefined; practice: Practice | null | undefined }> {
    const deal = await resolveRef(em, checks, 'dealId', Deal, dealId);
    const practice = await resolveRef(em, checks, 'practiceId', Practice, practiceId);
    if (clientId && deal && refId(deal.client) !== clientId)
      checks.add('dealId', 'CLIENT_MISMATCH', "That deal belongs to another client than the quote's");
    if (clientId && practice && refId(practice.client) !== clientId)
      checks.add('practiceId', 'CLIENT_MISMATCH', "That practice belongs to another client than the quote's");
    return { deal, practice };
  }

  /** A 3-letter ISO 4217 code, upper-cased. */
  private currency(checks: Checks, value: string): string | undefined {
    const c = value.trim().toUpperCase();
    if (CURRENCY.test(c)) return c;
    checks.add('currency', 'INVALID_CURRENCY', 'currency must be a 3-letter ISO 4217 code');
    return undefined;
  }

  /** A date not before `today`. */
  private validUntil(checks: Checks, value: string | null | undefined, today: string): string | undefined {
    const d = checks.date('validUntil', value);
    if (!d) return undefined;
    if (d < today) {
      checks.add('validUntil', 'IN_THE_PAST', `validUntil must be today (${today}) or later`);
      return undefined;
    }
    return d;
  }

  /** Checks the lines (each field, their count, the total) and applies their defaults. */
  private lines(
    checks: Checks,
    items: readonly QuoteLineItemInput[],
    currency: string | undefined,
  ): CleanLine[] | undefined {
    if (items.length > MAX_LINE_ITEMS) {
      checks.add('lineItems', 'TOO_MANY_LINES', `A quote has at most ${MAX_LINE_ITEMS} lines`);
      return undefined;
    }
    const errors = checks.errors.length;
    const out = items.map((item, i): CleanLine => {
      const at = (field: string) => ['lineItems', String(i), field];
      const description = checks.text(`lineItems.${i}.description`, item.description, 500, { required: true, min: 1 });
      if (description === undefined) checks.errors.at(-1)!.field = ['input', ...at('description')];
      const quantity = item.quantity ?? '1';
      if (compareDecimal(quantity, '0') <= 0 || compareDecimal(quantity, '1000000') > 0)
        checks.add(at('quantity'), 'OUT_OF_RANGE', 'quantity must be more than 0 and at most 1000000');
      if (compareDecimal(item.unitPrice, '0') < 0)
        checks.add(at('unitPrice'), 'NEGATIVE_AMOUNT', 'unitPrice must not be negative');
      else if (currency && !hasAtMostDecimals(item.unitPrice, minorDigits(currency)))
        checks.add(at('unitPrice'), 'TOO_MANY_DECIMALS', `${currency} amounts have ${minorDigits(currency)} decimals`);
      const discountPercent = item.discountPercent ?? '0';
      const taxRate = item.taxRate ?? '0';
      for (const [field, v] of [
        ['discountPercent', discountPercent],
        ['taxRate', taxRate],
      ] as const)
        if (compareDecimal(v, '0') < 0 || compareDecimal(v, '100') > 0)
          checks.add(at(field), 'OUT_OF_RANGE', `${field} must be 0–100`);
      return { description: description ?? '', quantity, unitPrice: item.unitPrice, discountPercent, taxRate };
    });
    if (checks.errors.length > errors || !currency) return undefined;
    if (compareDecimal(quoteAmounts(out, currency).totals.total, MAX_TOTAL) >= 0) {
      checks.add('lineItems', 'AMOUNT_TOO_LARGE', `The quote total must be below ${MAX_TOTAL}`);
      return undefined;
    }
    return out;
  }

  /** Creates the quote's lines with their amounts and sets the quote's sums. */
  private writeLines(tx: EntityManager, quote: Quote, lines: CleanLine[]): void {
    const { lines: amounts, totals } = quoteAmounts(lines, quote.currency);
    lines.forEach((l, i) => tx.create(QuoteLineItem, { quote, position: i + 1, ...l, ...amounts[i] }));
    Object.assign(quote, totals);
  }
}

/** A stored line as input (to recompute it in another currency). */
function lineInput(l: QuoteLineItem): QuoteLineItemInput {
  return {
    description: l.description,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    discountPercent: l.discountPercent,
    taxRate: l.taxRate,
  };
}
