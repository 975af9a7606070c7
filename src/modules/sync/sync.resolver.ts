import DataLoader from 'dataloader';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  type ClassType,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import { Role } from '../../platform/auth/role.js';
import { childFieldResolver } from '../../platform/graphql/child-field.js';
import { connectionType, paginateChildren } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { toGlobalId } from '../../platform/graphql/global-id.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { CrmConnection, CrmConnectionHealth } from './crm-connection.entity.js';
import { FieldMapping, FieldSource } from './field-mapping.entity.js';
import { SyncDirection, SyncMode, SyncObjectType } from './sync.enums.js';
import {
  ConnectionIdInput,
  StartSyncInput,
  SyncLogArgs,
  SyncRunFilter,
  SyncRunIdInput,
  UpdateFieldMappingsInput,
} from './sync.input.js';
import { syncProgressStream } from './sync.stream.js';
import { SyncLogEntry, SyncRun } from './sync-run.entity.js';

/** Who may start, cancel and configure syncs. */
const SYNC_ROLES = [Role.ADMIN, Role.MANAGER];

export const CrmConnectionConnection = connectionType(CrmConnection, 'CrmConnection');
export const SyncRunConnection = connectionType(SyncRun, 'SyncRun');
export const SyncLogEntryConnection = connectionType(SyncLogEntry, 'SyncLogEntry');

const SyncRunPayload = payloadType('SyncRunPayload', 'Result of a sync mutation: the run, or userErrors.', {
  syncRun: () => SyncRun,
});
export const CrmConnectionPayload = payloadType(
  'CrmConnectionPayload',
  'Result of a connection mutation: the connection, or userErrors.',
  { crmConnection: () => CrmConnection },
);
const FieldMappingsPayload = payloadType(
  'FieldMappingsPayload',
  'Result of updateFieldMappings: the object type’s mappings now, or userErrors (then nothing changed).',
  { fieldMappings: (() => [FieldMapping]) as unknown as () => ClassType },
);

/** Connections to other CRMs. */
@Resolver(() => CrmConnection)
export class CrmConnectionResolver extends ResourceResolver({
  entity: CrmConnection,
  connection: CrmConnectionConnection,
  list: { name: 'crmConnections', description: 'The tenant’s connections to other CRMs (and its CSV imports).' },
  order: [{ createdAt: 'asc' }, { id: 'asc' }],
}) {
  @Authorized(SYNC_ROLES)
  @Mutation(() => CrmConnectionPayload, {
    description:
      'Disconnects a connection (MANAGER or ADMIN): its stored credentials are deleted, its status becomes DISCONNECTED and its active runs are cancelled. Records already synced stay.',
  })
  disconnectCrm(@Arg('input') input: ConnectionIdInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({
      crmConnection: await ctx.services.sync.disconnect(ctx.em, input.id),
    }));
  }

  @Authorized(SYNC_ROLES)
  @Mutation(() => FieldMappingsPayload, {
    description:
      'Replaces the field mappings of one object type of a connection (MANAGER or ADMIN). An unknown Meridian field, an unknown provider field or a Meridian field mapped twice is a userError.',
  })
  updateFieldMappings(@Arg('input') input: UpdateFieldMappingsInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ fieldMappings: await ctx.services.sync.updateFieldMappings(ctx.em, input) }));
  }

  @FieldResolver(() => CrmConnectionHealth, { description: 'Last success and last error of the connection’s runs.' })
  health(@Root() c: CrmConnection): CrmConnectionHealth {
    return {
      lastSuccessAt: c.lastSuccessAt ?? null,
      lastError: c.lastError ?? null,
      lastErrorAt: c.lastErrorAt ?? null,
    };
  }

  @FieldResolver(() => [FieldMapping], {
    description: 'How provider fields map onto Meridian fields (the provider’s defaults until edited).',
  })
  fieldMappings(
    @Root() c: CrmConnection,
    @Arg('objectType', () => SyncObjectType, { nullable: true }) objectType: SyncObjectType | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.services.sync.fieldMappings(ctx.em, c, objectType ?? null);
  }
}

