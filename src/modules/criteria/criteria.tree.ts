import type { UserErrorShape } from '../../platform/errors.js';
import { fromGlobalId } from '../../platform/graphql/global-id.js';
import {
  CRITERIA_OPERATORS,
  type CriteriaEntityName,
  type CriteriaOperatorName,
  type FieldDef,
  operatorsOf,
  type ResolvedPath,
  resolvePath,
} from './criteria.fields.js';

/**
 * The criteria tree, as clients send it (GraphQL `CriteriaInput`) and as segments store it (JSON):
 *
 * ```json
 * { "groups": [
 *     { "filters": [ { "field": "status", "operator": "IN", "value": ["IN_PROGRESS", "SUBMITTED"] },
 *                    { "field": "client.nationality", "operator": "EQ", "value": "Italian" } ] },
 *     { "filters": [ { "field": "expiryDate", "operator": "NEXT_N_DAYS", "value": 30 } ],
 *       "anyOf": [ { "groups": [ … ] } ] } ] }
 * ```
 *
 * A criteria is the OR of its groups; a group is the AND of its filters and of its nested
 * criteria (`anyOf`, each again an OR of groups). No groups, or a group with nothing in it,
 * restricts nothing.
 */
export interface Criteria {
  groups: CriteriaGroup[];
}

/** The AND of its filters and of its nested criteria. */
export interface CriteriaGroup {
  filters?: CriteriaFilter[] | null;
  anyOf?: Criteria[] | null;
}

/** One condition: a field (a path, see `criteriaFields`), an operator and a value (JSON). */
export interface CriteriaFilter {
  field: string;
  /** One of {@link CriteriaOperatorName} (checked: stored trees are plain JSON). */
  operator: string;
  value?: unknown;
}

/** Nesting levels of criteria (the root is level 1; each `anyOf` goes one deeper). */
export const MAX_CRITERIA_DEPTH = 5;
/** Filters in one tree. */
export const MAX_CRITERIA_FILTERS = 100;
/** Groups in one tree. */
export const MAX_CRITERIA_GROUPS = 50;
/** Values of one IN / NOT_IN list. */
export const MAX_LIST_VALUES = 100;
/** Characters of one string value. */
export const MAX_STRING_VALUE = 500;
/** Largest N of LAST_N_DAYS / NEXT_N_DAYS. */
export const MAX_RELATIVE_DAYS = 3660;

/** The codes of criteria user errors. */
export type CriteriaErrorCode =
  | 'CRITERIA_TOO_DEEP'
  | 'CRITERIA_TOO_LARGE'
  | 'CRITERIA_INVALID'
  | 'CRITERIA_UNKNOWN_FIELD'
  | 'CRITERIA_INVALID_OPERATOR'
  | 'CRITERIA_INVALID_VALUE';

/** A checked value: what the compiler puts in a parameter. */
export type CriteriaValue = string | number | boolean | Date;

/** A validated filter: its resolved path and its values, converted for SQL. */
export interface CheckedFilter {
  path: ResolvedPath;
  operator: CriteriaOperatorName;
  /** EQ…LTE, CONTAINS…, BEFORE, AFTER: one value; IN, NOT_IN, BETWEEN: the list; relative: [n]; IS_*: []. */
  values: CriteriaValue[];
}

/** A validated tree: same shape as {@link Criteria}, every filter checked. */
export interface CheckedCriteria {
  groups: { filters: CheckedFilter[]; anyOf: CheckedCriteria[] }[];
}

/** The outcome of {@link validateCriteria}: the checked tree, or the problems with their paths. */
export type CriteriaValidation =
  { ok: true; criteria: CheckedCriteria; uses: { relativeDates: boolean } } | { ok: false; errors: UserErrorShape[] };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DECIMAL = /^-?\d{1,12}(\.\d{1,2})?$/;

/**
 * Checks a criteria tree for `entity`: the size limits first (depth ≤ {@link MAX_CRITERIA_DEPTH},
 * ≤ {@link MAX_CRITERIA_FILTERS} filters, ≤ {@link MAX_CRITERIA_GROUPS} groups: one
 * `CRITERIA_TOO_DEEP` / `CRITERIA_TOO_LARGE` error at `path`), then each filter: an unknown
 * field (`CRITERIA_UNKNOWN_FIELD`), an operator its type does not accept
 * (`CRITERIA_INVALID_OPERATOR`), a value of the wrong shape (`CRITERIA_INVALID_VALUE`). Each
 * error's `field` is the path inside the tree, after `path`, e.g.
 * `["filter", "where", "groups", "0", "filters", "2", "value"]`. Never throws.
 */
