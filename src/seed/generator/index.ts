/**
 * The seed generator: a realistic, deterministic CRM data set for development, demos and benchmarks.
 *
 * `clients.ts` generates a client and calls `practices.ts`, `deals.ts`, `tickets.ts` and
 * `interactions.ts` for its records; `context.ts` holds the random sources and shared helpers;
 * `reference/` the names and texts; `write.ts` reads the tenant's reference data and inserts the rows.
 * Domain rules (a deal's status from its stage, an interaction's channel, ticket numbers) come from
 * the modules' `*.rules.ts`, as in the services.
 */
import type { EntityManager } from '@mikro-orm/core';

import type { Services } from '../../app/services.js';
import { Client } from '../../modules/clients/client.entity.js';
import type { Tenant } from '../../modules/tenancy/tenant.entity.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import type { SeedMember } from './context.js';
import { seedMembers } from './reference/people.js';
import { fillTenant, type GeneratedCounts } from './write.js';

export { SEED_ANCHOR } from './util.js';

/**
 * Seed of the small data set {@link seedDemoData} writes; chosen so that the demo has organisations,
 * deals in every kind of stage, a permit that expired last month and several due for renewal in
 * the next 90 days (expiry dates are offsets from today, so this holds on any day).
 */
export const DEMO_DATA_SEED = 35;

/** Number of clients {@link seedDemoData} writes. */
export const DEMO_DATA_CLIENTS = 25;

/** Options of {@link generateDataset}. */
export interface GenerateOptions {
  /** Slug of the tenant to fill; created (with its defaults) if missing. */
  tenantSlug: string;
  /** How many clients to generate. */
  clients: number;
  /** Seed of the random generator (default 42): the same seed gives the same names and counts. */
  seed?: number;
  /** Called after every inserted batch of clients. */
  onProgress?: (done: number, total: number) => void;
  services: Services;
}

/** What {@link generateDataset} inserted. */
export interface GenerateResult extends GeneratedCounts {
  tenantId: string;
}

/**
 * Fills a tenant with a realistic, deterministic CRM data set for development, demos and
 * benchmarks: `clients` clients (people of many nationalities, ~10% organisations) with practices,
 * deals (each with its path through the pipeline's stages), tickets, interactions and one timeline event per record.
 *
 * Creates the tenant (with its practice types and pipeline) and five team members if missing.
 * The same `seed` always gives the same names, emails and counts (emails get a numeric suffix if
 * the tenant already has them). Rows are written with multi-row INSERTs, one transaction per batch
 * of clients; ticket numbers continue the tenant's `ticket` counter. Timeline events are written as
 * already published, so the outbox relay does not broadcast them. `root` is an unscoped
 * EntityManager.
 */
export async function generateDataset(root: EntityManager, opts: GenerateOptions): Promise<GenerateResult> {
  const { tenant } = await opts.services.tenancy.ensureTenant(root, opts.tenantSlug);
  const em = forkForTenant(root, tenant.id);
  const members = await ensureSeedMembers(em, tenant, opts.services);
  const counts = await fillTenant(
    em,
    tenant,
    members,
    opts.clients,
    opts.seed ?? 42,
    opts.services.clock.now(),
    opts.onProgress,
  );
  return { tenantId: tenant.id, ...counts };
}

/** The five team members of a seeded tenant, created through the tenancy service if missing. */
async function ensureSeedMembers(em: EntityManager, tenant: Tenant, services: Services): Promise<SeedMember[]> {
  const members: SeedMember[] = [];
  for (const m of seedMembers(tenant.slug))
    members.push(await services.tenancy.ensureMember(em, m.email, m.role, m.name));
  return members;
}

/**
 * Writes a small demo data set ({@link DEMO_DATA_CLIENTS} clients with their practices, deals,
 * tickets, interactions and timeline) into a tenant that has no clients yet; does nothing
 * otherwise, so it is safe to call on every start. `em` is scoped to `tenant`, whose practice types
 * and pipeline must exist (they are seeded when the tenant is created); its five team members are
 * created through the tenancy service if missing.
 */
export async function seedDemoData(em: EntityManager, tenant: Tenant, services: Services): Promise<void> {
  if (await em.count(Client, {})) return;
  const members = await ensureSeedMembers(em, tenant, services);
  await fillTenant(em, tenant, members, DEMO_DATA_CLIENTS, DEMO_DATA_SEED, services.clock.now());
}
