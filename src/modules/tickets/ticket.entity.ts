import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { Node } from '../../platform/graphql/node.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { SearchableEntity } from '../search/searchable.entity.js';
import { Channel } from '../shared/channel.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { TicketPriority, TicketStatus } from './ticket.enums.js';

/** A support request, optionally linked to a client, a deal and a practice. */
@Entity({ tableName: 'ticket' })
@Index({ name: 'ticket_search_idx', expression: SEARCH_INDEXES.ticket_search_idx })
@Unique({ properties: ['tenant', 'number'] })
@Index({ properties: ['tenant', 'client', 'status'] })
@Index({ properties: ['tenant', 'status', 'createdAt'] })
@Index({
  name: 'ticket_tenant_unlinked_requester_idx',
  expression:
    'create index "ticket_tenant_unlinked_requester_idx" on "ticket" ("tenant_id", "id") where "client_id" is null and ("requester_email" is not null or "requester_phone" is not null or "requester_company" is not null)',
})
@ObjectType({
  implements: Node,
  description: 'A support request, optionally linked to a client, a deal and a practice.',
})
export class Ticket extends SearchableEntity<'status' | 'priority' | 'channel'> {
  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Sequential number within the tenant (#1, #2, …).' })
  number!: number;

  @Property({ length: 300 })
  @Field()
  subject!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  description?: string | null;

  @Enum({ items: () => TicketStatus })
  @Field(() => TicketStatus)
  status: TicketStatus = TicketStatus.OPEN;

  @Enum({ items: () => TicketPriority })
  @Field(() => TicketPriority)
  priority: TicketPriority = TicketPriority.NORMAL;

  @Enum({ items: () => Channel })
  @Field(() => Channel)
  channel: Channel = Channel.WEB;

  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  client?: Ref<Client> | null;

  @ManyToOne(() => Deal, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  deal?: Ref<Deal> | null;

  @ManyToOne(() => Practice, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  practice?: Ref<Practice> | null;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  assignee?: Ref<TeamMember> | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the ticket was last resolved.' })
  resolvedAt?: Date | null;

  @Property({ length: 200, nullable: true })
  @Field(() => String, { nullable: true, description: 'Who asked, as they gave their name (e.g. in an email).' })
  requesterName?: string | null;

  @Property({ length: 320, nullable: true })
  @Field(() => String, { nullable: true, description: "The requester's email (normalised); used to find the client." })
  requesterEmail?: string | null;

  @Property({ length: 32, nullable: true })
  @Field(() => String, { nullable: true, description: "The requester's phone (normalised); used to find the client." })
  requesterPhone?: string | null;

  @Property({ length: 200, nullable: true })
  @Field(() => String, {
    nullable: true,
    description: "The requester's company; matched against organisations' names to find the client.",
  })
  requesterCompany?: string | null;
}
