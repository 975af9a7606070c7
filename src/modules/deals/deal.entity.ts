import { type Ref } from '@mikro-orm/core';
import { Embedded, Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Money } from '../../platform/graphql/money.js';
import { Node } from '../../platform/graphql/node.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { Client } from '../clients/client.entity.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { SearchableEntity } from '../search/searchable.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { DealStatus } from './deal.enums.js';
import { Pipeline, PipelineStage } from './pipeline.entity.js';

/** A sales opportunity with a client, moving through a pipeline. */
@Entity({ tableName: 'deal' })
@Index({ name: 'deal_search_idx', expression: SEARCH_INDEXES.deal_search_idx })
@Index({ properties: ['tenant', 'client'] })
@Index({ properties: ['tenant', 'stage'] })
@Index({ properties: ['tenant', 'createdAt', 'id'] })
@Index({ properties: ['tenant', 'closedAt'] })
@ObjectType({ implements: Node, description: 'A sales opportunity with a client, moving through a pipeline.' })
export class Deal extends SearchableEntity<'status'> {
  @Property({ length: 200 })
  @Field()
  title!: string;

  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade' })
  client!: Ref<Client>;

  @ManyToOne(() => Pipeline, { ref: true })
  pipeline!: Ref<Pipeline>;

  @ManyToOne(() => PipelineStage, { ref: true })
  stage!: Ref<PipelineStage>;

  @Embedded(() => Money, { nullable: true, prefix: 'amount_' })
  @Field(() => Money, { nullable: true })
  amount?: Money | null;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Win probability 0–100 (defaults to the stage’s).' })
  probability!: number;

  @Property({ type: 'date', nullable: true })
  @Field(() => DateScalar, { nullable: true })
  expectedCloseDate?: string | null;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  owner?: Ref<TeamMember> | null;

  @Enum({ items: () => DealStatus })
  @Field(() => DealStatus)
  status: DealStatus = DealStatus.OPEN;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  closedAt?: Date | null;

  @Property({ length: 500, nullable: true })
  @Field(() => String, { nullable: true })
  lostReason?: string | null;
}

/** A deal's stay in one stage. */
@Entity({ tableName: 'deal_stage_history' })
@ObjectType({ description: 'A stay of a deal in one stage: when it entered and left.' })
export class DealStageHistory extends TenantScopedEntity {
  @ManyToOne(() => Deal, { ref: true, deleteRule: 'cascade', index: true })
  deal!: Ref<Deal>;

  @ManyToOne(() => PipelineStage, { ref: true })
  stage!: Ref<PipelineStage>;

  @Property({ type: 'datetime' })
  @Field(() => Date)
  enteredAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'Null while the deal is still in this stage.' })
  leftAt?: Date | null;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  movedBy?: Ref<TeamMember> | null;
}
