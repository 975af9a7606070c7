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
  /**
   * For reads that load no entity (statements whose rows are only serialized: the fast read path):
   * an EntityManager scoped to the principal's tenant, shared by that tenant's operations so that
   * they need no fork of their own; `em` when this operation's fork exists already, or inside a
   * transaction. Never load or persist entities through it (its identity map would be shared).
   */
  readonly readEm?: EntityManager;
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
 * events are executed with a context of their own (see SubscriptionFanout); an HTTP query the fast
 * path answers needs no loaders. The lazy getters live on the class's prototype, so a copy of the
 * context's own fields (Apollo clones the context of every request) stays lazy instead of running them.
 */
export function contextFactory(parts: ContextParts): ContextFactory {
  const reads = new TenantReads(parts.root);
  return (principal, requestId) => new RequestContext(parts, reads, principal, requestId);
}

/** How many tenants' shared read EntityManagers are kept (past it, the map starts again). */
const MAX_TENANT_READS = 1000;

/** One EntityManager per tenant for {@link GraphQLContext.readEm}: a fork costs a few % of a fast request's CPU. */
class TenantReads {
  private readonly forks = new Map<string, EntityManager>();

  constructor(private readonly root: EntityManager) {}

  /** The tenant's shared fork; null inside a transaction (an operation's own fork keeps it). */
  of(tenantId: string): EntityManager | null {
    if (this.root.getTransactionContext()) return null;
    let em = this.forks.get(tenantId);
    if (!em) {
      if (this.forks.size >= MAX_TENANT_READS) this.forks.clear();
      em = forkForTenant(this.root, tenantId);
      this.forks.set(tenantId, em);
    }
    return em;
  }
}

/** One operation's {@link GraphQLContext}: its `em` and `loaders` are made on first use. */
class RequestContext implements GraphQLContext {
  unconfirmed?: UnconfirmedPrincipal;
  pubsub: PubSub;
  logger: Logger;
  services: ContextServices;
  private root: EntityManager;
  private reads: TenantReads;
  private lazyEm: EntityManager | undefined;
  private lazyLoaders: Loaders | undefined;

  constructor(
    parts: ContextParts,
    reads: TenantReads,
    public principal: Principal | null,
    public requestId: string,
  ) {
    this.root = parts.root;
    this.reads = reads;
    this.pubsub = parts.pubsub;
    this.logger = parts.logger;
    this.services = parts.services;
  }

  get em(): EntityManager {
    return (this.lazyEm ??= this.principal
      ? forkForTenant(this.root, this.principal.tenantId)
      : this.root.fork({ clear: true, useContext: false }));
  }

  get readEm(): EntityManager {
    return this.lazyEm ?? (this.principal && this.reads.of(this.principal.tenantId)) ?? this.em;
  }

  get loaders(): Loaders {
    return (this.lazyLoaders ??= new Loaders());
  }
}
