/**
 * The fast read path: a query whose every root field is a list this module knows, selecting only
 * columns and relations it knows, is answered in ONE statement per root field, selecting only the
 * requested columns: the rows and their to-one relations (joined) as plain columns, which one pass
 * in Node makes into the response's objects, and child lists as JSON built by PostgreSQL (correlated
 * subqueries, `array_to_json(array(…))` of their sorted rows). No graphql-js execution, no
 * DataLoaders. Anything else (an unknown field, a field resolver it has no recipe for, a cursor,
 * `pageInfo`, a condition the SQL generator cannot build…) takes the ordinary path (resolvers and
 * per-request DataLoaders), which stays the reference: both give the same JSON.
 *
 * Modules declare what the fast path knows next to their resolvers: {@link registerFastList} for a
 * root list (done by `ResourceResolver` for every resource list) and {@link registerFastRelation} for a
 * relation field (to-one, plain child list, child connection). Plain fields (no field resolver, a
 * single column of a scalar type listed in {@link scalarSql}) and `id` of a Node need no declaration.
 *
 * Properties kept: the tenant condition is in every table read (the same generator as the loaders',
 * failing closed without a tenant); a list's roles are checked as `@Authorized` does (a caller who
 * fails them takes the ordinary path and gets its error); cost and depth limits ran before (Apollo's
 * validation and the operation guard); each statement counts in `extensions.sqlStatements`.
 * Plans are kept per document, operation name and variables ({@link planFast}); what a request
 * brings (tenant, principal, the clock a filter reads) is made again from each request.
 */
import type { EntityClass, EntityManager, EntityMetadata, EntityProperty } from '@mikro-orm/core';
import { ReferenceKind } from '@mikro-orm/core';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';

import { compileRead, type KeysetOrder, readPrepared } from '../db/read-model.js';
import { currentRequest } from '../request-context.js';
import { DEFAULT_PAGE_SIZE, pageRequest } from './connection.js';
import type { GraphQLContext } from './context.js';
import { toGlobalId } from './global-id.js';
import { OperationCache } from './operation-cache.js';

/** What a root list needs from its arguments: rows of `where` in `orderBy`, the first `first`. */
export interface FastListQuery {
  where: Record<string, unknown>;
  orderBy: KeysetOrder<object>;
  first: number;
}

/** A root list field the fast path answers (a Relay connection of `entity`; only `nodes` selected). */
export interface FastList {
  entity: EntityClass<object>;
  /** Roles allowed (empty: any signed-in caller), as in its `@Authorized`. */
  roles: readonly string[];
  /** The query for the coerced arguments; null when the arguments need the ordinary path (cursors…). */
  query(ctx: GraphQLContext, args: Record<string, unknown>): FastListQuery | null;
}

/** A relation field the fast path answers. */
export type FastRelation =
  /** To-one: the row of `entity` whose id is in the parent's `fk` relation property. */
  | { kind: 'ref'; entity: EntityClass<object>; fk: string }
  /**
   * To-many: the rows of `entity` whose `fk` relation is the parent, matching `where` (from the
   * field's arguments), in `orderBy`; `page`: as a connection (`first`, default 20; `nodes` only).
   */
  | {
      kind: 'children' | 'page';
      entity: EntityClass<object>;
      fk: string;
      where: (ctx: GraphQLContext, args: Record<string, unknown>) => Record<string, unknown>;
      orderBy: KeysetOrder<object>;
    };

/**
 * A root field the fast path answers with a statement of its own (not a list of one entity): search.
 * Its answer is plain data, which the fast path serializes along the selection as graphql-js would
 * (leaves by their type's `serialize`, `__typename` by name). A field with a resolver may appear in
 * the selection only if `resolved` names it (`Type.field`), once: the data then holds its value in
 * response shape already (JSON the statement built, {@link FastRootTools.object}).
 */
export interface FastRoot {
  /** Roles allowed (empty: any signed-in caller), as in its `@Authorized`. */
  roles: readonly string[];
  /** The fields with a resolver (`Type.field`) whose values `plan`'s data holds in response shape. */
  resolved: readonly string[];
  /**
   * Plans the field for its coerced arguments; throws (any error) when the ordinary path must answer
   * it (it then reports the error as it always does). Reads nothing.
   */
  plan(ctx: GraphQLContext, args: Record<string, unknown>, tools: FastRootTools): FastRootRun;
}

