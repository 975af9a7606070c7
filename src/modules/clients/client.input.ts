import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';

import { OrderDirection } from '../../platform/graphql/connection.js';
import { CriteriaInput } from '../criteria/criteria.input.js';
import { ClientKind, ClientSource, LifecycleStage } from './client.enums.js';

@InputType({ description: 'A new client. Only fullName is required.' })
export class CreateClientInput {
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
export class UpdateClientInput {
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

@InputType({ description: 'Order of a client list (default CREATED_AT DESC).' })
export class ClientOrder {
  @Field(() => ClientOrderField)
  field!: ClientOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction!: OrderDirection;
}
