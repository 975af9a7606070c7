import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import { ConnectionArgs, connectionType } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { listConnection } from '../../platform/graphql/list.js';
import { loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { UserError, withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Interaction } from './interaction.entity.js';
import { InteractionFilter, LogInteractionInput } from './interaction.input.js';

export const InteractionConnection = connectionType(Interaction, 'Interaction');

@ObjectType({ description: 'Result of logInteraction: the interaction, or userErrors (then nothing was logged).' })
class InteractionPayload {
  @Field(() => Interaction, { nullable: true })
  interaction?: Interaction;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

/** Interactions. */
@Resolver(() => Interaction)
export class InteractionResolver {
  @Authorized()
  @Query(() => InteractionConnection, { description: 'Interactions, most recent first.' })
  interactions(
    @Args() args: ConnectionArgs,
    @Arg('filter', () => InteractionFilter, { nullable: true }) filter: InteractionFilter | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return listConnection(ctx.em, {
      entity: Interaction,
      connection: InteractionConnection,
      args,
      where: ctx.services.interactions.where(filter),
      order: [{ occurredAt: 'desc' }, { id: 'desc' }],
    });
  }

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

/** Interactions of a client. */
@Resolver(() => Client)
export class ClientInteractionsResolver {
  @FieldResolver(() => [Interaction], { description: "The client's interactions, most recent first." })
  interactions(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, Interaction, 'client', client.id, {}, [{ occurredAt: 'desc' }, { id: 'desc' }]);
  }
}
