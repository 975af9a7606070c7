import { Field, Float, ID, InputType } from 'type-graphql';

import { CriteriaInput } from '../criteria/criteria.input.js';
import { Direction, InteractionKind, Sentiment } from './interaction.enums.js';

@InputType({ description: 'A point on Earth: WGS 84 degrees.' })
export class GeoPointInput {
  @Field(() => Float, { description: '−90 to 90.' })
  latitude!: number;

  @Field(() => Float, { description: '−180 to 180.' })
  longitude!: number;
}

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

  @Field(() => ID, { nullable: true, description: 'A deal of the same client it was about.' })
  dealId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A ticket of the same client (or of no client) it was about.' })
  ticketId?: string | null;

  @Field(() => GeoPointInput, { nullable: true, description: 'Where it happened (e.g. a VISIT).' })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true, description: 'What came of it (up to 2000 characters).' })
  outcome?: string | null;

  @Field(() => String, { nullable: true, description: 'What happens next (up to 2000 characters).' })
  nextSteps?: string | null;
}

@InputType({
  description:
    'Changes to an interaction: omitted fields stay, null clears an optional one. The client cannot change (log a new interaction instead).',
})
export class UpdateInteractionInput {
  @Field(() => ID)
  id!: string;

  @Field(() => InteractionKind, { nullable: true })
  kind?: InteractionKind | null;

  @Field(() => Direction, { nullable: true })
  direction?: Direction | null;

  @Field(() => String, { nullable: true, description: '1–5000 characters; cannot be cleared.' })
  summary?: string | null;

  @Field(() => Sentiment, { nullable: true })
  sentiment?: Sentiment | null;

  @Field(() => [String], { nullable: true, description: 'Up to 20 items of up to 500 characters.' })
  actionItems?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'Not in the future; cannot be cleared.' })
  occurredAt?: Date | null;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;

  @Field(() => ID, { nullable: true })
  dealId?: string | null;

  @Field(() => ID, { nullable: true })
  ticketId?: string | null;

  @Field(() => ID, { nullable: true })
  teamMemberId?: string | null;

  @Field(() => GeoPointInput, { nullable: true })
  location?: GeoPointInput | null;

  @Field(() => String, { nullable: true })
  outcome?: string | null;

  @Field(() => String, { nullable: true })
  nextSteps?: string | null;
}

@InputType({ description: 'The interaction to delete.' })
export class DeleteInteractionInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Filters on interactions.' })
export class InteractionFilter {
  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string;

  @Field(() => ID, { nullable: true })
  dealId?: string;

  @Field(() => ID, { nullable: true })
  ticketId?: string;

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
