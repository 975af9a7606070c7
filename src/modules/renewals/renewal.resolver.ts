import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { ConnectionArgs, connectionType } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { listConnection } from '../../platform/graphql/list.js';
import { loadById, loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { PracticeConnection } from '../practices/practice.resolver.js';
import { Role, WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { RenewalScanTrigger } from './renewal.enums.js';
import {
  RenewalAlertFilter,
  RenewalAlertInput,
  RenewalSettings,
  RenewPracticeInput,
  SnoozeRenewalAlertInput,
  UpdateRenewalSettingsInput,
} from './renewal.input.js';
import { renewalStream, type RenewalStreamArgs } from './renewal.stream.js';
import { RenewalAlert } from './renewal-alert.entity.js';

export const RenewalAlertConnection = connectionType(RenewalAlert, 'RenewalAlert');

const SOONEST_FIRST: KeysetOrder<Practice> = [{ expiryDate: 'asc' }, { id: 'asc' }];
const DUE_FIRST: KeysetOrder<RenewalAlert> = [{ dueDate: 'asc' }, { id: 'asc' }];

const RenewalAlertPayload = payloadType(
  'RenewalAlertPayload',
  'Result of acting on a renewal alert: the alert, or userErrors.',
  { renewalAlert: () => RenewalAlert },
);

const RenewPracticePayload = payloadType(
  'RenewPracticePayload',
  'Result of renewPractice: the practices involved (see each field), or userErrors.',
  {
    practice: { type: () => Practice, description: 'The new follow-up practice.' },
    renewed: { type: () => Practice, description: 'The practice that was renewed.' },
  },
);

const RenewalSettingsPayload = payloadType(
  'RenewalSettingsPayload',
  'Result of updateRenewalSettings: the new schedule, or userErrors.',
  { settings: () => RenewalSettings },
);

@ObjectType({ description: 'What a renewal scan did.' })
class RunRenewalScanPayload {
  @Field(() => Int, { description: 'Alerts this run raised (0 when everything due was already raised).' })
  raised!: number;

  @Field(() => Int, { description: 'Snoozed alerts whose day had come, reopened by this run.' })
  reopened!: number;

  @Field(() => DateScalar, { description: "The tenant's local date the scan counted days from." })
  asOf!: string;
}

async function tenantOf(ctx: GraphQLContext, principal: Principal): Promise<Tenant> {
  return (await loadById(ctx, Tenant, principal.tenantId))!;
}

/** Renewal alerts, the renewal schedule and renewing practices. */
@Resolver(() => RenewalAlert)
export class RenewalResolver extends ResourceResolver({
  entity: RenewalAlert,
  connection: RenewalAlertConnection,
  list: { name: 'renewalAlerts', description: 'Renewal alerts, filtered, the earliest due first.' },
  filter: { type: RenewalAlertFilter, where: (ctx, filter) => ctx.services.renewals.alertWhere(filter) },
  order: DUE_FIRST,
}) {
  @Authorized()
  @Query(() => RenewalSettings, { description: "The tenant's renewal schedule: alert offsets, scan time, time zone." })
  async renewalSettings(
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RenewalSettings> {
    return ctx.services.renewals.settings(await tenantOf(ctx, principal));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RenewalSettingsPayload, { description: 'Changes the renewal schedule (ADMIN).' })
  updateRenewalSettings(
    @Arg('input') input: UpdateRenewalSettingsInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      settings: ctx.services.renewals.settings(await ctx.services.renewals.updateSettings(ctx.em, principal, input)),
    }));
  }

  @Authorized()
  @Query(() => PracticeConnection, {
    description:
      'Renewable practices expiring between today and today + withinDays (tenant time zone), not yet renewed, soonest first.',
  })
  async upcomingRenewals(
    @Args() args: ConnectionArgs,
    @Arg('withinDays', () => Int, { defaultValue: 60 }) withinDays: number,
    @Arg('assignedTo', () => [ID], { nullable: true, description: 'Only practices assigned to these members.' })
    assignedTo: string[] | null,
    @Arg('practiceTypeCodes', () => [String], { nullable: true }) practiceTypeCodes: string[] | null,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    const today = ctx.services.renewals.today(await tenantOf(ctx, principal));
    const where = ctx.services.renewals.upcomingWhere(today, withinDays, assignedTo, practiceTypeCodes);
    return listConnection(ctx.em, {
      entity: Practice,
      connection: PracticeConnection,
      args,
      where,
      order: SOONEST_FIRST,
    });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => RunRenewalScanPayload, {
    description: "Runs the tenant's renewal scan now (ADMIN); idempotent: a rerun raises nothing new.",
  })
  async runRenewalScan(
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RunRenewalScanPayload> {
    const result = await ctx.services.renewals.scan(ctx.em, principal.tenantId, {
      trigger: RenewalScanTrigger.MANUAL,
      actor: ctx.principal,
    });
    return result!;
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => RenewalAlertPayload, { description: 'Takes an alert in hand (from PENDING, NOTIFIED or SNOOZED).' })
  acknowledgeRenewalAlert(
    @Arg('input') input: RenewalAlertInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      renewalAlert: await ctx.services.renewals.act(ctx.em, principal, input.id, 'acknowledge'),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => RenewalAlertPayload, {
    description: 'Puts an alert aside until a date; the scan on that day reopens it (PENDING).',
  })
  snoozeRenewalAlert(
    @Arg('input') input: SnoozeRenewalAlertInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      renewalAlert: await ctx.services.renewals.act(ctx.em, principal, input.id, 'snooze', input.until),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => RenewalAlertPayload, { description: 'Closes an alert without renewing.' })
  dismissRenewalAlert(
    @Arg('input') input: RenewalAlertInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      renewalAlert: await ctx.services.renewals.act(ctx.em, principal, input.id, 'dismiss'),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => RenewPracticePayload, {
    description:
      "Creates the follow-up practice (same client and type, INQUIRY, renewalOf the old one) and resolves the old one's open alerts.",
  })
  renewPractice(
    @Arg('input') input: RenewPracticeInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.renewals.renew(ctx.em, principal, input));
  }

  @Subscription(() => RenewalAlert, {
    description:
      'Renewal alerts of your tenant as they are raised; `assignedToMe` keeps those of practices assigned to you, `withinDays` those expiring within that many days. A delivered PENDING alert becomes NOTIFIED.',
    subscribe: ({ args, context }) => renewalStream(context as GraphQLContext, args as RenewalStreamArgs),
  })
  renewalAlertRaised(
    @Root() alert: RenewalAlert,
    @Arg('assignedToMe', () => Boolean, { defaultValue: false }) _assignedToMe: boolean,
    @Arg('withinDays', () => Int, { nullable: true }) _withinDays: number | null,
  ): RenewalAlert {
    return alert;
  }

  @FieldResolver(() => Practice, { nullable: true })
  practice(@Root() alert: RenewalAlert, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, alert.practice);
  }

  @FieldResolver(() => Client, { nullable: true })
  client(@Root() alert: RenewalAlert, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, alert.client);
  }

  @FieldResolver(() => TeamMember, {
    nullable: true,
    description: "The practice's assignee when the alert was raised.",
  })
  assignedTo(@Root() alert: RenewalAlert, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, alert.assignedTo);
  }
}

/** Renewal alerts of a practice. */
@Resolver(() => Practice)
export class PracticeRenewalsResolver {
  @FieldResolver(() => [RenewalAlert], {
    description:
      "The practice's renewal alerts, the earliest due first. A plain list: a few per renewal period of one practice.",
  })
  renewalAlerts(@Root() practice: Practice, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, RenewalAlert, 'practice', practice.id, {}, DUE_FIRST);
  }
}

/** Upcoming renewals of a client. */
@Resolver(() => Client)
export class ClientRenewalsResolver {
  @FieldResolver(() => [Practice], {
    description:
      "The client's renewable practices expiring within `withinDays` (default 60), soonest first. A plain list: at most the client's practices.",
  })
  async upcomingRenewals(
    @Root() client: Client,
    @Arg('withinDays', () => Int, { defaultValue: 60 }) withinDays: number,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    const today = ctx.services.renewals.today(await tenantOf(ctx, principal));
    const where = ctx.services.renewals.upcomingWhere(today, withinDays);
    return loadChildren(ctx, Practice, 'client', client.id, where as Record<string, unknown>, SOONEST_FIRST);
  }
}
