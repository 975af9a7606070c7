import type { EntityKey } from '@mikro-orm/core';
import { Arg, Authorized, type ClassType, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { childFieldResolver } from '../../platform/graphql/child-field.js';
import { connectionType, OrderDirection, paginateChildren } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { registerFastRelation } from '../../platform/graphql/fast-path.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Role, WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from './ticket.entity.js';
import {
  ChildTicketsArgs,
  CreateTicketInput,
  LinkTicketInput,
  TicketFilter,
  TicketOrder,
  TicketOrderField,
  UpdateTicketInput,
} from './ticket.input.js';
import { AutoLinkTicketsResult } from './ticket-autolink.js';

export const TicketConnection = connectionType(Ticket, 'Ticket');

/** Newest first: the order of a parent's tickets. */
const NEWEST_FIRST: KeysetOrder<Ticket> = [{ createdAt: 'desc' }, { id: 'desc' }];

const ORDER_COLUMNS = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  NUMBER: 'number',
} as const satisfies Record<TicketOrderField, EntityKey<Ticket>>;

const TicketPayload = payloadType(
  'TicketPayload',
  'Result of a ticket mutation: the ticket, or userErrors (then nothing changed).',
  { ticket: () => Ticket },
);

const AutoLinkTicketsPayload = payloadType(
  'AutoLinkTicketsPayload',
  'Result of autoLinkTickets: what was found (and done), or userErrors (then nothing changed).',
  { result: () => AutoLinkTicketsResult },
);

/** Tickets. */
@Resolver(() => Ticket)
export class TicketResolver extends ResourceResolver({
  entity: Ticket,
  connection: TicketConnection,
  list: { name: 'tickets', description: 'Tickets, filtered and ordered (default: newest first).' },
  filter: {
    type: TicketFilter,
    where: (ctx, filter) =>
      ctx.services.criteria.andWhere(() => ctx.em, 'TICKET', ctx.services.tickets.where(filter), filter?.where),
  },
  order: {
    type: TicketOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: TicketOrderField.CREATED_AT, direction: OrderDirection.DESC },
  },
  get: { name: 'ticket' },
}) {
  @Authorized(WRITER_ROLES)
  @Mutation(() => TicketPayload, {
    description:
      'Opens a ticket with the next number. A deal or practice given without a client links their client too. A ticket is about one client: a deal or practice of another client is a CLIENT_MISMATCH userError.',
  })
  createTicket(
    @Arg('input') input: CreateTicketInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ ticket: await ctx.services.tickets.create(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => TicketPayload, { description: 'Changes a ticket. RESOLVED sets resolvedAt; reopening clears it.' })
  updateTicket(
    @Arg('input') input: UpdateTicketInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ ticket: await ctx.services.tickets.update(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => TicketPayload, {
    description:
      'Links a ticket to a client, a deal or a practice (replacing the previous one of that kind). Client, deal and practice of a ticket belong to one client: anything else is a CLIENT_MISMATCH userError (unlink first to move a ticket to another client).',
  })
  linkTicket(
    @Arg('input') input: LinkTicketInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      ticket: await ctx.services.tickets.link(ctx.em, principal, input.id, input.targetId, true),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => TicketPayload, {
    description: 'Removes the link between a ticket and a client, a deal or a practice.',
  })
  unlinkTicket(
    @Arg('input') input: LinkTicketInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      ticket: await ctx.services.tickets.link(ctx.em, principal, input.id, input.targetId, false),
    }));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => AutoLinkTicketsPayload, {
    description:
      'Links tickets without a client to the client their requester matches (email, then phone, then organisation name; see TicketLinkRule), in batches of batchSize tickets (1–5000, default 500), one transaction each (ADMIN). Idempotent; tickets a person unlinked from a client are left alone. A dry run (the default) changes nothing and says how many would be linked, with a sample.',
  })
  autoLinkTickets(
    @Arg('dryRun', { defaultValue: true, description: 'true (default): only count and sample.' }) dryRun: boolean,
    @Arg('batchSize', () => Int, { nullable: true, description: 'Tickets per batch, 1–5000 (default 500).' })
    batchSize: number | null,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      result: await ctx.services.tickets.autoLink(ctx.em, principal, { dryRun, batchSize }),
    }));
  }

  @FieldResolver(() => Client, { nullable: true })
  client(@Root() t: Ticket, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, t.client);
  }

  @FieldResolver(() => Deal, { nullable: true })
  deal(@Root() t: Ticket, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Deal, t.deal);
  }

  @FieldResolver(() => Practice, { nullable: true })
  practice(@Root() t: Ticket, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, t.practice);
  }

  @FieldResolver(() => TeamMember, { nullable: true })
  assignee(@Root() t: Ticket, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, t.assignee);
  }
}

/**
 * `tickets(first, after, filter)` on a parent: a connection of its tickets, newest first (they
 * grow without bound); the page of all the parents of a list in one statement.
 */
function ticketsOf(parent: ClassType<{ id: string }>, fk: 'client' | 'deal' | 'practice', noun: string) {
  return childFieldResolver(parent, {
    name: 'tickets',
    type: () => TicketConnection,
    description: `The ${noun}'s tickets, newest first. A connection (first/after), since they grow without bound.`,
    args: ChildTicketsArgs,
    resolve: ({ id }, { filter, ...page }, ctx) =>
      paginateChildren(ctx, Ticket, TicketConnection, fk, id, childTicketsWhere(ctx, filter), NEWEST_FIRST, page),
  });
}

/** The condition of `<parent>.tickets(filter)` (besides the parent). */
function childTicketsWhere(ctx: GraphQLContext, filter: ChildTicketsArgs['filter']): Record<string, unknown> {
  const typed = ctx.services.tickets.where({
    ...filter,
    clientId: undefined,
    dealId: undefined,
    practiceId: undefined,
  });
  return ctx.services.criteria.andWhere(() => ctx.em, 'TICKET', typed, filter?.where) as Record<string, unknown>;
}

/** `Client.tickets`. */
export const ClientTicketsResolver = ticketsOf(Client, 'client', 'client');
/** `Deal.tickets`. */
export const DealTicketsResolver = ticketsOf(Deal, 'deal', 'deal');
/** `Practice.tickets`. */
export const PracticeTicketsResolver = ticketsOf(Practice, 'practice', 'practice');

// The fast path (platform/graphql/fast-path.ts) answers these the way the resolvers above do.
registerFastRelation(Ticket, 'client', { kind: 'ref', entity: Client, fk: 'client' });
registerFastRelation(Ticket, 'deal', { kind: 'ref', entity: Deal, fk: 'deal' });
registerFastRelation(Ticket, 'practice', { kind: 'ref', entity: Practice, fk: 'practice' });
registerFastRelation(Ticket, 'assignee', { kind: 'ref', entity: TeamMember, fk: 'assignee' });
for (const [parent, fk] of [
  [Client, 'client'],
  [Deal, 'deal'],
  [Practice, 'practice'],
] as const) {
  registerFastRelation(parent, 'tickets', {
    kind: 'page',
    entity: Ticket,
    fk,
    where: (ctx, args) => childTicketsWhere(ctx, args.filter as ChildTicketsArgs['filter']),
    orderBy: NEWEST_FIRST,
  });
}
