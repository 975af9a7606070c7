import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { SETUP_ROLES } from '../tenancy/role.js';
import { Pipeline, PipelineStage } from './pipeline.entity.js';
import {
  ArchivePipelineInput,
  ArchivePipelineStageInput,
  CreatePipelineInput,
  CreatePipelineStageInput,
  ReorderPipelineStagesInput,
  UpdatePipelineInput,
  UpdatePipelineStageInput,
} from './pipeline.input.js';

const PipelinePayload = payloadType(
  'PipelinePayload',
  'Result of a pipeline mutation: the pipeline, or userErrors (then nothing changed).',
  { pipeline: () => Pipeline },
);

const PipelineStagePayload = payloadType(
  'PipelineStagePayload',
  'Result of a pipeline-stage mutation: the stage (its `pipeline` too), or userErrors (then nothing changed).',
  { stage: () => PipelineStage },
);

/** Setting up pipelines and their stages (ADMIN or MANAGER). */
@Resolver(() => PipelineStage)
export class PipelineSetupResolver {
  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelinePayload, {
    description:
      'Creates a pipeline (ADMIN or MANAGER), with the default stages unless given; it needs an OPEN, a WON and a LOST stage.',
  })
  createPipeline(
    @Arg('input') input: CreatePipelineInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ pipeline: await ctx.services.pipelines.create(ctx.em, principal, input) }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelinePayload, { description: 'Renames a pipeline or makes it the default (ADMIN or MANAGER).' })
  updatePipeline(
    @Arg('input') input: UpdatePipelineInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ pipeline: await ctx.services.pipelines.update(ctx.em, principal, input) }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelinePayload, {
    description:
      'Archives a pipeline (ADMIN or MANAGER): it takes no new deals and `pipelines` hides it. Not the default pipeline, nor one holding deals (the user error says how many).',
  })
  archivePipeline(
    @Arg('input') input: ArchivePipelineInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      pipeline: await ctx.services.pipelines.archive(ctx.em, principal, input.id),
    }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelineStagePayload, { description: 'Adds a stage to a pipeline (ADMIN or MANAGER).' })
  async createPipelineStage(
    @Arg('input') input: CreatePipelineStageInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ stage: await ctx.services.pipelines.createStage(ctx.em, principal, input) }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelineStagePayload, {
    description:
      'Renames a stage, sets its default probability (0–100), or its kind (only while it holds no deals) (ADMIN or MANAGER). Deals already in the stage keep their probability.',
  })
  updatePipelineStage(
    @Arg('input') input: UpdatePipelineStageInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({ stage: await ctx.services.pipelines.updateStage(ctx.em, principal, input) }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelinePayload, {
    description: 'Puts the active stages of a pipeline in a new order: list every one of them once (ADMIN or MANAGER).',
  })
  reorderPipelineStages(
    @Arg('input') input: ReorderPipelineStagesInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      pipeline: await ctx.services.pipelines.reorderStages(ctx.em, principal, input),
    }));
  }

  @Authorized(SETUP_ROLES)
  @Mutation(() => PipelineStagePayload, {
    description:
      'Archives a stage (ADMIN or MANAGER): no deal can enter it and `Pipeline.stages` hides it. A stage holding deals must be emptied first (the user error says how many); the pipeline keeps an OPEN, a WON and a LOST stage.',
  })
  archivePipelineStage(
    @Arg('input') input: ArchivePipelineStageInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      stage: await ctx.services.pipelines.archiveStage(ctx.em, principal, input.id),
    }));
  }

  @FieldResolver(() => Pipeline, { description: 'The pipeline the stage belongs to.' })
  pipeline(@Root() stage: PipelineStage, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Pipeline, stage.pipeline);
  }
}
