import { Embedded, Entity, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Money } from '../../platform/graphql/money.js';
import { Node } from '../../platform/graphql/node.js';

/** A kind of service the business offers (KITAS, PT PMA, …), seeded for every tenant. */
@Entity({ tableName: 'practice_type' })
@Unique({ properties: ['tenant', 'code'] })
@ObjectType({ implements: Node, description: 'A kind of service offered, e.g. KITAS or PT_PMA.' })
export class PracticeType extends TenantScopedEntity<'renewable' | 'requiredDocuments' | 'active'> {
  @Property({ length: 32 })
  @Field({ description: 'Stable code, e.g. KITAS, PT_PMA.' })
  code!: string;

  @Property({ length: 200 })
  @Field()
  name!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  description?: string | null;

  @Property({ default: false })
  @Field({ description: 'Whether a completed practice expires and needs renewing.' })
  renewable: boolean = false;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, {
    nullable: true,
    description: 'Validity of a completed practice in days (renewable types); null when given in months.',
  })
  renewalPeriodDays?: number | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, {
    nullable: true,
    description: 'Validity of a completed practice in months (e.g. 12 for a one-year permit); null when given in days.',
  })
  validityMonths?: number | null;

  @Embedded(() => Money, { nullable: true, prefix: 'default_price_' })
  @Field(() => Money, { nullable: true })
  defaultPrice?: Money | null;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  @Field(() => [String], { description: 'Documents a client must provide.' })
  requiredDocuments: string[] = [];

  @Property({ default: true })
  @Field({
    description:
      'Whether new practices may be opened with this type. A deactivated type is not offered for new practices; existing practices (and their renewals) keep it.',
  })
  active: boolean = true;
}
