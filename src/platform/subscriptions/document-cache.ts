import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
} from 'graphql';

import { withErrorCode } from '../errors.js';

/** A parsed subscription document, or why it was refused. */
export type CachedDocument =
  { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

/**
 * Parsed and validated documents by query text, for graphql-ws: 10,000 dashboards subscribing with
 * the same query share one parse, one validation and one AST (instead of ~19 tokens and their
 * locations each), and the shared AST lets the SubscriptionFanout recognise identical
 * selections by identity. Only valid documents are kept; the least recently used is dropped
 * beyond `maxEntries` (default 500). Validation uses graphql-js's specified rules plus the same
 * extra rules as HTTP (ID literals, depth, aliases, cost).
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();
  private readonly rules: readonly ValidationRule[];

  /**
   * @param schema The schema documents are validated against.
   * @param extraRules Validation rules beyond graphql-js's specified ones (ID literals, query limits).
   * @param maxEntries Documents kept (default 500).
   * @param maxQueryLength Longer query texts are parsed every time, never kept (default 20,000 characters).
   */
  constructor(
    private readonly schema: GraphQLSchema,
    extraRules: readonly ValidationRule[] = [],
    private readonly maxEntries = 500,
    private readonly maxQueryLength = 20_000,
  ) {
    this.rules = [...specifiedRules, ...extraRules];
  }

  /**
   * The document of `query`: from the cache, or parsed and validated (syntax errors are returned,
   * not thrown). Errors carry Apollo's codes: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED (or
   * the rule's own, e.g. BAD_USER_INPUT for a malformed ID literal).
   */
  get(query: string): CachedDocument {
    const cached = this.documents.get(query);
    if (cached) {
      // Re-insert: Map iteration order is the LRU order.
      this.documents.delete(query);
      this.documents.set(query, cached);
      return { document: cached };
    }
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      if (err instanceof GraphQLError) return { errors: [withErrorCode(err, 'GRAPHQL_PARSE_FAILED')] };
      throw err;
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length) return { errors: errors.map((e) => withErrorCode(e, 'GRAPHQL_VALIDATION_FAILED')) };
    if (query.length <= this.maxQueryLength) {
      this.documents.set(query, document);
      if (this.documents.size > this.maxEntries) this.documents.delete(this.documents.keys().next().value!);
    }
    return { document };
  }
}
