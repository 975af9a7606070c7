import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';

import type { GraphQLContext } from '../../platform/graphql/context.js';
import { type FastObjectSql, registerFastRoot } from '../../platform/graphql/fast-path.js';
import { loadById } from '../../platform/graphql/loaders.js';
import { Client } from '../clients/client.entity.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import {
  DEFAULT_SEARCH_PAGE,
  MAX_SEARCH_PAGE,
  SEARCH_TYPES,
  type SearchArgs,
  type SearchExtra,
  type SearchHitRow,
  type SearchResult,
  type SearchTypeName,
} from './search.service.js';
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

/** The connection of a search result; `node` makes each hit's node. */
function searchConnection<N>(result: SearchResult, after: string | null | undefined, node: (hit: SearchHitRow) => N) {
  const edges = result.hits.map((h) => ({ cursor: h.cursor, node: node(h) }));
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
    @Arg('first', () => Int, {
      nullable: true,
      description: `Hits per page (1–${MAX_SEARCH_PAGE}, default ${DEFAULT_SEARCH_PAGE}).`,
    })
    first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SearchConnection> {
    const result = await ctx.services.search.search(ctx.em, { query, types, filter, first, after });
    return searchConnection(result, after, (h) =>
      Object.assign(new SearchHit(), { type: h.type, rank: h.rank, highlights: h.highlights, id: h.id }),
    ) satisfies { edges: SearchHitEdge[] };
  }

  @FieldResolver(() => SearchRecord, {
    nullable: true,
    description: 'The record (null if it was deleted since).',
  })
  record(@Root() hit: SearchHit, @Ctx() ctx: GraphQLContext) {
    return loadById<object>(ctx, ENTITY[hit.type], hit.id);
  }
}

/**
 * `search` on the fast read path (fast-path.ts): ONE statement answers the request, the search
 * statement itself, which also builds each hit's `record` as the response's JSON (only the selected
 * fields, read by primary key for the page's rows) and checks the caller's member row. The ordinary
 * path took the search's statement, the member check and one statement per type of record on the
 * page (DataLoaders, entities hydrated), then graphql-js execution. Bad arguments, any selection the
 * fast path does not know, a caller's transaction and a statement timeout take the ordinary path.
 */
registerFastRoot('search', {
  roles: [],
  resolved: ['SearchHit.record'],
  plan(ctx, args, tools) {
    const em = ctx.readEm ?? ctx.em;
    const recordNodes = tools.selection('SearchHit.record');
    // Each record's SQL once per entity, for the types asked for only: every `$n` its joins add
    // must be used by the statement.
    const records: SearchExtra['records'] = {};
    if (recordNodes) {
      const objects = new Map<object, FastObjectSql>();
      const { types } = args as unknown as SearchArgs;
      for (const type of types?.length ? types : SEARCH_TYPES) {
        const entity = ENTITY[type];
        const object = objects.get(entity) ?? tools.object(entity.name, recordNodes, entity, 'x');
        objects.set(entity, object);
        records[type] = object;
      }
    }
    const guard = tools.memberCheck();
    const search = ctx.services.search.prepare(em, args as unknown as SearchArgs, {
      params: tools.params,
      records,
      guard,
    });
    return async () => {
      const result = await ctx.services.search.run(em, search);
      return result.refused ? null : searchConnection(result, args.after as string | null | undefined, (h) => h);
    };
  },
});
