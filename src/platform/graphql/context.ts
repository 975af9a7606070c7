import type { EntityManager } from '@mikro-orm/core';

import type { Services } from '../../services.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import type { Loaders } from './loaders.js';

/** What every resolver receives. */
export interface GraphQLContext {
  requestId: string;
  /** The authenticated caller, or null for an anonymous request. */
  principal: Principal | null;
  /**
   * An EntityManager fork for this operation, scoped to the principal's tenant. For anonymous
   * requests it has no tenant, so any tenant-owned query fails closed.
   */
  em: EntityManager;
  loaders: Loaders;
  pubsub: PubSub;
  logger: Logger;
  services: Services;
}
