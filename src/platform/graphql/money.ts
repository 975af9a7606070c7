import { Embeddable, Property } from '@mikro-orm/decorators/legacy';
import { Field, InputType, ObjectType } from 'type-graphql';

import { DecimalScalar } from './scalars.js';

/** An amount of money in a currency, stored exactly (numeric(14,2)). */
@Embeddable()
@ObjectType({ description: 'An amount of money. `amount` is an exact decimal string.' })
export class Money {
  @Property({ type: 'decimal', precision: 14, scale: 2 })
  @Field(() => DecimalScalar)
  amount!: string;

  @Property({ length: 3 })
  @Field({ description: 'ISO 4217 code, e.g. IDR.' })
  currency!: string;

  constructor(amount: string, currency: string) {
    this.amount = amount;
    this.currency = currency;
  }
}

/** Money in inputs; `currency` defaults to the tenant's. */
@InputType({ description: "An amount of money; currency defaults to the tenant's (IDR unless changed)." })
export class MoneyInput {
  @Field(() => DecimalScalar, { description: 'Exact decimal, ≥ 0, e.g. "1500000" or "99.50".' })
  amount!: string;

  @Field({ nullable: true, description: 'ISO 4217 code (3 letters).' })
  currency?: string;
}
