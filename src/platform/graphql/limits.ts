import { createRequire } from 'node:module';

import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ASTNode, DocumentNode, GraphQLSchema, ValidationContext, ValidationRule } from 'graphql';
import { GraphQLError, visit } from 'graphql';
import type { ComplexityEstimator, getComplexity as GetComplexity } from 'graphql-query-complexity';

import { OperationCache } from './operation-cache.js';

// graphql-query-complexity's ES build imports graphql's `.mjs` files, a second copy of graphql
// beside the CommonJS one `import 'graphql'` loads (and the schema is built with): its `instanceof`
// checks would fail. Its CommonJS build shares our graphql.
const { getComplexity } = createRequire(import.meta.url)('graphql-query-complexity') as {
  getComplexity: typeof GetComplexity;
};

/** Limits of one operation (GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_ALIASES, GRAPHQL_MAX_COST). */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

/**
 * Validation rules enforcing the depth and alias limits, the same on HTTP and WebSocket
 * operations. The cost limit needs the variables' values, which validation never sees: it is
 * {@link CostLimit}, checked when an operation is about to run.
 */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...armorReporting }),
    maxAliasesRule({ n: limits.maxAliases, ...armorReporting }),
  ];
}

/**
 * graphql-armor rules throw by default (meant for envelop); as plain validation rules they must
 * report, so Apollo answers 400 GRAPHQL_VALIDATION_FAILED naming the limit.
 */
const armorReporting = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)],
};

/**
 * The variables the cost of `document` depends on: those in a `first` or `last` argument (the page
 * sizes {@link CostLimit}'s estimator reads) and in an `@include`/`@skip` condition (which fields
 * count). Another variable changes no cost; a value that does not coerce is refused by execution.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable(v) {
        names.add(v.name.value);
      },
    });
  visit(document, {
    Field(field) {
      for (const arg of field.arguments ?? [])
        if (arg.name.value === 'first' || arg.name.value === 'last') collect(arg);
    },
    Directive(directive) {
      if (directive.name.value === 'include' || directive.name.value === 'skip') collect(directive);
    },
  });
  return [...names].sort();
}

/** What {@link CostLimit} needs. */
export interface CostLimitOptions {
  /** Largest cost an operation may have (GRAPHQL_MAX_COST). */
  maxCost: number;
  /** The page size a connection returns when neither `first` nor `last` is given. */
  defaultPageSize: number;
}

/**
 * The cost limit (GRAPHQL_MAX_COST), computed with the operation's variables (graphql-query-complexity
 * coerces them as execution will, `@include`/`@skip` included). The cost model is graphql-armor's,
 * which this limit replaced as a validation rule: a leaf costs 1; a field with a selection costs
 * 2 + 1.5 × its children's cost, times its page size — `first`/`last` (a literal or a variable),
 * or the default page size for a connection given neither. Introspection costs nothing (the
 * playground needs it; the depth limit exempts it too).
 */
export class CostLimit {
  private readonly estimator: ComplexityEstimator;
  /**
   * Costs computed, by document (Apollo keeps one parsed document per query text) and operation
   * name with the values of the variables the cost depends on ({@link costVariables}): a client
   * repeating a query with the same page sizes is not costed again, whatever its other values (a
   * search's words). A mutation or subscription is costed every time.
   */
  private readonly costs = new OperationCache<number | undefined>();
  /** {@link costVariables} of each document. */
  private readonly variablesOf = new WeakMap<DocumentNode, string[]>();

  constructor(private readonly options: CostLimitOptions) {
    const { defaultPageSize } = options;
    this.estimator = ({ field, node, args, childComplexity }) => {
      if (!node.selectionSet) return 1;
      if (field.name.startsWith('__')) return 0;
      const pages = [args.first, args.last].filter((n): n is number => typeof n === 'number');
      const connection = field.args.some((a) => a.name === 'first' || a.name === 'last');
      const pageSize = pages.length ? Math.max(1, ...pages) : connection ? defaultPageSize : 1;
      return (2 + 1.5 * childComplexity) * pageSize;
    };
  }

  /**
   * The cost of the operation `operationName` of `document` with `variables`; undefined when the
   * variables do not fit the operation (execution then refuses them with its own error).
   */
  cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): number | undefined {
    let names = this.variablesOf.get(document);
    if (!names) this.variablesOf.set(document, (names = costVariables(document)));
    // A variable not given and one given as null may cost differently (its default): both are in the key.
    const given = Object.fromEntries(names.filter((n) => variables && n in variables).map((n) => [n, variables![n]]));
    const key = this.costs.key(document, operationName, given);
    if (key !== null && this.costs.has(document, key)) return this.costs.get(document, key);
    const cost = this.compute(schema, document, operationName, variables);
    if (key !== null) this.costs.set(document, key, cost);
    return cost;
  }

  private compute(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): number | undefined {
    try {
      return getComplexity({
        schema,
        query: document,
        operationName: operationName ?? undefined,
        variables: variables ?? {},
        estimators: [this.estimator],
      });
    } catch (err) {
      // More than graphql-query-complexity's 10,000 selections is over any sensible limit.
      if (err instanceof GraphQLError && /maximum allowed number of nodes/.test(err.message)) return Infinity;
      return undefined;
    }
  }

  /**
   * The error refusing the operation when it costs more than the limit (400
   * GRAPHQL_VALIDATION_FAILED, as the other query limits), else undefined.
   */
  check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): GraphQLError | undefined {
    const cost = this.cost(schema, document, operationName, variables);
    if (cost === undefined || cost <= this.options.maxCost) return undefined;
    return new GraphQLError(`Query Cost limit of ${this.options.maxCost} exceeded, found ${cost}.`, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  }
}
