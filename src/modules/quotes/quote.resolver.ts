import type { EntityKey } from '@mikro-orm/core';
import { Arg, Authorized, type ClassType, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { childFieldResolver } from '../../platform/graphql/child-field.js';
import { connectionType, OrderDirection, paginateChildren } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { Money } from '../../platform/graphql/money.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { Quote, QuoteLineItem } from './quote.entity.js';
import {
  ChildQuotesArgs,
  CreateQuoteInput,
  QuoteActionInput,
  QuoteFilter,
  QuoteOrder,
  QuoteOrderField,
  RejectQuoteInput,
  UpdateQuoteInput,
} from './quote.input.js';
import { quoteMoney } from './quote.payloads.js';

export const QuoteConnection = connectionType(Quote, 'Quote');

/** Newest first: the order of a parent's quotes. */
const NEWEST_FIRST: KeysetOrder<Quote> = [{ createdAt: 'desc' }, { id: 'desc' }];

const ORDER_COLUMNS = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  NUMBER: 'number',
  VALID_UNTIL: 'validUntil',
  TOTAL: 'total',
} as const satisfies Record<QuoteOrderField, EntityKey<Quote>>;

const QuotePayload = payloadType(
  'QuotePayload',
  'Result of a quote mutation: the quote, or userErrors (then nothing changed).',
  { quote: () => Quote },
);

/** Quotes. */
@Resolver(() => Quote)
export class QuoteResolver extends ResourceResolver({
  entity: Quote,
  connection: QuoteConnection,
  list: { name: 'quotes', description: 'Quotes, filtered and ordered (default: newest first).' },
  filter: { type: QuoteFilter, where: (ctx, filter) => ctx.services.quotes.where(filter) },
  order: {
    type: QuoteOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: QuoteOrderField.CREATED_AT, direction: OrderDirection.DESC },
  },
  get: { name: 'quote' },
}) {
  @Authorized(WRITER_ROLES)
  @Mutation(() => QuotePayload, {
    description:
      "Drafts a quote for a client (optionally for one of its deals and practices) with the tenant's next quote number; amounts are computed from the lines. A deal or practice of another client is a CLIENT_MISMATCH userError.",
  })
  createQuote(
    @Arg('input') input: CreateQuoteInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ quote: await ctx.services.quotes.create(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => QuotePayload, {
    description:
      'Changes a DRAFT quote (a quote in another status: QUOTE_NOT_DRAFT userError). lineItems replace all lines; a new currency recomputes them.',
  })
  updateQuote(
    @Arg('input') input: UpdateQuoteInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ quote: await ctx.services.quotes.update(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => QuotePayload, {
    description:
      'Sends a DRAFT quote (it needs a line, and validUntil not past). A linked practice in INQUIRY moves to QUOTATION_SENT.',
  })
  sendQuote(
    @Arg('input') input: QuoteActionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ quote: await ctx.services.quotes.act(ctx.em, principal, input.id, 'send') }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => QuotePayload, {
    description:
      "Records the client's acceptance of a SENT quote (not after validUntil: VALIDITY_PASSED). In the same transaction a linked practice in QUOTATION_SENT moves to PAYMENT_PENDING and a linked open deal is won (its pipeline's WON stage), each with its own events; a practice in another status and a closed deal stay as they are.",
  })
  acceptQuote(
    @Arg('input') input: QuoteActionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      quote: await ctx.services.quotes.act(ctx.em, principal, input.id, 'accept'),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => QuotePayload, {
    description: "Records the client's rejection of a SENT quote, with an optional reason.",
  })
  rejectQuote(
    @Arg('input') input: RejectQuoteInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      quote: await ctx.services.quotes.act(ctx.em, principal, input.id, 'reject', input.reason),
    }));
  }

  @FieldResolver(() => Client)
  client(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, q.client);
  }

  @FieldResolver(() => Deal, { nullable: true })
  deal(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Deal, q.deal);
  }

  @FieldResolver(() => Practice, { nullable: true })
  practice(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, q.practice);
  }

  @FieldResolver(() => [QuoteLineItem], { description: 'The lines, in order.' })
  lineItems(@Root() q: Quote, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, QuoteLineItem, 'quote', q.id, {}, [{ position: 'asc' }, { id: 'asc' }]);
  }

  @FieldResolver(() => Money, { description: "Sum of the lines' subtotals (quantity × unit price, each rounded)." })
  subtotal(@Root() q: Quote): Money {
    return quoteMoney(q, q.subtotal);
  }

  @FieldResolver(() => Money, { description: "Sum of the lines' discounts (each rounded)." })
  discount(@Root() q: Quote): Money {
    return quoteMoney(q, q.discount);
  }

  @FieldResolver(() => Money, { description: "Sum of the lines' taxes (each rounded)." })
  tax(@Root() q: Quote): Money {
    return quoteMoney(q, q.tax);
  }

  @FieldResolver(() => Money, { description: 'subtotal − discount + tax.' })
  total(@Root() q: Quote): Money {
    return quoteMoney(q, q.total);
  }
}

/** The amounts of a quote line, as Money of its quote's currency. */
@Resolver(() => QuoteLineItem)
export class QuoteLineItemResolver {
  @FieldResolver(() => Money, { description: 'quantity × unitPrice, rounded.' })
  subtotal(@Root() l: QuoteLineItem, @Ctx() ctx: GraphQLContext) {
    return this.money(l, l.subtotal, ctx);
  }

  @FieldResolver(() => Money, { description: 'subtotal × discountPercent, rounded.' })
  discount(@Root() l: QuoteLineItem, @Ctx() ctx: GraphQLContext) {
    return this.money(l, l.discount, ctx);
  }

  @FieldResolver(() => Money, { description: '(subtotal − discount) × taxRate, rounded.' })
  tax(@Root() l: QuoteLineItem, @Ctx() ctx: GraphQLContext) {
    return this.money(l, l.tax, ctx);
  }

  @FieldResolver(() => Money, { description: 'subtotal − discount + tax.' })
  total(@Root() l: QuoteLineItem, @Ctx() ctx: GraphQLContext) {
    return this.money(l, l.total, ctx);
  }

  private async money(l: QuoteLineItem, amount: string, ctx: GraphQLContext): Promise<Money> {
    const quote = (await loadRef(ctx, Quote, l.quote))!;
    return quoteMoney(quote, amount);
  }
}

/**
 * `quotes(first, after, filter)` on a parent: a connection of its quotes, newest first; the page
 * of all the parents of a list in one statement.
 */
function quotesOf(parent: ClassType<{ id: string }>, fk: 'client' | 'deal' | 'practice', noun: string) {
  return childFieldResolver(parent, {
    name: 'quotes',
    type: () => QuoteConnection,
    description: `The ${noun}'s quotes, newest first.`,
    args: ChildQuotesArgs,
    resolve: ({ id }, { filter, ...page }, ctx) => {
      const where = ctx.services.quotes.where({
        ...filter,
        clientId: undefined,
        dealId: undefined,
        practiceId: undefined,
      }) as Record<string, unknown>;
      return paginateChildren(ctx, Quote, QuoteConnection, fk, id, where, NEWEST_FIRST, page);
    },
  });
}

/** `Client.quotes`. */
export const ClientQuotesResolver = quotesOf(Client, 'client', 'client');
/** `Deal.quotes`. */
export const DealQuotesResolver = quotesOf(Deal, 'deal', 'deal');
/** `Practice.quotes`. */
export const PracticeQuotesResolver = quotesOf(Practice, 'practice', 'practice');
