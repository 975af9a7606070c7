import type { EntityKey } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import { connectionType, OrderDirection } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { registerFastRelation } from '../../platform/graphql/fast-path.js';
import { loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { normalizeEmail } from '../../platform/validation.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Bant } from './bant.type.js';
import { Client } from './client.entity.js';
import {
  ArchiveClientInput,
  ClientFilter,
  ClientOrder,
  ClientOrderField,
  CreateClientInput,
  MergeClientsInput,
  UpdateClientInput,
} from './client.input.js';
import { ClientMerge } from './client-merge.entity.js';

export const ClientConnection = connectionType(Client, 'Client');

const ORDER_COLUMNS = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  FULL_NAME: 'fullName',
  LEAD_SCORE: 'leadScore',
} as const satisfies Record<ClientOrderField, EntityKey<Client>>;

const ClientPayload = payloadType(
  'ClientPayload',
  'Result of a client mutation: the client, or userErrors (then nothing changed).',
  { client: () => Client },
);

const MergeClientsPayload = payloadType(
  'MergeClientsPayload',
  'Result of mergeClients: the surviving client and the record of the merge, or userErrors.',
  {
    client: { type: () => Client, description: 'The surviving client, with everything moved to it.' },
    merge: { type: () => ClientMerge, description: 'The record of the merge.' },
  },
);

/** Client queries, mutations and relation fields (relations batch through DataLoaders). */
@Resolver(() => Client)
export class ClientResolver extends ResourceResolver({
  entity: Client,
  connection: ClientConnection,
  list: {
    name: 'clients',
    description:
      'Clients, filtered and ordered (default: newest first). Archived clients only with `filter.includeArchived`.',
  },
  filter: {
    type: ClientFilter,
    where: (ctx, filter) =>
      ctx.services.criteria.andWhere(() => ctx.em, 'CLIENT', ctx.services.clients.where(filter), filter?.where),
  },
  order: {
    type: ClientOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: ClientOrderField.CREATED_AT, direction: OrderDirection.DESC },
  },
  get: { name: 'client', description: 'A client by ID (null when not found in your tenant).' },
}) {
  @Authorized()
  @Query(() => Client, { nullable: true, description: 'A client by email (case-insensitive), archived ones included.' })
  clientByEmail(@Arg('email') email: string, @Ctx() ctx: GraphQLContext): Promise<Client | null> {
    return ctx.em.findOne(Client, { email: normalizeEmail(email) });
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => ClientPayload, {
    description: 'Creates a client. A taken email is a user error naming the existing client.',
  })
  createClient(
    @Arg('input') input: CreateClientInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ client: await ctx.services.clients.create(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => ClientPayload, {
    description: 'Changes a client. Omitted fields stay; null clears an optional field.',
  })
  updateClient(
    @Arg('input') input: UpdateClientInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ client: await ctx.services.clients.update(ctx.em, principal, input) }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => ClientPayload, {
    description: 'Archives a client (hidden from lists unless asked for), or restores it with `archived: false`.',
  })
  archiveClient(
    @Arg('input') input: ArchiveClientInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      client: await ctx.services.clients.archive(ctx.em, principal, input.id, input.archived),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => MergeClientsPayload, {
    description: 'Merges one client into another, moving every related record, and keeps a record of the merge.',
  })
  mergeClients(
    @Arg('input') input: MergeClientsInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.clients.merge(ctx.em, principal, input.survivorId, input.mergedId));
  }

  @FieldResolver(() => TeamMember, { nullable: true, description: 'The team member responsible for the client.' })
  owner(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, client.owner);
  }

  @FieldResolver(() => TeamMember, { nullable: true, description: 'Same as `owner` (the name used by api.md).' })
  assignedTo(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, client.owner);
  }

  @FieldResolver(() => Client, { nullable: true, description: 'The organisation this person belongs to.' })
  organization(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, client.organization);
  }

  @FieldResolver(() => [Client], { description: 'People of this organisation.' })
  members(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, Client, 'organization', client.id, { archivedAt: null }, [
      { fullName: 'asc' },
      { id: 'asc' },
    ]);
  }

  @FieldResolver(() => Bant, { description: 'BANT answers (lead qualification); all null when not qualified.' })
  bant(@Root() client: Client): Bant {
    return {
      budget: client.budget ?? null,
      authority: client.authority ?? null,
      need: client.need ?? null,
      needNotes: client.needNotes ?? null,
      timeframe: client.timeframe ?? null,
    };
  }

  @FieldResolver(() => Client, { nullable: true, description: 'Organisations: the parent organisation.' })
  parentOrganization(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, client.parentOrganization);
  }

  @FieldResolver(() => [Client], { description: 'Organisations: the organisations whose parent this one is.' })
  subsidiaries(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, Client, 'parentOrganization', client.id, { archivedAt: null }, [
      { fullName: 'asc' },
      { id: 'asc' },
    ]);
  }

  @FieldResolver(() => Client, {
    nullable: true,
    description: 'Organisations: the primary contact (a person of the organisation).',
  })
  primaryContact(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, client.primaryContact);
  }

  @FieldResolver(() => Client, { nullable: true, description: 'People: the person this one reports to.' })
  reportsTo(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, client.reportsTo);
  }

  @FieldResolver(() => [Client], { description: 'People: the people who report to this one.' })
  directReports(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, Client, 'reportsTo', client.id, { archivedAt: null }, [
      { fullName: 'asc' },
      { id: 'asc' },
    ]);
  }

  @FieldResolver(() => Client, { nullable: true, description: 'For a merged client: the client it was merged into.' })
  mergedInto(@Root() client: Client, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, client.mergedInto);
  }
}

// The fast path (platform/graphql/fast-path.ts) answers these the way the resolvers above do.
registerFastRelation(Client, 'owner', { kind: 'ref', entity: TeamMember, fk: 'owner' });
registerFastRelation(Client, 'assignedTo', { kind: 'ref', entity: TeamMember, fk: 'owner' });
