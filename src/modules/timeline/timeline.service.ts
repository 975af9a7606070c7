import type { EntityManager, Ref } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import type { Client } from '../clients/client.entity.js';
import type { Channel } from '../shared/channel.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { TimelineEvent } from './timeline-event.entity.js';
import type { TimelineEventType } from './timeline-event.enums.js';

/** What a service says happened. */
export interface EventInput {
  type: TimelineEventType;
  subject: { constructor: { name: string }; id: string };
  client?: Client | Ref<Client> | null;
  summary: string;
  data?: Record<string, unknown>;
  channel?: Channel | null;
}

/**
 * Appends a timeline event in the caller's transaction (`em` must be the transaction's
 * EntityManager): the event commits or rolls back with the change it describes.
 */
export function recordEvent(em: EntityManager, actor: Principal | null, input: EventInput): TimelineEvent {
  return em.create(TimelineEvent, {
    type: input.type,
    actor: actor?.memberId ? em.getReference(TeamMember, actor.memberId) : null,
    actorLabel: actor?.label ?? 'system',
    subjectType: input.subject.constructor.name,
    subjectId: input.subject.id,
    client: input.client ?? null,
    channel: input.channel ?? null,
    summary: input.summary.slice(0, 500),
    data: input.data ?? {},
  });
}

/** `{ before, after }` of the fields that differ between two snapshots. */
export function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return Object.keys(a).length ? { before: b, after: a } : null;
}
