import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { Practice } from './practice.entity.js';
import { DocumentStatus } from './practice.enums.js';

/** A document of a practice (passport copy, sponsor letter, …). */
@Entity({ tableName: 'document' })
@ObjectType({ implements: Node, description: 'A document of a practice (passport copy, sponsor letter, …).' })
export class Document extends TenantScopedEntity<'status'> {
  @ManyToOne(() => Practice, { ref: true, deleteRule: 'cascade', index: true })
  practice!: Ref<Practice>;

  @Property({ length: 200 })
  @Field()
  name!: string;

  @Property({ length: 64 })
  @Field({ description: 'What the document is, e.g. PASSPORT, PHOTO, SPONSOR_LETTER.' })
  kind!: string;

  @Property({ length: 2048, nullable: true })
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Enum({ items: () => DocumentStatus })
  @Field(() => DocumentStatus)
  status: DocumentStatus = DocumentStatus.REQUESTED;
}
