import { type Ref } from '@mikro-orm/core';
import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';

import { TenantScopedEntity } from '../../../platform/db/tenant-scoped.entity.js';
import { CrmConnection } from '../crm-connection.entity.js';

/**
 * A webhook event received from a provider (HubSpot), stored once per (connection, event id): a
 * replayed delivery finds its row and is not applied again. `processedAt` is set when the
 * background job has acted on it.
 */
@Entity({ tableName: 'sync_webhook_event' })
@Unique({ properties: ['connection', 'eventId'] })
export class SyncWebhookEvent extends TenantScopedEntity {
  @ManyToOne(() => CrmConnection, { ref: true, deleteRule: 'cascade' })
  connection!: Ref<CrmConnection>;

  /** The provider's event id (HubSpot `eventId`). */
  @Property({ length: 100 })
  eventId!: string;

  /** HubSpot `subscriptionType`, e.g. `contact.propertyChange`. */
  @Property({ length: 100 })
  subscriptionType!: string;

  @Property({ length: 100, nullable: true })
  objectId?: string | null;

  @Property({ type: 'datetime', nullable: true })
  occurredAt?: Date | null;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'datetime', nullable: true })
  processedAt?: Date | null;
}
