import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, Float, ObjectType } from 'type-graphql';

import { Node } from '../../platform/graphql/node.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { SearchableEntity } from '../search/searchable.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { Direction, InteractionKind, Sentiment } from './interaction.enums.js';

/** A contact with a client: a call, a chat, an email, a meeting, a note. */
@Entity({ tableName: 'interaction' })
@Index({ name: 'interaction_search_idx', expression: SEARCH_INDEXES.interaction_search_idx })
@Index({ properties: ['tenant', 'client', 'occurredAt'] })
@Index({ properties: ['tenant', 'occurredAt'] }) // analytics: interactions of a period
@Index({ properties: ['tenant', 'deal'] })
@Index({ properties: ['tenant', 'ticket'] })
@ObjectType({ implements: Node, description: 'A contact with a client: a call, a chat, an email, a meeting, a note.' })
export class Interaction extends SearchableEntity<'direction' | 'actionItems'> {
  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade' })
  client!: Ref<Client>;

  @ManyToOne(() => Practice, { ref: true, nullable: true, deleteRule: 'set null' })
  practice?: Ref<Practice> | null;

  @Enum({ items: () => InteractionKind })
  @Field(() => InteractionKind)
  kind!: InteractionKind;

  @Enum({ items: () => Direction })
  @Field(() => Direction)
  direction: Direction = Direction.INBOUND;

  @Property({ type: 'text' })
  @Field()
  summary!: string;

  @Enum({ items: () => Sentiment, nullable: true })
  @Field(() => Sentiment, { nullable: true })
  sentiment?: Sentiment | null;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  @Field(() => [String])
  actionItems: string[] = [];

  @Property({ type: 'datetime' })
  @Field(() => Date)
  occurredAt!: Date;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  teamMember?: Ref<TeamMember> | null;

  /** The conversation it was logged from (by the auto-CRM rules), if any. */
  @ManyToOne(() => Conversation, { ref: true, nullable: true, deleteRule: 'set null' })
  conversation?: Ref<Conversation> | null;

  /** The deal it was about, if any (a deal of the same client). */
  @ManyToOne(() => Deal, { ref: true, nullable: true, deleteRule: 'set null' })
  deal?: Ref<Deal> | null;

  /** The ticket it was about, if any (a ticket of the same client, or of none). */
  @ManyToOne(() => Ticket, { ref: true, nullable: true, deleteRule: 'set null' })
  ticket?: Ref<Ticket> | null;

  /** Where it happened (WGS 84 degrees), e.g. a visit; both or neither. */
  @Property({ type: 'double', nullable: true })
  latitude?: number | null;

  @Property({ type: 'double', nullable: true })
  longitude?: number | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'What came of it, e.g. "Agreed to send the documents".' })
  outcome?: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'What happens next.' })
  nextSteps?: string | null;

  /** Set by deleteInteraction: deleted interactions are hidden from every list. */
  @Property({ type: 'datetime', nullable: true })
  deletedAt?: Date | null;
}

/** A point on Earth (WGS 84). */
@ObjectType({ description: 'A point on Earth: WGS 84 latitude and longitude in degrees.' })
export class GeoPoint {
  @Field(() => Float, { description: '−90 to 90.' })
  latitude!: number;

  @Field(() => Float, { description: '−180 to 180.' })
  longitude!: number;
}
