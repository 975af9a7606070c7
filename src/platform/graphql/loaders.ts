import { type EntityClass, type EntityManager, type FilterQuery, RawQueryFragment } from '@mikro-orm/core';
import DataLoader from 'dataloader';

import { countRows, countRowsIn, type KeysetOrder, readPage, readPagesIn, readRowsIn } from '../db/read-model.js';

/**
 * Per-request DataLoaders, created on first use. Modules ask for a loader by a unique key and a
 * factory, so no central list has to know every module, and a request never sees another
 * request's cache.
 */
export class Loaders {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  /** The loader named `key`, created by `factory` the first time it is asked for. */
  get<K, V, C = K>(key: string, factory: () => DataLoader<K, V, C>): DataLoader<K, V, C> {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = factory();
      this.loaders.set(key, loader);
    }
    return loader as unknown as DataLoader<K, V, C>;
  }
}

/** Id of a to-one relation value (a Ref, an entity, or null). */
export function refId(value: unknown): string | null {
  if (!value) return null;
  const v = value as { id?: string; unwrap?: () => { id: string } };
  return v.id ?? v.unwrap?.().id ?? null;
}

/** What a relation loader needs from the request context. */
export interface LoaderContext {
  em: EntityManager;
  loaders: Loaders;
}

/**
 * Loads one entity by id through a per-request DataLoader: all the ids asked for in one tick
 * become one `where id in (…)` query (tenant-scoped by the context's EntityManager).
 */
export function loadById<E extends object>(
  ctx: LoaderContext,
  entity: EntityClass<E>,
  id: string | null | undefined,
): Promise<E | null> {
  if (!id) return Promise.resolve(null);
  const loader = ctx.loaders.get(`byId:${entity.name}`, () => {
    return new DataLoader<string, E | null>(async (ids) => {
      const rows = await readRowsIn(ctx.em, entity, 'id', ids);
      const map = new Map(rows.map((r) => [(r as unknown as { id: string }).id, r]));
      return ids.map((i) => map.get(i) ?? null);
    });
  });
  return loader.load(id);
}

/** Loads the entity a to-one relation points at (see {@link loadById}). */
export function loadRef<E extends object>(ctx: LoaderContext, entity: EntityClass<E>, ref: unknown): Promise<E | null> {
  return loadById(ctx, entity, refId(ref));
}

/**
 * Loads the children of a parent through a per-request DataLoader: for every parent asked for in
 * one tick, one query `where <fk> in (…) and <where>` ordered by `orderBy`, grouped in memory.
 * Loaders are keyed by entity, foreign key, filter and order, so differently filtered fields on
 * the same type each batch on their own.
 */
export function loadChildren<E extends object>(
  ctx: LoaderContext,
  entity: EntityClass<E>,
  fk: string,
  parentId: string,
  where: Record<string, unknown>,
  orderBy: KeysetOrder<E>,
): Promise<E[]> {
  const key = `children:${entity.name}.${fk}:${whereKey(where)}:${JSON.stringify(orderBy)}`;
  const loader = ctx.loaders.get(key, () => {
    return new DataLoader<string, E[]>(async (parentIds) => {
      return groupByParent(await readRowsIn(ctx.em, entity, fk, parentIds, where, orderBy), fk, parentIds);
    });
  });
  return loader.load(parentId);
}

/**
 * Counts the children of a parent through a per-request DataLoader: one `group by` statement per
 * tick for all the parents asked for.
 */
export function countChildren<E extends object>(
  ctx: LoaderContext,
  entity: EntityClass<E>,
  fk: string,
  parentId: string,
  where: Record<string, unknown> = {},
): Promise<number> {
  const key = `count:${entity.name}.${fk}:${whereKey(where)}`;
  const loader = ctx.loaders.get(key, () => {
    return new DataLoader<string, number>(async (parentIds) => {
      const counts = await countRowsIn(ctx.em, entity, fk, parentIds, where);
      if (counts) return parentIds.map((p) => counts.get(p) ?? 0);
      return Promise.all(parentIds.map((p) => countRows(ctx.em, entity, { ...where, [fk]: p } as FilterQuery<E>)));
    });
  });
  return loader.load(parentId);
}

/**
 * One page of a parent's children through a per-request DataLoader: the same page (`first` rows
 * plus one, after the MikroORM cursor `after`, in `orderBy`) of every parent asked for in one
 * tick, in ONE statement (see `readPagesIn`), so a list of N parents with a child connection
 * costs one statement, not N. Conditions the SQL generator does not handle page each parent on
 * its own (`readPage`).
 */
export function loadChildPage<E extends object>(
  ctx: LoaderContext,
  entity: EntityClass<E>,
  fk: string,
  parentId: string,
  where: Record<string, unknown>,
  orderBy: KeysetOrder<E>,
  page: { first: number; after?: string },
): Promise<E[]> {
  const key = `page:${entity.name}.${fk}:${whereKey(where)}:${JSON.stringify([orderBy, page.first, page.after ?? null])}`;
  const loader = ctx.loaders.get(key, () => {
    return new DataLoader<string, E[]>(async (parentIds) => {
      const rows = await readPagesIn(ctx.em, entity, fk, parentIds, where, orderBy, page);
      if (!rows) {
        const options = { orderBy, first: page.first, after: page.after, overfetch: true };
        return Promise.all(
          parentIds.map((p) => readPage(ctx.em, entity, { ...where, [fk]: p } as FilterQuery<E>, options)),
        );
      }
      return groupByParent(rows, fk, parentIds);
    });
  });
  return loader.load(parentId);
}

/** `rows` grouped by their `fk` relation, one group (in `rows` order) per parent id. */
function groupByParent<E extends object>(rows: E[], fk: string, parentIds: readonly string[]): E[][] {
  const groups = new Map<string, E[]>(parentIds.map((p) => [p, []]));
  for (const row of rows) groups.get(refId((row as Record<string, unknown>)[fk])!)?.push(row);
  return parentIds.map((p) => groups.get(p)!);
}

/**
 * A where clause as a loader key: its JSON, plus its raw SQL conditions (symbol keys, which JSON
 * leaves out), so two lists with different criteria never share a loader.
 */
function whereKey(where: Record<string, unknown>): string {
  const raws = Object.getOwnPropertySymbols(where).map((s) => {
    const fragment = RawQueryFragment.getKnownFragment(s);
    return fragment ? [fragment.sql, fragment.params] : String(s);
  });
  return JSON.stringify(raws.length ? [where, raws] : where);
}
