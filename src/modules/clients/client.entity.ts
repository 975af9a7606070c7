import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { ClientKind, ClientSource, LifecycleStage } from './client.enums.js';

/** A person or organisation the business serves, from lead to customer. */
@Entity({ tableName: 'client' })
@Index({ properties: ['tenant', 'createdAt', 'id'] })
@Index({ properties: ['tenant', 'owner'] })
@Index({ properties: ['tenant', 'phone'] })
@Index({
  name: 'client_tenant_email_uq',
  expression:
    'create unique index "client_tenant_email_uq" on "client" ("tenant_id", lower("email")) where "email" is not null',
})
@ObjectType({ implements: Node, description: 'A person or organisation the business serves, from lead to customer.' })
export class Client extends TenantScopedEntity<'kind' | 'lifecycleStage' | 'leadScore' | 'source' | 'tags'> {
  @Enum({ items: () => ClientKind })
  @Field(() => ClientKind)
  kind: ClientKind = ClientKind.PERSON;

  @Property({ length: 200 })
  @Field({ description: 'Full name of the person, or the legal name of the organisation.' })
  fullName!: string;

  @Property({ length: 320, nullable: true })
  @Field(() => String, { nullable: true, description: 'Unique in the tenant (case-insensitive).' })
  email?: string | null;

  @Property({ length: 32, nullable: true })
  @Field(() => String, { nullable: true, description: 'E.164-style phone number, e.g. +6281234567890.' })
  phone?: string | null;

  @Property({ length: 64, nullable: true })
  @Field(() => String, { nullable: true, description: 'Nationality, e.g. "Italian" or "IT".' })
  nationality?: string | null;

  @Enum({ items: () => LifecycleStage })
  @Field(() => LifecycleStage)
  lifecycleStage: LifecycleStage = LifecycleStage.LEAD;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int, { description: '0–100: how promising the client is.' })
  leadScore: number = 0;

  @Enum({ items: () => ClientSource })
  @Field(() => ClientSource)
  source: ClientSource = ClientSource.OTHER;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  @Field(() => [String])
  tags: string[] = [];

  /** The team member responsible for the client. */
  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  owner?: Ref<TeamMember> | null;

  /** The organisation a person belongs to. */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  organization?: Ref<Client> | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  notes?: string | null;

  /** Archived clients are hidden from lists unless asked for. */
  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, {
    nullable: true,
    description: 'Set when archived; archived clients are hidden from lists unless `includeArchived`.',
  })
  archivedAt?: Date | null;

  /** Set on a client merged into another: the survivor. */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  mergedInto?: Ref<Client> | null;
}
