import { Args, type ClassType, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';

import type { GraphQLContext } from './context.js';

/** What {@link childFieldResolver} adds to a parent type. */
export interface ChildFieldOptions<P, A extends object, R> {
  /** The field's name on the parent type, e.g. `tickets`. */
  name: string;
  /** The field's GraphQL type, e.g. `TicketConnection` or `[Ticket]`. */
  type: () => ClassType | [ClassType];
  /** The field's schema description. */
  description: string;
  /** The `@ArgsType()` class of the field's arguments. */
  args: ClassType<A>;
  /** Resolves the field for one parent (batched by the loaders it uses). */
  resolve: (parent: P, args: A, ctx: GraphQLContext) => R;
}

/**
 * A resolver class that adds one field to the `parent` type: the shape of every "children of a
 * parent" field (`Client.tickets`, `Deal.timeline`, …), after type-graphql's resolvers-inheritance
 * example. The class lives in the child's module, so a parent never imports its children; call it
 * once per parent and register the returned class with the other resolvers.
 */
export function childFieldResolver<P extends object, A extends object, R>(
  parent: ClassType<P>,
  options: ChildFieldOptions<P, A, R>,
): ClassType {
  @Resolver(() => parent)
  class ChildFieldResolver {
    // Named after the field: type-graphql matches a field to its resolver (and its arguments) by
    // the method name, so two child fields of one parent must not share one.
    @FieldResolver(options.type, { name: options.name, description: options.description })
    [options.name](@Root() root: P, @Args(() => options.args) args: A, @Ctx() ctx: GraphQLContext): R {
      return options.resolve(root, args, ctx);
    }
  }
  Object.defineProperty(ChildFieldResolver, 'name', { value: `${parent.name}${capitalise(options.name)}Resolver` });
  return ChildFieldResolver;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
