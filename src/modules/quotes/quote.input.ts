import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';

import { ChildConnectionArgs } from '../../platform/graphql/connection.js';
import { orderInput } from '../../platform/graphql/resource.js';
import { DateScalar, DecimalScalar } from '../../platform/graphql/scalars.js';
import { QuoteStatus } from './quote.enums.js';

@InputType({ description: 'One line of a quote; its amounts are computed (see Quote).' })
export class QuoteLineItemInput {
  @Field({ description: '1–500 characters.' })
  description!: string;

  @Field(() => DecimalScalar, { nullable: true, description: 'How many units: > 0, up to 1000000. Default "1".' })
  quantity?: string | null;

  @Field(() => DecimalScalar, {
    description: "Price of one unit, ≥ 0, with at most the currency's decimals (none for IDR).",
  })
  unitPrice!: string;

  @Field(() => DecimalScalar, { nullable: true, description: 'Discount in percent, 0–100. Default "0".' })
  discountPercent?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Tax rate in percent, 0–100. Default "0".' })
  taxRate?: string | null;
}

@InputType({ description: 'A new DRAFT quote; it gets the next quote number of the tenant.' })
export class CreateQuoteInput {
  @Field(() => ID, { description: 'The client the offer is for.' })
  clientId!: string;

  @Field(() => ID, { nullable: true, description: 'A deal of that client.' })
  dealId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A practice of that client.' })
  practiceId?: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 code; default the tenant currency.' })
  currency?: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Today or later (tenant time zone); default today + 30 days.',
  })
  validUntil?: string | null;

  @Field(() => String, { nullable: true, description: 'Up to 10000 characters.' })
  notes?: string | null;

  @Field(() => [QuoteLineItemInput], {
    nullable: true,
    description: 'Up to 200 lines (a quote is sent with at least one).',
  })
  lineItems?: QuoteLineItemInput[] | null;
}

@InputType({
  description:
    'Changes to a DRAFT quote. lineItems, when given, replace all its lines; null clears deal, practice and notes.',
})
export class UpdateQuoteInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  dealId?: string | null;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => DateScalar, { nullable: true })
  validUntil?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;

  @Field(() => [QuoteLineItemInput], { nullable: true })
  lineItems?: QuoteLineItemInput[] | null;
}

@InputType({ description: 'The quote to send, accept or reject.' })
export class QuoteActionInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'A quote the client turned down, and why.' })
export class RejectQuoteInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Up to 500 characters.' })
  reason?: string | null;
}

@InputType({ description: 'Filters on quotes; all given fields must match.' })
export class QuoteFilter {
  @Field(() => [QuoteStatus], { nullable: true })
  statuses?: QuoteStatus[];

  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  dealId?: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string;

  @Field(() => [String], { nullable: true, description: 'ISO 4217 codes.' })
  currencies?: string[];

  @Field(() => DateScalar, { nullable: true, description: 'validUntil on or after this date.' })
  validUntilFrom?: string;

  @Field(() => DateScalar, { nullable: true, description: 'validUntil on or before this date.' })
  validUntilTo?: string;
}

export enum QuoteOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  NUMBER = 'NUMBER',
  VALID_UNTIL = 'VALID_UNTIL',
  TOTAL = 'TOTAL',
}
registerEnumType(QuoteOrderField, {
  name: 'QuoteOrderField',
  description: 'What a quote list can be ordered by (TOTAL compares amounts whatever their currency).',
});

export const QuoteOrder = orderInput('QuoteOrder', QuoteOrderField, 'Order of a quote list (default CREATED_AT DESC).');
export type QuoteOrder = InstanceType<typeof QuoteOrder>;

/** Arguments of the quotes of a client, a deal or a practice. */
@ArgsType()
export class ChildQuotesArgs extends ChildConnectionArgs {
  @Field(() => QuoteFilter, { nullable: true })
  filter?: QuoteFilter | null;
}
