import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';

import { DomainError } from '../../platform/errors.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { loadById } from '../../platform/graphql/loaders.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import type { SearchTypeName } from './search.service.js';
import { SearchConnection, SearchFilter, SearchHit, SearchHitEdge, SearchRecord, SearchType } from './search.types.js';

const ENTITY = {
  CLIENT: Client,
  ORGANIZATION: Client,
  PRACTICE: Practice,
  DEAL: Deal,
  TICKET: Ticket,
  INTERACTION: Interaction,
  CONVERSATION: Conversation,
} as const;

/** Full-text search across the CRM. */
@Resolver(() => SearchHit)
export class SearchResolver {
  @Authorized()
  @Query(() => SearchConnection, {
    description:
      'Full-text search across clients, organizations, practices, deals, tickets, interactions and conversation messages, best first, with highlights and facets. Tolerates typos in names and emails ("Jon Smth" finds John Smith) and any phone format ("0812-3456" finds +62 812 3456…). Queries of more than 200 characters, or without letters or digits, are BAD_USER_INPUT (reason SEARCH_QUERY_TOO_LONG / SEARCH_QUERY_EMPTY).',
  })
  async search(
    @Arg('query') query: string,
    @Arg('types', () => [SearchType], { nullable: true }) types: SearchTypeName[] | null,
    @Arg('filter', () => SearchFilter, { nullable: true }) filter: SearchFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Hits per page (1–100, default 20).' })
    first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SearchConnection> {
    const size = first ?? 20;
    if (size < 1 || size > 100) throw DomainError.badInput('`first` must be between 1 and 100', 'first');
    const result = await ctx.services.search.search(ctx.em, { query, types, filter, first: size, after });
    const edges = result.hits.map((h) => ({
      cursor: h.cursor,
      node: Object.assign(new SearchHit(), { type: h.type, rank: h.rank, highlights: h.highlights, id: h.id }),
    })) satisfies SearchHitEdge[];
    return {
      edges,
      nodes: edges.map((e) => e.node),
      pageInfo: {
        hasNextPage: result.hasNextPage,
        hasPreviousPage: Boolean(after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: result.totalCount,
      facets: result.facets,
      terms: result.terms,
    };
  }

  @FieldResolver(() => SearchRecord, {
    nullable: true,
    description: 'The record (null if it was deleted since).',
  })
  record(@Root() hit: SearchHit, @Ctx() ctx: GraphQLContext) {
    return loadById<object>(ctx, ENTITY[hit.type], hit.id);
  }
}
