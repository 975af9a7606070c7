import DataLoader from 'dataloader';

import type { Principal } from '../../platform/auth/principal.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import type { ClientSummary } from './analytics.types.js';

/**
 * `Client.summary` through a per-request DataLoader: the summaries of every client asked for in
 * one tick come from the same three statements (see AnalyticsService.clientSummaries).
 */
export function loadClientSummary(ctx: GraphQLContext, principal: Principal, clientId: string): Promise<ClientSummary> {
  const loader = ctx.loaders.get(
    'analytics:clientSummary',
    () =>
      new DataLoader<string, ClientSummary>((ids) => ctx.services.analytics.clientSummaries(ctx.em, principal, ids)),
  );
  return loader.load(clientId);
}
