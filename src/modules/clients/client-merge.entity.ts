import { type Ref } from '@mikro-orm/core';
import { Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { JSONScalar } from '../../platform/graphql/scalars.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Client } from './client.entity.js';

/** The record of a merge: which client survived, which was merged, and what moved. */
@Entity({ tableName: 'client_merge' })
@ObjectType({ implements: Node, description: 'A record of two clients merged into one.' })
export class ClientMerge extends TenantScopedEntity {
  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade' })
  survivor!: Ref<Client>;

  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade' })
  merged!: Ref<Client>;

  /** The merged client's fields as they were before the merge. */
  @Property({ type: 'json' })
  @Field(() => JSONScalar, { description: "The merged client's fields before the merge." })
  mergedSnapshot!: Record<string, unknown>;

  /** How many records of each kind moved to the survivor. */
  @Property({ type: 'json' })
  @Field(() => JSONScalar, { description: 'How many practices, deals, tickets, interactions moved.' })
  moved!: Record<string, number>;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  mergedBy?: Ref<TeamMember> | null;
}
