import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { BaseEntity } from '../../platform/db/base.entity.js';
import type { KeysetOrder } from '../../platform/db/read-model.js';
import { ConnectionArgs, connectionType } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { fromGlobalId } from '../../platform/graphql/global-id.js';
import { findByGlobalId, listConnection } from '../../platform/graphql/list.js';
import { loadById, loadChildren, loadRef } from '../../platform/graphql/loaders.js';
import { payloadType, ResourceResolver } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { Client } from '../clients/client.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Role, WRITER_ROLES } from '../tenancy/role.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { Conversation, Extraction } from './conversation.entity.js';
import { ExtractionDecision } from './conversation.enums.js';
import {
  AcceptExtractionInput,
  ExtractionSettings,
  IngestConversationInput,
  RejectExtractionInput,
  UpdateExtractionSettingsInput,
} from './conversation.input.js';
import { extractionStream } from './conversation.stream.js';

export const ConversationConnection = connectionType(Conversation, 'Conversation');
export const ExtractionConnection = connectionType(Extraction, 'Extraction');

const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] satisfies KeysetOrder<BaseEntity>;

@ObjectType({ description: 'One extracted value, how sure the extractor is, and the quote it comes from.' })
class ExtractedField {
  @Field({ description: 'fullName, email, phone, nationality, company or practiceTypeCode.' })
  field!: string;

  @Field()
  value!: string;

  @Field(() => Float)
  confidence!: number;

  @Field(() => String, {
    nullable: true,
    description: 'The words of the conversation that support it (null: inferred).',
  })
  evidence!: string | null;
}

@ObjectType({ description: 'What an extraction filed in the CRM.' })
class ExtractionOutcome {
  @Field(() => Client, { nullable: true })
  client!: Client | null;

  @Field({ description: 'True when the client was created by this extraction (false: matched or enriched).' })
  clientCreated!: boolean;

  @Field(() => Practice, { nullable: true })
  practice!: Practice | null;

  @Field()
  practiceCreated!: boolean;

  @Field(() => Interaction, { nullable: true })
  interaction!: Interaction | null;
}

const IngestConversationPayload = payloadType(
  'IngestConversationPayload',
  'Result of ingestConversation: the saved conversation, its extraction, and userErrors.',
  {
    conversation: () => Conversation,
    extraction: {
      type: () => Extraction,
      description: 'The extraction of the new messages: its outcome with wait: true, PENDING with wait: false.',
    },
  },
);

const ExtractionPayload = payloadType(
  'ExtractionPayload',
  'Result of accepting or rejecting an extraction: the extraction, or userErrors.',
  { extraction: () => Extraction },
);

const ExtractionSettingsPayload = payloadType(
  'ExtractionSettingsPayload',
  'Result of updateExtractionSettings: the new settings, or userErrors.',
  { settings: () => ExtractionSettings },
);

/** Conversations, their extractions and the auto-CRM rules. */
@Resolver(() => Conversation)
export class ConversationResolver {
  @Authorized(WRITER_ROLES)
  @Mutation(() => IngestConversationPayload, {
    description:
      'Saves a conversation (or appends to the one with this sessionId), then extracts the client and their intent and files them by the auto-CRM rules. The conversation is saved even when extraction fails.',
  })
  ingestConversation(
    @Arg('input') input: IngestConversationInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.conversations.ingest(ctx.em, principal, input, ctx.logger));
  }

  @Authorized()
  @Query(() => ConversationConnection, { description: 'Conversations, newest first.' })
  conversations(
    @Args() args: ConnectionArgs,
    @Arg('clientId', () => ID, { nullable: true }) clientId: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    const where: Record<string, unknown> = {};
    if (clientId) {
      const d = fromGlobalId(clientId);
      where.client = d?.type === 'Client' ? d.id : '00000000-0000-0000-0000-000000000000';
    }
    return listConnection(ctx.em, {
      entity: Conversation,
      connection: ConversationConnection,
      args,
      where,
      order: NEWEST_FIRST,
    });
  }

  @Authorized()
  @Query(() => Conversation, { nullable: true })
  conversation(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return findByGlobalId(ctx.em, Conversation, id);
  }

  @FieldResolver(() => Extraction, { nullable: true, description: 'The latest extraction.' })
  async extraction(@Root() c: Conversation, @Ctx() ctx: GraphQLContext) {
    return (await this.extractions(c, ctx))[0] ?? null;
  }

  @FieldResolver(() => [Extraction], { description: 'Every extraction, newest first.' })
  extractions(@Root() c: Conversation, @Ctx() ctx: GraphQLContext) {
    return loadChildren(ctx, Extraction, 'conversation', c.id, {}, NEWEST_FIRST);
  }

  @FieldResolver(() => Client, { nullable: true, description: 'The client it was filed under.' })
  client(@Root() c: Conversation, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Client, c.client);
  }

  @FieldResolver(() => TeamMember, { nullable: true })
  teamMember(@Root() c: Conversation, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, TeamMember, c.teamMember);
  }
}

