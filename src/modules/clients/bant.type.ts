import { Field, ObjectType } from 'type-graphql';

import { Money } from '../../platform/graphql/money.js';
import { BantAuthority, BantNeed, BantTimeframe } from './bant.enums.js';

/** A lead's BANT answers (null: not known). */
@ObjectType({
  description:
    "A lead's BANT qualification: Budget, Authority, Need, Timeline. Any answer makes the client's leadScore computed (see LeadScoring).",
})
export class Bant {
  @Field(() => Money, { nullable: true, description: 'Budget: what the lead can spend.' })
  budget!: Money | null;

  @Field(() => BantAuthority, { nullable: true })
  authority!: BantAuthority | null;

  @Field(() => BantNeed, { nullable: true })
  need!: BantNeed | null;

  @Field(() => String, { nullable: true, description: 'What the lead needs, in words.' })
  needNotes!: string | null;

  @Field(() => BantTimeframe, { nullable: true, description: 'Timeline: when the lead means to buy.' })
  timeframe!: BantTimeframe | null;
}