/** Sync runs. */
@Resolver(() => SyncRun)
export class SyncRunResolver extends ResourceResolver({
  entity: SyncRun,
  connection: SyncRunConnection,
  list: { name: 'syncRuns', description: 'Sync runs of the tenant, newest first.' },
  filter: { type: SyncRunFilter, where: (ctx, filter) => ctx.services.sync.where(filter) },
  order: [{ createdAt: 'desc' }, { id: 'desc' }],
  get: { name: 'syncRun', description: 'A sync run by ID (null when not found in your tenant).' },
}) {
  @Authorized(SYNC_ROLES)
  @Mutation(() => SyncRunPayload, {
    description:
      'Queues a BACKFILL, DELTA or PUSH run of a connection (MANAGER or ADMIN); follow it with `syncProgress`. CSV files are imported with `POST /imports`.',
  })
  startSync(@Arg('input') input: StartSyncInput, @CurrentPrincipal() principal: Principal, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ syncRun: await ctx.services.sync.start(ctx.em, principal, input) }));
  }

  @Authorized(SYNC_ROLES)
  @Mutation(() => SyncRunPayload, {
    description:
      'Cancels a run (MANAGER or ADMIN): a queued run at once, a running one after the page it is applying (what was committed stays). A finished run is returned unchanged.',
  })
  cancelSync(@Arg('input') input: SyncRunIdInput, @Ctx() ctx: GraphQLContext) {
    return withUserErrors(async () => ({ syncRun: await ctx.services.sync.cancel(ctx.em, input.id) }));
  }

  @Subscription(() => SyncRun, {
    description:
      'A sync run as it moves (at most ~4 events per second per run; the final state is always delivered). With `runId`: that run, starting with its current state (a finished run: its final state, then the end). Without: every run of your tenant.',
    subscribe: ({ args, context }) => syncProgressStream(context as GraphQLContext, args as { runId?: string | null }),
  })
  syncProgress(@Root() run: SyncRun, @Arg('runId', () => ID, { nullable: true }) _runId: string | null): SyncRun {
    return run;
  }

  @FieldResolver(() => CrmConnection)
  connection(@Root() run: SyncRun, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, CrmConnection, run.connection);
  }

  @FieldResolver(() => SyncDirection, { description: 'INBOUND, or OUTBOUND for PUSH runs.' })
  direction(@Root() run: SyncRun): SyncDirection {
    return run.mode === SyncMode.PUSH ? SyncDirection.OUTBOUND : SyncDirection.INBOUND;
  }

  @FieldResolver(() => TeamMember, { nullable: true, description: 'Who started the run.' })
  startedBy(@Root() run: SyncRun, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, run.startedBy);
  }

  @FieldResolver(() => SyncLogEntryConnection, {
    description: 'The run’s log in order: refused rows (with their line), conflicts, and in a dry run every row.',
  })
  logs(@Root() run: SyncRun, @Args() args: SyncLogArgs, @Ctx() ctx: GraphQLContext) {
    return paginateChildren(
      ctx,
      SyncLogEntry,
      SyncLogEntryConnection,
      'run',
      run.id,
      {},
      [{ seq: 'asc' }, { id: 'asc' }],
      args,
    );
  }
}

/** Log entries. */
@Resolver(() => SyncLogEntry)
export class SyncLogEntryResolver {
  @FieldResolver(() => ID, { nullable: true, description: 'Global ID of the Meridian record concerned, if any.' })
  recordId(@Root() e: SyncLogEntry): string | null {
    return e.recordType && e.recordId ? toGlobalId(e.recordType, e.recordId) : null;
  }
}

/** `fieldSources` of a client or deal: where each synced field's value came from. */
function fieldSourcesOf(parent: typeof Client | typeof Deal, recordType: 'Client' | 'Deal') {
  return childFieldResolver(parent as never, {
    name: 'fieldSources',
    type: () => [FieldSource],
    description: `Where the current value of each synced field of the ${recordType.toLowerCase()} came from (a provider by a sync, or Meridian) and when.`,
    args: NoArgs,
    resolve: ({ id }: { id: string }, _args, ctx) =>
      ctx.loaders
        .get(`fieldSources:${recordType}`, () => {
          // One statement for the records of a list (recordId is a plain column, not a relation).
          return new DataLoader<string, FieldSource[]>(async (ids) => {
            const rows = await ctx.em.find(
              FieldSource,
              { recordType, recordId: { $in: [...ids] } },
              { orderBy: { field: 'asc', id: 'asc' } },
            );
            return ids.map((i) => rows.filter((r) => r.recordId === i));
          });
        })
        .load(id),
  });
}

/** No arguments. */
@ArgsType()
class NoArgs {}

/** `Client.fieldSources`. */
export const ClientFieldSourcesResolver = fieldSourcesOf(Client, 'Client');
/** `Deal.fieldSources`. */
export const DealFieldSourcesResolver = fieldSourcesOf(Deal, 'Deal');
