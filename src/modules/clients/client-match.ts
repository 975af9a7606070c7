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

/**
 * The clients of the tenant with these (normalised) emails, `live` ones only or all, as
 * `{ id, k: the email }`, oldest first. One probe of the unique (tenant, lower(email)) index per
 * email whatever the table's statistics: `lower(email) in (…)` cannot use that partial index (its
 * `email is not null` is not implied), and with `email is not null` added the planner, having no
 * statistics on `lower(email)`, still estimated half the table per list and read all of it (a
 * 100,000-client tenant: ~220 ms a statement, once or twice per sync page). At most one client
 * has an email (the index is unique), so each probe stops at its first row.
 */
export async function clientsByEmail(
  em: EntityManager,
  tenantId: string,
  emails: readonly string[],
  live: boolean,
): Promise<{ id: string; k: string }[]> {
  if (!emails.length) return [];
  return (em as SqlEntityManager).execute<{ id: string; k: string }[]>(
    `select c."id", w.k as "k" from jsonb_array_elements_text(?::jsonb) as w(k)
      cross join lateral (select "id", "created_at" from "client" where "tenant_id" = ? and "email" is not null
        and lower("email") = w.k${live ? ` and ${LIVE}` : ''} limit 1) c
      order by c."created_at", c."id"`,
    [JSON.stringify(emails), tenantId],
  );
}

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
    const rows =
      rule === 'EMAIL'
        ? await clientsByEmail(em, tenantId, wanted, true)
        : // Per key, like emails (`offset 0` keeps the subquery per key): the IN-list form read
          // every client of the tenant while the table had no statistics.
          await (em as SqlEntityManager).execute<{ id: string; k: string }[]>(
            `select c."id", w.k as "k" from jsonb_array_elements_text(?::jsonb) as w(k)
              cross join lateral (select "id", "created_at" from "client"
                where "tenant_id" = ? and ${LIVE}${kind} and ${sql} = w.k offset 0) c
              order by c."created_at", c."id"`,
            [JSON.stringify(wanted), tenantId],
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
