import { toGlobalId } from '../../platform/graphql/global-id.js';
import { Money } from '../../platform/graphql/money.js';

/**
 * A record whose fields a payload describes: an entity, or a plain row about to be inserted (as
 * the seed generator writes them), with its references as entities, references or bare ids.
 */
export type PayloadSource<K extends string> = { readonly [P in K]?: unknown };

/** The global ID of a reference (an entity, a reference or a bare id) to a `type`; null when there is none. */
export function globalRef(type: string, value: unknown): string | null {
  if (value == null) return null;
  return toGlobalId(type, typeof value === 'string' ? value : (value as { id: string }).id);
}

/**
 * The `keys` of a record as payload values (see event-payloads.ts): references (the keys of
 * `refs`, with the type they point to) as global IDs, money as `{ amount, currency }`, instants as
 * ISO strings, a missing value as null, anything else as it is.
 */
export function payloadFields<K extends string>(
  record: PayloadSource<K>,
  keys: readonly K[],
  refs: Partial<Record<K, string>> = {},
): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (const k of keys) {
    const v = record[k];
    const ref = refs[k];
    if (ref) out[k] = globalRef(ref, v);
    else if (v instanceof Money) out[k] = { amount: v.amount, currency: v.currency };
    else if (v instanceof Date) out[k] = v.toISOString();
    else out[k] = v ?? null;
  }
  return out;
}
