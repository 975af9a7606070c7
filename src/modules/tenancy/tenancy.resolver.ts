import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  ID,
  InputType,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import { type Principal, requirePrincipal } from '../../platform/auth/principal.js';
import { announcePrincipalChange } from '../../platform/auth/principal-changes.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { ConnectionArgs, connectionType, pageRequest, paginate } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { payloadType } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { tenantTopic } from '../../platform/pubsub.js';
import { ApiKey } from './api-key.entity.js';
import { Role } from './role.js';
import { TeamMember } from './team-member.entity.js';
import { Tenant } from './tenant.entity.js';

export const TeamMemberConnection = connectionType(TeamMember, 'TeamMember');
export const ApiKeyConnection = connectionType(ApiKey, 'ApiKey');

@InputType({ description: 'A new team member.' })
class CreateTeamMemberInput {
  @Field({ description: 'Login email, unique in the tenant.' })
  email!: string;

  @Field({ nullable: true, description: 'Display name (default: the part of the email before @).' })
  name?: string;

  @Field(() => Role, { defaultValue: Role.AGENT })
  role!: Role;
}

@InputType({ description: 'Changes to a team member; omitted fields stay as they are.' })
class UpdateTeamMemberInput {
  @Field(() => ID)
  id!: string;

  @Field({ nullable: true })
  name?: string;

  @Field(() => Role, { nullable: true })
  role?: Role;

  @Field({ nullable: true, description: 'false stops the member from authenticating.' })
  active?: boolean;
}

@InputType({ description: 'A new API key.' })
class CreateApiKeyInput {
  @Field({ description: 'What the key is for, e.g. "website form".' })
  name!: string;

  @Field(() => Role, { defaultValue: Role.AGENT })
  role!: Role;
}

@InputType({ description: 'Identifies the API key to revoke.' })
class RevokeApiKeyInput {
  @Field(() => ID)
  id!: string;
}

const TeamMemberPayload = payloadType(
  'TeamMemberPayload',
  'Result of a team-member mutation: the member, or userErrors.',
  { teamMember: () => TeamMember },
);

const CreateApiKeyPayload = payloadType(
  'CreateApiKeyPayload',
  'Result of createApiKey: the key record and the secret key, shown this once.',
  {
    apiKey: () => ApiKey,
    key: { type: () => String, description: 'The key itself. Shown only in this response: store it now.' },
  },
);

const ApiKeyPayload = payloadType('ApiKeyPayload', 'Result of revokeApiKey: the revoked key, or userErrors.', {
  apiKey: () => ApiKey,
});

/** The caller, their tenant, team members and API keys. */
@Resolver()
export class TenancyResolver {
  @Authorized()
  @Query(() => TeamMember, {
    nullable: true,
    description: 'The team member making the request (null when authenticated with an API key).',
  })
  async viewer(@Ctx() ctx: GraphQLContext): Promise<TeamMember | null> {
    const id = ctx.principal?.memberId;
    return id ? ctx.em.findOne(TeamMember, { id }) : null;
  }

  @Authorized()
  @Query(() => Tenant, { description: "The caller's tenant." })
  async tenant(@CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext): Promise<Tenant> {
    return ctx.em.findOneOrFail(Tenant, { id: principal.tenantId });
  }

  @Authorized()
  @Query(() => TeamMemberConnection, { description: 'Team members of the tenant, by name.' })
  teamMembers(@Args() args: ConnectionArgs, @Ctx() ctx: GraphQLContext) {
    return paginate(ctx.em, TeamMember, TeamMemberConnection, {}, [{ name: 'asc' }, { id: 'asc' }], pageRequest(args));
  }

  @Authorized(Role.ADMIN)
  @Query(() => ApiKeyConnection, { description: 'API keys of the tenant, newest first (ADMIN).' })
  apiKeys(@Args() args: ConnectionArgs, @Ctx() ctx: GraphQLContext) {
    return paginate(ctx.em, ApiKey, ApiKeyConnection, {}, [{ createdAt: 'desc' }, { id: 'desc' }], pageRequest(args));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => TeamMemberPayload, { description: 'Adds a team member (ADMIN).' })
  createTeamMember(@Arg('input') input: CreateTeamMemberInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => {
      const teamMember = await ctx.services.tenancy.createMember(ctx.em, input);
      await publishMember(ctx, teamMember);
      return { teamMember };
    });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => TeamMemberPayload, { description: "Changes a team member's name, role or active flag (ADMIN)." })
  updateTeamMember(@Arg('input') input: UpdateTeamMemberInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => {
      const teamMember = await ctx.services.tenancy.updateMember(ctx.em, expectGlobalId(input.id, 'TeamMember'), input);
      // Open WebSockets of the member, on every instance, stop if they may no longer do what they could.
      await announcePrincipalChange(
        ctx.pubsub,
        {
          kind: 'member',
          tenantId: requirePrincipal(ctx.principal).tenantId,
          memberId: teamMember.id,
          role: teamMember.role,
          active: teamMember.active,
        },
        ctx.logger,
      );
      await publishMember(ctx, teamMember);
      return { teamMember };
    });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateApiKeyPayload, { description: 'Creates an API key (ADMIN). The key is returned once.' })
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(() => ctx.services.tenancy.createApiKey(ctx.em, input));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApiKeyPayload, { description: 'Revokes an API key (ADMIN); it stops authenticating at once.' })
  revokeApiKey(@Arg('input') input: RevokeApiKeyInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => {
      const apiKey = await ctx.services.tenancy.revokeApiKey(ctx.em, expectGlobalId(input.id, 'ApiKey'));
      // Open WebSockets of the key, on every instance, are closed (4401).
      await announcePrincipalChange(
        ctx.pubsub,
        { kind: 'apiKey', tenantId: requirePrincipal(ctx.principal).tenantId, apiKeyId: apiKey.id, revoked: true },
        ctx.logger,
      );
      return { apiKey };
    });
  }

  @Subscription(() => TeamMember, {
    description: "A team member of the caller's tenant was added or changed (name, role, active).",
    subscribe: ({ context }) => (context as GraphQLContext).pubsub.subscribe(memberTopic(context as GraphQLContext)),
  })
  teamMemberChanged(
    @Root() payload: { id: string },
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TeamMember | null> {
    // A fresh fork per event: the subscription's context lives as long as the socket.
    return forkForTenant(ctx.em, principal.tenantId).findOne(TeamMember, { id: payload.id });
  }
}

function memberTopic(ctx: GraphQLContext): string {
  return tenantTopic(requirePrincipal(ctx.principal).tenantId, 'teamMember');
}

/** Announces a member change; a publishing failure is logged, never fails the committed change. */
async function publishMember(ctx: GraphQLContext, member: TeamMember): Promise<void> {
  try {
    await ctx.pubsub.publish(memberTopic(ctx), { id: member.id });
  } catch (err) {
    ctx.logger.warn({ err }, 'could not publish teamMemberChanged');
  }
}
