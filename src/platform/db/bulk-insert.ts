import { type EntityClass, type EntityManager, type EntityProperty, helper, ReferenceKind } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { CrossTenantWriteError, scopedTenantId } from './tenancy.js';
import { Tenant } from './tenant.entity.js';
import { TenantScopedEntity } from './tenant-scoped.entity.js';

/** Parameters per INSERT statement (PostgreSQL allows 65,535). */
const MAX_PARAMS = 30_000;

/** The columns of one entity class: each column's name and how its value is read from an entity. */
type Column = { name: string; read: (entity: object) => unknown };

const columnsCache = new WeakMap<object, Column[]>();

/** The columns MikroORM would insert for `cls`, with values converted as its flush converts them. */
function columnsOf(em: EntityManager, cls: EntityClass<object>): Column[] {
  let cached = columnsCache.get(cls);
  if (cached) return cached;
  const meta = em.getMetadata().get(cls);
  const platform = em.getPlatform();
  const convert = (prop: EntityProperty, value: unknown): unknown =>
    value == null || !prop.customType
      ? value
      : prop.customType.convertToDatabaseValue(value, platform, { mode: 'query' });
  cached = [];
  for (const prop of meta.props) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    if (prop.kind === ReferenceKind.EMBEDDED) continue; // its flattened child properties are columns
    if (prop.embedded) {
      const path = prop.embedded;
      cached.push({
        name: prop.fieldNames[0],
        read: (e) => {
          let v: unknown = e;
          for (const key of path) v = v == null ? undefined : (v as Record<string, unknown>)[key];
          return convert(prop, v);
        },
      });
    } else if (prop.kind === ReferenceKind.SCALAR) {
      cached.push({ name: prop.fieldNames[0], read: (e) => convert(prop, (e as Record<string, unknown>)[prop.name]) });
    } else if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      cached.push({
        name: prop.fieldNames[0],
        read: (e) => {
          const ref = (e as Record<string, unknown>)[prop.name];
          return ref == null ? ref : helper(ref).getPrimaryKey();
        },
      });
    }
  }
  columnsCache.set(cls, cached);
  return cached;
}

/**
 * Writes the new entities of `classes` pending in `em` (created with `em.create`, not yet flushed)
 * in multi-row parameterised INSERTs through the transaction's driver connection, instead of the
 * unit of work's flush: no change sets, no SQL text with every value inlined. For bulk writes (a
 * sync page's clients, events and links), where the flush's allocations per row dominate.
 *
 * The tenant is stamped as {@link TenancySubscriber} does (rows of another tenant are refused); a
 * column left undefined gets its database default (a sequence, `now()`); entity hooks and flush
 * events do not run (the classes written here have none). Entities of `keep` stay managed as if
 * flushed (changes made to them later are flushed as updates); the others are detached from `em`,
 * as nothing of the caller changes them again.
 */
export async function insertPending(
  em: EntityManager,
  classes: EntityClass<object>[],
  keep: EntityClass<object>[] = [],
): Promise<void> {
  const uow = em.getUnitOfWork();
  const stack = uow.getPersistStack();
  const tenantId = scopedTenantId(em);
  const byClass = new Map<EntityClass<object>, object[]>(classes.map((c) => [c, []]));
  for (const entity of stack) if (!helper(entity).__originalEntityData) byClass.get(entity.constructor)?.push(entity);
  const kysely = (em as SqlEntityManager).getKysely<Record<string, Record<string, unknown>>>();
  for (const [cls, entities] of byClass) {
    if (!entities.length) continue;
    const meta = em.getMetadata().get(cls);
    const columns = columnsOf(em, cls);
    const rows = entities.map((entity) => {
      if (entity instanceof TenantScopedEntity) {
        const current = (entity.tenant as { id?: string } | undefined)?.id;
        if (!current) {
          if (!tenantId) throw new CrossTenantWriteError(cls.name);
          entity.tenant = em.getReference(Tenant, tenantId, { wrapped: true });
        } else if (tenantId && current !== tenantId) throw new CrossTenantWriteError(cls.name);
      }
      const row: Record<string, unknown> = {};
      for (const c of columns) {
        const v = c.read(entity);
        if (v !== undefined) row[c.name] = v;
      }
      return row;
    });
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    for (let start = 0; start < rows.length; start += perStatement)
      await kysely
        .insertInto(meta.tableName)
        .values(rows.slice(start, start + perStatement))
        .execute();
    const identity = uow.getIdentityMap();
    const kept = keep.includes(cls);
    for (const entity of entities) {
      stack.delete(entity);
      if (kept) {
        const wrapped = helper(entity);
        wrapped.__managed = true;
        uow.merge(entity);
      } else identity.delete(entity);
    }
  }
}
