import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { type AuthChecker, buildSchema, getMetadataStorage } from 'type-graphql';

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

/**
 * Plain object fields resolve with graphql-js's default resolver instead of a type-graphql wrapper
 * per field and row (≈500 wrapper calls on a 50-row dashboard page). Fields renamed in the schema
 * (e.g. `nodeId` exposed as `id`) keep the wrapper, which reads the property by its own name.
 */
function useSimpleResolvers(): void {
  const storage = getMetadataStorage();
  for (const type of storage.objectTypes) type.simpleResolvers ??= true;
  for (const field of storage.fields) if (field.name !== field.schemaName) field.simple ??= false;
}

/** Builds the GraphQL schema from the resolver classes (once per process). */
export function getSchema(): Promise<GraphQLSchema> {
  if (!cached) useSimpleResolvers();
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
  }).then(describeRootTypes);
  return cached;
}

/** Descriptions of the root types, which type-graphql does not let resolvers set. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) query.description = 'Reads; everything returned belongs to your tenant.';
  if (mutation)
    mutation.description =
      'Changes: each takes one `input` and returns a payload with `userErrors` (VIEWERs cannot mutate).';
  if (subscription) subscription.description = 'Live events of your tenant over WebSocket (graphql-ws).';
  return schema;
}

/** The schema in SDL, sorted, as checked in at `schema.graphql`. */
export async function printSchemaSDL(): Promise<string> {
  const header = '# Emitted from the code by `npm run schema`. Do not edit: a test fails when it is stale.\n\n';
  return header + printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
