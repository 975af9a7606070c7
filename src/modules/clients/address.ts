import { Embeddable, Property } from '@mikro-orm/decorators/legacy';
import { Field, InputType, ObjectType } from 'type-graphql';

/** A postal address, stored as columns (`address_street`, `address_city`, …). */
@Embeddable()
@ObjectType({ description: 'A postal address.' })
export class Address {
  @Property({ length: 300, nullable: true })
  @Field(() => String, { nullable: true, description: 'Street and number, up to 300 characters.' })
  street?: string | null;

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true })
  city?: string | null;

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true, description: 'Province, state or region.' })
  region?: string | null;

  @Property({ length: 20, nullable: true })
  @Field(() => String, { nullable: true })
  postalCode?: string | null;

  @Property({ length: 2, nullable: true })
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 country code, e.g. ID.' })
  country?: string | null;
}

/** An address in inputs; the whole address is replaced (omitted parts become empty). */
@InputType({ description: 'A postal address; it replaces the whole address (omitted parts become empty).' })
export class AddressInput {
  @Field(() => String, { nullable: true, description: 'Up to 300 characters.' })
  street?: string | null;

  @Field(() => String, { nullable: true, description: 'Up to 100 characters.' })
  city?: string | null;

  @Field(() => String, { nullable: true, description: 'Up to 100 characters.' })
  region?: string | null;

  @Field(() => String, { nullable: true, description: 'Up to 20 characters.' })
  postalCode?: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 code (2 letters), e.g. ID.' })
  country?: string | null;
}
