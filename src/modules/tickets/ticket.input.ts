import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';

import { ChildConnectionArgs } from '../../platform/graphql/connection.js';
import { orderInput } from '../../platform/graphql/resource.js';
import { CriteriaInput } from '../criteria/criteria.input.js';
import { Channel } from '../shared/channel.js';
import { TicketPriority, TicketStatus } from './ticket.enums.js';

@InputType({ description: 'A new ticket; it gets the next number of the tenant.' })
export class CreateTicketInput {
  @Field({ description: '1–300 characters.' })
  subject!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => TicketPriority, { nullable: true, description: 'Default NORMAL.' })
  priority?: TicketPriority | null;

  @Field(() => Channel, { nullable: true, description: 'Default WEB.' })
  channel?: Channel | null;

  @Field(() => ID, { nullable: true })
  clientId?: string | null;

  @Field(() => ID, { nullable: true })
  dealId?: string | null;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;

  @Field(() => ID, { nullable: true })
  assigneeId?: string | null;

  @Field(() => String, { nullable: true, description: 'Who asked (up to 200 characters).' })
  requesterName?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The requester email. Without a client, deal or practice, the ticket is linked to the client it matches.',
  })
  requesterEmail?: string | null;

  @Field(() => String, { nullable: true, description: 'The requester phone (matched after the email).' })
  requesterPhone?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The requester's company (matched against organisation names after email and phone).",
  })
  requesterCompany?: string | null;
}

@InputType({ description: 'Changes to a ticket. Setting status RESOLVED sets resolvedAt.' })
export class UpdateTicketInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => TicketStatus, { nullable: true })
  status?: TicketStatus | null;

  @Field(() => TicketPriority, { nullable: true })
  priority?: TicketPriority | null;

  @Field(() => Channel, { nullable: true })
  channel?: Channel | null;

  @Field(() => ID, { nullable: true })
  assigneeId?: string | null;
}

@InputType({ description: 'Links a ticket to a client, a deal or a practice (given by its ID).' })
export class LinkTicketInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'ID of a Client, Deal or Practice.' })
  targetId!: string;
}

@InputType({ description: 'Filters on tickets; all given fields must match.' })
export class TicketFilter {
  @Field(() => TicketStatus, { nullable: true, description: 'Shortcut for statuses: [status].' })
  status?: TicketStatus;

  @Field(() => [TicketStatus], { nullable: true })
  statuses?: TicketStatus[];

  @Field(() => [TicketPriority], { nullable: true })
  priorities?: TicketPriority[];

  @Field(() => [Channel], { nullable: true })
  channels?: Channel[];

  @Field(() => ID, { nullable: true })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  dealId?: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string;

  @Field(() => [ID], { nullable: true })
  assigneeIds?: string[];

  @Field({ nullable: true, description: 'Text in the subject or the description (case-insensitive).' })
  search?: string;

  @Field(() => Date, { nullable: true })
  createdAfter?: Date;

  @Field(() => Date, { nullable: true })
  createdBefore?: Date;

  @Field(() => CriteriaInput, {
    nullable: true,
    description:
      'A criteria tree over tickets (see `criteriaFields(entity: TICKET)`), combined (AND) with the other fields.',
  })
  where?: CriteriaInput | null;
}

export enum TicketOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  NUMBER = 'NUMBER',
}
registerEnumType(TicketOrderField, {
  name: 'TicketOrderField',
  description: 'What a ticket list can be ordered by.',
});

export const TicketOrder = orderInput(
  'TicketOrder',
  TicketOrderField,
  'Order of a ticket list (default CREATED_AT DESC).',
);
export type TicketOrder = InstanceType<typeof TicketOrder>;

/** Arguments of the tickets of a client, a deal or a practice. */
@ArgsType()
export class ChildTicketsArgs extends ChildConnectionArgs {
  @Field(() => TicketFilter, { nullable: true })
  filter?: TicketFilter | null;
}
