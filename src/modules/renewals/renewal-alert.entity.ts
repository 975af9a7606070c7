import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { Client } from '../clients/client.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { RenewalAlertStatus, RenewalScanTrigger } from './renewal.enums.js';

/**
 * "This practice expires in N days": one per practice and offset, raised by the renewal scan. The
 * unique key (practice, daysBefore) makes raising idempotent: a rerun or a concurrent scan inserts
 * nothing twice.
 */
@Entity({ tableName: 'renewal_alert' })
@Unique({ properties: ['practice', 'daysBefore'] })
@Index({ properties: ['tenant', 'status', 'dueDate'] })
@Index({ properties: ['tenant', 'dueDate', 'id'] })
@ObjectType({ implements: Node, description: 'A practice nearing its expiry date: time to renew.' })
export class RenewalAlert extends TenantScopedEntity<'status' | 'raisedAt'> {
  @ManyToOne(() => Practice, { ref: true, deleteRule: 'cascade' })
  practice!: Ref<Practice>;

  @ManyToOne(() => Client, { ref: true, deleteRule: 'cascade', index: true })
  client!: Ref<Client>;

  @Property({ type: 'date' })
  @Field(() => DateScalar, { description: "The practice's expiry date when the alert was raised." })
  expiryDate!: string;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'The offset that raised it: days before expiry (90, 60, 30, 7 by default).' })
  daysBefore!: number;

  @Property({ type: 'date' })
  @Field(() => DateScalar, { description: 'expiryDate minus daysBefore: when the alert became due.' })
  dueDate!: string;

  @Enum({ items: () => RenewalAlertStatus })
  @Field(() => RenewalAlertStatus)
  status: RenewalAlertStatus = RenewalAlertStatus.PENDING;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  assignedTo?: Ref<TeamMember> | null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => Date)
  raisedAt: Date = new Date();

  @Property({ type: 'date', nullable: true })
  @Field(() => DateScalar, { nullable: true, description: 'While SNOOZED: the day it reopens.' })
  snoozedUntil?: string | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was acknowledged, dismissed or resolved.' })
  closedAt?: Date | null;
}

/** One run of the renewal scan for a tenant (scheduled runs are unique per tenant and local day). */
@Entity({ tableName: 'renewal_scan' })
@Unique({ properties: ['tenant', 'scheduledFor'] })
export class RenewalScan extends TenantScopedEntity<'startedAt'> {
  @Enum({ items: () => RenewalScanTrigger })
  trigger!: RenewalScanTrigger;

  /** The tenant's local day this scheduled scan is for (null for manual runs). */
  @Property({ type: 'date', nullable: true })
  scheduledFor?: string | null;

  /** The tenant's local date the scan counted days from. */
  @Property({ type: 'date' })
  asOf!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;

  @Property({ type: 'integer', nullable: true })
  raised?: number | null;
}
