import { type Ref } from '@mikro-orm/core';
import { Embedded, Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { Money } from '../../platform/graphql/money.js';
import { Node } from '../../platform/graphql/node.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { Client } from '../clients/client.entity.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { SearchableEntity } from '../search/searchable.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { PaymentStatus, PracticeStatus } from './practice.enums.js';
import { PracticeType } from './practice-type.entity.js';

/** A service case for a client: a visa application, a company formation, … */
@Entity({ tableName: 'practice' })
@Index({ name: 'practice_search_idx', expression: SEARCH_INDEXES.practice_search_idx })
@Index({ properties: ['tenant', 'client'] })
@Index({ properties: ['tenant', 'expiryDate', 'id'] })
@Index({ properties: ['tenant', 'status', 'createdAt'] })
@Index({ properties: ['tenant', 'createdAt'] })
@Index({ properties: ['tenant', 'type'] })
@Unique({ name: 'practice_renewal_of_id_unique', properties: ['renewalOf'] })
@ObjectType({
  implements: Node,
  description: 'A service case for a client (a visa application, a company formation, …).',
})
export class Practice extends SearchableEntity<'status' | 'paymentStatus'> {
  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade' })
  client!: Ref<Client>;

  @ManyToOne(() => PracticeType, { ref: true })
  type!: Ref<PracticeType>;

  @Enum({ items: () => PracticeStatus })
  @Field(() => PracticeStatus)
  status: PracticeStatus = PracticeStatus.INQUIRY;

  @Embedded(() => Money, { nullable: true, prefix: 'quoted_price_' })
  @Field(() => Money, { nullable: true })
  quotedPrice?: Money | null;

  @Embedded(() => Money, { nullable: true, prefix: 'actual_price_' })
  @Field(() => Money, { nullable: true })
  actualPrice?: Money | null;

  @Enum({ items: () => PaymentStatus })
  @Field(() => PaymentStatus)
  paymentStatus: PaymentStatus = PaymentStatus.UNPAID;

  @Embedded(() => Money, { nullable: true, prefix: 'amount_paid_' })
  @Field(() => Money, { nullable: true })
  amountPaid?: Money | null;

  @Property({ type: 'date', nullable: true })
  @Field(() => DateScalar, { nullable: true })
  startDate?: string | null;

  @Property({ type: 'date', nullable: true })
  @Field(() => DateScalar, { nullable: true })
  completionDate?: string | null;

  @Property({ type: 'date', nullable: true })
  @Field(() => DateScalar, { nullable: true, description: 'When the permit or registration expires.' })
  expiryDate?: string | null;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  assignedTo?: Ref<TeamMember> | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  notes?: string | null;

  /** The practice this one renews (one follow-up per practice). */
  // Unique at class level: `unique` on the relation makes MikroORM treat it as one-to-one and
  // self-join practice on every practice query to find the inverse side.
  @ManyToOne(() => Practice, { ref: true, nullable: true, deleteRule: 'set null' })
  renewalOf?: Ref<Practice> | null;

  /** When `renewPractice` created this practice's follow-up; renewed practices raise no more alerts. */
  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, {
    nullable: true,
    description: 'When this practice was renewed (see renewalOf on the follow-up).',
  })
  renewedAt?: Date | null;
}
