import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';

import { JSONScalar } from '../../platform/graphql/scalars.js';
import { CRITERIA_ENTITIES, CRITERIA_OPERATORS } from './criteria.fields.js';

/** GraphQL `CriteriaEntity`: the record kinds a criteria tree selects. */
export const CriteriaEntity = Object.fromEntries(CRITERIA_ENTITIES.map((e) => [e, e])) as {
  [K in (typeof CRITERIA_ENTITIES)[number]]: K;
};
registerEnumType(CriteriaEntity, {
  name: 'CriteriaEntity',
  description: 'The record kinds a criteria tree can select.',
});

/** GraphQL `CriteriaOperator`. */
export const CriteriaOperator = Object.fromEntries(CRITERIA_OPERATORS.map((o) => [o, o])) as {
  [K in (typeof CRITERIA_OPERATORS)[number]]: K;
};
registerEnumType(CriteriaOperator, {
  name: 'CriteriaOperator',
  description:
    'Operators of a criteria filter. Which ones a field accepts depends on its type (see `criteriaFields`). Values: EQ, NEQ, CONTAINS, STARTS_WITH, ENDS_WITH, GT, GTE, LT, LTE, BEFORE, AFTER take one value; IN, NOT_IN a list; BETWEEN a list of two (inclusive); LAST_N_DAYS, NEXT_N_DAYS a number of days (in the tenant time zone, by the app clock); IS_SET, IS_NOT_SET none. Text comparisons ignore case.',
});

/** GraphQL `CriteriaFieldType`. */
export enum CriteriaFieldTypeEnum {
  STRING = 'STRING',
  INTEGER = 'INTEGER',
  DECIMAL = 'DECIMAL',
  DATE = 'DATE',
  DATETIME = 'DATETIME',
  ENUM = 'ENUM',
  ID = 'ID',
  BOOLEAN = 'BOOLEAN',
  TAGS = 'TAGS',
  RELATION = 'RELATION',
}
registerEnumType(CriteriaFieldTypeEnum, {
  name: 'CriteriaFieldType',
  description:
    'Value type of a criteria field. STRING: text; INTEGER; DECIMAL (a string or number, "1500.50"); DATE ("2026-12-31"); DATETIME (ISO 8601, or a date meaning that day in the tenant time zone); ENUM (one of `enumValues`); ID (a global ID of `idType`); BOOLEAN; TAGS (a list of text: CONTAINS one, IN any of); RELATION (a to-many relation: IS_SET has any, IS_NOT_SET has none).',
});

@InputType({
  description: 'One condition: `{ field, operator, value }`. `value` is JSON whose shape depends on the operator.',
})
export class CriteriaFilterInput {
  @Field({
    description:
      'A field path from `criteriaFields(entity)`, e.g. `status`, `client.nationality`, `practices.expiryDate`, `owner.email` (at most two relations).',
  })
  field!: string;

  @Field(() => CriteriaOperator)
  operator!: string;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'A string, number or boolean; a list for IN, NOT_IN and BETWEEN; a number of days for LAST_N_DAYS and NEXT_N_DAYS; absent for IS_SET and IS_NOT_SET.',
  })
  value?: unknown;
}

@InputType({ description: 'An AND group: all its filters and all its nested criteria (`anyOf`) hold.' })
export class CriteriaGroupInput {
  @Field(() => [CriteriaFilterInput], { nullable: true })
  filters?: CriteriaFilterInput[] | null;

  @Field(() => [CriteriaInput], {
    nullable: true,
    description: 'Nested criteria, each an OR of groups (at most 5 levels deep in all).',
  })
  anyOf?: CriteriaInput[] | null;
}

@InputType({
  description:
    'A criteria tree: the OR of its groups, each an AND of filters. No groups: no restriction. Limits: 5 levels, 100 filters, 50 groups. On PostgreSQL a statement built from a tree is stopped after CRITERIA_STATEMENT_TIMEOUT_MS (QUERY_TIMEOUT); the embedded PGlite cannot cancel a running statement, so there only these limits bound its cost, and a slow tree holds the embedded database (one connection) until it ends: 100 CONTAINS filters through relations over 10,000 clients and 100,000 interactions took about 9 s on PostgreSQL.',
})
export class CriteriaInput {
  @Field(() => [CriteriaGroupInput])
  groups!: CriteriaGroupInput[];
}

@ObjectType({ description: 'One condition of a criteria tree.' })
export class CriteriaFilterNode {
  @Field()
  field!: string;

  @Field(() => CriteriaOperator)
  operator!: string;

  @Field(() => JSONScalar, { nullable: true })
  value?: unknown;
}

@ObjectType({ description: 'An AND group of a criteria tree.' })
export class CriteriaGroupNode {
  @Field(() => [CriteriaFilterNode])
  filters!: CriteriaFilterNode[];

  @Field(() => [CriteriaNode])
  anyOf!: CriteriaNode[];
}

@ObjectType('Criteria', { description: 'A criteria tree (the OR of its groups), as stored and as interpreted.' })
export class CriteriaNode {
  @Field(() => [CriteriaGroupNode])
  groups!: CriteriaGroupNode[];
}

@ObjectType({ description: 'A field a criteria filter can name, with the operators it accepts.' })
export class CriteriaField {
  @Field({ description: 'The path to put in `field`, e.g. `client.nationality`.' })
  path!: string;

  @Field(() => CriteriaFieldTypeEnum)
  type!: CriteriaFieldTypeEnum;

  @Field(() => [CriteriaOperator])
  operators!: string[];

  @Field(() => [String], { nullable: true, description: 'For ENUM fields: the accepted values.' })
  enumValues!: string[] | null;

  @Field(() => String, { nullable: true, description: 'For ID fields: the type whose IDs are accepted.' })
  idType!: string | null;

  @Field({ description: 'Whether the path goes through a to-many relation: it holds when ANY related record matches.' })
  anyOf!: boolean;

  @Field()
  description!: string;
}
