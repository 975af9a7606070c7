import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { childFieldResolver } from '../../platform/graphql/child-field.js';
import { ChildConnectionArgs, connectionType, paginateChildren } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Interaction } from './interaction.entity.js';
import { InteractionFilter, LogInteractionInput } from './interaction.input.js';

export const InteractionConnection = connectionType(Interaction, 'Interaction');

/** Newest first, the order of every interactions list. */
const MOST_RECENT_FIRST: KeysetOrder<Interaction> = [{ occurredAt: 'desc' }, { id: 'desc' }];

const InteractionPayload = payloadType(
  'InteractionPayload',
  'Result of logInteraction: the interaction, or userErrors (then nothing was logged).',
  { interaction: () => Interaction },
);

/** Interactions. */
@Resolver(() => Interaction)
export class InteractionResolver extends ResourceResolver({
  entity: Interaction,
  connection: InteractionConnection,
  list: { name: 'interactions', description: 'Interactions, most recent first.' },
  filter: {
    type: InteractionFilter,
    where: (ctx, filter) =>
      ctx.services.criteria.andWhere(ctx.em, 'INTERACTION', ctx.services.interactions.where(filter), filter?.where),
  },
  order: MOST_RECENT_FIRST,
}) {
  @Authorized(WRITER_ROLES)
  @Mutation(() => InteractionPayload, { description: 'Logs a call, chat, email, meeting or note with a client.' })
  logInteraction(
    @Arg('input') input: LogInteractionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      interaction: await ctx.services.interactions.log(ctx.em, principal, input),
    }));
  }

  @FieldResolver(() => Client)
  client(@Root() i: Interaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, i.client);
  }

  @FieldResolver(() => Practice, { nullable: true })
  practice(@Root() i: Interaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, i.practice);
  }

  @FieldResolver(() => TeamMember, { nullable: true })
  teamMember(@Root() i: Interaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, i.teamMember);
  }
}

/** `Client.interactions`: a connection, since a client's interactions grow without bound. */
export const ClientInteractionsResolver = childFieldResolver(Client, {
  name: 'interactions',
  type: () => InteractionConnection,
  description:
    "The client's interactions, most recent first. A connection (first/after), since they grow for as long as the client lives.",
  args: ChildConnectionArgs,
  resolve: (client, args, ctx) =>
    paginateChildren(ctx, Interaction, InteractionConnection, 'client', client.id, {}, MOST_RECENT_FIRST, args),
});
