import { Field, ID, InputType, Int } from 'type-graphql';

import { StageKind } from './deal.enums.js';

@InputType({ description: 'A stage of a new pipeline.' })
export class PipelineStageInput {
  @Field({ description: '1–200 characters, unique in the pipeline (case-insensitive).' })
  name!: string;

  @Field(() => StageKind, { defaultValue: StageKind.OPEN })
  kind!: StageKind;

  @Field(() => Int, {
    nullable: true,
    description: 'Default win probability of deals in the stage, 0–100; default 100 for a WON stage, else 0.',
  })
  probability?: number | null;
}

@InputType({
  description:
    'A new pipeline. Without stages it gets the default ones (New lead … Won, Lost). A pipeline always has at least one OPEN, one WON and one LOST stage.',
})
export class CreatePipelineInput {
  @Field({ description: '1–200 characters, unique among active pipelines (case-insensitive).' })
  name!: string;

  @Field({ defaultValue: false, description: 'Make it the default pipeline of new deals.' })
  isDefault!: boolean;

  @Field(() => [PipelineStageInput], { nullable: true, description: 'Its stages in order (1–30).' })
  stages?: PipelineStageInput[] | null;
}

@InputType({ description: 'Changes to a pipeline; omitted fields stay as they are.' })
export class UpdatePipelineInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new name (1–200 characters).' })
  name?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'true makes it the default pipeline (the previous default stops being one). false is refused: make another pipeline the default instead.',
  })
  isDefault?: boolean | null;
}

@InputType({ description: 'Identifies the pipeline to archive.' })
export class ArchivePipelineInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'A new stage of a pipeline.' })
export class CreatePipelineStageInput {
  @Field(() => ID)
  pipelineId!: string;

  @Field({ description: '1–200 characters, unique in the pipeline (case-insensitive).' })
  name!: string;

  @Field(() => StageKind, { defaultValue: StageKind.OPEN })
  kind!: StageKind;

  @Field(() => Int, { nullable: true, description: '0–100; default 100 for a WON stage, else 0.' })
  probability?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Where among the active stages, from 0 (the stages from there on move down one); default last.',
  })
  position?: number | null;
}

@InputType({ description: 'Changes to a pipeline stage; omitted fields stay as they are.' })
export class UpdatePipelineStageInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new name (1–200 characters, unique in the pipeline).' })
  name?: string | null;

  @Field(() => StageKind, {
    nullable: true,
    description:
      'A new kind; only for a stage holding no deals (their status follows the kind), and the pipeline must keep an OPEN, a WON and a LOST stage.',
  })
  kind?: StageKind | null;

  @Field(() => Int, {
    nullable: true,
    description: 'A new default probability, 0–100, for deals entering the stage from now on.',
  })
  probability?: number | null;
}

@InputType({ description: 'The new order of the active stages of a pipeline.' })
export class ReorderPipelineStagesInput {
  @Field(() => ID)
  pipelineId!: string;

  @Field(() => [ID], { description: 'Every active stage of the pipeline, each once, in the new order.' })
  stageIds!: string[];
}

@InputType({ description: 'Identifies the stage to archive.' })
export class ArchivePipelineStageInput {
  @Field(() => ID)
  id!: string;
}
