import { PrimaryKeyProp, type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { Tenant } from '../../platform/db/tenant.entity.js';
import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import { CriteriaEntity } from '../criteria/criteria.input.js';
import type { Criteria } from '../criteria/criteria.tree.js';
import { TeamMember } from '../tenancy/team-member.entity.js';

/** Whether a record entered or left a segment. */
export enum SegmentChangeKind {
  ENTERED = 'ENTERED',
  LEFT = 'LEFT',
}

/**
 * A saved criteria tree over one record kind: its members are the records matching it now. Deleting
 * sets `deletedAt` (the row stays, its ID no longer resolves).
 */
@Entity({ tableName: 'segment' })
@Index({ properties: ['tenant', 'entity'] })
@Index({ properties: ['tenant', 'name'] })
@ObjectType({
  implements: Node,
  description:
    'A saved criteria tree over one record kind (clients, practices, deals, tickets or interactions); its members are the records matching it now, and `segmentMembershipChanged` streams records entering and leaving it.',
})
export class Segment extends TenantScopedEntity<'timeRelative' | 'deletedAt' | 'createdBy' | 'recheckedOn'> {
  @Property({ length: 200 })
  @Field({ description: '1–200 characters.' })
  name!: string;

  @Enum({ items: () => CriteriaEntity })
  @Field(() => CriteriaEntity, { description: 'The record kind the criteria select.' })
  entity!: CriteriaEntityName;

  /** The criteria tree (validated), normalised: every group has `filters` and `anyOf` lists. */
  @Property({ type: 'json' })
  criteria!: Criteria;

  /** Whether the criteria use LAST_N_DAYS / NEXT_N_DAYS: then membership changes as days pass. */
  @Property()
  timeRelative: boolean = false;

  /** The tenant-local day the daily re-check last evaluated this segment (time-relative ones only). */
  @Property({ type: 'date', nullable: true })
  recheckedOn?: string | null;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  createdBy?: Ref<TeamMember> | null;

  @Property({ type: 'datetime', nullable: true })
  deletedAt?: Date | null;
}

/**
 * The stored membership of a segment, kept by the event processor and the daily re-check: what a
 * new evaluation is compared with, so entering and leaving are a diff.
 */
@Entity({ tableName: 'segment_member' })
export class SegmentMember {
  [PrimaryKeyProp]?: ['segment', 'recordId'];

  @ManyToOne(() => Segment, { primary: true, deleteRule: 'cascade' })
  segment!: Segment;

  @PrimaryKey({ type: 'uuid' })
  recordId!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  enteredAt: Date = new Date();
}

/**
 * A record entering or leaving a segment, in the order they happened (`position`): the log that
 * `segmentMembershipChanged` delivers and resumes from.
 */
@Entity({ tableName: 'segment_change' })
@Index({ properties: ['segment', 'position'] })
export class SegmentChange {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  position!: string;

  @ManyToOne(() => Tenant, { ref: true, deleteRule: 'cascade', index: true })
  tenant!: Ref<Tenant>;

  @ManyToOne(() => Segment, { ref: true, deleteRule: 'cascade' })
  segment!: Ref<Segment>;

  @Property({ type: 'uuid' })
  recordId!: string;

  @Enum({ items: () => SegmentChangeKind })
  change!: SegmentChangeKind;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  at: Date = new Date();
}

/** How far the membership processor has read the timeline (one row per processor). */
@Entity({ tableName: 'segment_checkpoint' })
export class SegmentCheckpoint {
  @PrimaryKey({ length: 50 })
  name!: string;

  @Property({ type: 'bigint' })
  position!: string;
}
