import { type EntityManager, type FilterQuery, raw } from '@mikro-orm/core';

import type { Clock } from '../../platform/clock.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { DomainError, type UserErrorShape } from '../../platform/errors.js';
import { compileChecked, type CompiledCriteria } from './criteria.compiler.js';
import { type CriteriaEntityName, type FieldListing, listFields } from './criteria.fields.js';
import { type CheckedCriteria, validateCriteria } from './criteria.tree.js';

/** The alias placeholder MikroORM replaces with the root table's alias in a raw where fragment. */
const MIKRO_ALIAS = '[::alias::]';

/**
 * The criteria language as the other modules use it: list queries (`filter.where`), search
 * filters, segments and questions all go through {@link CriteriaService.compile}.
 */
export class CriteriaService {
  constructor(private readonly clock: Clock) {}

  /** The fields (paths), types and operators of `entity` (the `criteriaFields` query). */
  fields(entity: CriteriaEntityName): FieldListing[] {
    return listFields(entity);
  }

  /** Validates a tree: the checked tree, or user errors with their paths (after `path`). */
  check(entity: CriteriaEntityName, tree: unknown, path: string[] = []) {
    return validateCriteria(entity, tree, path);
  }

  /**
   * The SQL condition of a checked tree for the tenant of `em` (which must be tenant-scoped),
   * with "now" from the application clock. `alias`: how the statement names the root table
   * (default its quoted table name).
   */
  compile(em: EntityManager, entity: CriteriaEntityName, criteria: CheckedCriteria, alias?: string): CompiledCriteria {
    const tenantId = scopedTenantId(em);
    if (!tenantId) throw new Error('criteria: compile needs a tenant-scoped EntityManager');
    return this.compileFor(tenantId, entity, criteria, alias);
  }

  /**
   * {@link compile} for a tenant named by the caller, for system work that reads rows of many
   * tenants with their tenant id (the segment membership processor) and has no scoped
   * EntityManager at hand.
   */
  compileFor(
    tenantId: string,
    entity: CriteriaEntityName,
    criteria: CheckedCriteria,
    alias?: string,
  ): CompiledCriteria {
    return compileChecked(entity, criteria, { tenantId, now: this.clock.now(), alias });
  }

  /**
   * The `where` of a list query's filter as a MikroORM filter fragment to merge into the typed
   * filter's where clause (`{ ...where, ...fragment }`); `{}` when there is none. A bad tree is a
   * BAD_USER_INPUT error whose `extensions.userErrors` carry each problem with its path (queries
   * have no payload for userErrors), e.g. `["filter", "where", "groups", "0", "filters", "1", "operator"]`.
   */
  listWhere<E>(
    em: EntityManager,
    entity: CriteriaEntityName,
    tree: unknown,
    path: string[] = ['filter', 'where'],
  ): FilterQuery<E> {
    if (tree === undefined || tree === null) return {};
    const checked = validateCriteria(entity, tree, path);
    if (!checked.ok) throw criteriaError(checked.errors, path[0]);
    const { sql, params } = this.compile(em, entity, checked.criteria, MIKRO_ALIAS);
    return { [raw(sql, params)]: [] } as FilterQuery<E>;
  }

  /**
   * `where` AND the criteria `tree` ({@link listWhere}): what a list query with `filter.where` selects.
   * `em` may be given as a function, called only when there is a tree (a request's EntityManager is
   * made on first use, and the fast read path plans most lists without one).
   */
  andWhere<E>(
    em: EntityManager | (() => EntityManager),
    entity: CriteriaEntityName,
    where: FilterQuery<E>,
    tree: unknown,
    path?: string[],
  ): FilterQuery<E> {
    if (tree === undefined || tree === null) return where;
    return Object.assign({}, where, this.listWhere(typeof em === 'function' ? em() : em, entity, tree, path));
  }
}

/** BAD_USER_INPUT for a bad tree in a query argument, with the user errors in its extensions. */
export function criteriaError(errors: UserErrorShape[], argument?: string): DomainError {
  return new DomainError('BAD_USER_INPUT', `Invalid criteria: ${errors.map((e) => e.message).join('; ')}`, {
    ...(argument ? { argument } : {}),
    userErrors: errors,
  });
}
