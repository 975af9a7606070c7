import { ArgsType, createUnionType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

import { PageInfo } from '../../platform/graphql/connection.js';
import { OrderDirection } from '../../platform/graphql/connection.js';
import { Client } from '../clients/client.entity.js';
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import { CriteriaEntity, CriteriaInput } from '../criteria/criteria.input.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { Segment, SegmentChangeKind } from './segment.entity.js';

registerEnumType(SegmentChangeKind, {
  name: 'SegmentChangeKind',
  description: 'ENTERED: the record started matching the segment; LEFT: it stopped matching.',
});

/** A record a segment can hold. */
export const SegmentMemberUnion = createUnionType({
  name: 'SegmentMember',
  description:
    'A record held by a segment: a Client, Practice, Deal, Ticket or Interaction (all of one kind per segment: its `entity`). Select fields with `... on Client { … }`.',
  types: () => [Client, Practice, Deal, Ticket, Interaction] as const,
  resolveType: (value) => (value as object).constructor.name,
});

@ObjectType({ description: 'An edge in a SegmentMember connection.' })
export class SegmentMemberEdge {
  @Field({ description: 'Opaque keyset cursor of this item.' })
  cursor!: string;

  @Field(() => SegmentMemberUnion)
  node!: object;
}

@ObjectType({ description: 'A page of the records a segment holds now (ordered by ID, stable across pages).' })
export class SegmentMemberConnection {
  @Field(() => [SegmentMemberEdge])
  edges!: SegmentMemberEdge[];

  @Field(() => [SegmentMemberUnion], { description: 'The items of this page (shortcut for edges.node).' })
  nodes!: object[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  count!: () => Promise<number>;

  @Field(() => Int, { description: 'Number of records the segment holds now (all pages).' })
  totalCount(): Promise<number> {
    return this.count();
  }
}

@InputType({
  description:
    'A new segment. To save an `ask` answer as a segment, pass its `criteria` and `entity`: `createSegment(input: { name, entity: answer.entity, criteria: answer.criteria })`.',
})
export class CreateSegmentInput {
  @Field({ description: '1–200 characters.' })
  name!: string;

  @Field(() => CriteriaEntity, { description: 'The record kind the segment holds (cannot change later).' })
  entity!: CriteriaEntityName;

  @Field(() => CriteriaInput, {
    description: 'Which records it holds: a criteria tree on `entity` (see `criteriaFields(entity)`).',
  })
  criteria!: CriteriaInput;
}

@InputType({ description: 'Changes to a segment: only the fields given change.' })
export class UpdateSegmentInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => CriteriaInput, {
    nullable: true,
    description: "New criteria (on the segment's entity): records entering or leaving by it are streamed.",
  })
  criteria?: CriteriaInput | null;
}

@InputType({ description: 'A segment, by its ID.' })
export class SegmentIdInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Filters on segments; all given fields must match.' })
export class SegmentFilter {
  @Field(() => [CriteriaEntity], { nullable: true, description: 'Segments of any of these record kinds.' })
  entities?: CriteriaEntityName[];

  @Field({ nullable: true, description: 'Name contains this text (case-insensitive).' })
  search?: string;
}

export enum SegmentOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(SegmentOrderField, {
  name: 'SegmentOrderField',
  description: 'What a segment list can be ordered by.',
});

@InputType({ description: 'Order of a segment list (default NAME ASC).' })
export class SegmentOrder {
  @Field(() => SegmentOrderField)
  field!: SegmentOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC })
  direction!: OrderDirection;
}

@ObjectType({ description: 'What a criteria tree selects now, without saving it (`previewSegment`).' })
export class SegmentPreview {
  @Field(() => CriteriaEntity)
  entity!: CriteriaEntityName;

  @Field(() => Int, { description: 'How many records match now.' })
  count!: number;

  @Field(() => [SegmentMemberUnion], { description: 'The first matching records (by ID), at most `sampleSize`.' })
  sample!: object[];
}

@ObjectType({ description: 'A record entering or leaving a segment.' })
export class SegmentMembershipChange {
  @Field(() => Segment)
  segment!: Segment;

  @Field(() => SegmentChangeKind)
  change!: SegmentChangeKind;

  @Field(() => ID, { description: "The record's global ID (also when the record no longer exists)." })
  recordId!: string;

  @Field(() => SegmentMemberUnion, { nullable: true, description: 'The record now; null if it was deleted since.' })
  record!: object | null;

  @Field(() => Date, { description: 'When the change was recorded.' })
  at!: Date;

  @Field({
    description: 'Pass it as `after` to resume the subscription after this change (changes are kept in order).',
  })
  cursor!: string;
}

/** Arguments of `segmentMembershipChanged`. */
@ArgsType()
export class SegmentMembershipArgs {
  @Field(() => ID)
  segmentId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Resume after this change (`cursor` of the last one received): the changes since are replayed first.',
  })
  after?: string | null;
}
