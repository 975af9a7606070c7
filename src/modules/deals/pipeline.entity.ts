import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { StageKind } from './deal.enums.js';

/** A sales pipeline: ordered stages a deal moves through. */
@Entity({ tableName: 'pipeline' })
@ObjectType({ implements: Node, description: 'A sales pipeline: ordered stages a deal moves through.' })
export class Pipeline extends TenantScopedEntity<'isDefault'> {
  @Property({ length: 200 })
  @Field()
  name!: string;

  @Property({ default: false })
  @Field({ description: 'New deals go to the default pipeline unless told otherwise.' })
  isDefault: boolean = false;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, {
    nullable: true,
    description: 'When the pipeline was archived: it takes no new deals and is hidden from `pipelines` by default.',
  })
  archivedAt?: Date | null;
}

/** One stage of a pipeline. */
@Entity({ tableName: 'pipeline_stage' })
@ObjectType({ implements: Node, description: 'A stage of a pipeline.' })
export class PipelineStage extends TenantScopedEntity<'kind'> {
  @ManyToOne(() => Pipeline, { ref: true, deleteRule: 'cascade', index: true })
  pipeline!: Ref<Pipeline>;

  @Property({ length: 200 })
  @Field()
  name!: string;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Order within the pipeline, from 0.' })
  position!: number;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Default win probability of deals in this stage, 0–100.' })
  probability!: number;

  @Enum({ items: () => StageKind })
  @Field(() => StageKind)
  kind: StageKind = StageKind.OPEN;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, {
    nullable: true,
    description:
      'When the stage was archived: no deal can enter it, and `Pipeline.stages` hides it unless asked for archived stages.',
  })
  archivedAt?: Date | null;
}
