import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Float, Int, ObjectType } from 'type-graphql';

import type { ExtractionResult } from '../../ai/extractor.js';
import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { JSONScalar } from '../../platform/graphql/scalars.js';
import { Client } from '../clients/client.entity.js';
import { Sentiment } from '../interactions/interaction.enums.js';
import { Practice } from '../practices/practice.entity.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { SearchableEntity } from '../search/searchable.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { ExtractionDecision, ExtractionStatus, ExtractorKind, Urgency } from './conversation.enums.js';

/** One message of a conversation. */
@ObjectType({ description: 'One message of a conversation.' })
export class ConversationMessage {
  @Field({ description: '`user` (the client), `assistant` or `agent` (our side), `system`.' })
  role!: string;

  @Field()
  content!: string;
}

/** A chat with a (prospective) client, saved before anything is extracted from it. */
@Entity({ tableName: 'conversation' })
@Index({ name: 'conversation_search_idx', expression: SEARCH_INDEXES.conversation_search_idx })
@Unique({ properties: ['tenant', 'sessionId'] })
@Index({ properties: ['tenant', 'createdAt', 'id'] })
@ObjectType({ implements: Node, description: 'A chat with a (prospective) client; its messages are kept as sent.' })
export class Conversation extends SearchableEntity<'messages' | 'metadata' | 'taskKeys'> {
  @Property({ length: 200 })
  @Field({ description: "The channel's session id: sending it again appends to this conversation." })
  sessionId!: string;

  @Property({ length: 320, nullable: true })
  @Field(() => String, { nullable: true })
  userEmail?: string | null;

  @Property({ type: 'json' })
  @Field(() => [ConversationMessage], {
    description:
      'The messages, oldest first. A plain list: one chat session is short and is read whole (`messages { role content }`).',
  })
  messages: ConversationMessage[] = [];

  @Property({ type: 'json', defaultRaw: "'{}'" })
  @Field(() => JSONScalar)
  metadata: Record<string, unknown> = {};

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  teamMember?: Ref<TeamMember> | null;

  /**
   * The action items already filed as tasks from this conversation (their keys, see the tasks
   * module's rules): a later filing of the same session skips them, even if the task was deleted.
   */
  @Property({ type: 'json', defaultRaw: "'[]'" })
  taskKeys: string[] = [];

  /** The client the conversation was filed under (by the auto-CRM rules or a person). */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  client?: Ref<Client> | null;
}

/** One run of the extractor over a conversation's new messages, and what was filed from it. */
@Entity({ tableName: 'extraction' })
@Index({ properties: ['tenant', 'conversation', 'createdAt'] })
@Index({ properties: ['tenant', 'decision', 'createdAt', 'id'] })
@ObjectType({
  implements: Node,
  description:
    'What the extractor found in a conversation (each value with a confidence and the quote supporting it) and what the auto-CRM rules filed.',
})
export class Extraction extends TenantScopedEntity<
  'status' | 'attempts' | 'actionItems' | 'messageCount' | 'clientCreated' | 'practiceCreated'
> {
  @ManyToOne(() => Conversation, { ref: true, deleteRule: 'cascade' })
  conversation!: Ref<Conversation>;

  @Enum({ items: () => ExtractionStatus })
  @Field(() => ExtractionStatus)
  status: ExtractionStatus = ExtractionStatus.PENDING;

  @Enum({ items: () => ExtractorKind })
  @Field(() => ExtractorKind, { description: 'HEURISTIC means offline rules, not a language model.' })
  extractor!: ExtractorKind;

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true })
  model?: string | null;

  /** Messages of the conversation this extraction read (the conversation's length when it was made). */
  @Property({ type: 'integer', default: 0 })
  messageCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int, { description: 'Runs so far (retries count).' })
  attempts: number = 0;

  @Property({ type: 'double', nullable: true })
  @Field(() => Float, { nullable: true, description: "Confidence of the client's identity (0–1)." })
  confidence?: number | null;

  @Property({ length: 200, nullable: true })
  @Field(() => String, { nullable: true })
  clientName?: string | null;

  @Property({ length: 320, nullable: true })
  @Field(() => String, { nullable: true })
  clientEmail?: string | null;

  @Property({ length: 32, nullable: true })
  @Field(() => String, { nullable: true })
  clientPhone?: string | null;

  @Property({ length: 32, nullable: true })
  @Field(() => String, { nullable: true })
  practiceTypeCode?: string | null;

  @Property({ type: 'double', nullable: true })
  @Field(() => Float, { nullable: true })
  practiceConfidence?: number | null;

  @Enum({ items: () => Sentiment, nullable: true })
  @Field(() => Sentiment, { nullable: true })
  sentiment?: Sentiment | null;

  @Enum({ items: () => Urgency, nullable: true })
  @Field(() => Urgency, { nullable: true })
  urgency?: Urgency | null;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  @Field(() => [String])
  actionItems: string[] = [];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'One line.' })
  summary?: string | null;

  /** The extractor's full result (values, confidences, evidence quotes). */
  @Property({ type: 'json', nullable: true })
  data?: ExtractionResult | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why it FAILED (or was SKIPPED).' })
  error?: string | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true })
  latencyMs?: number | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true })
  inputTokens?: number | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true })
  outputTokens?: number | null;

  @Property({ type: 'double', nullable: true })
  @Field(() => Float, { nullable: true, description: "Estimated cost in USD from the model's list prices." })
  costUsd?: number | null;

  @Enum({ items: () => ExtractionDecision, nullable: true })
  @Field(() => ExtractionDecision, { nullable: true, description: 'Null until the extraction has run.' })
  decision?: ExtractionDecision | null;

  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  resultClient?: Ref<Client> | null;

  @Property({ default: false })
  clientCreated: boolean = false;

  @ManyToOne(() => Practice, { ref: true, nullable: true, deleteRule: 'set null' })
  resultPractice?: Ref<Practice> | null;

  @Property({ default: false })
  practiceCreated: boolean = false;

  @Property({ type: 'uuid', nullable: true })
  resultInteractionId?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  completedAt?: Date | null;
}
