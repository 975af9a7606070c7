/**
 * Generators of the fuzz suite (test/fuzz.test.ts): GraphQL operations built from the schema, with
 * arguments and variables of the right and of the wrong type, and byte-level garbage. Everything is
 * drawn through fast-check, so one seed gives the same cases again.
 */
import fc from 'fast-check';
import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';

/** Who sends a case: the fuzz tenant's admin or viewer, nobody, or a forged token. */
export type Sender = 'admin' | 'viewer' | 'none' | 'forged';

/** One generated request. */
export type FuzzCase =
  | {
      via: 'http';
      method: 'POST' | 'GET';
      /** The raw body (POST) or query string (GET). */
      body: string;
      headers: Record<string, string>;
      sender: Sender;
      /** What made it, for the failure report. */
      kind: string;
    }
  | {
      via: 'ws';
      query: string;
      variables: Record<string, unknown>;
      operationName?: string;
      kind: string;
    };

/** IDs that exist in the fuzz tenant, by type name, so some arguments reach the services. */
export type IdPool = Record<string, string[]>;

/** An enum value in a literal (printed bare; in variables, its name as a string). */
class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** Seeded draws on top of fast-check's `gen()`. */
class Draw {
  constructor(private readonly g: fc.GeneratorValue) {}
  int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }
  chance(p: number): boolean {
    return this.int(0, 9999) < p * 10_000;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
  of<T>(arb: fc.Arbitrary<T>): T {
    return this.g(() => arb);
  }
}

/** The arbitraries values are drawn from, built once (building one costs far more than drawing from it). */
const ARB = {
  string: fc.string({ maxLength: 20 }),
  // Any code point, surrogates included (fc.string's 'grapheme' unit costs ~1 ms a draw).
  graphemes: fc
    .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 30 })
    .map((cs) => cs.map((c) => String.fromCodePoint(c)).join('')),
  words: fc.stringMatching(/^[A-Za-z ]{1,20}$/),
  lower: fc.stringMatching(/^[a-z]{1,10}$/),
  base64: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('base64')),
  uuid: fc.uuid(),
  boolean: fc.boolean(),
  json: fc.jsonValue({ maxDepth: 3 }),
  double: fc.double({ noNaN: true, noDefaultInfinity: true }),
  date: fc.date({ noInvalidDate: true }),
};

const UNICODE = [
  'é',
  'ß',
  '中文',
  '🙂',
  '\u200b',
  '\u202e',
  'ﬁ',
  'Ｆｕｌｌ',
  '\u0000',
  '\ud800',
  '\n',
  '"',
  '\\',
  "'",
  '%_',
];
const STRING_EDGES = ['', ' ', 'null', 'undefined', "' OR 1=1 --", '%', '\\', '{}', '[]', 'NaN', '-0', '1e400'];
const NUMBER_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '0x10', '1_000', '١٢٣', '12.50', '-0'];
const DATES = ['2026-02-28', '2024-02-29', '2025-02-29', '2026-13-01', '0000-01-01', '+275760-09-13', '2026-1-1', ''];
const DATETIMES = [
  '2026-11-27T10:00:00Z',
  '2026-11-27T10:00:00.123+07:00',
  '2026-11-27',
  '2026-11-27T25:61:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  'now',
];
const EMAILS = [
  'a@example.com',
  'A@EXAMPLE.COM',
  'not-an-email',
  '@x',
  'a@b',
  'x'.repeat(300) + '@example.com',
  'ａ@ｂ.com',
];
const DECIMALS = [
  '0',
  '12.50',
  '-1',
  '1e400',
  'NaN',
  'Infinity',
  '0.000000000001',
  '99999999999999999999999999.99',
  '1,5',
  '',
];
const TYPES_FOR_IDS = ['Client', 'Practice', 'Deal', 'Ticket', 'TeamMember', 'Pipeline', 'PipelineStage', 'Nope', 'x'];

/** A string for an argument: short, unicode, long, or an edge case. */
function stringValue(d: Draw): string {
  switch (d.int(0, 6)) {
    case 0:
      return d.of(ARB.string);
    case 1:
      return d.of(ARB.graphemes);
    case 2:
      return Array.from({ length: d.int(1, 8) }, () => d.pick(UNICODE)).join('');
    case 3:
      return d.pick(STRING_EDGES);
    case 4:
      // Very long: up to 30,000 characters (the body limit stays far away).
      return d.pick(['x', 'é', '🙂', 'ab ']).repeat(d.int(1_000, 10_000));
    default:
      return `Fuzz ${d.of(ARB.words)}`;
  }
}

