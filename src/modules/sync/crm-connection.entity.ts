import { Entity, Enum, Index, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { CrmConnectionStatus, CrmProvider } from './sync.enums.js';

/** How a connection is doing: its last success and its last error. */
@ObjectType('CrmConnectionHealth', { description: 'How a connection is doing: its last success and last error.' })
export class CrmConnectionHealth {
  @Field(() => Date, { nullable: true, description: 'When a run of this connection last succeeded.' })
  lastSuccessAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The last error (never contains credentials).' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the last error happened.' })
  lastErrorAt!: Date | null;
}

/**
 * A tenant's link to another CRM (or its CSV imports). Credentials are stored sealed with
 * AES-256-GCM under SECRETS_KEY and are never exposed by the API or written to logs.
 */
@Entity({ tableName: 'crm_connection' })
@Index({ properties: ['tenant', 'provider'] })
@Index({ properties: ['provider', 'accountId'] })
@ObjectType({
  implements: Node,
  description:
    'A link to another CRM (HubSpot, Zoho, Odoo) or to CSV imports. Credentials are stored encrypted and never exposed.',
})
export class CrmConnection extends TenantScopedEntity<'status' | 'scopes' | 'deltaCursors'> {
  @Enum({ items: () => CrmProvider })
  @Field(() => CrmProvider)
  provider!: CrmProvider;

  @Enum({ items: () => CrmConnectionStatus })
  @Field(() => CrmConnectionStatus)
  status: CrmConnectionStatus = CrmConnectionStatus.CONNECTED;

  @Property({ length: 200, nullable: true })
  @Field(() => String, { nullable: true, description: 'The account’s name at the provider.' })
  accountName?: string | null;

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true, description: 'The account’s id at the provider (HubSpot portal id).' })
  accountId?: string | null;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  @Field(() => [String], { description: 'OAuth scopes granted.' })
  scopes: string[] = [];

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  connectedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When a run of this connection last finished.' })
  lastSyncAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  lastSuccessAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'datetime', nullable: true })
  lastErrorAt?: Date | null;

  /** Sealed credentials (SecretBox, bound to the connection id); null for CSV and when disconnected. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  credentials?: string | null;

  /** Delta watermarks per object type (ISO instants), advanced when a DELTA run finishes. */
  @Property({ type: 'json', defaultRaw: `'{}'` })
  deltaCursors: Record<string, string> = {};
}
