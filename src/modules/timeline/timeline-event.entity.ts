import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import type { KeysetOrder } from '../../platform/db/read-model.js';
import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { JSONScalar } from '../../platform/graphql/scalars.js';
import { Client } from '../clients/client.entity.js';
import { Channel } from '../shared/channel.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { TimelineEventType } from './timeline-event.enums.js';

/**
 * One thing that happened, written in the same transaction as the change itself: the timeline,
 * the audit trail (before/after in `data`), and the outbox (`publishedAt` null until published).
 */
@Entity({ tableName: 'timeline_event' })
@Index({ properties: ['tenant', 'client', 'seq'] })
@Index({ properties: ['tenant', 'subjectType', 'subjectId', 'seq'] })
@Index({ properties: ['tenant', 'seq'] })
@Index({ properties: ['tenant', 'position'] })
// The outbox relay's claim: only rows without a position, in order (a full index would walk the others).
@Index({
  name: 'timeline_event_unpositioned_seq_index',
  expression:
    'create index "timeline_event_unpositioned_seq_index" on "timeline_event" ("seq") where "position" is null',
})
// Readers of the whole timeline in delivery order (the segment membership processor): rows after a position.
@Index({
  name: 'timeline_event_position_index',
  expression:
    'create index "timeline_event_position_index" on "timeline_event" ("position") where "position" is not null',
})
@ObjectType({ implements: Node, description: 'Something that happened in the CRM, with who did it and what changed.' })
export class TimelineEvent extends TenantScopedEntity<'occurredAt' | 'data' | 'seq'> {
  /**
   * Insertion order (a database sequence): orders events written in the same millisecond, and the
   * timeline's keyset paging. Not commit order: a transaction that inserted first may commit last.
   */
  @Property({ type: 'bigint', autoincrement: true, unique: true })
  seq!: string;

  /**
   * Delivery order, which is commit order: set by the outbox relay after the event committed, in
   * the order it publishes (`timeline_event_position_seq`, one relay at a time). Null until then.
   * Resume cursors point at a position (see timeline-cursor.ts), so no late commit is skipped.
   */
  @Property({ type: 'bigint', nullable: true })
  position?: string | null;

  @Enum({ items: () => TimelineEventType })
  @Field(() => TimelineEventType)
  type!: TimelineEventType;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => Date)
  occurredAt: Date = new Date();

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  actor?: Ref<TeamMember> | null;

  /** Who did it, in words (a member's name, "API key ci", "system"). */
  @Property({ length: 200 })
  @Field({ description: 'Who did it: a team member, an API key, or the system.' })
  actorLabel!: string;

  /** Entity type of the subject (Client, Practice, Deal, Ticket, Interaction, …). */
  @Property({ length: 32 })
  subjectType!: string;

  @Property({ type: 'uuid' })
  subjectId!: string;

  /** The client the event belongs to (for the client's timeline). */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'cascade' })
  client?: Ref<Client> | null;

  @Enum({ items: () => Channel, nullable: true })
  @Field(() => Channel, { nullable: true })
  channel?: Channel | null;

  @Property({ length: 500 })
  @Field({ description: 'One readable line, e.g. "Practice KITAS moved from INQUIRY to QUOTATION_SENT".' })
  summary!: string;

  /** The payload: one shape per event type, defined in event-payloads.ts and listed in docs/events.md. */
  @Property({ type: 'json', defaultRaw: "'{}'" })
  @Field(() => JSONScalar, {
    description:
      "Details, in one shape per event type whoever triggered it (docs/events.md lists them): a creation's `after` (its fields) and `source` (PERSON or CONVERSATION); a change's `before`/`after` of the changed fields only.",
  })
  data: Record<string, unknown> = {};

  /** Outbox: set once the event has been published to subscribers (with its position). */
  @Property({ type: 'datetime', nullable: true })
  publishedAt?: Date | null;
}

/** The timeline's one order; its cursors are also the resume points of `timelineEventAdded`. */
export const NEWEST_FIRST: KeysetOrder<TimelineEvent> = [{ seq: 'desc' }];