/** A cursor: a real-looking base64 JSON array, or base64 garbage. */
function cursorValue(d: Draw): string {
  const json = d.pick([
    () => JSON.stringify([d.of(ARB.json)]),
    '[1e400,2]',
    '{"x":1}',
    '[]',
    '[null]',
    '["2026-11-27T10:00:00Z","00000000-0000-0000-0000-000000000000"]',
    '["x","y","z"]',
    `[${'9'.repeat(400)}]`,
  ]);
  switch (d.int(0, 3)) {
    case 0:
      return Buffer.from(typeof json === 'string' ? json : json()).toString('base64');
    case 1:
      return Buffer.from(typeof json === 'string' ? json : json()).toString('base64url');
    case 2:
      return d.of(ARB.base64);
    default:
      return stringValue(d);
  }
}

/** An ID: a real one (of any type), a well-formed one of no row, or a malformed one. */
function idValue(d: Draw, pool: IdPool): string {
  const all = Object.values(pool).flat();
  switch (d.int(0, 5)) {
    case 0:
    case 1:
    case 2:
      return all.length ? d.pick(all) : 'x';
    case 3:
      return Buffer.from(`${d.pick(TYPES_FOR_IDS)}:${d.of(ARB.uuid)}`).toString('base64url');
    case 4:
      return Buffer.from(`${d.pick(TYPES_FOR_IDS)}:${stringValue(d).slice(0, 50)}`).toString('base64url');
    default:
      return d.pick(['', '%%%', '==', 'Q2xpZW50Og', 'Q2xpZW50OjE=', stringValue(d).slice(0, 100)]);
  }
}

/** A value of the wrong kind for any type. */
function wrongValue(d: Draw): unknown {
  switch (d.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return d.pick([2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e20, -1e308, 1.5, -0.0001]);
    case 2:
      return d.pick(NUMBER_STRINGS);
    case 3:
      return d.of(ARB.boolean);
    case 4:
      return { bogus: stringValue(d).slice(0, 20), id: 1 };
    case 5:
      return [1, 'two', null, [3]];
    case 6:
      return new EnumValue(d.pick(['UNKNOWN_VALUE', 'ADMIN', 'true', 'OPEN']));
    case 7:
      return d.of(ARB.json);
    case 8:
      return Array.from({ length: d.int(30, 80) }, (_, i) => i);
    default:
      return stringValue(d);
  }
}

