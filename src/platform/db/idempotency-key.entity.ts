import { type Ref } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

import { Tenant } from './tenant.entity.js';

/**
 * One `Idempotency-Key` of one principal: the request it was first sent with and, once that
 * mutation has run, the response replayed to retries (see `platform/idempotency.ts`, which reads
 * and writes this table with single SQL statements so that instances sharing the database agree).
 */
@Entity({ tableName: 'idempotency_key' })
@Index({ properties: ['expiresAt'] })
export class IdempotencyKey {
  @ManyToOne(() => Tenant, { ref: true, primary: true, deleteRule: 'cascade' })
  tenant!: Ref<Tenant>;

  /** Who sent it within the tenant: `member:<id>` or `apiKey:<id>`. */
  @PrimaryKey({ length: 100 })
  principal!: string;

  /** The key as sent (1–255 printable ASCII characters). */
  @PrimaryKey({ length: 255 })
  key!: string;

  /** SHA-256 (hex) of the canonical JSON of query, operationName and variables. */
  @Property({ length: 64 })
  requestHash!: string;

  /** Identifies the execution holding the key (a retry after a crash takes it over with a new one). */
  @Property({ type: 'uuid' })
  claim!: string;

  /** HTTP status of the stored response; null while the first request is still executing. */
  @Property({ type: 'smallint', nullable: true })
  status?: number | null;

  /** The stored response body, exactly as serialized (text, not jsonb, so key order is kept). */
  @Property({ type: 'text', nullable: true })
  body?: string | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date;

  /** Until when an unfinished execution holds the key; after it a retry may take the key over. */
  @Property({ type: 'datetime', nullable: true })
  lockedUntil?: Date | null;

  /** When the key is forgotten (IDEMPOTENCY_TTL_HOURS after the first request). */
  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
