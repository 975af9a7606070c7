import { Field, ID, InputType } from 'type-graphql';

import { CriteriaInput } from '../criteria/criteria.input.js';
import { Direction, InteractionKind, Sentiment } from './interaction.enums.js';

@InputType({ description: 'A contact with a client to log.' })
export class LogInteractionInput {
  @Field(() => ID)
  clientId!: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;

  @Field(() => InteractionKind)
  kind!: InteractionKind;

  @Field(() => Direction, { nullable: true, description: 'Default INBOUND (NOTE: INTERNAL).' })
  direction?: Direction | null;

  @Field({ description: '1–5000 characters.' })
  summary!: string;

  @Field(() => Sentiment, { nullable: true })
  sentiment?: Sentiment | null;

  @Field(() => [String], { nullable: true, description: 'Up to 20 items of up to 500 characters.' })
  actionItems?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'Default now; not in the future.' })
  occurredAt?: Date | null;

  @Field(() => ID, { nullable: true, description: 'Default: you.' })
  teamMemberId?: string | null;
}

@InputType({ description: 'Filters on interactions.' })
export class InteractionFilter {
  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string;

  @Field(() => [InteractionKind], { nullable: true })
  kinds?: InteractionKind[];

  @Field(() => [ID], { nullable: true })
  teamMemberIds?: string[];

  @Field(() => [Sentiment], { nullable: true })
  sentiments?: Sentiment[];

  @Field(() => Date, { nullable: true })
  from?: Date;

  @Field(() => Date, { nullable: true })
  to?: Date;

  @Field(() => CriteriaInput, {
    nullable: true,
    description:
      'A criteria tree over interactions (see `criteriaFields(entity: INTERACTION)`), combined (AND) with the other fields.',
  })
  where?: CriteriaInput | null;
}
