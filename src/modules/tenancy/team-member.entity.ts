import { Entity, Enum, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { Role } from './role.js';

/** A person who works in a tenant's CRM. Email is unique per tenant (case-insensitive). */
@Entity({ tableName: 'team_member' })
@Index({
  name: 'team_member_tenant_email_uq',
  expression: 'create unique index "team_member_tenant_email_uq" on "team_member" ("tenant_id", lower("email"))',
})
@ObjectType({ implements: Node, description: 'A person who works in the CRM.' })
export class TeamMember extends TenantScopedEntity<'role' | 'active'> {
  @Property({ length: 320 })
  @Field({ description: 'Login email, unique in the tenant (case-insensitive).' })
  email!: string;

  @Property({ length: 200 })
  @Field()
  name!: string;

  @Enum({ items: () => Role })
  @Field(() => Role)
  role: Role = Role.AGENT;

  @Property({ default: true })
  @Field({ description: 'Inactive members cannot authenticate.' })
  active: boolean = true;
}
