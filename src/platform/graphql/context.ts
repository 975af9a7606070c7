import type { EntityManager } from '@mikro-orm/core';

import type { Principal, UnconfirmedPrincipal } from '../auth/principal.js';
import { forkForTenant } from '../db/tenancy.js';
import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import { Loaders } from './loaders.js';

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
   * Set while `principal` is only what a token's claims say (HTTP operations): the member's row is
   * checked before anything runs, except by the fast read path, which checks it in its own
   * statement (see `confirmPrincipal` in server.ts).
   */
  unconfirmed?: UnconfirmedPrincipal;
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

/** What every operation's context shares. */
export interface ContextParts {
  /** The root EntityManager; each operation gets a fork. */
  root: EntityManager;
  pubsub: PubSub;
  logger: Logger;
  services: ContextServices;
}

/** Builds the context of one operation from its principal and request id. */
export type ContextFactory = (principal: Principal | null, requestId: string) => GraphQLContext;

/**
 * The context factory of an API. The EntityManager fork (scoped to the principal's tenant) and
 * the loaders are made on first use: a subscription's context lives as long as its socket, and its
 * events are executed with a context of their own (see SubscriptionFanout).
 */
export function contextFactory({ root, pubsub, logger, services }: ContextParts): ContextFactory {
  return (principal, requestId) => {
    let em: EntityManager | undefined;
    let loaders: Loaders | undefined;
    return {
      requestId,
      principal,
      get em() {
        return (em ??= principal
          ? forkForTenant(root, principal.tenantId)
          : root.fork({ clear: true, useContext: false }));
      },
      get loaders() {
        return (loaders ??= new Loaders());
      },
      pubsub,
      logger,
      services,
    };
  };
}
