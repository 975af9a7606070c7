import { type Ref } from '@mikro-orm/core';
import { ManyToOne } from '@mikro-orm/decorators/legacy';
import { ObjectType } from 'type-graphql';

import { BaseEntity } from './base.entity.js';
import { Tenant } from './tenant.entity.js';

/**
 * Base of every tenant-owned entity. The `tenant` filter (see `tenancy.ts`) scopes every read,
 * update and delete of these tables to the caller's tenant, and the tenancy subscriber stamps the
 * caller's tenant on every insert: resolvers and services never pass a tenant id by hand.
 */
@ObjectType()
export abstract class TenantScopedEntity<Optional extends string = never> extends BaseEntity<'tenant' | Optional> {
  @ManyToOne(() => Tenant, { ref: true, index: true, deleteRule: 'cascade' })
  tenant!: Ref<Tenant>;
}
