import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { Role } from './role.js';
import { TeamMember } from './team-member.entity.js';

/**
 * A long-lived credential for programs. Only a SHA-256 hash of the key is stored; the key itself
 * is shown once, when created.
 */
@Entity({ tableName: 'api_key' })
@ObjectType({
  implements: Node,
  description: 'A credential for programs (send it as X-Api-Key). The key is shown only once.',
})
export class ApiKey extends TenantScopedEntity {
  @Property({ length: 200 })
  @Field()
  name!: string;

  @Enum({ items: () => Role })
  @Field(() => Role)
  role!: Role;

  /** First characters of the key, shown in lists so people can tell keys apart. */
  @Property({ length: 16 })
  @Field({ description: 'The start of the key (mk_<prefix>_…), to tell keys apart.' })
  prefix!: string;

  /** Hex SHA-256 of the whole key. */
  @Unique()
  @Property({ length: 64, hidden: true })
  keyHash!: string;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  lastUsedAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'Set when revoked; a revoked key no longer authenticates.' })
  revokedAt?: Date;

  /** The member who created the key (null: created with an API key, or before this was recorded). Deactivating them revokes it. */
  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  createdBy?: Ref<TeamMember> | null;
}
