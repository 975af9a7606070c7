import { createUnionType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

import { PageInfo } from '../../platform/graphql/connection.js';
import { Client } from '../clients/client.entity.js';
import { LifecycleStage } from '../clients/client.enums.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { SEARCH_FACETS, SEARCH_TYPES, type SearchFacetName, type SearchTypeName } from './search.service.js';

/** GraphQL `SearchType`. */
export const SearchType = Object.fromEntries(SEARCH_TYPES.map((t) => [t, t])) as { [K in SearchTypeName]: K };
registerEnumType(SearchType, {
  name: 'SearchType',
  description:
    'Kinds of search hits. ORGANIZATION: clients of kind ORGANIZATION; CONVERSATION: matched in its messages.',
});

/** GraphQL `SearchFacetName`. */
export const SearchFacetNameEnum = Object.fromEntries(SEARCH_FACETS.map((t) => [t, t])) as {
  [K in SearchFacetName]: K;
};
registerEnumType(SearchFacetNameEnum, {
  name: 'SearchFacetName',
  description:
    'Facets of a search: TYPE; STATUS (of practices, deals, tickets); OWNER (owner, assignee or team member, by TeamMember ID); PRACTICE_TYPE (code); LIFECYCLE_STAGE (of clients).',
});

@InputType({ description: 'Narrows a search; all given fields must match.' })
export class SearchFilter {
  @Field(() => [ID], { nullable: true, description: 'Team members: owner, assignee or member of the record.' })
  ownerIds?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Statuses of practices, deals or tickets.' })
  statuses?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Practice type codes (practices only), e.g. KITAS.' })
  practiceTypes?: string[] | null;

  @Field(() => [LifecycleStage], { nullable: true, description: 'Lifecycle stages (clients only).' })
  lifecycleStages?: LifecycleStage[] | null;
}

/** The record of a search hit. */
export const SearchRecord = createUnionType({
  name: 'SearchRecord',
  description: 'The record a search hit is.',
  types: () => [Client, Practice, Deal, Ticket, Interaction, Conversation] as const,
  resolveType: (value) => value.constructor.name,
});

@ObjectType({ description: 'A passage of a hit with the matched words in `<mark>` tags; the rest is HTML-escaped.' })
export class SearchHighlight {
  @Field({ description: 'The field(s) the passage comes from, e.g. `fullName`, `subject`, `messages`.' })
  field!: string;

  @Field({ description: 'HTML-safe text: `<mark>` around matched words, everything else escaped.' })
  snippet!: string;
}

@ObjectType({ description: 'One search result: the record, its kind, its rank and highlighted passages.' })
export class SearchHit {
  @Field(() => SearchType)
  type!: SearchTypeName;

  @Field(() => Float, { description: 'Relevance (higher first): full-text rank plus name similarity.' })
  rank!: number;

  @Field(() => [SearchHighlight])
  highlights!: SearchHighlight[];

  /** The row id of the record (resolved by `record`). */
  id!: string;
}

@ObjectType({ description: 'An edge of a search connection.' })
export class SearchHitEdge {
  @Field()
  cursor!: string;

  @Field(() => SearchHit)
  node!: SearchHit;
}

@ObjectType({ description: 'A facet value and how many hits have it.' })
export class SearchFacetValue {
  @Field({ description: 'The value: a type, status, TeamMember ID, practice type code or lifecycle stage.' })
  value!: string;

  @Field(() => String, { nullable: true, description: 'A readable name for the value (member or practice type name).' })
  label!: string | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Counts of one facet over all hits (not only the page).' })
export class SearchFacet {
  @Field(() => SearchFacetNameEnum)
  name!: SearchFacetName;

  @Field(() => [SearchFacetValue])
  values!: SearchFacetValue[];
}

@ObjectType({ description: 'A page of search results, best first, with facets over all of them.' })
export class SearchConnection {
  @Field(() => [SearchHitEdge])
  edges!: SearchHitEdge[];

  @Field(() => [SearchHit])
  nodes!: SearchHit[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of hits (all pages).' })
  totalCount!: number;

  @Field(() => [SearchFacet])
  facets!: SearchFacet[];

  @Field(() => [String], {
    description: 'The query as it was read: its words (lower-case, unaccented) and phone digits.',
  })
  terms!: string[];
}
