import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';

import { MoneyInput } from '../../platform/graphql/money.js';
import { orderInput } from '../../platform/graphql/resource.js';
import { CriteriaInput } from '../criteria/criteria.input.js';
import { AddressInput } from './address.js';
import { BantAuthority, BantNeed, BantTimeframe } from './bant.enums.js';
import { ClientKind, ClientSource, LifecycleStage } from './client.enums.js';

@InputType({
  description:
    'BANT answers of a lead (LEAD or PROSPECT). Omitted answers stay as they are, null clears one. Any answer makes leadScore computed.',
})
export class BantInput {
  @Field(() => MoneyInput, { nullable: true, description: 'Budget: what the lead can spend (≥ 0).' })
  budget?: MoneyInput | null;

  @Field(() => BantAuthority, { nullable: true })
  authority?: BantAuthority | null;

  @Field(() => BantNeed, { nullable: true })
  need?: BantNeed | null;

  @Field(() => String, { nullable: true, description: 'What the lead needs, in words (up to 2000 characters).' })
  needNotes?: string | null;

  @Field(() => BantTimeframe, { nullable: true, description: 'Timeline: when the lead means to buy.' })
  timeframe?: BantTimeframe | null;
}

/** Fields of organisations and people, shared by createClient and updateClient. */
@InputType('ClientProfileInput')
export abstract class ClientProfileInput {
  @Field(() => BantInput, { nullable: true, description: 'BANT answers (only while LEAD or PROSPECT).' })
  bant?: BantInput | null;

  @Field(() => String, { nullable: true, description: 'Organisations only: up to 100 characters.' })
  industry?: string | null;

  @Field(() => String, { nullable: true, description: 'Organisations only: up to 100 characters.' })
  territory?: string | null;

  @Field(() => AddressInput, { nullable: true, description: 'Organisations only.' })
  address?: AddressInput | null;

  @Field(() => MoneyInput, { nullable: true, description: 'Organisations only: yearly revenue (≥ 0).' })
  annualRevenue?: MoneyInput | null;

  @Field(() => Int, { nullable: true, description: 'Organisations only: 0–10,000,000.' })
  employees?: number | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Organisations only: the parent organisation (an ORGANIZATION; no cycles).',
  })
  parentOrganizationId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Organisations only: the primary contact, a person who belongs to this organisation.',
  })
  primaryContactId?: string | null;

  @Field(() => String, { nullable: true, description: 'People only: up to 100 characters.' })
  jobTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'People only: mobile number (normalised like phone).' })
  mobile?: string | null;

  @Field(() => ID, { nullable: true, description: 'People only: the person this one reports to (no cycles).' })
  reportsToId?: string | null;
}

@InputType({ description: 'A new client. Only fullName is required.' })
export class CreateClientInput extends ClientProfileInput {
  @Field({ description: 'Full name (1–200 characters).' })
  fullName!: string;

  @Field(() => String, { nullable: true, description: 'Unique in the tenant, case-insensitive.' })
  email?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Digits, optionally with + and spaces; 08… is read as Indonesian (+628…).',
  })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  nationality?: string | null;

  @Field(() => ClientKind, { nullable: true, description: 'Default PERSON.' })
  kind?: ClientKind | null;

  @Field(() => LifecycleStage, { nullable: true, description: 'Default LEAD.' })
  lifecycleStage?: LifecycleStage | null;

  @Field(() => ID, { nullable: true, description: 'Team member responsible for the client.' })
  ownerId?: string | null;

  @Field(() => [String], { nullable: true, description: 'Up to 20 tags of up to 40 characters.' })
  tags?: string[] | null;

  @Field(() => Int, { nullable: true, description: '0–100.' })
  leadScore?: number | null;

  @Field(() => ClientSource, { nullable: true, description: 'Default OTHER.' })
  source?: ClientSource | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The organisation (a client of kind ORGANIZATION) this person belongs to.',
  })
  organizationId?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}

