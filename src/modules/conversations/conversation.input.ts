import { Field, Float, ID, InputType, ObjectType } from 'type-graphql';

import { JSONScalar } from '../../platform/graphql/scalars.js';
import { ExtractorKind } from './conversation.enums.js';

@InputType({ description: 'One message of an ingested conversation: who spoke (role) and what was said.' })
export class ConversationMessageInput {
  @Field({ description: '`user` (the client), `assistant` or `agent` (our side), `system`.' })
  role!: string;

  @Field()
  content!: string;
}

@InputType({ description: 'A conversation to save and file in the CRM.' })
export class IngestConversationInput {
  @Field({ description: "The channel's session id; the same id again appends to that conversation." })
  sessionId!: string;

  @Field(() => String, { nullable: true, description: "The client's email as the channel knows it." })
  userEmail?: string | null;

  @Field(() => [ConversationMessageInput], {
    description:
      'The messages, oldest first. Resending the whole transcript with more messages at the end appends only the new ones.',
  })
  messages!: ConversationMessageInput[];

  @Field(() => String, { nullable: true, description: 'The team member who held the conversation.' })
  teamMemberEmail?: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'Anything the channel wants kept (merged into earlier metadata).',
  })
  metadata?: Record<string, unknown> | null;

  @Field(() => Boolean, {
    defaultValue: true,
    description:
      'true: extract and file before answering (the payload has the outcome). false: answer at once and extract in the background; `extractionCompleted` announces the outcome.',
  })
  wait!: boolean;
}

@InputType({ description: 'File a proposed extraction, optionally correcting it.' })
export class AcceptExtractionInput {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'File it under this existing client instead of the extracted one.' })
  clientId?: string | null;

  @Field(() => String, { nullable: true, description: 'Open a practice of this type instead of the extracted one.' })
  practiceTypeCode?: string | null;
}

@InputType({ description: 'Rejects a pending extraction (nothing is created from it), with an optional reason.' })
export class RejectExtractionInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  reason?: string | null;
}

@ObjectType({ description: "The tenant's auto-CRM rules and the extractor in use." })
export class ExtractionSettings {
  @Field(() => Float, { description: 'Create or update a client at this identity confidence or more (default 0.5).' })
  clientConfidenceThreshold!: number;

  @Field(() => Float, { description: 'Open a practice at this intent confidence or more (default 0.7).' })
  practiceConfidenceThreshold!: number;

  @Field(() => ExtractorKind, { description: 'ANTHROPIC when ANTHROPIC_API_KEY is set, else HEURISTIC.' })
  extractor!: ExtractorKind;

  @Field(() => String, { nullable: true })
  model!: string | null;
}

@InputType({ description: 'Changes the auto-CRM thresholds; omitted fields stay.' })
export class UpdateExtractionSettingsInput {
  @Field(() => Float, { nullable: true })
  clientConfidenceThreshold?: number | null;

  @Field(() => Float, { nullable: true })
  practiceConfidenceThreshold?: number | null;
}
