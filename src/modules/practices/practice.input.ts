import { Field, ID, InputType, registerEnumType } from 'type-graphql';

import { MoneyInput } from '../../platform/graphql/money.js';
import { orderInput } from '../../platform/graphql/resource.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { CriteriaInput } from '../criteria/criteria.input.js';
import { DocumentStatus, PaymentStatus, PracticeStatus } from './practice.enums.js';

/** The fields a practice is created with and changed by alike. */
@InputType('PracticeTermsInput')
abstract class PracticeTermsInput {
  @Field(() => DateScalar, { nullable: true })
  startDate?: string | null;

  @Field(() => DateScalar, { nullable: true })
  expiryDate?: string | null;

  @Field(() => ID, { nullable: true })
  assignedToId?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}

@InputType({ description: 'A new practice for a client.' })
export class CreatePracticeInput extends PracticeTermsInput {
  @Field(() => ID)
  clientId!: string;

  @Field({ description: 'A practice type code of the tenant, e.g. KITAS (see `practiceTypes`).' })
  practiceTypeCode!: string;

  @Field(() => PracticeStatus, { nullable: true, description: 'Default INQUIRY.' })
  status?: PracticeStatus | null;

  @Field(() => MoneyInput, { nullable: true, description: "Default: the type's default price." })
  quotedPrice?: MoneyInput | null;
}

@InputType({ description: 'Changes to a practice (status changes go through transitionPractice).' })
export class UpdatePracticeInput extends PracticeTermsInput {
  @Field(() => ID)
  id!: string;

  @Field(() => MoneyInput, { nullable: true })
  quotedPrice?: MoneyInput | null;

  @Field(() => MoneyInput, { nullable: true })
  actualPrice?: MoneyInput | null;

  @Field(() => PaymentStatus, { nullable: true })
  paymentStatus?: PaymentStatus | null;

  @Field(() => MoneyInput, { nullable: true })
  amountPaid?: MoneyInput | null;

  @Field(() => DateScalar, { nullable: true })
  completionDate?: string | null;
}

@InputType({
  description: 'Moves a practice to another status (only allowed transitions: see Practice.allowedTransitions).',
})
export class TransitionPracticeInput {
  @Field(() => ID)
  id!: string;

  @Field(() => PracticeStatus, { description: 'Must be one of the practice’s `allowedTransitions`.' })
  status!: PracticeStatus;
}

@InputType({ description: 'A document to record on a practice: its kind and name, optionally its status and URL.' })
export class AddPracticeDocumentInput {
  @Field(() => ID)
  practiceId!: string;

  @Field()
  name!: string;

  @Field({ description: 'e.g. PASSPORT, PHOTO, SPONSOR_LETTER.' })
  kind!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => DocumentStatus, { nullable: true, description: 'Default RECEIVED when a url is given, else REQUESTED.' })
  status?: DocumentStatus | null;
}

@InputType({ description: 'Filters on practices; all given fields must match.' })
export class PracticeFilter {
  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => [PracticeStatus], { nullable: true })
  statuses?: PracticeStatus[];

  @Field({
    nullable: true,
    description: 'true: only open practices (not COMPLETED, REJECTED or CANCELLED); false: only closed.',
  })
  open?: boolean;

  @Field(() => [String], { nullable: true })
  typeCodes?: string[];

  @Field(() => [ID], { nullable: true })
  assignedToIds?: string[];

  @Field(() => DateScalar, { nullable: true, description: 'Expiry on or after this date.' })
  expiryFrom?: string;

  @Field(() => DateScalar, { nullable: true, description: 'Expiry on or before this date.' })
  expiryTo?: string;

  @Field(() => [PaymentStatus], { nullable: true })
  paymentStatuses?: PaymentStatus[];

  @Field(() => CriteriaInput, {
    nullable: true,
    description:
      'A criteria tree over practices (see `criteriaFields(entity: PRACTICE)`), combined (AND) with the other fields.',
  })
  where?: CriteriaInput | null;
}

export enum PracticeOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  EXPIRY_DATE = 'EXPIRY_DATE',
}
registerEnumType(PracticeOrderField, {
  name: 'PracticeOrderField',
  description: 'What a practice list can be ordered by.',
  valuesConfig: { EXPIRY_DATE: { description: 'Lists only practices that have an expiry date.' } },
});

export const PracticeOrder = orderInput(
  'PracticeOrder',
  PracticeOrderField,
  'Order of a practice list (default CREATED_AT DESC).',
);
export type PracticeOrder = InstanceType<typeof PracticeOrder>;
