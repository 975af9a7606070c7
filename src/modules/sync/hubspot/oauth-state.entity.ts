import { Entity, Property, Unique } from '@mikro-orm/decorators/legacy';

import { TenantScopedEntity } from '../../../platform/db/tenant-scoped.entity.js';

/**
 * A used OAuth `state` (its nonce): the callback records it before exchanging the code, so a
 * replayed callback with the same state is refused — by every instance, since the row is in the
 * database. Kept until the state would have expired anyway (older rows are deleted on the way).
 */
@Entity({ tableName: 'oauth_state_use' })
@Unique({ properties: ['nonce'] })
export class OAuthStateUse extends TenantScopedEntity {
  /** The state's random nonce. */
  @Property({ length: 64 })
  nonce!: string;

  /** When the state expires; the row is useless after that. */
  @Property({ type: 'datetime', index: true })
  expiresAt!: Date;
}
