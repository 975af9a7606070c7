import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { payloadType } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Role, WRITER_ROLES } from '../tenancy/role.js';
import { ConvertLeadInput, LeadScoringSettings, UpdateLeadScoringInput } from './lead.input.js';

const ConvertLeadPayload = payloadType(
  'ConvertLeadPayload',
  'Result of convertLead: the converted client, its organisation and deal, or userErrors (then nothing changed).',
  {
    client: { type: () => Client, description: 'The converted client, now a CUSTOMER.' },
    organization: { type: () => Client, description: 'The organisation linked or created, if one was asked for.' },
    deal: { type: () => Deal, description: 'The deal opened, if one was asked for.' },
  },
);

const LeadScoringPayload = payloadType(
  'LeadScoringPayload',
  'Result of updateLeadScoring: the weights now in force, or userErrors (then nothing changed).',
  { settings: () => LeadScoringSettings },
);

/** Lead conversion and the lead score weights. */
@Resolver()
export class LeadResolver {
  @Authorized(WRITER_ROLES)
  @Mutation(() => ConvertLeadPayload, {
    description:
      'Converts a lead (LEAD or PROSPECT) into a CUSTOMER in one transaction: optionally links or creates its organisation (CLIENT_CREATED) and opens a deal for it (DEAL_CREATED); records LEAD_CONVERTED. Its BANT answers stay as they were.',
  })
  convertLead(
    @Arg('input') input: ConvertLeadInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.leads.convert(ctx.em, principal, input));
  }

  @Authorized()
  @Query(() => LeadScoringSettings, {
    description: "The tenant's lead score weights and, in the type's description, the formula.",
  })
  leadScoring(@Ctx() ctx: GraphQLContext): Promise<LeadScoringSettings> {
    return ctx.services.leads.weights(ctx.em);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => LeadScoringPayload, {
    description:
      'Changes the lead score weights (ADMIN); every client with BANT answers is rescored at once. Records LEAD_SCORING_UPDATED when a weight changed.',
  })
  updateLeadScoring(
    @Arg('input') input: UpdateLeadScoringInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      settings: await ctx.services.leads.updateWeights(ctx.em, principal, input),
    }));
  }
}
