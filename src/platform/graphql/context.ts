import type { EntityManager } from '@mikro-orm/core';

import type { Principal } from '../auth/principal.js';
import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import type { Loaders } from './loaders.js';

/**
 * The application's services as resolvers see them (`ctx.services`). Empty here: the platform
 * knows no module. The composition root (`src/app/services.ts`) fills it in by declaration
 * merging, so `ctx.services.tickets` is typed in every module without the modules importing it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ContextServices {}

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
  services: ContextServices;
}
