import { GraphQLScalarType, Kind } from 'graphql';
import { GraphQLEmailAddress, GraphQLJSON } from 'graphql-scalars';

/** `YYYY-MM-DD`, year 0001 on (PostgreSQL has no year 0000). */
const DATE_SHAPE = /^(?!0000)\d{4}-\d{2}-\d{2}$/;

/**
 * `Date`: a calendar date `YYYY-MM-DD`, kept as that string end to end (no time zone can shift it).
 * The scalar checks the shape; services check that the date exists (2026-02-30 is a user error
 * `INVALID_DATE` on the field, like every other validation problem).
 */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, ISO 8601 `YYYY-MM-DD`.',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
  parseValue: (value) => {
    if (typeof value !== 'string' || !DATE_SHAPE.test(value))
      throw new TypeError(`Date must look like 2026-12-31; got ${JSON.stringify(value)}`);
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING && DATE_SHAPE.test(ast.value)) return ast.value;
    throw new TypeError('Date must be a string like 2026-12-31');
  },
});
/** `EmailAddress` (graphql-scalars). */
export const EmailAddressScalar = GraphQLEmailAddress;
/** `JSON` (graphql-scalars). */
export const JSONScalar = GraphQLJSON;

const DECIMAL = /^-?\d{1,12}(\.\d{1,2})?$/;

/**
 * `Decimal`: an exact decimal number as a string (up to 12 integer digits and 2 decimals), so
 * money never goes through a float.
 */
const DECIMAL_RULE = 'Decimal must be a string like "1234.50": up to 12 integer digits and 2 decimals';

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "1500000.00" (up to 12 digits and 2 decimals).',
  serialize: (value) => String(value),
  parseValue: (value) => {
    const s = typeof value === 'number' ? String(value) : value;
    if (typeof s !== 'string' || !DECIMAL.test(s.trim()))
      throw new TypeError(`${DECIMAL_RULE}; got ${JSON.stringify(value)}`);
    return s.trim();
  },
  parseLiteral: (ast) => {
    if ((ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) && DECIMAL.test(ast.value))
      return ast.value;
    throw new TypeError(DECIMAL_RULE);
  },
});
