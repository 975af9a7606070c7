import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

import { MoneyInput } from '../../platform/graphql/money.js';

@InputType({
  description:
    'The organisation of a converted lead: `id` of an existing organisation to link, or `name` of one to link or create (an organisation of that name, case and spacing ignored, is linked; else one is created, a CUSTOMER).',
})
export class ConvertLeadOrganizationInput {
  @Field(() => ID, { nullable: true, description: 'An existing client of kind ORGANIZATION.' })
  id?: string | null;

  @Field(() => String, { nullable: true, description: 'Name of the organisation (1–200 characters).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Industry of a created organisation.' })
  industry?: string | null;

  @Field(() => String, { nullable: true, description: 'Territory of a created organisation.' })
  territory?: string | null;
}

@InputType({ description: 'The deal to open for a converted lead (for the converted client).' })
export class ConvertLeadDealInput {
  @Field({ description: '1–200 characters.' })
  title!: string;

  @Field(() => MoneyInput, { nullable: true })
  amount?: MoneyInput | null;

  @Field(() => ID, { nullable: true, description: "Default: the tenant's default pipeline (first open stage)." })
  pipelineId?: string | null;
}

@InputType({
  description:
    'Converts a lead (LEAD or PROSPECT) into a CUSTOMER, optionally linking or creating its organisation and opening a deal, in one transaction.',
})
export class ConvertLeadInput {
  @Field(() => ID, { description: 'The client to convert (LEAD or PROSPECT, not archived).' })
  clientId!: string;

  @Field(() => ConvertLeadOrganizationInput, {
    nullable: true,
    description: 'People only: the organisation they belong to.',
  })
  organization?: ConvertLeadOrganizationInput | null;

  @Field(() => ConvertLeadDealInput, { nullable: true })
  createDeal?: ConvertLeadDealInput | null;
}

@ObjectType({
  description:
    "The tenant's lead score weights. leadScore = round((wB·B + wA·A + wN·N + wT·T) / (wB + wA + wN + wT)), where each BANT answer earns 0–100 points: Budget above 0 → 100; Authority DECISION_MAKER 100, INFLUENCER 60, GATEKEEPER 30, NONE 0; Need CRITICAL 100, HIGH 75, MEDIUM 50, LOW 25, NONE 0; Timeline WITHIN_MONTH 100, WITHIN_QUARTER 75, WITHIN_HALF_YEAR 50, WITHIN_YEAR 25, LATER 0; an unknown answer 0. Rounded half up.",
})
export class LeadScoringSettings {
  @Field(() => Int, { description: 'Weight of Budget, 0–100 (default 25).' })
  budgetWeight!: number;

  @Field(() => Int, { description: 'Weight of Authority, 0–100 (default 25).' })
  authorityWeight!: number;

  @Field(() => Int, { description: 'Weight of Need, 0–100 (default 25).' })
  needWeight!: number;

  @Field(() => Int, { description: 'Weight of Timeline, 0–100 (default 25).' })
  timelineWeight!: number;
}

@InputType({
  description:
    'New lead score weights (integers 0–100, at least one above 0); omitted ones stay. Every client with BANT answers is rescored.',
})
export class UpdateLeadScoringInput {
  @Field(() => Int, { nullable: true })
  budgetWeight?: number | null;

  @Field(() => Int, { nullable: true })
  authorityWeight?: number | null;

  @Field(() => Int, { nullable: true })
  needWeight?: number | null;

  @Field(() => Int, { nullable: true })
  timelineWeight?: number | null;
}
