import type { EntityClass, EntityManager, FilterQuery } from '@mikro-orm/core';

import { fromGlobalId } from '../graphql/global-id.js';
import type { Checks } from '../validation.js';

/**
 * Resolves a global ID given in a mutation's input to an entity of the caller's tenant. A wrong
 * type, a missing row and another tenant's row all record the same `NOT_FOUND` user error on
 * `field`, so nothing leaks. `null` passes through (clearing a link); `undefined` means "not given".
 */
export async function resolveRef<E extends object>(
  em: EntityManager,
  checks: Checks,
  field: string,
  entity: EntityClass<E>,
  globalId: string | null | undefined,
): Promise<E | null | undefined> {
  if (globalId === undefined || globalId === null) return globalId;
  const decoded = fromGlobalId(globalId);
  const found =
    decoded && decoded.type === entity.name
      ? await em.findOne(entity, { id: decoded.id } as FilterQuery<NoInfer<E>>)
      : null;
  if (!found) checks.add(field, 'NOT_FOUND', `No ${entity.name} with id ${globalId}`);
  return found ?? undefined;
}

/** Decodes global IDs of `type` for a list filter; IDs of other types or garbage match nothing. */
export function filterIds(globalIds: string[] | null | undefined, type: string): string[] | undefined {
  if (!globalIds) return undefined;
  return globalIds.map((g) => {
    const d = fromGlobalId(g);
    return d && d.type === type ? d.id : '00000000-0000-0000-0000-000000000000';
  });
}
