import { Arg, Authorized, type ClassType, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';

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
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { GeoPoint, Interaction } from './interaction.entity.js';
import {
  DeleteInteractionInput,
  InteractionFilter,
  LogInteractionInput,
  UpdateInteractionInput,
} from './interaction.input.js';

export const InteractionConnection = connectionType(Interaction, 'Interaction');

/** Newest first, the order of every interactions list. */
const MOST_RECENT_FIRST: KeysetOrder<Interaction> = [{ occurredAt: 'desc' }, { id: 'desc' }];

const InteractionPayload = payloadType(
  'InteractionPayload',
  'Result of logInteraction, updateInteraction or deleteInteraction: the interaction, or userErrors (then nothing changed).',
  { interaction: () => Interaction },
);

/** Interactions. */
@Resolver(() => Interaction)
export class InteractionResolver extends ResourceResolver({
  entity: Interaction,
  connection: InteractionConnection,
  list: { name: 'interactions', description: 'Interactions, most recent first (deleted ones never appear).' },
  filter: {
    type: InteractionFilter,
    where: (ctx, filter) =>
      ctx.services.criteria.andWhere(
        () => ctx.em,
        'INTERACTION',
        ctx.services.interactions.where(filter),
        filter?.where,
      ),
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

  @Authorized(WRITER_ROLES)
  @Mutation(() => InteractionPayload, {
    description:
      'Changes an interaction (not its client). Omitted fields stay, null clears. Records INTERACTION_UPDATED with what changed.',
  })
  updateInteraction(
    @Arg('input') input: UpdateInteractionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      interaction: await ctx.services.interactions.update(ctx.em, principal, input),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => InteractionPayload, {
    description:
      'Deletes an interaction softly: it disappears from every list, and INTERACTION_DELETED keeps what it was. Returns it as it was deleted.',
  })
  deleteInteraction(
    @Arg('input') input: DeleteInteractionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      interaction: await ctx.services.interactions.delete(ctx.em, principal, input.id),
    }));
  }

  @FieldResolver(() => GeoPoint, { nullable: true, description: 'Where it happened, when known.' })
  location(@Root() i: Interaction): GeoPoint | null {
    return i.latitude != null && i.longitude != null ? { latitude: i.latitude, longitude: i.longitude } : null;
  }

  @FieldResolver(() => Deal, { nullable: true, description: 'The deal it was about.' })
  deal(@Root() i: Interaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Deal, i.deal);
  }

  @FieldResolver(() => Ticket, { nullable: true, description: 'The ticket it was about.' })
  ticket(@Root() i: Interaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Ticket, i.ticket);
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

/** `<parent>.interactions`: a connection of the parent's live interactions, most recent first. */
function interactionsOf(parent: ClassType<{ id: string }>, fk: 'client' | 'deal' | 'ticket', description: string) {
  return childFieldResolver(parent, {
    name: 'interactions',
    type: () => InteractionConnection,
    description,
    args: ChildConnectionArgs,
    resolve: ({ id }, args, ctx) =>
      paginateChildren(ctx, Interaction, InteractionConnection, fk, id, { deletedAt: null }, MOST_RECENT_FIRST, args),
  });
}

/** `Client.interactions`: a connection, since a client's interactions grow without bound. */
export const ClientInteractionsResolver = interactionsOf(
  Client,
  'client',
  "The client's interactions, most recent first (deleted ones never appear). A connection (first/after), since they grow for as long as the client lives.",
);
/** `Deal.interactions`. */
export const DealInteractionsResolver = interactionsOf(
  Deal,
  'deal',
  'Interactions about the deal, most recent first. A connection (first/after).',
);
/** `Ticket.interactions`. */
export const TicketInteractionsResolver = interactionsOf(
  Ticket,
  'ticket',
  'Interactions about the ticket, most recent first. A connection (first/after).',
);
