import { GraphQLError } from 'graphql';

/** Codes of top-level GraphQL errors (`extensions.code`). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BAD_USER_INPUT'
  | 'QUERY_TIMEOUT'
  | 'INTERNAL_SERVER_ERROR';

/**
 * A failure the domain knows about. Services throw these; {@link toGraphQLError} is the one place
 * that turns them into what clients see.
 */
export class DomainError extends Error {
  constructor(
    readonly code: Exclude<ErrorCode, 'INTERNAL_SERVER_ERROR'>,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** The caller is not authenticated (no or invalid credentials). */
  static unauthenticated(
    message = 'Authentication required: send Authorization: Bearer <token> or X-Api-Key',
  ): DomainError {
    return new DomainError('UNAUTHENTICATED', message);
  }

  /** The caller's role does not allow the operation. */
  static forbidden(message = 'Your role does not allow this operation'): DomainError {
    return new DomainError('FORBIDDEN', message);
  }

  /** No object of `type` with that id exists in the caller's tenant. */
  static notFound(type: string, id: string): DomainError {
    return new DomainError('NOT_FOUND', `${type} ${id} not found`, { type, id });
  }

  /** A malformed argument the schema cannot catch (a bad cursor, a page size over the cap). */
  static badInput(message: string, argument?: string): DomainError {
    return new DomainError('BAD_USER_INPUT', message, argument ? { argument } : {});
  }
}

/** One problem with a mutation's input, returned in the payload's `userErrors`. */
export interface UserErrorShape {
  /** Path to the input field, e.g. `["input", "email"]`. */
  field: string[] | null;
  message: string;
  /** Stable machine-readable code, e.g. `INVALID_EMAIL`, `TAKEN`, `ILLEGAL_TRANSITION`. */
  code: string;
}

/** Thrown by services when input is invalid; mutation resolvers turn it into `userErrors`. */
export class ValidationFailed extends Error {
  constructor(readonly userErrors: UserErrorShape[]) {
    super(userErrors.map((e) => e.message).join('; '));
    this.name = 'ValidationFailed';
  }

  /** A single user error on `field` (relative to `input`). */
  static of(field: string | string[] | null, code: string, message: string): ValidationFailed {
    const path = field === null ? null : ['input', ...(Array.isArray(field) ? field : [field])];
    return new ValidationFailed([{ field: path, code, message }]);
  }
}

/** Maps a domain error to the GraphQL error clients see. */
export function toGraphQLError(err: DomainError): GraphQLError {
  const code = err.code;
  switch (code) {
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'CONFLICT':
    case 'BAD_USER_INPUT':
    case 'QUERY_TIMEOUT':
      return new GraphQLError(err.message, { extensions: { code, ...err.details } });
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/**
 * `error` with `extensions.code` set to `code` unless it already has one: what Apollo does for
 * HTTP (a syntax error is GRAPHQL_PARSE_FAILED, …), for places that meet graphql-js's errors raw.
 */
export function withErrorCode(error: GraphQLError, code: string): GraphQLError {
  if (typeof error.extensions.code === 'string') return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
