import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { payloadType } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { SETUP_ROLES } from '../tenancy/role.js';
import { PracticeType } from './practice-type.entity.js';
import {
  CreatePracticeTypeInput,
  DeactivatePracticeTypeInput,
  UpdatePracticeTypeInput,
} from './practice-type.input.js';

const PracticeTypePayload = payloadType(
  'PracticeTypePayload',
  'Result of a practice-type mutation: the practice type, or userErrors (then nothing changed).',
  { practiceType: () => PracticeType },
);

/** The tenant's practice types: creation, changes, deactivation (ADMIN or MANAGER). */
@Resolver(() => PracticeType)
export class PracticeTypeResolver {
  @Authorized(SETUP_ROLES)
  @Mutation(() => PracticeTypePayload, {
    description: 'Adds a practice type (ADMIN or MANAGER); its code must be new in the tenant.',
  })
  createPracticeType(
    @Arg('input') input: CreatePracticeTypeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      practiceType: await ctx.services.practiceTypes.create(ctx.em, principal, input),
    }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PracticeTypePayload, {
    description:
      'Changes the name, description, renewal terms, default price or required documents of a practice type (ADMIN or MANAGER). Existing practices keep their quoted prices.',
  })
  updatePracticeType(
    @Arg('input') input: UpdatePracticeTypeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      practiceType: await ctx.services.practiceTypes.update(ctx.em, principal, input),
    }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PracticeTypePayload, {
    description:
      'Stops offering a practice type for new practices (ADMIN or MANAGER): createPractice refuses it and `practiceTypes` hides it unless includeInactive. Existing practices keep it, and can still be renewed.',
  })
  deactivatePracticeType(
    @Arg('input') input: DeactivatePracticeTypeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      practiceType: await ctx.services.practiceTypes.deactivate(ctx.em, principal, input.id),
    }));
  }
}
