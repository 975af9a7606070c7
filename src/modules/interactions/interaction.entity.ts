import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Direction, InteractionKind, Sentiment } from './interaction.enums.js';

/** A contact with a client: a call, a chat, an email, a meeting, a note. */
@Entity({ tableName: 'interaction' })
@Index({ name: 'interaction_search_idx', expression: SEARCH_INDEXES.interaction_search_idx })
@Index({ properties: ['tenant', 'client', 'occurredAt'] })
@Index({ properties: ['tenant', 'occurredAt'] }) // analytics: interactions of a period
@ObjectType({ implements: Node, description: 'A contact with a client: a call, a chat, an email, a meeting, a note.' })
export class Interaction extends TenantScopedEntity<'direction' | 'actionItems'> {
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
}
