import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';

import { MoneyInput } from '../../platform/graphql/money.js';
import { orderInput } from '../../platform/graphql/resource.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { CriteriaInput } from '../criteria/criteria.input.js';
import { DealStatus } from './deal.enums.js';

@InputType({ description: 'A new deal. Pipeline defaults to the default pipeline, stage to its first stage.' })
export class CreateDealInput {
  @Field()
  title!: string;

  @Field(() => ID)
  clientId!: string;

  @Field(() => ID, { nullable: true })
  pipelineId?: string | null;

  @Field(() => ID, { nullable: true })
  stageId?: string | null;

  @Field(() => MoneyInput, { nullable: true })
  amount?: MoneyInput | null;

  @Field(() => Int, { nullable: true, description: "0–100; default the stage's probability." })
  probability?: number | null;

  @Field(() => DateScalar, { nullable: true })
  expectedCloseDate?: string | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;
}

@InputType({ description: 'Changes to a deal (stage changes go through moveDealStage, winDeal, loseDeal).' })
export class UpdateDealInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => MoneyInput, { nullable: true })
  amount?: MoneyInput | null;

  @Field(() => Int, { nullable: true })
  probability?: number | null;

  @Field(() => DateScalar, { nullable: true })
  expectedCloseDate?: string | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Moves the deal to another client of your tenant (an unknown or another tenant's ID is NOT_FOUND, an archived client ARCHIVED). Refused (CLIENT_MISMATCH) while tickets, quotes, tasks or interactions of the current client are linked to the deal.",
  })
  clientId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the deal was lost (1–500 characters; null clears it): only for a LOST deal (else NOT_LOST).',
  })
  lostReason?: string | null;
}

@InputType({ description: 'Moves a deal to another stage of its pipeline; a WON or LOST stage closes the deal.' })
export class MoveDealStageInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, {
    description: "A stage of the deal's pipeline. A WON or LOST stage closes the deal; an OPEN one reopens it.",
  })
  stageId!: string;

  @Field({
    nullable: true,
    description:
      'Why the deal was lost (1–500 characters), recorded as lostReason; only for a LOST stage. Without it, a deal moved to a LOST stage has no lostReason (loseDeal requires one).',
  })
  lostReason?: string;
}

@InputType({ description: 'Marks a deal won.' })
export class WinDealInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Marks a deal lost, with the reason.' })
export class LoseDealInput {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Why the deal was lost (1–500 characters).' })
  reason!: string;
}

@InputType({ description: 'Filters on deals; all given fields must match.' })
export class DealFilter {
  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  pipelineId?: string;

  @Field(() => [ID], { nullable: true })
  stageIds?: string[];

  @Field(() => [DealStatus], { nullable: true })
  statuses?: DealStatus[];

  @Field(() => [ID], { nullable: true })
  ownerIds?: string[];

  @Field(() => DateScalar, { nullable: true })
  expectedCloseFrom?: string;

  @Field(() => DateScalar, { nullable: true })
  expectedCloseTo?: string;

  @Field({ nullable: true, description: 'Text in the title (case-insensitive).' })
  search?: string;

  @Field(() => CriteriaInput, {
    nullable: true,
    description:
      'A criteria tree over deals (see `criteriaFields(entity: DEAL)`), combined (AND) with the other fields.',
  })
  where?: CriteriaInput | null;
}

export enum DealOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  EXPECTED_CLOSE_DATE = 'EXPECTED_CLOSE_DATE',
}
registerEnumType(DealOrderField, {
  name: 'DealOrderField',
  description: 'What a deal list can be ordered by.',
  valuesConfig: { EXPECTED_CLOSE_DATE: { description: 'Lists only deals with an expected close date.' } },
});

export const DealOrder = orderInput('DealOrder', DealOrderField, 'Order of a deal list (default CREATED_AT DESC).');
export type DealOrder = InstanceType<typeof DealOrder>;