@InputType({ description: 'Changes to a client: omitted fields stay as they are; null clears an optional field.' })
export class UpdateClientInput extends ClientProfileInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  fullName?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  nationality?: string | null;

  @Field(() => ClientKind, { nullable: true })
  kind?: ClientKind | null;

  @Field(() => LifecycleStage, { nullable: true })
  lifecycleStage?: LifecycleStage | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;

  @Field(() => Int, { nullable: true })
  leadScore?: number | null;

  @Field(() => ClientSource, { nullable: true })
  source?: ClientSource | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}

@InputType({ description: 'Archives a client, or restores it with archived: false.' })
export class ArchiveClientInput {
  @Field(() => ID)
  id!: string;

  @Field({ defaultValue: true, description: 'false restores an archived client.' })
  archived!: boolean;
}

@InputType({
  description: 'Merge `mergedId` into `survivorId`: everything of the merged client moves to the survivor.',
})
export class MergeClientsInput {
  @Field(() => ID, { description: 'The client that remains.' })
  survivorId!: string;

  @Field(() => ID, { description: 'The client merged away (archived, pointing at the survivor).' })
  mergedId!: string;
}

@InputType({ description: 'Filters on clients; all given fields must match.' })
export class ClientFilter {
  @Field(() => [LifecycleStage], { nullable: true })
  lifecycleStages?: LifecycleStage[];

  @Field(() => [ClientKind], { nullable: true })
  kinds?: ClientKind[];

  @Field(() => [ID], { nullable: true, description: 'Owners (team member IDs).' })
  ownerIds?: string[];

  @Field({ nullable: true, description: 'true: only clients without an owner.' })
  unowned?: boolean;

  @Field(() => [ClientSource], { nullable: true })
  sources?: ClientSource[];

  @Field(() => [String], { nullable: true, description: 'Clients with any of these tags.' })
  tags?: string[];

  @Field({ nullable: true, description: 'Exact nationality (case-insensitive).' })
  nationality?: string;

  @Field({ nullable: true, description: 'Text in the name, email or phone (case-insensitive).' })
  search?: string;

  @Field(() => ID, { nullable: true, description: 'People of this organisation.' })
  organizationId?: string;

  @Field(() => Int, { nullable: true, description: 'Lead score at least this (0–100).' })
  leadScoreMin?: number;

  @Field(() => Int, { nullable: true, description: 'Lead score at most this (0–100).' })
  leadScoreMax?: number;

  @Field(() => [BantAuthority], { nullable: true, description: 'BANT authority is one of these.' })
  authorities?: BantAuthority[];

  @Field(() => [BantTimeframe], { nullable: true, description: 'BANT timeline is one of these.' })
  timeframes?: BantTimeframe[];

  @Field({ nullable: true, description: 'Organisations of this industry (case-insensitive).' })
  industry?: string;

  @Field({ nullable: true, description: 'Clients of this territory (case-insensitive).' })
  territory?: string;

  @Field(() => ID, { nullable: true, description: 'Subsidiaries of this organisation.' })
  parentOrganizationId?: string;

  @Field(() => Date, { nullable: true })
  createdAfter?: Date;

  @Field(() => Date, { nullable: true })
  createdBefore?: Date;

  @Field({ nullable: true, defaultValue: false, description: 'Include archived (and merged) clients.' })
  includeArchived?: boolean;

  @Field(() => CriteriaInput, {
    nullable: true,
    description:
      'A criteria tree over clients (see `criteriaFields(entity: CLIENT)`), combined (AND) with the other fields.',
  })
  where?: CriteriaInput | null;
}

export enum ClientOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  FULL_NAME = 'FULL_NAME',
  LEAD_SCORE = 'LEAD_SCORE',
}
registerEnumType(ClientOrderField, {
  name: 'ClientOrderField',
  description: 'What a client list can be ordered by.',
});

export const ClientOrder = orderInput(
  'ClientOrder',
  ClientOrderField,
  'Order of a client list (default CREATED_AT DESC).',
);
export type ClientOrder = InstanceType<typeof ClientOrder>;
