import { unwrapResolverError } from '@apollo/server/errors';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { DomainError, toGraphQLError, ValidationFailed } from '../errors.js';
import { InvalidGlobalIdError } from '../graphql/global-id.js';
import type { Logger } from '../logger.js';
import { currentRequest } from '../request-context.js';

/** Codes clients may see as they are; anything else is an unexpected failure. */
export const KNOWN_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'RATE_LIMITED',
  'IDEMPOTENCY_CONFLICT',
  'IDEMPOTENCY_IN_PROGRESS',
]);

/**
 * Builds Apollo's `formatError`: domain errors get their codes, malformed ID literals
 * BAD_USER_INPUT (see GlobalIdLiteralsRule); unexpected exceptions are logged
 * with the request id and, in production, returned masked (message and code only, no stack).
 */
export function formatErrorFactory(logger: Logger, production: boolean, onCode: (code: string) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      const mapped = toGraphQLError(original);
      onCode(original.code);
      return {
        message: mapped.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: mapped.extensions,
      };
    }
    if (original instanceof ValidationFailed) {
      onCode('BAD_USER_INPUT');
      return { ...formatted, extensions: { code: 'BAD_USER_INPUT', userErrors: original.userErrors } };
    }
    if (original instanceof GraphQLError && original.originalError instanceof InvalidGlobalIdError) {
      // Apollo files whatever a validation rule reports under GRAPHQL_VALIDATION_FAILED; a malformed
      // ID literal is bad input, as the same ID in a variable is.
      onCode('BAD_USER_INPUT');
      return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
    }
    // Apollo files an error raised without a code as INTERNAL_SERVER_ERROR (graphql-ws leaves it without one).
    const reported = formatted.extensions?.code;
    const code =
      typeof reported === 'string' && reported !== 'INTERNAL_SERVER_ERROR' ? reported : uncodedRefusal(original);
    if (KNOWN_CODES.has(code)) {
      onCode(code);
      return code === reported ? formatted : { ...formatted, extensions: { ...formatted.extensions, code } };
    }
    onCode('INTERNAL_SERVER_ERROR');
    const requestId = currentRequest()?.requestId;
    logger.error({ err: original, path: formatted.path }, 'unexpected error in GraphQL operation');
    if (production) {
      return {
        message: 'Internal server error',
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
      };
    }
    return { ...formatted, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR', requestId } };
  };
}

/** graphql-js gives up coercing variables after 50 errors with this error, which Apollo leaves uncoded. */
const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

/**
 * The code of an error graphql-js or Apollo raises without one for a bad request: Apollo's 4xx
 * refusals (a persisted-query hash that does not match, an unsupported version) are BAD_REQUEST,
 * graphql-js's "too many variable errors" BAD_USER_INPUT; anything else is unexpected.
 */
function uncodedRefusal(error: unknown): string {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return 'INTERNAL_SERVER_ERROR';
  if (error.message === TOO_MANY_VARIABLE_ERRORS) return 'BAD_USER_INPUT';
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
}

/** Express error handler: errors before GraphQL (malformed JSON, too large a body) as coded 4xx JSON. */
export function httpErrorHandler(logger: Logger) {
  return (err: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const code =
      err.type === 'entity.parse.failed'
        ? 'BAD_REQUEST'
        : err.type === 'entity.too.large'
          ? 'PAYLOAD_TOO_LARGE'
          : status < 500
            ? 'BAD_REQUEST'
            : 'INTERNAL_SERVER_ERROR';
    const message =
      code === 'BAD_REQUEST' && err.type === 'entity.parse.failed'
        ? 'Malformed JSON body'
        : code === 'PAYLOAD_TOO_LARGE'
          ? 'Request body too large'
          : status < 500
            ? err.message
            : 'Internal server error';
    if (status >= 500) logger.error({ err }, 'unexpected HTTP error');
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
