import {
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  OperationTypeNode,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

import type { Principal } from '../auth/principal.js';
import {
  type IdempotencyClaim,
  type IdempotencyStore,
  parseIdempotencyKey,
  refusedBeforeRunning,
  requestHash,
} from '../idempotency.js';
import type { Logger } from '../logger.js';

type Decision = { claim: IdempotencyClaim; sent?: FormattedExecutionResult } | { replay: FormattedExecutionResult };

/**
 * `extensions.idempotencyKey` of a graphql-ws `subscribe` payload, as the `Idempotency-Key`
 * header on HTTP (same keys, same stored responses): {@link begin} in `onSubscribe`, then
 * {@link execute} and {@link onNext} as the server's hooks. A retried mutation gets the stored
 * result as its `next` message without executing; a refused one an `error` message
 * (IDEMPOTENCY_CONFLICT, IDEMPOTENCY_IN_PROGRESS, or BAD_USER_INPUT for a malformed key).
 */
export class WebSocketIdempotency {
  // Keyed by the ExecutionArgs onSubscribe returns: graphql-ws passes that object to execute and onNext.
  private readonly decisions = new WeakMap<ExecutionArgs, Decision>();

  /** `formatError` formats an error of a result as the client receives it (masked in production). */
  constructor(
    private readonly store: IdempotencyStore,
    private readonly logger: Logger,
    private readonly formatError: (error: GraphQLError) => GraphQLFormattedError,
  ) {}

  /** Claims the key of a mutation in `args`, or readies its replay; resolves with the error refusing it, if any. */
  async begin(
    args: ExecutionArgs,
    payload: SubscribePayload,
    principal: Principal | null,
  ): Promise<GraphQLError | undefined> {
    let key: string | undefined;
    try {
      key = parseIdempotencyKey(payload.extensions?.idempotencyKey);
      if (!key || !principal) return undefined;
      if (getOperationAST(args.document, args.operationName)?.operation !== OperationTypeNode.MUTATION)
        return undefined;
      const decision = await this.store.begin(principal, key, requestHash(payload));
      this.decisions.set(
        args,
        decision.kind === 'execute'
          ? { claim: decision.claim }
          : { replay: JSON.parse(decision.body) as FormattedExecutionResult },
      );
      return undefined;
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      // `http` is for HTTP responses only.
      const extensions = { ...err.extensions };
      delete extensions.http;
      return new GraphQLError(err.message, { extensions });
    }
  }

  /** graphql-ws `execute`: runs the operation unless it is a replay, and stores a claimed key's result. */
  readonly execute = async (args: ExecutionArgs): Promise<ExecutionResult> => {
    const decision = this.decisions.get(args);
    if (!decision) return execute(args);
    if ('replay' in decision) return { data: null }; // onNext sends the stored result instead
    let result: ExecutionResult;
    try {
      result = await execute(args);
    } catch (err) {
      await this.store.release(decision.claim).catch(() => undefined);
      throw err;
    }
    // What is stored is what is sent (onNext): formatted once, so a replay is the same bytes and an
    // unexpected error is stored masked.
    const { errors, ...rest } = result;
    const formatted: FormattedExecutionResult = {
      ...rest,
      ...(errors ? { errors: errors.map(this.formatError) } : {}),
    };
    decision.sent = formatted;
    try {
      if (refusedBeforeRunning(formatted)) await this.store.release(decision.claim);
      else await this.store.complete(decision.claim, 200, JSON.stringify(formatted));
    } catch (err) {
      this.logger.error({ err }, 'could not store the response of an idempotency key');
    }
    return result;
  };

  /** graphql-ws `onNext`: a replayed mutation's stored result in place of the placeholder, or a claimed one's result as stored. */
  readonly onNext = (
    _ctx: unknown,
    _id: string,
    _payload: SubscribePayload,
    args: ExecutionArgs,
  ): FormattedExecutionResult | undefined => {
    const decision = this.decisions.get(args);
    if (!decision) return undefined;
    return 'replay' in decision ? decision.replay : decision.sent;
  };
}
