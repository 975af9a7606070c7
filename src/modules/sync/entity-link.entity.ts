import { type EntityManager, type Ref } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { scopedTenantId } from '../../platform/db/tenancy.js';
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

/**
 * The links of `connection` of this kind with these external ids, as managed entities of `em`.
 * One probe of the unique (tenant, connection, kind, external id) index per id, whatever the
 * table's statistics: with `external_id in (…)` and no statistics yet (a table filled by one long
 * backfill before any ANALYZE), the planner read every link of the connection and kind and filtered
 * them (100,000 contacts: ~110 ms a page, growing with each page).
 */
export async function linksByExternalId(
  em: EntityManager,
  connectionId: string,
  kind: EntityLink['kind'],
  externalIds: Iterable<string>,
): Promise<EntityLink[]> {
  const ids = [...externalIds];
  const tenantId = scopedTenantId(em);
  if (!ids.length) return [];
  if (!tenantId) throw new Error('entity links are read with a tenant-scoped EntityManager');
  const rows = await (em as SqlEntityManager).execute<Record<string, unknown>[]>(
    `select l.* from jsonb_array_elements_text(?::jsonb) as w(x)
      cross join lateral (select * from "entity_link" where "tenant_id" = ? and "connection_id" = ? and "kind" = ?
        and "external_id" = w.x limit 1) l`,
    [JSON.stringify(ids), tenantId, connectionId, kind],
  );
  return rows.map((row) => em.map(EntityLink, row));
}
