import { Entity, Property, Unique } from '@mikro-orm/decorators/legacy';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import type { LeadScoreWeights } from './lead-score.rules.js';

/** A tenant's lead score weights (one row per tenant; none: the defaults). */
@Entity({ tableName: 'lead_scoring' })
@Unique({ properties: ['tenant'] })
export class LeadScoring extends TenantScopedEntity implements LeadScoreWeights {
  @Property({ type: 'integer' })
  budgetWeight!: number;

  @Property({ type: 'integer' })
  authorityWeight!: number;

  @Property({ type: 'integer' })
  needWeight!: number;

  @Property({ type: 'integer' })
  timelineWeight!: number;
}