/** What a {@link FastRoot} plans its statement with. */
export interface FastRootTools {
  /** The values of the `$n` in the SQL the tools gave so far; the root's statement numbers its own after them. */
  readonly params: unknown[];
  /** The field nodes of the resolved field `Type.field` (see {@link FastRoot.resolved}), or null when not selected. */
  selection(field: string): readonly FieldNode[] | null;
  /**
   * The selection `nodes` on a row of `entity` (GraphQL object type `type`) in table `from`, as SQL
   * building its JSON object, and the `left join`s that SQL needs after `from`.
   */
  object(type: string, nodes: readonly FieldNode[], entity: EntityClass<object>, from: string): FastObjectSql;
  /**
   * A condition true while the caller's team-member row still matches its token, or null when the
   * principal is confirmed already. When it is false, the run must answer null.
   */
  memberCheck(): string | null;
}

/** SQL building a JSON object, and the joins it reads (see {@link FastRootTools.object}). */
export interface FastObjectSql {
  json: string;
  joins: string;
}

/**
 * A planned root field: its data, or null when the caller's member row no longer matches its token
 * (the ordinary path then answers after the member check). A failure (a statement timeout, a lost
 * connection…) also sends the request to the ordinary path, which runs it again and reports it.
 */
export type FastRootRun = () => Promise<unknown>;

const lists = new Map<string, FastList>();
const rootFields = new Map<string, FastRoot>();
const relations = new Map<string, FastRelation>();

/** Declares the root query field `field` as a list the fast path answers. */
export function registerFastList(field: string, list: FastList): void {
  lists.set(field, list);
}

/** Declares the root query field `field` as one the fast path answers with its own statement. */
export function registerFastRoot(field: string, root: FastRoot): void {
  rootFields.set(field, root);
}

/** Declares `parent.field` (the GraphQL object type named like the class) as a relation the fast path answers. */
export function registerFastRelation(parent: { name: string }, field: string, relation: FastRelation): void {
  relations.set(`${parent.name}.${field}`, relation);
}

/**
 * Declares `parent.field` as the children of `entity` whose `fk` relation is the parent, matching
 * `where(ctx, filter)` (the field's `filter` argument), newest first (`createdAt`, then `id`,
 * descending): the shape of the plain child lists (`Client.practices`, `Client.deals`).
 */
