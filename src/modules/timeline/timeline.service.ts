import type { EntityManager, Ref } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import type { Client } from '../clients/client.entity.js';
import type { Channel } from '../shared/channel.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import type { EventPayload, EventSource } from './event-payloads.js';
import { TimelineEvent } from './timeline-event.entity.js';
import type { TimelineEventType } from './timeline-event.enums.js';

/**
 * A conversation's extraction being filed: by the auto-CRM rules (`acceptedBy` null, the event's
 * actor is "system") or by a person accepting a proposal.
 */
export interface ConversationTrigger {
  kind: 'conversation';
  /** The conversation (its entity will do). */
  conversation: { id: string; nodeId: string; sessionId: string };
  /** The person who accepted the proposal; null when the auto-CRM filed it. */
  acceptedBy: Principal | null;
}

/**
 * Who or what set a change off: a person or program calling the API (its principal), or a
 * conversation. The creation methods of the services take one, so every caller goes through them
 * and the trigger shows in the event (actor, and `source` of the creation payloads).
 */
export type Trigger = Principal | ConversationTrigger | SyncTrigger;

/**
 * A sync run applying records from another CRM or a CSV file: the events it records carry the
 * provider as their actor label (e.g. "HUBSPOT sync"), attributed to the member who started it.
 */
export interface SyncTrigger {
  kind: 'sync';
  /** The provider (`HUBSPOT`, `CSV`, …). */
  provider: string;
  /** The run's global ID. */
  runId: string;
  /** Who started the run (null: a schedule or a webhook). */
  startedBy: Principal | null;
}

/** The person behind a trigger (null: the system). */
export function triggerActor(by: Trigger | null): Principal | null {
  if (!by) return null;
  if (by.kind === 'sync') return by.startedBy;
  return by.kind === 'conversation' ? by.acceptedBy : by;
}

/** The `source` of a creation payload. */
export function triggerSource(by: Trigger): EventSource {
  if (by.kind === 'sync') return { kind: 'SYNC', provider: by.provider, runId: by.runId };
  return by.kind === 'conversation'
    ? { kind: 'CONVERSATION', conversationId: by.conversation.nodeId, sessionId: by.conversation.sessionId }
    : { kind: 'PERSON' };
}

/** What a service says happened; `data` has the one payload shape of `type` (see event-payloads.ts). */
export type EventInput<T extends TimelineEventType = TimelineEventType> = {
  [K in T]: {
    type: K;
    subject: { constructor: { name: string }; id: string };
    client?: Client | Ref<Client> | null;
    summary: string;
    data: EventPayload<K>;
    channel?: Channel | null;
  };
}[T];

/**
 * Appends a timeline event in the caller's transaction (`em` must be the transaction's
 * EntityManager): the event commits or rolls back with the change it describes.
 */
export function recordEvent<T extends TimelineEventType>(
  em: EntityManager,
  by: Trigger | null,
  input: EventInput<T>,
): TimelineEvent {
  const actor = triggerActor(by);
  return em.create(TimelineEvent, {
    type: input.type,
    actor: actor?.memberId ? em.getReference(TeamMember, actor.memberId) : null,
    actorLabel: by?.kind === 'sync' ? `${by.provider} sync` : (actor?.label ?? 'system'),
    subjectType: input.subject.constructor.name,
    subjectId: input.subject.id,
    client: input.client ?? null,
    channel: input.channel ?? null,
    summary: input.summary.slice(0, 500),
    data: input.data,
  });
}

/** `{ before, after }` of the fields that differ between two snapshots. */
export function diff<S extends object>(before: S, after: S): { before: Partial<S>; after: Partial<S> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  for (const key of Object.keys(now)) {
    if (JSON.stringify(was[key] ?? null) !== JSON.stringify(now[key] ?? null)) {
      b[key] = was[key] ?? null;
      a[key] = now[key] ?? null;
    }
  }
  return Object.keys(a).length ? { before: b as Partial<S>, after: a as Partial<S> } : null;
}
