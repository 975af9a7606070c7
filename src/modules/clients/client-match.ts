import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { scopedTenantId } from '../../platform/db/tenancy.js';
import { normalizeEmail } from '../../platform/validation.js';
import { ClientKind } from './client.enums.js';

/** Which rule matched a client: its email, its phone, or its name. */
export type MatchRule = 'EMAIL' | 'PHONE' | 'NAME';

/** What is known of someone to find among the clients (any of it). */
export interface MatchKey {
  /** Any form; compared in its normalised form (`normalizeEmail`). */
  email?: string | null;
  /** Normalised as stored (`Checks.phone`: `+` and digits). */
  phone?: string | null;
  /** Compared case-insensitively, spacing collapsed. */
  name?: string | null;
}

/** A client found for a key. */
export interface ClientMatchResult {
  clientId: string;
  rule: MatchRule;
  /** The normalised value that matched. */
  value: string;
  /** How many live clients the rule found for the key (the oldest is `clientId`). */
  candidates: number;
}

/** Options of {@link matchClients}. */
export interface MatchOptions {
  /** Names match only clients of this kind (default: any kind). */
  nameKind?: ClientKind;
  /**
   * Skip a rule that finds more than one client (then the next rule is tried): for links no
   * person confirms. Default false: the oldest client of the first rule that finds any.
   */
  unique?: boolean;
}

const LIVE = `"archived_at" is null and "merged_into_id" is null`;

/** The one normalised form of a name for matching: spacing collapsed, trimmed, lower-cased. */
export function normalizeName(name: string): string {
  return name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Finds the live (not archived, not merged) client of each key: by email, else by phone, else by
 * name (the auto-CRM rules of conversations and the auto-linking of tickets alike). Set-based:
 * at most one statement per rule for all the keys (indexes: lower(email), (tenant, phone), and
 * lower(full_name) of organisations). Tenant-scoped by the EntityManager's tenant.
 */
export async function matchClients(
  em: EntityManager,
  keys: readonly MatchKey[],
  options: MatchOptions = {},
): Promise<(ClientMatchResult | null)[]> {
  const tenantId = scopedTenantId(em);
  if (!tenantId) throw new Error('matchClients needs a tenant-scoped EntityManager');
  const results: (ClientMatchResult | null)[] = keys.map(() => null);
  const rules: { rule: MatchRule; value: (k: MatchKey) => string | null; sql: string }[] = [
    {
      rule: 'EMAIL',
      value: (k) => (k.email ? normalizeEmail(k.email) || null : null),
      sql: `lower("email")`,
    },
    { rule: 'PHONE', value: (k) => k.phone?.trim() || null, sql: `"phone"` },
    {
      rule: 'NAME',
      value: (k) => (k.name ? normalizeName(k.name) || null : null),
      sql: `lower("full_name")`,
    },
  ];
  for (const { rule, value, sql } of rules) {
    const open = keys.map((k, i) => (results[i] ? null : value(k)));
    const wanted = [...new Set(open.filter((v): v is string => v !== null))];
    if (!wanted.length) continue;
    const kind = rule === 'NAME' && options.nameKind ? ` and "kind" = '${options.nameKind}'` : '';
    const rows = await (em as SqlEntityManager).execute<{ id: string; k: string }[]>(
      `select "id", ${sql} as "k" from "client" where "tenant_id" = ? and ${LIVE}${kind} and ${sql} in (?) order by "created_at", "id"`,
      [tenantId, wanted],
    );
    const found = new Map<string, { id: string; n: number }>();
    for (const r of rows) {
      const f = found.get(r.k);
      if (f) f.n++;
      else found.set(r.k, { id: r.id, n: 1 });
    }
    open.forEach((v, i) => {
      const f = v === null ? undefined : found.get(v);
      if (f && (!options.unique || f.n === 1)) results[i] = { clientId: f.id, rule, value: v!, candidates: f.n };
    });
  }
  return results;
}

/** A kind-checked value for {@link MatchOptions.nameKind}. */
export const ORGANIZATIONS_ONLY: MatchOptions = { nameKind: ClientKind.ORGANIZATION, unique: true };