/** A value for `type`: mostly of the right type, sometimes of the wrong one (`argName` guides strings). */
function inputValue(
  d: Draw,
  type: GraphQLInputType,
  pool: IdPool,
  argName: string,
  sloppy: boolean,
  depth = 0,
): unknown {
  if (d.chance(sloppy ? 0.12 : 0.01)) return wrongValue(d);
  if (isNonNullType(type)) return inputValue(d, type.ofType, pool, argName, sloppy, depth);
  if (d.chance(0.04)) return null;
  if (isListType(type)) {
    if (d.chance(0.15)) return inputValue(d, type.ofType, pool, argName, sloppy, depth + 1); // a bare item (coerced)
    const n = d.chance(0.05) ? d.int(20, 60) : d.int(0, 3);
    return Array.from({ length: n }, () => inputValue(d, type.ofType, pool, argName, sloppy, depth + 1));
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return new EnumValue(d.chance(0.9) ? d.pick(values) : d.pick(['lead', 'UNKNOWN', 'ＬＥＡＤ', values[0] + '_']));
  }
  if (isInputObjectType(type)) {
    if (depth > 3) return d.chance(0.5) ? {} : null;
    const out: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      if (required ? !sloppy || d.chance(0.93) : d.chance(0.45)) {
        out[field.name] = inputValue(d, field.type, pool, field.name, sloppy, depth + 1);
      }
    }
    if (sloppy && d.chance(0.06)) out[d.pick(['extra', 'tenantId', '__proto__x', 'id'])] = stringValue(d).slice(0, 30);
    return out;
  }
  if (isScalarType(type)) {
    const name = /(after|before|cursor)/i.test(argName) ? 'Cursor' : type.name;
    switch (name) {
      case 'Cursor':
        return cursorValue(d);
      case 'Int':
        return /^(first|last|limit|withinDays|days)/.test(argName) && d.chance(0.6)
          ? d.int(-2, 120)
          : d.pick([0, 1, 7, -1, 2147483647, -2147483648, d.int(-1000, 1000)]);
      case 'Float':
        return d.of(ARB.double);
      case 'Boolean':
        return d.of(ARB.boolean);
      case 'ID':
        return idValue(d, pool);
      case 'Date':
        return d.chance(0.3) ? d.of(ARB.date).toISOString().slice(0, 10) : d.pick(DATES);
      case 'DateTime':
        return d.chance(0.3) ? d.of(ARB.date).toISOString() : d.pick(DATETIMES);
      case 'EmailAddress':
        return d.chance(0.5) ? `${d.of(ARB.lower)}@fuzz.test` : d.pick(EMAILS);
      case 'Decimal':
        return d.pick(DECIMALS);
      case 'JSON':
        return d.of(ARB.json);
      default:
        if (/email/i.test(argName)) return d.pick(EMAILS);
        if (/code$/i.test(argName)) return d.pick(['KITAS', 'KITAP', 'PT_PMA', 'NOPE', stringValue(d).slice(0, 40)]);
        if (/(^|[a-z])(currency)$/i.test(argName)) return d.pick(['IDR', 'USD', 'usd', 'XXX', '']);
        if (/(amount|price)/i.test(argName)) return d.pick(DECIMALS);
        return stringValue(d);
    }
  }
  return wrongValue(d);
}

