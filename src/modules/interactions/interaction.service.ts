import type { EntityManager, FilterQuery } from '@mikro-orm/core';

import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { recordEvent, type Trigger, triggerActor, triggerSource } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Interaction } from './interaction.entity.js';
import { Direction, InteractionKind } from './interaction.enums.js';
import type { InteractionFilter, LogInteractionInput } from './interaction.input.js';
import { interactionLoggedPayload } from './interaction.payloads.js';
import { channelOfInteraction } from './interaction.rules.js';

/** Interactions: calls, chats, emails, meetings and notes with clients. */
export class InteractionService {
  /**
   * Logs an interaction with a client: the one creation path, for a person's `logInteraction` and
   * a conversation's filing alike (`by`; a conversation's interaction links to it). The team
   * member defaults to the acting person.
   */
  async log(em: EntityManager, by: Trigger, input: LogInteractionInput): Promise<Interaction> {
    const actor = triggerActor(by);
    const checks = new Checks();
    const client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    const practice = await resolveRef(em, checks, 'practiceId', Practice, input.practiceId);
    const member = await resolveRef(em, checks, 'teamMemberId', TeamMember, input.teamMemberId);
    const summary = checks.text('summary', input.summary, 5000, { required: true, min: 1 });
    const actionItems = checks.list('actionItems', input.actionItems, 20, 500);
    if (input.occurredAt && input.occurredAt.getTime() > Date.now() + 60_000)
      checks.add('occurredAt', 'IN_FUTURE', 'occurredAt cannot be in the future');
    if (client && practice && refId(practice.client) !== client.id)
      checks.add('practiceId', 'NOT_CLIENTS_PRACTICE', 'The practice belongs to another client');
    checks.throwIfAny();
    return em.transactional((tx) => {
      const interaction = tx.create(Interaction, {
        client: client!,
        practice: practice ?? null,
        kind: input.kind,
        direction: input.direction ?? (input.kind === InteractionKind.NOTE ? Direction.INTERNAL : Direction.INBOUND),
        summary: summary!,
        sentiment: input.sentiment ?? null,
        actionItems: actionItems ?? [],
        occurredAt: input.occurredAt ?? new Date(),
        teamMember: member ?? (actor?.memberId ? tx.getReference(TeamMember, actor.memberId) : null),
        conversation: by.kind === 'conversation' ? tx.getReference(Conversation, by.conversation.id) : null,
      });
      recordEvent(tx, by, {
        type: TimelineEventType.INTERACTION_LOGGED,
        subject: interaction,
        client: client!,
        channel: channelOfInteraction(input.kind),
        summary: `${input.kind} logged: ${summary!.slice(0, 200)}`,
        data: interactionLoggedPayload(interaction, triggerSource(by)),
      });
      return interaction;
    });
  }

  /** The where clause of an interaction list. */
  where(filter: InteractionFilter | null | undefined): FilterQuery<Interaction> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    if (f.practiceId) where.practice = filterIds([f.practiceId], 'Practice')![0];
    if (f.kinds?.length) where.kind = { $in: f.kinds };
    if (f.sentiments?.length) where.sentiment = { $in: f.sentiments };
    if (f.teamMemberIds?.length) where.teamMember = { $in: filterIds(f.teamMemberIds, 'TeamMember') };
    if (f.from || f.to) where.occurredAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
    return where;
  }
}
