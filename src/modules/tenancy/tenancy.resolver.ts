import {
  Arg,
  Args,
  Authorized,
  type ClassType,
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
import type { MemberChange } from './tenancy.service.js';
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

@InputType({ description: 'Identifies a team member.' })
class TeamMemberIdInput {
  @Field(() => ID)
  id!: string;
}

const DeactivateTeamMemberPayload = payloadType(
  'DeactivateTeamMemberPayload',
  'Result of deactivateTeamMember: the member and the API keys revoked with them, or userErrors (then nothing changed).',
  {
    teamMember: () => TeamMember,
    revokedApiKeys: {
      type: () => [ApiKey] as unknown as ClassType,
      description: 'The API keys the member had created, now revoked.',
    },
  },
);

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
  @Mutation(() => TeamMemberPayload, {
    description:
      "Changes a team member's name, role or active flag (ADMIN); `active: false` is deactivateTeamMember. The last active ADMIN cannot be demoted. A changed name or role records TEAM_MEMBER_UPDATED (segments on the member's records, e.g. `owner.name`, are re-checked).",
  })
  updateTeamMember(
    @Arg('input') input: UpdateTeamMemberInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => {
      const change = await ctx.services.tenancy.updateMember(
        ctx.em,
        expectGlobalId(input.id, 'TeamMember'),
        input,
        principal,
      );
      await announceMember(ctx, change);
      return { teamMember: change.teamMember };
    });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => DeactivateTeamMemberPayload, {
    description:
      "Deactivates a team member (ADMIN): their tokens stop authenticating at once, the API keys they created are revoked, and their open WebSockets, on every instance, are closed (4401). Not yourself, nor the tenant's last active ADMIN.",
  })
  deactivateTeamMember(
    @Arg('input') input: TeamMemberIdInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return setActive(ctx, principal, input.id, false);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => TeamMemberPayload, {
    description:
      'Reactivates a deactivated team member (ADMIN): they can sign in again. API keys revoked when they were deactivated stay revoked.',
  })
  reactivateTeamMember(
    @Arg('input') input: TeamMemberIdInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return setActive(ctx, principal, input.id, true);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreateApiKeyPayload, { description: 'Creates an API key (ADMIN). The key is returned once.' })
  createApiKey(
    @Arg('input') input: CreateApiKeyInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.tenancy.createApiKey(ctx.em, input, principal.memberId));
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

/** Deactivates or reactivates a member, then announces it (see {@link announceMember}). */
function setActive(ctx: GraphQLContext, principal: Principal, id: string, active: boolean) {
  return withUserErrors(async () => {
    const change = await ctx.services.tenancy.setActive(ctx.em, principal, expectGlobalId(id, 'TeamMember'), active);
    await announceMember(ctx, change);
    return change;
  });
}

/**
 * After a committed member change: the open WebSockets of the member and of the keys it revoked, on
 * every instance, stop if they may no longer do what they could; `teamMemberChanged` subscribers hear of it.
 */
async function announceMember(ctx: GraphQLContext, change: MemberChange): Promise<void> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  const { member } = change;
  await announcePrincipalChange(
    ctx.pubsub,
    { kind: 'member', tenantId, memberId: member.id, role: member.role, active: member.active },
    ctx.logger,
  );
  for (const key of change.revokedApiKeys)
    await announcePrincipalChange(
      ctx.pubsub,
      { kind: 'apiKey', tenantId, apiKeyId: key.id, revoked: true },
      ctx.logger,
    );
  await publishMember(ctx, member);
}

/** Announces a member change; a publishing failure is logged, never fails the committed change. */
async function publishMember(ctx: GraphQLContext, member: TeamMember): Promise<void> {
  try {
    await ctx.pubsub.publish(memberTopic(ctx), { id: member.id });
  } catch (err) {
    ctx.logger.warn({ err }, 'could not publish teamMemberChanged');
  }
}
