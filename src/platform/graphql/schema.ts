import {
  GraphQLID,
  GraphQLList,
  GraphQLNonNull,
  GraphQLSchema,
  type GraphQLType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isNonNullType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { type AuthChecker, buildSchema, getMetadataStorage, type NonEmptyArray } from 'type-graphql';

import { requirePrincipal, requireRole } from '../auth/principal.js';
import type { Role } from '../auth/role.js';
import type { GraphQLContext } from './context.js';
import { GlobalIdScalar } from './global-id.js';

/** The resolver classes of an API (type-graphql takes them as functions). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ResolverClasses = NonEmptyArray<Function>;

/**
 * `@Authorized()` needs any principal (else UNAUTHENTICATED); `@Authorized(roles)` needs one of
 * the roles (else FORBIDDEN). Errors are thrown, not returned, so they carry our codes.
 */
const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  if (roles.length === 0) requirePrincipal(context.principal);
  else requireRole(context.principal, roles);
  return true;
};

const built = new WeakMap<ResolverClasses, Promise<GraphQLSchema>>();

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

/**
 * Puts {@link GlobalIdScalar} wherever the built schema uses graphql's `ID`, so every ID argument
 * and input field refuses malformed IDs. type-graphql cannot do it at build time: its `scalarsMap`
 * maps TypeScript classes, and passes a scalar given by `() => ID` through as it is. The field and
 * argument objects are type-graphql's, fresh from this build; the schema is then rebuilt from
 * them, so its type map holds our `ID` and not graphql's.
 */
function useGlobalIdScalar(schema: GraphQLSchema): GraphQLSchema {
  const swap = <T extends GraphQLType>(type: T): T => {
    if (isNonNullType(type)) return new GraphQLNonNull(swap(type.ofType)) as T;
    if (isListType(type)) return new GraphQLList(swap(type.ofType)) as T;
    return (type === GraphQLID ? GlobalIdScalar : type) as T;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue; // graphql-js's own, shared by every schema
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        field.type = swap(field.type);
        for (const arg of field.args) arg.type = swap(arg.type);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) field.type = swap(field.type);
    }
  }
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, types: config.types.filter((type) => type !== GraphQLID) });
}

/** Builds the GraphQL schema from the resolver classes (once per process and list). */
export function getSchema(resolvers: ResolverClasses): Promise<GraphQLSchema> {
  let schema = built.get(resolvers);
  if (schema) return schema;
  useSimpleResolvers();
  schema = buildSchema({
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
  })
    .then(useGlobalIdScalar)
    .then(describeRootTypes);
  built.set(resolvers, schema);
  return schema;
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
export async function printSchemaSDL(resolvers: ResolverClasses): Promise<string> {
  const header = '# Emitted from the code by `npm run schema`. Do not edit: a test fails when it is stale.\n\n';
  return header + printSchema(lexicographicSortSchema(await getSchema(resolvers))) + '\n';
}