export function validateCriteria(entity: CriteriaEntityName, tree: unknown, path: string[] = []): CriteriaValidation {
  const size = measure(tree);
  if (size.depth > MAX_CRITERIA_DEPTH)
    return fail(path, 'CRITERIA_TOO_DEEP', `Criteria may nest at most ${MAX_CRITERIA_DEPTH} levels deep`);
  if (size.filters > MAX_CRITERIA_FILTERS)
    return fail(path, 'CRITERIA_TOO_LARGE', `Criteria may hold at most ${MAX_CRITERIA_FILTERS} filters`);
  if (size.groups > MAX_CRITERIA_GROUPS)
    return fail(path, 'CRITERIA_TOO_LARGE', `Criteria may hold at most ${MAX_CRITERIA_GROUPS} groups`);
  const errors: UserErrorShape[] = [];
  const uses = { relativeDates: false };
  const checked = checkCriteria(entity, tree, path, errors, uses);
  return errors.length || !checked ? { ok: false, errors } : { ok: true, criteria: checked, uses };
}

function fail(path: string[], code: CriteriaErrorCode, message: string): CriteriaValidation {
  return { ok: false, errors: [{ field: path, code, message }] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Depth, filters and groups of a tree, without descending below the depth limit (no deep recursion). */
function measure(tree: unknown): { depth: number; filters: number; groups: number } {
  let depth = 0;
  let filters = 0;
  let groups = 0;
  let level: unknown[] = [tree];
  while (level.length && depth <= MAX_CRITERIA_DEPTH) {
    depth++;
    const next: unknown[] = [];
    for (const c of level) {
      for (const g of arrayOf(isObject(c) ? c.groups : undefined)) {
        groups++;
        if (!isObject(g)) continue;
        filters += arrayOf(g.filters).length;
        next.push(...arrayOf(g.anyOf));
      }
    }
    level = next;
  }
  return { depth: level.length ? depth + 1 : depth, filters, groups };
}

function checkCriteria(
  entity: CriteriaEntityName,
  tree: unknown,
  path: string[],
  errors: UserErrorShape[],
  uses: { relativeDates: boolean },
): CheckedCriteria | null {
  if (!isObject(tree) || !Array.isArray(tree.groups)) {
    errors.push({ field: path, code: 'CRITERIA_INVALID', message: 'Criteria must be an object { groups: [...] }' });
    return null;
  }
  const groups: CheckedCriteria['groups'] = [];
  tree.groups.forEach((g: unknown, gi) => {
    const gPath = [...path, 'groups', String(gi)];
    if (!isObject(g)) {
      errors.push({ field: gPath, code: 'CRITERIA_INVALID', message: 'A group must be an object { filters, anyOf }' });
      return;
    }
    const filters: CheckedFilter[] = [];
    arrayOf(g.filters).forEach((f, fi) => {
      const checked = checkFilter(entity, f, [...gPath, 'filters', String(fi)], errors);
      if (checked) {
        filters.push(checked);
        if (checked.operator === 'LAST_N_DAYS' || checked.operator === 'NEXT_N_DAYS') uses.relativeDates = true;
      }
    });
    const anyOf: CheckedCriteria[] = [];
    arrayOf(g.anyOf).forEach((c, ci) => {
      const checked = checkCriteria(entity, c, [...gPath, 'anyOf', String(ci)], errors, uses);
      if (checked) anyOf.push(checked);
    });
    groups.push({ filters, anyOf });
  });
  return groups.length === tree.groups.length ? { groups } : null;
}

function checkFilter(
  entity: CriteriaEntityName,
  filter: unknown,
  path: string[],
  errors: UserErrorShape[],
): CheckedFilter | null {
  if (!isObject(filter) || typeof filter.field !== 'string' || typeof filter.operator !== 'string') {
    errors.push({ field: path, code: 'CRITERIA_INVALID', message: 'A filter must be { field, operator, value }' });
    return null;
  }
  const resolved = filter.field.length <= 200 ? resolvePath(entity, filter.field) : null;
  if (!resolved) {
    errors.push({
      field: [...path, 'field'],
      code: 'CRITERIA_UNKNOWN_FIELD',
      message: `Unknown field "${filter.field.slice(0, 200)}" on ${entity} (see criteriaFields(entity: ${entity}))`,
    });
    return null;
  }
  const operator = filter.operator as CriteriaOperatorName;
  const accepted: readonly CriteriaOperatorName[] = resolved.field
    ? operatorsOf(resolved.field)
    : ['IS_SET', 'IS_NOT_SET'];
  if (!(CRITERIA_OPERATORS as readonly string[]).includes(operator) || !accepted.includes(operator)) {
    errors.push({
      field: [...path, 'operator'],
      code: 'CRITERIA_INVALID_OPERATOR',
      message: `${filter.field} (${resolved.field?.type ?? 'RELATION'}) does not accept ${String(filter.operator).slice(0, 40)}; it accepts ${accepted.join(', ')}`,
    });
    return null;
  }
  const values = checkValue(resolved.field, operator, filter.value);
  if (typeof values === 'string') {
    errors.push({ field: [...path, 'value'], code: 'CRITERIA_INVALID_VALUE', message: `${filter.field}: ${values}` });
    return null;
  }
  return { path: resolved, operator, values };
}

/** The converted values of a filter, or what is wrong with them. */
function checkValue(field: FieldDef | null, operator: CriteriaOperatorName, value: unknown): CriteriaValue[] | string {
  switch (operator) {
    case 'IS_SET':
    case 'IS_NOT_SET':
      return value === undefined || value === null ? [] : `${operator} takes no value`;
    case 'LAST_N_DAYS':
    case 'NEXT_N_DAYS':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_RELATIVE_DAYS
        ? [value as number]
        : `${operator} takes a whole number of days from 0 to ${MAX_RELATIVE_DAYS}`;
    case 'IN':
    case 'NOT_IN': {
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES)
        return `${operator} takes a list of 1–${MAX_LIST_VALUES} values`;
      const out: CriteriaValue[] = [];
      for (const v of value) {
        const one = scalar(field!, v, field!.type === 'TAGS' ? 'STRING' : undefined);
        if (typeof one === 'string') return one;
        out.push(one.value);
      }
      return out;
    }
    case 'BETWEEN': {
      if (!Array.isArray(value) || value.length !== 2) return 'BETWEEN takes a list of two values [from, to]';
      const a = scalar(field!, value[0]);
      const b = scalar(field!, value[1]);
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      return [a.value, b.value];
    }
    default: {
      if (value === undefined || value === null) return `${operator} needs a value`;
      const one = scalar(field!, value, field!.type === 'TAGS' ? 'STRING' : undefined);
      return typeof one === 'string' ? one : [one.value];
    }
  }
}

/** One value of `field`'s type (or of `as`), converted; or what is wrong with it. */
function scalar(field: FieldDef, v: unknown, as?: 'STRING'): { value: CriteriaValue } | string {
  const type = as ?? field.type;
  switch (type) {
    case 'STRING':
    case 'TAGS':
      return typeof v === 'string' && v.length >= 1 && v.length <= MAX_STRING_VALUE
        ? { value: v }
        : `expected text of 1–${MAX_STRING_VALUE} characters`;
    case 'INTEGER':
      return Number.isSafeInteger(v) ? { value: v as number } : 'expected a whole number';
    case 'DECIMAL': {
      const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
      return typeof s === 'string' && DECIMAL.test(s) ? { value: s } : 'expected a decimal number like "1500000.00"';
    }
    case 'BOOLEAN':
      return typeof v === 'boolean' ? { value: v } : 'expected true or false';
    case 'ENUM':
      return typeof v === 'string' && field.values!.includes(v)
        ? { value: v }
        : `expected one of ${field.values!.join(', ')}`;
    case 'ID': {
      const decoded = typeof v === 'string' ? fromGlobalId(v) : null;
      return decoded && decoded.type === field.idType ? { value: decoded.id } : `expected the ID of a ${field.idType}`;
    }
    case 'DATE':
      return typeof v === 'string' && DATE.test(v) && validDate(v) ? { value: v } : 'expected a date like 2026-12-31';
    case 'DATETIME': {
      if (typeof v !== 'string' || !DATETIME.test(v) || !validDate(v.slice(0, 10)))
        return 'expected a date (2026-12-31) or an ISO 8601 date-time (2026-12-31T09:00:00Z)';
      // A bare date is that day's start in the tenant's time zone: kept as text for the compiler.
      if (DATE.test(v)) return { value: v };
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? 'expected an ISO 8601 date-time' : { value: d };
    }
  }
}

function validDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
