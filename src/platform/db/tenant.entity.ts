import { Entity, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { Node } from '../graphql/node.js';
import type { TenantRateLimits } from '../rate-limits.js';
import { BaseEntity } from './base.entity.js';

/** Days before expiry at which renewal alerts are raised, unless a tenant chooses others. */
export const DEFAULT_RENEWAL_OFFSETS: readonly number[] = [90, 60, 30, 7];

/**
 * A customer organisation using Meridian: the platform's unit of isolation. Every
 * {@link TenantScopedEntity} row belongs to exactly one tenant (the tenancy filter and subscriber
 * rely on this class). The settings columns (renewal schedule, auto-CRM thresholds) are read by
 * the renewals and conversations modules; they live here because they share the tenant's row.
 */
@Entity({ tableName: 'tenant' })
@ObjectType({ implements: Node, description: 'A business using Meridian; all data belongs to one tenant.' })
export class Tenant extends BaseEntity<
  | 'currency'
  | 'timeZone'
  | 'renewalOffsets'
  | 'renewalScanTime'
  | 'clientConfidenceThreshold'
  | 'practiceConfidenceThreshold'
  | 'rateLimits'
> {
  /** URL-safe unique name, e.g. `demo`. */
  @Unique()
  @Property({ length: 64 })
  @Field({ description: 'URL-safe unique name, e.g. `demo`.' })
  slug!: string;

  @Property({ length: 200 })
  @Field()
  name!: string;

  /** ISO 4217 currency of Money values. Default IDR. */
  @Property({ length: 3, default: 'IDR' })
  @Field({ description: 'ISO 4217 currency of Money amounts (default IDR).' })
  currency: string = 'IDR';

  /** IANA time zone used for schedules. Default Asia/Makassar. */
  @Property({ length: 64, default: 'Asia/Makassar' })
  @Field({ description: 'IANA time zone for schedules (default Asia/Makassar).' })
  timeZone: string = 'Asia/Makassar';

  /** Renewal alert offsets: days before expiry at which alerts are raised, largest first. */
  @Property({ type: 'json', defaultRaw: `'[90,60,30,7]'` })
  renewalOffsets: number[] = [...DEFAULT_RENEWAL_OFFSETS];

  /** Local time (`HH:MM`, in `timeZone`) of the daily renewal scan. */
  @Property({ length: 5, default: '07:00' })
  renewalScanTime: string = '07:00';

  /** Auto-CRM: create or update a client from an extraction at this identity confidence or more. */
  @Property({ type: 'double', default: 0.5 })
  clientConfidenceThreshold: number = 0.5;

  /** Auto-CRM: open a practice from an extraction at this intent confidence or more. */
  @Property({ type: 'double', default: 0.7 })
  practiceConfidenceThreshold: number = 0.7;

  /**
   * This tenant's rate-limit budgets (`{ "mutations": { "points": 600, "seconds": 60 } }`), set by
   * the operator; a budget not set here uses its RATE_LIMIT_* default. Null: all defaults.
   */
  @Property({ type: 'json', nullable: true })
  rateLimits: TenantRateLimits | null = null;
}
