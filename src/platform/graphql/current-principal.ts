import { createParameterDecorator } from 'type-graphql';

import { type Principal, requirePrincipal } from '../auth/principal.js';
import type { GraphQLContext } from './context.js';

/**
 * Injects the authenticated caller into a resolver parameter: `@CurrentPrincipal() principal:
 * Principal`. Throws UNAUTHENTICATED for an anonymous request, so a resolver never needs
 * `ctx.principal!`. Role checks stay with `@Authorized(...)`, which runs first.
 */
export function CurrentPrincipal() {
  return createParameterDecorator<GraphQLContext>(({ context }): Principal => requirePrincipal(context.principal));
}