/** A value as a GraphQL literal (object keys that are not names are made into names). */
function literal(value: unknown): string {
  if (value instanceof EnumValue) return value.name;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${k.replace(/[^_A-Za-z0-9]/g, '_').replace(/^(?=[0-9]|$)/, '_')}: ${literal(v)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** The type of an argument as written in a variable definition. */
function typeText(type: GraphQLInputType): string {
  return type.toString();
}

const INPUT_TYPE_NAMES = ['Int', 'String', 'Boolean', 'ID', 'Float', 'ID!', '[ID!]!', 'Int!', 'String!', 'JSON'];

/** Everything one operation is made of while it is built. */
class Builder {
  readonly variableDefs: string[] = [];
  readonly variables: Record<string, unknown> = {};
  readonly fragments: string[] = [];
  private counter = 0;

  constructor(
    private readonly d: Draw,
    private readonly schema: GraphQLSchema,
    private readonly pool: IdPool,
    /** Deepest selection built (past GRAPHQL_MAX_DEPTH now and then). */
    private readonly maxDepth: number,
    /** Make mistakes the schema catches (unknown fields and arguments, wrong variable types, …). */
    private readonly sloppy: boolean,
  ) {}

  next(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** `(a: …, b: $v1)`: each argument as a literal or a variable, matching or not. */
  args(args: readonly GraphQLArgument[]): string {
    const d = this.d;
    const parts: string[] = [];
    for (const arg of args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (!(required ? !this.sloppy || d.chance(0.95) : d.chance(0.4))) continue;
      const value = inputValue(d, arg.type, this.pool, arg.name, this.sloppy);
      if (d.chance(0.35)) {
        const name = this.next('v');
        const declared = !this.sloppy || d.chance(0.85) ? typeText(arg.type) : d.pick(INPUT_TYPE_NAMES);
        this.variableDefs.push(`$${name}: ${declared}`);
        if (!this.sloppy || !d.chance(0.05))
          this.variables[name] = value === undefined ? null : JSON.parse(JSON.stringify(value));
        parts.push(`${arg.name}: $${name}`);
      } else {
        parts.push(`${arg.name}: ${literal(value)}`);
      }
    }
    if (this.sloppy && d.chance(0.04)) parts.push(`bogusArg: ${literal(wrongValue(d))}`);
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  /** A selection set on `type` at `depth`. */
  selection(type: GraphQLNamedType, depth: number): string {
    const d = this.d;
    if (isUnionType(type) || (isInterfaceType(type) && d.chance(0.5))) {
      const members = this.schema.getPossibleTypes(type);
      const picked = Array.from({ length: d.int(1, 2) }, () => d.pick(members));
      return `{ __typename ${picked.map((m) => `... on ${m.name} ${this.selection(m, depth + 1)}`).join(' ')} }`;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) return '';
    if (isObjectType(type) && d.chance(0.08)) {
      const name = this.next('F');
      this.fragments.push(`fragment ${name} on ${type.name} ${this.fields(type.getFields(), depth)}`);
      return `{ ...${name} ${d.chance(0.3) ? '__typename' : ''} }`;
    }
    return this.fields(type.getFields(), depth);
  }

  private fields(fieldMap: Record<string, GraphQLField<unknown, unknown>>, depth: number): string {
    const d = this.d;
    const all = Object.values(fieldMap);
    const count = depth >= this.maxDepth ? 1 : d.int(1, Math.max(1, 4 - depth));
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(this.field(d.pick(all), depth));
    if (this.sloppy && d.chance(0.02)) parts.push('notAField');
    return `{ ${parts.join(' ')} }`;
  }

  /** One field (aliased now and then) with its arguments and, if composite, its selection. */
  field(field: GraphQLField<unknown, unknown>, depth: number): string {
    const d = this.d;
    // A clean operation aliases every field, so fields of one name never conflict.
    const alias = !this.sloppy || d.chance(0.15) ? `${this.next('a')}: ` : '';
    const named = getNamedType(field.type);
    let sub = '';
    if (isCompositeType(named)) {
      if (this.sloppy && d.chance(0.02))
        sub = ''; // a composite field without a selection
      else if (depth >= this.maxDepth) sub = '{ __typename }';
      else sub = this.selection(named, depth + 1);
    } else if (isLeafType(named) && this.sloppy && d.chance(0.02)) {
      sub = '{ id }'; // a selection on a leaf
    }
    return `${alias}${field.name}${this.args(field.args)} ${sub}`;
  }
}

/** An operation on a root type of the schema, with its variables. */
export function operationArbitrary(
  schema: GraphQLSchema,
  pool: IdPool,
  kind: 'query' | 'mutation' | 'subscription',
): fc.Arbitrary<{ query: string; variables: Record<string, unknown>; operationName?: string }> {
  const root =
    kind === 'query'
      ? schema.getQueryType()
      : kind === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) throw new Error(`schema has no ${kind} type`);
  const rootFields = Object.values(root.getFields());
  return fc.gen().map((g) => {
    const d = new Draw(g);
    const maxDepth = d.chance(0.05) ? d.int(12, 16) : d.int(1, 4);
    const sloppy = d.chance(0.3);
    const b = new Builder(d, schema, pool, maxDepth, sloppy);
    const count = kind === 'subscription' ? 1 : d.chance(0.1) ? d.int(2, sloppy ? 16 : 4) : 1;
    const fields = Array.from({ length: count }, () => {
      const f = d.pick(rootFields);
      return b.field(f, 1);
    });
    const name = d.chance(0.3) ? b.next('Op') : undefined;
    const defs = b.variableDefs.length ? `(${b.variableDefs.join(', ')})` : '';
    const head = name || defs || kind !== 'query' || d.chance(0.5) ? `${kind} ${name ?? ''}${defs} ` : '';
    const query = [`${head}{ ${fields.join(' ')} }`, ...b.fragments].join('\n');
    if (sloppy && d.chance(0.05)) b.variables[b.next('unused')] = wrongValue(d);
    const operationName =
      name && (!sloppy || d.chance(0.9)) ? name : sloppy && d.chance(0.05) ? 'NoSuchOperation' : undefined;
    return { query, variables: b.variables, operationName };
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Byte-level garbage: random text, cut documents, JSON of the wrong shape, wrong content types, GET. */
export function garbageArbitrary(schema: GraphQLSchema, pool: IdPool): fc.Arbitrary<FuzzCase> {
  const valid = operationArbitrary(schema, pool, 'query');
  const sender = fc.constantFrom<Sender>('admin', 'admin', 'none', 'forged');
  const post = (
    kind: string,
    body: fc.Arbitrary<string>,
    headers: fc.Arbitrary<Record<string, string>> = fc.constant(JSON_TYPE),
  ) => fc.record({ body, headers, sender }).map((c): FuzzCase => ({ via: 'http', method: 'POST', kind, ...c }));
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  return fc.oneof(
    post(
      'random text',
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      ),
    ),
    post(
      'truncated document',
      fc
        .tuple(valid, fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([op, cut]) =>
          JSON.stringify({ query: op.query.slice(0, Math.floor(op.query.length * cut)), variables: op.variables }),
        ),
    ),
    post(
      'truncated JSON',
      fc.tuple(valid, fc.double({ min: 0, max: 1, noNaN: true })).map(([op, cut]) => {
        const json = JSON.stringify(op);
        return json.slice(0, Math.floor(json.length * cut));
      }),
    ),
    post(
      'JSON of the wrong shape',
      fc.oneof(
        anyJson.map((v) => JSON.stringify(v)),
        fc.array(valid, { minLength: 1, maxLength: 3 }).map((ops) => JSON.stringify(ops)),
        fc.constantFrom('{}', '[]', 'null', '0', '"query"', 'true', '{"query":null}', '{"variables":{}}'),
        anyJson.map((query) => JSON.stringify({ query })),
        fc.tuple(valid, anyJson).map(([op, variables]) => JSON.stringify({ query: op.query, variables })),
        fc.tuple(valid, anyJson).map(([op, extensions]) => JSON.stringify({ query: op.query, extensions })),
        fc.tuple(valid, anyJson).map(([op, operationName]) => JSON.stringify({ query: op.query, operationName })),
        valid.map((op) =>
          JSON.stringify({ query: op.query, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }),
        ),
        fc.constant(`{"query":"{ __typename }","a":${'['.repeat(5000)}${']'.repeat(5000)}}`),
        fc.constant(`{"query":"${'{ __typename '.repeat(3000)}${'}'.repeat(3000)}"}`),
      ),
    ),
    post(
      'wrong content type',
      valid.map((op) => JSON.stringify(op)),
      fc.constantFrom<Record<string, string>>(
        { 'content-type': 'text/plain' },
        { 'content-type': 'application/x-www-form-urlencoded' },
        { 'content-type': 'multipart/form-data; boundary=x' },
        { 'content-type': 'application/graphql' },
        { 'content-type': 'application/json; charset=latin1' },
        { 'content-type': 'application/json; charset=utf-16' },
        { 'content-type': 'application/xml' },
        {},
      ),
    ),
    fc.record({ op: valid, sender, extra: fc.boolean() }).map(({ op, sender, extra }): FuzzCase => ({
      via: 'http',
      method: 'GET',
      kind: 'GET',
      sender,
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
      body: new URLSearchParams({
        query: op.query,
        variables: extra ? '{not json' : JSON.stringify(op.variables),
        ...(op.operationName ? { operationName: op.operationName } : {}),
      }).toString(),
    })),
  );
}

/** Every case of a run: schema-aware HTTP queries and mutations, garbage, and some over WebSocket. */
export function caseArbitrary(schema: GraphQLSchema, pool: IdPool): fc.Arbitrary<FuzzCase> {
  const http = (kind: 'query' | 'mutation' | 'subscription', senders: Sender[]) =>
    fc
      .record({ op: operationArbitrary(schema, pool, kind), sender: fc.constantFrom(...senders) })
      .map(({ op, sender }): FuzzCase => ({
        via: 'http',
        method: 'POST',
        kind: `http ${kind}`,
        sender,
        headers: JSON_TYPE,
        body: JSON.stringify(op),
      }));
  const ws = (kind: 'query' | 'mutation' | 'subscription') =>
    operationArbitrary(schema, pool, kind).map((op): FuzzCase => ({ via: 'ws', kind: `ws ${kind}`, ...op }));
  const admin: Sender[] = ['admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'viewer', 'none', 'forged'];
  return fc.oneof(
    { arbitrary: http('query', admin), weight: 35 },
    { arbitrary: http('mutation', admin), weight: 25 },
    { arbitrary: http('subscription', ['admin']), weight: 2 },
    { arbitrary: garbageArbitrary(schema, pool), weight: 23 },
    { arbitrary: ws('query'), weight: 7 },
    { arbitrary: ws('mutation'), weight: 5 },
    { arbitrary: ws('subscription'), weight: 3 },
  );
}