export function registerFastChildren(
  parent: { name: string },
  field: string,
  entity: EntityClass<object>,
  fk: string,
  where: (ctx: GraphQLContext, filter: never) => Record<string, unknown>,
): void {
  registerFastRelation(parent, field, {
    kind: 'children',
    entity,
    fk,
    where: (ctx, args) => where(ctx, (args.filter ?? null) as never),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/** Thrown while planning: this operation takes the ordinary path. */
class NotFast extends Error {}
const notFast = (why: string): never => {
  throw new NotFast(why);
};

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The global ID (`toGlobalId`: unpadded base64url of `<Type>:<uuid>`) of the uuid in `column`, in SQL. */
function globalIdSql(type: string, column: string): string {
  const base64 = `replace(encode(convert_to(${literal(`${type}:`)} || ${column}::text, 'UTF8'), 'base64'), E'\\n', '')`;
  return `rtrim(translate(${base64}, '+/', '-_'), '=')`;
}

const TEXT = /^(text|varchar|character varying|char|character|uuid)\b/;
const INT = /^(int|integer|int4|smallint|int2)\b/;

/**
 * The SQL of a plain field's value as graphql-js would serialize it, or null when its scalar type
 * or column type is not one the fast path has verified (then: ordinary path).
 */
function scalarSql(
  field: GraphQLField<unknown, unknown>,
  prop: EntityProperty,
  column: string,
  plain = false,
): string | null {
  const type = getNullableType(field.type);
  if (isListType(type)) return null;
  const named = getNamedType(type);
  const columnType = (prop.columnTypes?.[0] ?? '').toLowerCase();
  if (isEnumType(named)) return named.getValues().every((v) => v.value === v.name) ? column : null;
  switch (named.name) {
    case 'String':
      return TEXT.test(columnType) ? column : null;
    case 'Int':
      return INT.test(columnType) ? column : null;
    case 'Boolean':
      return columnType.startsWith('bool') ? column : null;
    case 'Date':
      // As a column: PostgreSQL's text of the date, kept as a string by the driver (MikroORM's type
      // parsers), as the ordinary path reads it; in JSON, PostgreSQL writes it as YYYY-MM-DD.
      if (columnType !== 'date') return null;
      return plain ? column : `to_char(${column}, 'YYYY-MM-DD')`;
    case 'DateTime':
      // Date#toISOString: milliseconds, UTC, 'Z' (rows written through JavaScript carry no more precision).
      return columnType.startsWith('timestamp')
        ? `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
        : null;
    default:
      return null;
  }
}

/**
 * How a row's columns make a JSON object: each key's value is a column as read, the global ID of
 * a uuid column, a constant (`__typename`), or the object of a to-one relation (null when its
 * column `unless` is null).
 */
type Value = { column: number; globalId?: string } | { constant: string } | { unless: number; fields: Fields };
type Fields = [string, Value][];

/** The index of the column `sql` in `columns`, appended if not there yet (a row's id is read once). */
function columnIndex(columns: string[], sql: string): number {
  const i = columns.indexOf(sql);
  return i >= 0 ? i : columns.push(sql) - 1;
}

/** The object `fields` describe, from one row of the statement. */
function buildObject(fields: Fields, row: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    if ('column' in value) {
      const v = row[value.column];
      object[key] = value.globalId !== undefined && v !== null ? toGlobalId(value.globalId, v as string) : v;
    } else if ('constant' in value) object[key] = value.constant;
    else object[key] = row[value.unless] === null ? null : buildObject(value.fields, row);
  }
  return object;
}

/**
 * How plain data makes a selection's response: per response key, the field's name and either the
 * type's name (`__typename`), the value as it is (a resolved field), or its type and, for an object
 * type, the selection on it.
 */
type Shape = [key: string, field: string, output: { typename: string } | { raw: true } | Output][];
type Output = { type: GraphQLOutputType; shape: Shape | null };

/** `value` serialized as graphql-js would for a field of `type` (see {@link Shape}). */
function serialize({ type, shape }: Output, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return serialize({ type: type.ofType, shape }, value);
  if (isListType(type)) return (value as unknown[]).map((v) => serialize({ type: type.ofType, shape }, v));
  if (isLeafType(type)) return type.serialize(value);
  const object: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const [key, field, output] of shape!)
    object[key] =
      'typename' in output
        ? output.typename
        : 'raw' in output
          ? (source[field] ?? null)
          : serialize(output, source[field]);
  return object;
}

/** What one table read of a statement reads, as made from the request (see {@link PlannedRead}). */
interface ReadQuery {
  entity: EntityClass<object>;
  where: Record<string, unknown>;
  orderBy?: KeysetOrder<object>;
  /** The page size, for a root list (inlined in the statement's text). */
  first?: number;
}

/**
 * One table read of a planned statement: how its query is made from a request (the list's or the
 * relation's own function, which may read the clock, the principal or the tenant), and the SQL text
 * it compiled to when planned. A cached plan holds for another request exactly when each of its
 * reads, made again from that request, compiles to the same text: then only the values differ,
 * and they are the statement's parameters.
 */
interface PlannedRead {
  query: (ctx: GraphQLContext) => ReadQuery | null;
  /** The table's alias in the statement (true: its own name). */
  alias: string | true | undefined;
  text: string;
}

/** `query` compiled (its values appended to `params`), with the text that identifies it; null if it cannot be. */
function compileQuery(em: EntityManager, query: ReadQuery, params: unknown[], alias: string | true | undefined) {
  const table = alias === true ? tableOf(em, query.entity) : alias;
  const read = compileRead(em, query.entity, query.where, query.orderBy ?? [], params, table);
  return read && { ...read, text: `${read.from}\n${read.where}\n${read.order}\n${query.first ?? ''}` };
}

/** The quoted table name of `entity`. */
function tableOf(em: EntityManager, entity: EntityClass<object>): string {
  return quote((em.getMetadata().get(entity) as EntityMetadata).tableName);
}

/**
 * The parameters of a planned statement for this request: its reads made again from `ctx` (in the
 * planned order, so `$n` numbers match), or null when one no longer compiles to the planned text
 * (its conditions' shape changed: the operation is planned again) or returns no query.
 */
function replayReads(reads: readonly PlannedRead[], ctx: GraphQLContext, em: EntityManager): unknown[] | null {
  const params: unknown[] = [];
  for (const read of reads) {
    const query = read.query(ctx);
    if (!query || compileQuery(em, query, params, read.alias)?.text !== read.text) return null;
  }
  return params;
}

/** Plans one operation; one instance per request. */
class Planner {
  private readonly fragments: Record<string, FragmentDefinitionNode> = {};
  /** Aliases given to to-one reads so far. */
  private aliases = 0;
  /** The values of the statement being planned (`$1`, `$2`… in its text). */
  private params: unknown[] = [];
  /** The table reads of the statement being planned, in the order of their parameters. */
  private reads: PlannedRead[] = [];

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
    private readonly ctx: GraphQLContext,
    private readonly em: EntityManager,
  ) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments[d.name.value] = d;
  }

  /** The statement of a root list field, or NotFast. */
  rootStatement(list: FastList, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[]) {
    const args = getArgumentValues(field, nodes[0], this.variables);
    this.params = [];
    this.reads = [];
    const read = this.read((ctx) => {
      const query = list.query(ctx, args);
      return query && { entity: list.entity, ...query };
    }, true);
    const connection = this.objectType(field);
    const shape: [string, 'nodes' | 'typename'][] = [];
    let node: Fields | null = null;
    // The row's own id first: a row whose first column is null is the "confirm the caller" row.
    const columns = [`${read.from}."id"`];
    const joins: string[] = [];
    for (const [key, sub] of this.subfields(connection, nodes)) {
      const name = sub[0].name.value;
      if (name === '__typename') shape.push([key, 'typename']);
      else if (name === 'nodes' && node === null) {
        const nodeField = connection.getFields().nodes;
        node = this.columns(this.objectType(nodeField), sub, list.entity, read.from, joins, columns);
        shape.push([key, 'nodes']);
      } else notFast(`${connection.name}.${name}`);
    }
    let sql: string | null = null;
    if (node !== null) {
      const select = `select ${columns.join(', ')} from ${read.from}${joins.join('')} where ${read.where}`;
      const unconfirmed = this.ctx.unconfirmed;
      if (unconfirmed) {
        // The caller's member row, in the same statement: the rows if it still matches the claims,
        // else one row of SQL nulls (a row's id is never null) telling the caller to confirm.
        const exists = this.memberExists();
        const nulls = columns.map(() => 'null').join(', ');
        sql = `(${select} and ${exists}${read.order} limit ${read.first}) union all select ${nulls} where not ${exists}`;
      } else sql = `${select}${read.order} limit ${read.first}`;
    }
    return { sql, params: this.params, reads: this.reads, roles: list.roles, shape, node, typename: connection.name };
  }

  /** The run of a {@link FastRoot} and how its data makes the response, or NotFast. */
  rootRun(root: FastRoot, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[]) {
    const args = getArgumentValues(field, nodes[0], this.variables);
    this.params = [];
    this.reads = [];
    const resolved = new Map<string, readonly FieldNode[] | null>(root.resolved.map((f) => [f, null]));
    const output: Output = { type: field.type, shape: this.shape(this.objectType(field), nodes, resolved) };
    const tools: FastRootTools = {
      params: this.params,
      selection: (f) => resolved.get(f) ?? null,
      object: (typeName, sub, entity, from) => {
        const type = this.schema.getType(typeName);
        if (!isObjectType(type)) return notFast(`${typeName}: not an object type`);
        const joins: string[] = [];
        return { json: this.object(type, sub, entity, from, joins), joins: joins.join('') };
      },
      memberCheck: () => (this.ctx.unconfirmed ? this.memberExists() : null),
    };
    return { run: root.plan(this.ctx, args, tools), output };
  }

  /** The SQL condition that the caller's member row still matches the token's claims (`ctx.unconfirmed`). */
  private memberExists(): string {
    const member = this.read((ctx) => {
      const check = ctx.unconfirmed?.check;
      return check ? { entity: check.entity as EntityClass<object>, where: check.where } : null;
    });
    return `exists (select 1 from ${member.from} where ${member.where})`;
  }

  /**
   * The {@link Shape} of the selection `nodes` on `type`, for plain data: a field with a resolver or
   * arguments is NotFast unless `resolved` lists it (its field nodes are then kept there; selected
   * twice, e.g. under two aliases, it is NotFast).
   */
  private shape(
    type: GraphQLObjectType,
    nodes: readonly FieldNode[],
    resolved: Map<string, readonly FieldNode[] | null>,
  ): Shape {
    const shape: Shape = [];
    for (const [key, sub] of this.subfields(type, nodes)) {
      const name = sub[0].name.value;
      const field = type.getFields()[name];
      const path = `${type.name}.${name}`;
      if (name === '__typename') shape.push([key, name, { typename: type.name }]);
      else if (!field) notFast(path);
      else if (resolved.has(path)) {
        if (resolved.get(path)) notFast(`${path}: selected twice`);
        resolved.set(path, sub);
        shape.push([key, name, { raw: true }]);
      } else if (field.resolve || field.args.length) notFast(`${path}: a resolver`);
      else {
        const named = getNamedType(field.type);
        if (isLeafType(named)) shape.push([key, name, { type: field.type, shape: null }]);
        else if (isObjectType(named))
          shape.push([key, name, { type: field.type, shape: this.shape(named, sub, resolved) }]);
        else notFast(`${path}: an abstract type`);
      }
    }
    return shape;
  }

  /**
   * The read that `query` makes from the request (recorded, for {@link replayReads}); its columns
   * qualified by `alias` (true: by the table's name), as a statement joining to-one relations needs.
   */
  private read(query: (ctx: GraphQLContext) => ReadQuery | null, alias?: string | true) {
    const made = query(this.ctx) ?? notFast('arguments');
    const read = compileQuery(this.em, made, this.params, alias) ?? notFast(`condition on ${made.entity.name}`);
    this.reads.push({ query, alias, text: read.text });
    return { ...read, first: made.first };
  }

  private objectType(field: GraphQLField<unknown, unknown>): GraphQLObjectType {
    const type = getNamedType(field.type);
    return isObjectType(type) ? type : notFast(`${field.name}: not an object type`);
  }

  private subfields(type: GraphQLObjectType, nodes: readonly FieldNode[]) {
    return collectSubfields(this.schema, this.fragments, this.variables, type, nodes);
  }

  /**
   * The selection `nodes` on a row of `entity` in table `from` as plain columns of the statement
   * (appended to `columns`; to-one relations joined, their `left join`s appended to `joins`), and
   * how {@link buildObject} makes the JSON object of a row from them. Child lists are one JSON
   * column each. Plain columns cost PostgreSQL less than building the object in JSON there.
   */
  private columns(
    type: GraphQLObjectType,
    nodes: readonly FieldNode[],
    entity: EntityClass<object>,
    from: string,
    joins: string[],
    columns: string[],
  ): Fields {
    const meta = this.em.getMetadata().get(entity) as EntityMetadata;
    const props = meta.properties as Record<string, EntityProperty>;
    const isNode = type.getInterfaces().some((i) => i.name === 'Node');
    const column = (sql: string) => columnIndex(columns, sql);
    const fields: Fields = [];
    for (const [key, sub] of this.subfields(type, nodes)) {
      const name = sub[0].name.value;
      const field = type.getFields()[name];
      const relation = relations.get(`${type.name}.${name}`);
      let value: Value;
      if (name === '__typename') value = { constant: type.name };
      else if (!field) value = notFast(`${type.name}.${name}`);
      else if (relation?.kind === 'ref') value = this.refColumns(relation, field, sub, props, from, joins, columns);
      else if (relation) value = { column: column(this.relation(relation, field, sub, props, from, joins)) };
      else if (name === 'id' && isNode) value = { column: column(`${from}."id"`), globalId: type.name };
      else if (field.resolve || field.args.length) value = notFast(`${type.name}.${name}: a resolver`);
      else {
        const prop = this.columnProp(type, name, props);
        const sql = scalarSql(field, prop, `${from}.${quote(prop.fieldNames[0])}`, true);
        value = { column: column(sql ?? notFast(`${type.name}.${name}: type`)) };
      }
      fields.push([key, value]);
    }
    return fields;
  }

  /** A to-one relation as columns: `{ id }` from the foreign key, else the joined row's. */
  private refColumns(
    relation: Extract<FastRelation, { kind: 'ref' }>,
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
    parentProps: Record<string, EntityProperty>,
    from: string,
    joins: string[],
    columns: string[],
  ): Value {
    const column = (sql: string) => columnIndex(columns, sql);
    if (nodes.some((n) => n.arguments?.length)) notFast(`${field.name}: arguments`);
    const fk = parentProps[relation.fk] ?? notFast(`${field.name}: no ${relation.fk}`);
    const fkColumn = `${from}.${quote(fk.fieldNames[0])}`;
    const type = this.objectType(field);
    const selected = [...this.subfields(type, nodes)];
    if (
      selected.every(([, n]) => n[0].name.value === 'id' || n[0].name.value === '__typename') &&
      type.getInterfaces().some((i) => i.name === 'Node')
    ) {
      const id = column(fkColumn);
      const fields: Fields = selected.map(([key, n]) => [
        key,
        n[0].name.value === 'id' ? { column: id, globalId: type.name } : { constant: type.name },
      ]);
      return { unless: id, fields };
    }
    const alias = quote(`r${++this.aliases}`);
    const read = this.read(() => ({ entity: relation.entity, where: {} }), alias);
    joins.push(` left join ${read.from} as ${alias} on ${read.where} and ${alias}."id" = ${fkColumn}`);
    const present = column(`${alias}."id"`);
    return { unless: present, fields: this.columns(type, nodes, relation.entity, alias, joins, columns) };
  }

  /** The column property `name` of a type's entity (a persisted scalar of one column), or NotFast. */
  private columnProp(type: GraphQLObjectType, name: string, props: Record<string, EntityProperty>): EntityProperty {
    const prop = props[name];
    if (prop?.kind !== ReferenceKind.SCALAR || prop.fieldNames?.length !== 1 || prop.persist === false)
      notFast(`${type.name}.${name}: not a column`);
    return prop;
  }

  /**
   * `json_build_object(...)` of the selection `nodes` on a row of `entity` in table `from`; the
   * to-one relations it reads are joined to `from`: their `left join`s are appended to `joins`.
   */
  private object(
    type: GraphQLObjectType,
    nodes: readonly FieldNode[],
    entity: EntityClass<object>,
    from: string,
    joins: string[],
  ): string {
    const meta = this.em.getMetadata().get(entity) as EntityMetadata;
    const props = meta.properties as Record<string, EntityProperty>;
    const isNode = type.getInterfaces().some((i) => i.name === 'Node');
    const parts: string[] = [];
    for (const [key, sub] of this.subfields(type, nodes)) {
      const name = sub[0].name.value;
      const field = type.getFields()[name];
      let value: string;
      if (name === '__typename') value = literal(type.name);
      else if (!field) value = notFast(`${type.name}.${name}`);
      else if (relations.has(`${type.name}.${name}`)) {
        value = this.relation(relations.get(`${type.name}.${name}`)!, field, sub, props, from, joins);
      } else if (name === 'id' && isNode) value = globalIdSql(type.name, `${from}."id"`);
      else if (field.resolve || field.args.length) value = notFast(`${type.name}.${name}: a resolver`);
      else {
        const prop = this.columnProp(type, name, props);
        value = scalarSql(field, prop, `${from}.${quote(prop.fieldNames[0])}`) ?? notFast(`${type.name}.${name}: type`);
      }
      parts.push(literal(key), value);
    }
    // json_build_object takes at most 100 arguments.
    if (parts.length > 100) notFast('too many fields');
    return `json_build_object(${parts.join(', ')})`;
  }

  private relation(
    relation: FastRelation,
    field: GraphQLField<unknown, unknown>,
    nodes: readonly FieldNode[],
    parentProps: Record<string, EntityProperty>,
    from: string,
    joins: string[],
  ): string {
    if (relation.kind === 'ref') {
      if (nodes.some((n) => n.arguments?.length)) notFast(`${field.name}: arguments`);
      const fk = parentProps[relation.fk] ?? notFast(`${field.name}: no ${relation.fk}`);
      const fkColumn = `${from}.${quote(fk.fieldNames[0])}`;
      const type = this.objectType(field);
      const selected = [...this.subfields(type, nodes).values()].map((n) => n[0].name.value);
      // `{ id }` of a to-one relation: from the foreign key, no read.
      if (
        selected.every((n) => n === 'id' || n === '__typename') &&
        type.getInterfaces().some((i) => i.name === 'Node')
      ) {
        const parts = [...this.subfields(type, nodes)].flatMap(([key, sub]) => [
          literal(key),
          sub[0].name.value === 'id' ? globalIdSql(type.name, fkColumn) : literal(type.name),
        ]);
        return `case when ${fkColumn} is null then null else json_build_object(${parts.join(', ')}) end`;
      }
      // Joined (a correlated subquery per row cost PostgreSQL twice the CPU of the whole list),
      // aliased: the same table may be read further out (a practice's client in a client list).
      const alias = quote(`r${++this.aliases}`);
      const read = this.read(() => ({ entity: relation.entity, where: {} }), alias);
      joins.push(` left join ${read.from} as ${alias} on ${read.where} and ${alias}."id" = ${fkColumn}`);
      const object = this.object(type, nodes, relation.entity, alias, joins);
      return `case when ${alias}."id" is null then null else ${object} end`;
    }
    const args = getArgumentValues(field, nodes[0], this.variables);
    const { first, after, ...rest } = args as { first?: number; after?: string };
    if (after !== undefined && after !== null) notFast(`${field.name}: cursor`);
    const read = this.read(
      (ctx) => ({ entity: relation.entity, where: relation.where(ctx, rest), orderBy: relation.orderBy }),
      true,
    );
    // A child of the same table (organisation members…) would shadow its parent's name.
    if (read.from === from) notFast(`${field.name}: a relation of a table to itself`);
    const childJoins: string[] = [];
    const childMeta = this.em.getMetadata().get(relation.entity) as EntityMetadata;
    const fk = (childMeta.properties as Record<string, EntityProperty>)[relation.fk] ?? notFast(`${field.name}: fk`);
    const where = `${read.where} and ${read.from}.${quote(fk.fieldNames[0])} = ${from}."id"`;
    if (relation.kind === 'children') {
      const object = this.object(this.objectType(field), nodes, relation.entity, read.from, childJoins);
      return jsonArray(`select ${object} from ${read.from}${childJoins.join('')} where ${where}${read.order}`);
    }
    let limit = DEFAULT_PAGE_SIZE;
    try {
      limit = pageRequest({ first }).first ?? DEFAULT_PAGE_SIZE;
    } catch {
      notFast(`${field.name}: first`);
    }
    const connection = this.objectType(field);
    const parts: string[] = [];
    for (const [key, sub] of this.subfields(connection, nodes)) {
      const name = sub[0].name.value;
      if (name === '__typename') parts.push(literal(key), literal(connection.name));
      else if (name === 'nodes') {
        const pageJoins: string[] = [];
        const object = this.object(
          this.objectType(connection.getFields().nodes),
          sub,
          relation.entity,
          read.from,
          pageJoins,
        );
        // The page's rows (limited, in order), then their objects in that order: a window function
        // numbering them cost PostgreSQL more than the sort of at most `limit`. Without to-one joins
        // the objects are made in the limited, sorted read itself; with them, the rows are limited
        // first under the table's own name, so only the page's rows are joined.
        const page = `select * from ${read.from} where ${where}${read.order} limit ${limit}`;
        parts.push(
          literal(key),
          jsonArray(
            pageJoins.length
              ? `select ${object} from (${page}) as ${read.from}${pageJoins.join('')}${read.order}`
              : `select ${object} from ${read.from} where ${where}${read.order} limit ${limit}`,
          ),
        );
      } else notFast(`${connection.name}.${name}`);
    }
    return `json_build_object(${parts.join(', ')})`;
  }
}

/**
 * A JSON array of the rows of `select` (one json column), in its order; `[]` when it has none.
 * `array(…)` takes the rows as the subquery's own sort leaves them, so no ordered aggregate sorts
 * them again per parent row: against `coalesce(json_agg(… order by …), '[]')` (and, for a page, an
 * aggregate over a limited subquery) it cost PostgreSQL 0.05–0.11 ms less per dashboard of 50
 * clients (docs/performance-log.md, 2026-11-28, w-pgshare).
 */
function jsonArray(select: string): string {
  return `array_to_json(array(${select}))`;
}

/** The operation to answer: Apollo's request context, reduced to what the fast path reads. */
export interface FastOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode | undefined;
  variables: Record<string, unknown> | undefined;
  ctx: GraphQLContext;
}

/** The statements of an operation the fast path answers, planned by {@link planFast}. */
export interface FastPlan {
  roots: {
    key: string;
    plan: ReturnType<Planner['rootStatement']> | ReturnType<Planner['rootRun']> | 'typename';
  }[];
  queryType: GraphQLObjectType;
}

/**
 * The plan of a query the fast path answers, or null when it takes the ordinary path (any part it
 * does not know, a caller without the list's role, variables that do not coerce). Reads nothing.
 * With an unconfirmed principal (`ctx.unconfirmed`), each statement also checks the caller's row.
 */
export function planFast(op: FastOperation): FastPlan | null {
  const { schema, document, operation, ctx } = op;
  const principal = ctx.principal;
  const queryType = schema.getQueryType();
  // No operation (an `operationName` the document lacks): the ordinary path reports it.
  if (operation?.operation !== OperationTypeNode.QUERY || !principal || !queryType) return null;
  // Tenant-scoped, and used for metadata and statements only (no entity is loaded): the shared one.
  const em = ctx.readEm ?? ctx.em;
  // Not inside a transaction (a request has none; its statements would go to the pool's connections).
  if (em.getTransactionContext()) return null;
  // With an unconfirmed caller the statements differ (they check the member row).
  const key = plans.key(document, operation.name?.value, op.variables, Boolean(ctx.unconfirmed));
  const cached = key === null ? undefined : plans.get(document, key);
  if (cached) {
    const plan = replayPlan(cached, ctx, em, principal.role);
    if (plan !== undefined) return plan;
  }
  const plan = planOperation(op, em, principal.role, queryType);
  // A root run (search) makes its statement from its arguments each time: planned per request.
  if (plan && key !== null && !plan.roots.some((r) => r.plan !== 'typename' && 'run' in r.plan))
    plans.set(document, key, plan);
  return plan;
}

/**
 * Plans kept per document, operation name, variables and whether the caller is unconfirmed: what
 * planning derives from those alone (the fields, the statements' text, how rows become objects) is
 * the same for the next request; what a request brings (tenant, principal, the clock a filter may
 * read) is made again from it by {@link replayPlan}.
 */
const plans = new OperationCache<FastPlan>();

/**
 * A kept plan for this request: the roles checked for this caller (null: the ordinary path), the
 * statements' parameters made again from its context ({@link replayReads}); undefined when a read
 * no longer compiles to the same text (or its query throws): the operation is planned again.
 */
function replayPlan(
  cached: FastPlan,
  ctx: GraphQLContext,
  em: EntityManager,
  role: string,
): FastPlan | null | undefined {
  const roots: FastPlan['roots'] = [];
  for (const root of cached.roots) {
    if (root.plan === 'typename') {
      roots.push(root);
      continue;
    }
    if ('run' in root.plan) return undefined; // never kept (see planFast)
    const { roles, reads } = root.plan;
    if (roles.length && !roles.includes(role)) return null;
    let params: unknown[] | null;
    try {
      params = replayReads(reads, ctx, em);
    } catch {
      params = null; // planned again, which reports it (debug) and takes the ordinary path
    }
    if (!params) return undefined;
    roots.push({ key: root.key, plan: { ...root.plan, params } });
  }
  return { roots, queryType: cached.queryType };
}

/** {@link planFast} without the kept plans: plans `op` from its document. */
function planOperation(
  op: FastOperation,
  em: EntityManager,
  role: string,
  queryType: GraphQLObjectType,
): FastPlan | null {
  const { schema, document, operation, ctx } = op;
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], op.variables ?? {});
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  const roots: FastPlan['roots'] = [];
  try {
    const planner = new Planner(schema, document, variables, ctx, em);
    const fragments = Object.fromEntries(
      document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
    ) as Record<string, FragmentDefinitionNode>;
    for (const [key, nodes] of collectFields(schema, fragments, variables, queryType, operation.selectionSet)) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        roots.push({ key, plan: 'typename' });
        continue;
      }
      const list = lists.get(name) ?? rootFields.get(name);
      const field = queryType.getFields()[name];
      if (!list || !field) return null;
      if (list.roles.length && !list.roles.includes(role)) return null;
      roots.push({
        key,
        plan: 'plan' in list ? planner.rootRun(list, field, nodes) : planner.rootStatement(list, field, nodes),
      });
    }
  } catch (err) {
    // Planning reads nothing and changes nothing: on any error (NotFast, or a filter a service
    // refuses, e.g. an invalid date) the ordinary path runs and reports it the way it always does.
    ctx.logger.debug({ reason: err instanceof Error ? err.message : String(err) }, 'fast path not taken');
    return null;
  }
  // An unconfirmed caller is checked by the statements: without one, the ordinary path checks it.
  if (ctx.unconfirmed && !roots.some((r) => r.plan !== 'typename' && ('run' in r.plan || r.plan.sql))) return null;
  return { roots, queryType };
}

/**
 * The `data` of a planned query, or null when a statement found that the caller's member row no
 * longer matches the token's claims (deactivated, role changed): the caller confirms the principal
 * (which refuses it, or gives its current role) and takes the ordinary path. Otherwise an
 * unconfirmed principal is confirmed by the statements (`ctx.unconfirmed` cleared).
 */
export async function runFast(plan: FastPlan, ctx: GraphQLContext): Promise<Record<string, unknown> | null> {
  const store = currentRequest();
  if (store) store.sqlStatements = 0;
  /** Set when a root's run failed: the ordinary path answers, and reports the failure as it always does. */
  let failed = false;
  const results = await Promise.all(
    plan.roots.map(({ plan: p }) => {
      if (p === 'typename') return Promise.resolve(null);
      if ('run' in p)
        return p.run().catch((err: unknown) => {
          ctx.logger.debug({ reason: err instanceof Error ? err.message : String(err) }, 'fast path failed');
          failed = true;
          return null;
        });
      return p.sql ? readPrepared(ctx.readEm ?? ctx.em, p.sql, p.params) : Promise.resolve([]);
    }),
  );
  if (failed) return null;
  if (ctx.unconfirmed) {
    const refused = plan.roots.some(({ plan: p }, i) =>
      p === 'typename'
        ? false
        : 'run' in p
          ? results[i] === null
          : (results[i] as unknown[][]).some((row) => row[0] === null),
    );
    if (refused) return null;
    ctx.unconfirmed = undefined;
  }
  const data: Record<string, unknown> = {};
  plan.roots.forEach(({ key, plan: p }, i) => {
    if (p === 'typename') {
      data[key] = plan.queryType.name;
      return;
    }
    if ('run' in p) {
      data[key] = serialize(p.output, results[i]);
      return;
    }
    const connection: Record<string, unknown> = {};
    for (const [k, what] of p.shape) {
      connection[k] =
        what === 'nodes' ? (results[i] as unknown[][]).map((row) => buildObject(p.node!, row)) : p.typename;
    }
    data[key] = connection;
  });
  return data;
}
