import { type Ref } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { CrmConnection } from './crm-connection.entity.js';
import type { SyncObjectType } from './sync.enums.js';

/**
 * (connection, object type, external id) ↔ a Meridian record, with the hash of the content last
 * applied: a record seen again unchanged is skipped, and a re-run or resumed run never creates a
 * second local record for it. PUSH links use object types of their own (ACTIVITY, DEAL_STAGE) in
 * `kind`.
 */
@Entity({ tableName: 'entity_link' })
@Unique({ properties: ['tenant', 'connection', 'kind', 'externalId'] })
@Index({ properties: ['tenant', 'localType', 'localId'] })
export class EntityLink extends TenantScopedEntity {
  @ManyToOne(() => CrmConnection, { ref: true, deleteRule: 'cascade' })
  connection!: Ref<CrmConnection>;

  /** A {@link SyncObjectType}, or a push kind (`ACTIVITY`, `DEAL_STAGE`). */
  @Property({ length: 40 })
  kind!: SyncObjectType | 'ACTIVITY' | 'DEAL_STAGE';

  @Property({ length: 255 })
  externalId!: string;

  /** Entity class name of the local record (`Client`, `Deal`, `Interaction`). */
  @Property({ length: 40 })
  localType!: string;

  @Property({ type: 'uuid' })
  localId!: string;

  /** Hash of the mapped values last applied (or pushed). */
  @Property({ length: 64 })
  hash!: string;

  @Property({ type: 'datetime' })
  syncedAt!: Date;

  /**
   * The provider's values last applied (deals: per mapped field), so the deal conflict rule can
   * tell a field the provider changed from one only Meridian changed. Null for other kinds.
   */
  @Property({ type: 'json', nullable: true })
  syncedValues?: Record<string, string | null> | null;
}
