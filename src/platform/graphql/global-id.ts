import {
  type ASTNode,
  type ASTVisitor,
  GraphQLError,
  GraphQLID,
  type GraphQLInputType,
  GraphQLScalarType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  type ValidationContext,
  type ValueNode,
} from 'graphql';

import { DomainError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Encodes a type name and a row id as an opaque global ID. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/**
 * Decodes a global ID; returns null when it is not well-formed (never throws). Well-formed means
 * exactly what {@link toGlobalId} makes: unpadded base64url of `<TypeName>:<uuid>`. Whether that
 * type exists, or that row, is the caller's question.
 */
export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  if (sep <= 0) return null;
  const type = text.slice(0, sep);
  const id = text.slice(sep + 1);
  // Node's decoder skips characters outside the alphabet: re-encoding refuses "%%%<a real ID>".
  return /^[A-Za-z]+$/.test(type) && UUID.test(id) && toGlobalId(type, id) === globalId ? { type, id } : null;
}

/**
 * Decodes a global ID that must name `type`. An ID of another type is NOT_FOUND: exactly what a
 * missing row gives, so callers learn nothing from the shape of an ID. (A malformed ID given to
 * the API never gets here: the `ID` scalar refuses it with BAD_USER_INPUT.)
 */
export function expectGlobalId(globalId: string, type: string): string {
  const decoded = fromGlobalId(globalId);
  if (!decoded || decoded.type !== type) throw DomainError.notFound(type, globalId);
  return decoded.id;
}

/**
 * A malformed global ID in an operation: `BAD_USER_INPUT`, naming where it was given when known
 * (`Invalid ID at "createTicket.input.clientId": not a Meridian ID`).
 */
export class InvalidGlobalIdError extends GraphQLError {
  constructor(path?: string, node?: ASTNode) {
    super(path === undefined ? 'not a Meridian ID' : `Invalid ID at "${path}": not a Meridian ID`, {
      nodes: node,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    this.name = 'InvalidGlobalIdError';
  }
}

/**
 * Meridian's `ID`: graphql's built-in `ID` (same name, same output) that refuses, as input, anything
 * {@link fromGlobalId} cannot decode. In a variable, `parseValue` refuses it and graphql-js reports
 * `Variable "$input" got invalid value … at "input.clientId"; not a Meridian ID` with our code.
 * Literals are checked by {@link GlobalIdLiteralsRule} instead, which can name the argument:
 * `parseLiteral` accepts strings and integers like the built-in one, so graphql-js's own
 * validation does not report the same literal a second time without a path.
 */
export const GlobalIdScalar = new GraphQLScalarType<string, string>({
  name: 'ID',
  description:
    'A globally unique, opaque ID, as the `id` of an object gives it. Any other value is refused with BAD_USER_INPUT.',
  serialize: GraphQLID.serialize,
  parseValue: (value) => {
    if (typeof value === 'string' && fromGlobalId(value)) return value;
    throw new InvalidGlobalIdError();
  },
  parseLiteral: (ast, variables) => GraphQLID.parseLiteral(ast, variables),
});

/**
 * Validation rule: every `ID` literal in field arguments (in input objects and lists too) must be
 * well-formed; a malformed one is reported as {@link InvalidGlobalIdError} naming its path, e.g.
 * `createTicket.input.clientId` or `nodes.ids[1]`. Variables are checked by {@link GlobalIdScalar}.
 */
export function GlobalIdLiteralsRule(context: ValidationContext): ASTVisitor {
  const check = (value: ValueNode, type: GraphQLInputType, path: string): void => {
    if (isNonNullType(type)) {
      check(value, type.ofType, path);
    } else if (isListType(type)) {
      // A single value where a list is expected stands for a list of one.
      if (value.kind === Kind.LIST) value.values.forEach((item, i) => check(item, type.ofType, `${path}[${i}]`));
      else check(value, type.ofType, path);
    } else if (isInputObjectType(type)) {
      if (value.kind !== Kind.OBJECT) return;
      const fields = type.getFields();
      for (const field of value.fields) {
        const def = fields[field.name.value];
        if (def) check(field.value, def.type, `${path}.${field.name.value}`);
      }
    } else if (
      type === GlobalIdScalar &&
      (value.kind === Kind.STRING || value.kind === Kind.INT) &&
      !fromGlobalId(value.value)
    ) {
      context.reportError(new InvalidGlobalIdError(path, value));
    }
  };
  return {
    Field(node) {
      const args = context.getFieldDef()?.args ?? [];
      for (const arg of node.arguments ?? []) {
        const def = args.find((a) => a.name === arg.name.value);
        if (def) check(arg.value, def.type, `${node.name.value}.${arg.name.value}`);
      }
    },
  };
}