@Resolver(() => Extraction)
export class ExtractionResolver extends ResourceResolver({
  entity: Extraction,
  connection: ExtractionConnection,
  list: {
    name: 'extractionProposals',
    description: 'Extractions below the auto-CRM thresholds, waiting for a person: newest first, with their evidence.',
  },
  where: { decision: ExtractionDecision.PROPOSED },
  order: NEWEST_FIRST,
}) {
  @Authorized(WRITER_ROLES)
  @Mutation(() => ExtractionPayload, {
    description: 'Files a proposed extraction (thresholds waived), optionally under another client or practice type.',
  })
  acceptExtraction(
    @Arg('input') input: AcceptExtractionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      extraction: await ctx.services.conversations.accept(ctx.em, principal, input),
    }));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => ExtractionPayload, { description: 'Declines a proposed extraction: nothing is filed.' })
  rejectExtraction(
    @Arg('input') input: RejectExtractionInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      extraction: await ctx.services.conversations.reject(ctx.em, principal, input),
    }));
  }

  @Authorized()
  @Query(() => ExtractionSettings, { description: 'The auto-CRM thresholds and the extractor in use.' })
  async extractionSettings(
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExtractionSettings> {
    return settingsOf(ctx, (await loadById(ctx, Tenant, principal.tenantId))!);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ExtractionSettingsPayload, { description: 'Changes the auto-CRM thresholds (ADMIN).' })
  updateExtractionSettings(
    @Arg('input') input: UpdateExtractionSettingsInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(async () => ({
      settings: settingsOf(ctx, await ctx.services.conversations.updateSettings(ctx.em, principal, input)),
    }));
  }

  @Subscription(() => Extraction, {
    description: 'Extractions of your tenant as they complete (SUCCEEDED or FAILED), optionally of one conversation.',
    subscribe: ({ args, context }) =>
      extractionStream(context as GraphQLContext, args as { conversationId?: string | null }),
  })
  extractionCompleted(
    @Root() extraction: Extraction,
    @Arg('conversationId', () => ID, { nullable: true }) _conversationId: string | null,
  ): Extraction {
    return extraction;
  }

  @FieldResolver(() => Conversation, { nullable: true })
  conversation(@Root() e: Extraction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Conversation, e.conversation);
  }

  @FieldResolver(() => [ExtractedField], { description: 'Every extracted value with its confidence and evidence.' })
  fields(@Root() e: Extraction): ExtractedField[] {
    const r = e.data;
    if (!r) return [];
    const out: ExtractedField[] = [];
    for (const key of ['fullName', 'email', 'phone', 'nationality', 'company'] as const) {
      const v = r.client[key];
      if (v) out.push({ field: key, value: v.value, confidence: v.confidence, evidence: v.evidence });
    }
    if (r.practice)
      out.push({
        field: 'practiceTypeCode',
        value: r.practice.value,
        confidence: r.practice.confidence,
        evidence: r.practice.evidence,
      });
    return out;
  }

  @FieldResolver(() => ExtractionOutcome, { nullable: true, description: 'What was filed (null until it has run).' })
  async result(@Root() e: Extraction, @Ctx() ctx: GraphQLContext): Promise<ExtractionOutcome | null> {
    if (!e.decision) return null;
    const [client, practice, interaction] = await Promise.all([
      loadRef(ctx, Client, e.resultClient),
      loadRef(ctx, Practice, e.resultPractice),
      loadById(ctx, Interaction, e.resultInteractionId),
    ]);
    return { client, clientCreated: e.clientCreated, practice, practiceCreated: e.practiceCreated, interaction };
  }
}

/** The conversation an interaction was logged from. */
@Resolver(() => Interaction)
export class InteractionConversationResolver {
  @FieldResolver(() => Conversation, { nullable: true, description: 'The conversation it was logged from, if any.' })
  conversation(@Root() i: Interaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Conversation, i.conversation);
  }
}

function settingsOf(ctx: GraphQLContext, tenant: Tenant): ExtractionSettings {
  const extractor = ctx.services.conversations.extractor;
  return {
    clientConfidenceThreshold: tenant.clientConfidenceThreshold,
    practiceConfidenceThreshold: tenant.practiceConfidenceThreshold,
    extractor: extractor.kind === 'ANTHROPIC' ? 'ANTHROPIC' : 'HEURISTIC',
    model: ctx.services.conversations.model,
  } as ExtractionSettings;
}
