import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { type AuthChecker, buildSchema } from 'type-graphql';

import type { Role } from '../../modules/tenancy/role.js';
import { resolvers } from '../../resolvers.js';
import { requirePrincipal, requireRole } from '../auth/principal.js';
import type { GraphQLContext } from './context.js';

/**
 * `@Authorized()` needs any principal (else UNAUTHENTICATED); `@Authorized(roles)` needs one of
 * the roles (else FORBIDDEN). Errors are thrown, not returned, so they carry our codes.
 */
const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  if (roles.length === 0) requirePrincipal(context.principal);
  else requireRole(context.principal, roles);
  return true;
};

let cached: Promise<GraphQLSchema> | undefined;

/** Builds the GraphQL schema from the resolver classes (once per process). */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    authChecker,
    authMode: 'error',
    validate: false,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    // Subscriptions take their PubSub from the context (`subscribe: ({ context }) => …`), so one
    // process can run several apps; type-graphql insists on a global one, which must never be used.
    pubSub: {
      publish: () => {
        throw new Error('use context.pubsub');
      },
      subscribe: () => {
        throw new Error('use context.pubsub');
      },
    },
  });
  return cached;
}

/** The schema in SDL, sorted, as checked in at `schema.graphql`. */
export async function printSchemaSDL(): Promise<string> {
  const header = '# Emitted from the code by `npm run schema`. Do not edit: a test fails when it is stale.\n\n';
  return header + printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
