import type { EntityKey } from '@mikro-orm/core';
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { connectionType, OrderDirection } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { registerFastChildren, registerFastRelation } from '../../platform/graphql/fast-path.js';
import { loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Document } from './document.entity.js';
import { Practice } from './practice.entity.js';
import { PRACTICE_TRANSITIONS, PracticeStatus } from './practice.enums.js';
import {
  AddPracticeDocumentInput,
  CreatePracticeInput,
  PracticeFilter,
  PracticeOrder,
  PracticeOrderField,
  TransitionPracticeInput,
  UpdatePracticeInput,
} from './practice.input.js';
import { PracticeType } from './practice-type.entity.js';

export const PracticeConnection = connectionType(Practice, 'Practice');

const ORDER_COLUMNS = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  EXPIRY_DATE: 'expiryDate',
} as const satisfies Record<PracticeOrderField, EntityKey<Practice>>;

const PracticePayload = payloadType(
  'PracticePayload',
  'Result of a practice mutation: the practice, or userErrors (then nothing changed).',
  { practice: () => Practice },
);

const AddPracticeDocumentPayload = payloadType(
  'AddPracticeDocumentPayload',
  'Result of addPracticeDocument: the document added, or userErrors.',
  { document: () => Document, practice: () => Practice },
);

/** Practice types, practices and their workflow. */
@Resolver(() => Practice)
export class PracticeResolver extends ResourceResolver({
  entity: Practice,
  connection: PracticeConnection,
  list: { name: 'practices', description: 'Practices, filtered and ordered (default: newest first).' },
  filter: {
    type: PracticeFilter,
    where: (ctx, filter) =>
      ctx.services.criteria.andWhere(() => ctx.em, 'PRACTICE', ctx.services.practices.where(filter), filter?.where),
  },
  order: {
    type: PracticeOrder,
    columns: ORDER_COLUMNS,
    defaultOrder: { field: PracticeOrderField.CREATED_AT, direction: OrderDirection.DESC },
    nonNullWhenSortedBy: [PracticeOrderField.EXPIRY_DATE],
  },
  get: { name: 'practice' },
}) {
  @Authorized()
  @Query(() => [PracticeType], {
    description: "The tenant's practice types, by code: those offered for new practices, or all with includeInactive.",
  })
  practiceTypes(
    @Arg('includeInactive', { defaultValue: false, description: 'Also list deactivated types.' })
    includeInactive: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.em.find(PracticeType, includeInactive ? {} : { active: true }, { orderBy: { code: 'asc' } });
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => PracticePayload, {
    description: "Opens a practice for a client; the quoted price defaults to the type's price.",
  })
  createPractice(
    @Arg('input') input: CreatePracticeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      practice: await ctx.services.practices.create(ctx.em, principal, input),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => PracticePayload, { description: 'Changes prices, payment, dates, assignee or notes of a practice.' })
  updatePractice(
    @Arg('input') input: UpdatePracticeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      practice: await ctx.services.practices.update(ctx.em, principal, input),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => PracticePayload, {
    description: 'Moves a practice along its workflow; an illegal move is a user error naming the allowed next states.',
  })
  transitionPractice(
    @Arg('input') input: TransitionPracticeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      practice: await ctx.services.practices.transition(ctx.em, principal, input.id, input.status),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => AddPracticeDocumentPayload, { description: 'Adds a document to a practice.' })
  addPracticeDocument(
    @Arg('input') input: AddPracticeDocumentInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.practices.addDocument(ctx.em, principal, input));
  }

  @FieldResolver(() => Client)
  async client(@Root() practice: Practice, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, practice.client);
  }

  @FieldResolver(() => PracticeType)
  type(@Root() practice: Practice, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, PracticeType, practice.type);
  }

  @FieldResolver(() => TeamMember, { nullable: true })
  assignedTo(@Root() practice: Practice, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, practice.assignedTo);
  }

  @FieldResolver(() => [Document], {
    description:
      "The practice's documents, oldest first. A plain list: a practice needs a fixed set of documents (its checklist).",
  })
  documents(@Root() practice: Practice, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, Document, 'practice', practice.id, {}, [{ createdAt: 'asc' }, { id: 'asc' }]);
  }

  @FieldResolver(() => Practice, { nullable: true, description: 'The practice this one renews.' })
  renewalOf(@Root() practice: Practice, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, practice.renewalOf);
  }

  @FieldResolver(() => [PracticeStatus], { description: 'Statuses this practice may move to next.' })
  allowedTransitions(@Root() practice: Practice): readonly PracticeStatus[] {
    return PRACTICE_TRANSITIONS[practice.status];
  }
}

const NEWEST_FIRST: KeysetOrder<Practice> = [{ createdAt: 'desc' }, { id: 'desc' }];

/** The condition of `Client.practices(filter)` (besides the client). */
const clientPracticesWhere = (ctx: GraphQLContext, filter: PracticeFilter | null | undefined) =>
  ctx.services.practices.where({ ...filter, clientId: undefined }) as Record<string, unknown>;

/** Practices of a client. */
@Resolver(() => Client)
export class ClientPracticesResolver {
  @FieldResolver(() => [Practice], {
    description:
      "The client's practices, newest first. A plain list: a client has a few practices (one per service it buys), unlike its interactions.",
  })
  practices(
    @Root() client: Client,
    @Arg('filter', () => PracticeFilter, { nullable: true }) filter: PracticeFilter | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return loadChildren(ctx, Practice, 'client', client.id, clientPracticesWhere(ctx, filter), NEWEST_FIRST);
  }
}

// The fast path (platform/graphql/fast-path.ts) answers these the way the resolvers above do.
registerFastRelation(Practice, 'client', { kind: 'ref', entity: Client, fk: 'client' });
registerFastRelation(Practice, 'type', { kind: 'ref', entity: PracticeType, fk: 'type' });
registerFastRelation(Practice, 'assignedTo', { kind: 'ref', entity: TeamMember, fk: 'assignedTo' });
registerFastChildren(Client, 'practices', Practice, 'client', clientPracticesWhere);
