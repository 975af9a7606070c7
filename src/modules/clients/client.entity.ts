import { type Ref } from '@mikro-orm/core';
import { Embedded, Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { Money } from '../../platform/graphql/money.js';
import { Node } from '../../platform/graphql/node.js';
import { SEARCH_INDEXES } from '../search/search-indexes.js';
import { SearchableEntity } from '../search/searchable.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Address } from './address.js';
import { BantAuthority, BantNeed, BantTimeframe } from './bant.enums.js';
import { ClientKind, ClientSource, LifecycleStage } from './client.enums.js';

/** A person or organisation the business serves, from lead to customer. */
@Entity({ tableName: 'client' })
@Index({ name: 'client_search_idx', expression: SEARCH_INDEXES.client_search_idx })
@Index({ name: 'client_name_trgm_idx', expression: SEARCH_INDEXES.client_name_trgm_idx })
@Index({ name: 'client_email_trgm_idx', expression: SEARCH_INDEXES.client_email_trgm_idx })
@Index({ name: 'client_phone_trgm_idx', expression: SEARCH_INDEXES.client_phone_trgm_idx })
// Criteria compare text without case: `nationality EQ` is `lower("nationality") = lower(?)`.
@Index({
  name: 'client_tenant_nationality_idx',
  expression: 'create index "client_tenant_nationality_idx" on "client" ("tenant_id", lower("nationality"))',
})
@Index({ properties: ['tenant', 'createdAt', 'id'] })
@Index({ properties: ['tenant', 'owner'] })
@Index({ properties: ['tenant', 'leadScore'] })
@Index({ properties: ['tenant', 'phone'] })
@Index({ properties: ['tenant', 'organization'] })
@Index({ properties: ['tenant', 'parentOrganization'] })
@Index({ properties: ['tenant', 'reportsTo'] })
// Name matching (all kinds, and organisations only) compares `lower("full_name")`.
@Index({
  name: 'client_tenant_name_idx',
  expression: 'create index "client_tenant_name_idx" on "client" ("tenant_id", lower("full_name"))',
})
@Index({
  name: 'client_tenant_email_uq',
  expression:
    'create unique index "client_tenant_email_uq" on "client" ("tenant_id", lower("email")) where "email" is not null',
})
@ObjectType({ implements: Node, description: 'A person or organisation the business serves, from lead to customer.' })
export class Client extends SearchableEntity<'kind' | 'lifecycleStage' | 'leadScore' | 'source' | 'tags'> {
  @Enum({ items: () => ClientKind })
  @Field(() => ClientKind)
  kind: ClientKind = ClientKind.PERSON;

  @Property({ length: 200 })
  @Field({ description: 'Full name of the person, or the legal name of the organisation.' })
  fullName!: string;

  @Property({ length: 320, nullable: true })
  @Field(() => String, { nullable: true, description: 'Unique in the tenant (case-insensitive).' })
  email?: string | null;

  @Property({ length: 32, nullable: true })
  @Field(() => String, { nullable: true, description: 'E.164-style phone number, e.g. +6281234567890.' })
  phone?: string | null;

  @Property({ length: 64, nullable: true })
  @Field(() => String, { nullable: true, description: 'Nationality, e.g. "Italian" or "IT".' })
  nationality?: string | null;

  @Enum({ items: () => LifecycleStage })
  @Field(() => LifecycleStage)
  lifecycleStage: LifecycleStage = LifecycleStage.LEAD;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int, {
    description:
      "0–100: how promising the client is. Computed from the BANT answers by the tenant's LeadScoring formula when the client has any; else set by hand.",
  })
  leadScore: number = 0;

  @Enum({ items: () => ClientSource })
  @Field(() => ClientSource)
  source: ClientSource = ClientSource.OTHER;

  @Property({ type: 'text[]', defaultRaw: "'{}'" })
  @Field(() => [String])
  tags: string[] = [];

  /** The team member responsible for the client. */
  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  owner?: Ref<TeamMember> | null;

  /** The organisation a person belongs to. */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  organization?: Ref<Client> | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  notes?: string | null;

  /** Archived clients are hidden from lists unless asked for. */
  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, {
    nullable: true,
    description: 'Set when archived; archived clients are hidden from lists unless `includeArchived`.',
  })
  archivedAt?: Date | null;

  /** Set on a client merged into another: the survivor. */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  mergedInto?: Ref<Client> | null;

  // BANT (lead qualification). Any answer makes the lead score computed (lead-score.rules.ts).

  /** BANT Budget: what the lead can spend. */
  @Embedded(() => Money, { nullable: true, prefix: 'budget_' })
  budget?: Money | null;

  /** BANT Authority. */
  @Enum({ items: () => BantAuthority, nullable: true })
  authority?: BantAuthority | null;

  /** BANT Need. */
  @Enum({ items: () => BantNeed, nullable: true })
  need?: BantNeed | null;

  /** What the lead needs, in words. */
  @Property({ type: 'text', nullable: true })
  needNotes?: string | null;

  /** BANT Timeline (named timeframe: `timeline` is the client's event history). */
  @Enum({ items: () => BantTimeframe, nullable: true })
  timeframe?: BantTimeframe | null;

  // Organisation fields (kind ORGANIZATION).

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true, description: 'Organisations: the industry, e.g. "Hospitality".' })
  industry?: string | null;

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true, description: 'Organisations: the sales territory, e.g. "Bali".' })
  territory?: string | null;

  @Embedded(() => Address, { nullable: true, prefix: 'address_' })
  @Field(() => Address, { nullable: true, description: 'Organisations: the postal address.' })
  address?: Address | null;

  @Embedded(() => Money, { nullable: true, prefix: 'annual_revenue_' })
  @Field(() => Money, { nullable: true, description: 'Organisations: yearly revenue.' })
  annualRevenue?: Money | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Organisations: number of employees.' })
  employees?: number | null;

  /** Organisations: the parent organisation (a group's subsidiary). */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  parentOrganization?: Ref<Client> | null;

  /** Organisations: the person to talk to (a member of the organisation). */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  primaryContact?: Ref<Client> | null;

  // Person fields (kind PERSON).

  @Property({ length: 100, nullable: true })
  @Field(() => String, { nullable: true, description: 'People: job title, e.g. "Finance Director".' })
  jobTitle?: string | null;

  @Property({ length: 32, nullable: true })
  @Field(() => String, { nullable: true, description: 'People: mobile number, normalised like phone.' })
  mobile?: string | null;

  /** People: the person this one reports to. */
  @ManyToOne(() => Client, { ref: true, nullable: true, deleteRule: 'set null' })
  reportsTo?: Ref<Client> | null;

  // What search matches names, emails and phones against, stored by the search-document trigger
  // (migration 20261201010000_client_search_norm) like `searchDoc`: never written by the
  // application, never loaded, never exposed.

  /** `meridian_norm(full_name)`: the name unaccented and lower-cased. */
  @Property({ columnType: 'text', nullable: true, lazy: true, hidden: true })
  nameNorm?: string | null;

  /** `meridian_norm(email)`. */
  @Property({ columnType: 'text', nullable: true, lazy: true, hidden: true })
  emailNorm?: string | null;

  /** `meridian_digits(phone)`: the phone's digits only. */
  @Property({ columnType: 'text', nullable: true, lazy: true, hidden: true })
  phoneDigits?: string | null;
}
