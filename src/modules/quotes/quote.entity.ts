import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { DateScalar, DecimalScalar } from '../../platform/graphql/scalars.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { QuoteStatus } from './quote.enums.js';

/** The rounding rule, stated once for the schema descriptions (see quote.math.ts). */
export const ROUNDING_RULE =
  "Each line's amounts are rounded half-up to the currency's minor unit (0 decimals for IDR, JPY, KRW…; 2 otherwise): subtotal = quantity × unit price, discount = subtotal × discount %, tax = (subtotal − discount) × tax rate; the quote's amounts are the sums of its lines' rounded amounts, total = subtotal − discount + tax.";

/**
 * A price offer to a client, optionally for a deal and a practice: numbered per tenant, with line
 * items whose amounts (and the quote's sums) are computed exactly on every change.
 */
@Entity({ tableName: 'quote' })
@Unique({ properties: ['tenant', 'number'] })
@Index({ properties: ['tenant', 'client', 'createdAt'] })
@Index({ properties: ['tenant', 'status', 'validUntil'] })
@Index({ properties: ['tenant', 'createdAt', 'id'] })
@ObjectType({
  implements: Node,
  description: `A price offer to a client, optionally for one of its deals and practices. ${ROUNDING_RULE}`,
})
export class Quote extends TenantScopedEntity<'status' | 'subtotal' | 'discount' | 'tax' | 'total'> {
  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Sequential number within the tenant (1, 2, …).' })
  number!: number;

  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade' })
  client!: Ref<Client>;

  @ManyToOne(() => Deal, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  deal?: Ref<Deal> | null;

  @ManyToOne(() => Practice, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  practice?: Ref<Practice> | null;

  @Enum({ items: () => QuoteStatus })
  @Field(() => QuoteStatus)
  status: QuoteStatus = QuoteStatus.DRAFT;

  @Property({ length: 3 })
  @Field({ description: 'ISO 4217 code of every amount of the quote (default: the tenant currency).' })
  currency!: string;

  @Property({ type: 'date' })
  @Field(() => DateScalar, {
    description: 'Last day the offer stands (tenant time zone); a SENT quote expires the day after.',
  })
  validUntil!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  notes?: string | null;

  /** Sum of the lines' subtotals (exposed as Money by the resolver). */
  @Property({ type: 'decimal', precision: 20, scale: 2, default: '0' })
  subtotal: string = '0.00';

  /** Sum of the lines' discounts. */
  @Property({ type: 'decimal', precision: 20, scale: 2, default: '0' })
  discount: string = '0.00';

  /** Sum of the lines' taxes. */
  @Property({ type: 'decimal', precision: 20, scale: 2, default: '0' })
  tax: string = '0.00';

  /** subtotal − discount + tax. */
  @Property({ type: 'decimal', precision: 20, scale: 2, default: '0' })
  total: string = '0.00';

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the quote was sent.' })
  sentAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was accepted, rejected or expired.' })
  closedAt?: Date | null;

  @Property({ length: 500, nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the client rejected it (rejectQuote).' })
  rejectionReason?: string | null;
}

/** One line of a quote, with its amounts rounded by the quote's rule. */
@Entity({ tableName: 'quote_line_item' })
@Index({ properties: ['tenant', 'quote', 'position'] })
@ObjectType({ description: `One line of a quote. ${ROUNDING_RULE}` })
export class QuoteLineItem extends TenantScopedEntity {
  @ManyToOne(() => Quote, { ref: true, deleteRule: 'cascade' })
  quote!: Ref<Quote>;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Order of the line in the quote, from 1.' })
  position!: number;

  @Property({ length: 500 })
  @Field()
  description!: string;

  @Property({ type: 'decimal', precision: 14, scale: 2 })
  @Field(() => DecimalScalar, { description: 'How many units; > 0, up to 2 decimals.' })
  quantity!: string;

  @Property({ type: 'decimal', precision: 16, scale: 2 })
  @Field(() => DecimalScalar, { description: "Price of one unit in the quote's currency." })
  unitPrice!: string;

  @Property({ type: 'decimal', precision: 5, scale: 2 })
  @Field(() => DecimalScalar, { description: 'Discount in percent, 0–100.' })
  discountPercent!: string;

  @Property({ type: 'decimal', precision: 5, scale: 2 })
  @Field(() => DecimalScalar, { description: 'Tax rate in percent, 0–100 (e.g. "11" for Indonesian VAT).' })
  taxRate!: string;

  /** quantity × unitPrice, rounded. */
  @Property({ type: 'decimal', precision: 20, scale: 2 })
  subtotal!: string;

  /** subtotal × discountPercent, rounded. */
  @Property({ type: 'decimal', precision: 20, scale: 2 })
  discount!: string;

  /** (subtotal − discount) × taxRate, rounded. */
  @Property({ type: 'decimal', precision: 20, scale: 2 })
  tax!: string;

  /** subtotal − discount + tax. */
  @Property({ type: 'decimal', precision: 20, scale: 2 })
  total!: string;
}
