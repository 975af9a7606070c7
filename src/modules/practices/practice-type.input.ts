import { Field, ID, InputType, Int } from 'type-graphql';

import { MoneyInput } from '../../platform/graphql/money.js';

/** The fields a practice type is created with and changed by alike. */
@InputType('PracticeTypeTermsInput')
abstract class PracticeTypeTermsInput {
  @Field(() => String, { nullable: true, description: 'What the service is, for people (at most 2,000 characters).' })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether a completed practice expires and needs renewing; a renewable type needs a validity.',
  })
  renewable?: boolean | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Validity in days (1–3650). Give this or validityMonths, not both; setting one clears the other.',
  })
  renewalPeriodDays?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Validity in months (1–120). Give this or renewalPeriodDays, not both; setting one clears the other.',
  })
  validityMonths?: number | null;

  @Field(() => MoneyInput, { nullable: true, description: 'The price quoted for a new practice of this type.' })
  defaultPrice?: MoneyInput | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Document kinds a client must provide, e.g. PASSPORT (at most 30, each at most 64 characters).',
  })
  requiredDocuments?: string[] | null;
}

@InputType({ description: 'A new practice type of the tenant.' })
export class CreatePracticeTypeInput extends PracticeTypeTermsInput {
  @Field({
    description:
      'Stable code, unique in the tenant: letters, digits and underscores, starting with a letter, at most 32 (upper-cased, e.g. "golden visa" → GOLDEN_VISA).',
  })
  code!: string;

  @Field({ description: 'Display name (1–200 characters).' })
  name!: string;
}

@InputType({ description: 'Changes to a practice type; omitted fields stay as they are. The code never changes.' })
export class UpdatePracticeTypeInput extends PracticeTypeTermsInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Display name (1–200 characters).' })
  name?: string | null;
}

@InputType({ description: 'Identifies the practice type to deactivate.' })
export class DeactivatePracticeTypeInput {
  @Field(() => ID)
  id!: string;
}
