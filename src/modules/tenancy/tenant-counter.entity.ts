import { type Ref } from '@mikro-orm/core';
import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

import { Tenant } from './tenant.entity.js';

/** Per-tenant sequences (ticket numbers, …), incremented atomically with UPDATE … RETURNING. */
@Entity({ tableName: 'tenant_counter' })
export class TenantCounter {
  @ManyToOne(() => Tenant, { ref: true, primary: true, deleteRule: 'cascade' })
  tenant!: Ref<Tenant>;

  @PrimaryKey({ length: 32 })
  name!: string;

  @Property({ type: 'bigint', default: 0 })
  value!: string;
}
