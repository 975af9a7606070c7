import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';

import type { Principal } from '../auth/principal.js';
import { AsyncQueue } from './async-queue.js';

/** Options of {@link SubscriptionFanout}. */
export interface SubscriptionFanoutOptions<C> {
  /**
   * Everything in the subscription's context that can change a result, as a string (e.g. tenant,
   * role and identity of the principal). Two subscriptions share an event's result only if their
   * keys are equal; `undefined` never shares.
   */
  contextKey(context: C): string | undefined;
  /**
   * The context one event is executed with, made from the subscription's: a fresh EntityManager and
   * fresh loaders, so relations are read once per event and group, and never served stale from an
   * earlier event's cache.
   */
  eventContext(context: C): C;
  /**
   * Called with the graphql-ws id of a {@link SubscriptionFanout.bind}-ed subscription once its
   * source stream is open: what is published from then on reaches it.
   */
  onSubscribed?(id: string): void;
  /**
   * How an error of a result is written to the client (codes, masking in production), once per
   * group. Default: graphql-js's `toJSON()`.
   */
  formatError?(error: GraphQLError): GraphQLFormattedError;
}

/** What the fan-out needs of a graphql-ws socket (the `ws` WebSocket). */
export interface FanoutSocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes queued for the client and not yet written to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A subscriber whose socket has this much unsent data is not reading: it is disconnected (1013,
 * "try again later") instead of buffering every further event in the server's memory.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** The result of one event for one group of identical subscriptions, and its JSON once known. */
interface SharedResult {
  result: ExecutionResult | Promise<ExecutionResult>;
  json?: string;
  jsonPromise?: Promise<string>;
}

/** Ids of shared documents (from the DocumentCache): equal id, same selection. */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 1;

function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return id;
}

/**
 * Subscription delivery for graphql-ws that does per event what can be done once per event, once.
 *
 * **Shared execution.** The source stream is still created per subscription (its subscribe
 * resolver checks the principal and filters by the subscriber's arguments and tenant). When a
 * stream yields an event object, the result of executing the selection on it is cached on that
 * object, by a key of: the document (by identity, so queries parsed once by the DocumentCache), the
 * operation name, the variables (as JSON) and {@link SubscriptionFanoutOptions.contextKey}. Another
 * subscription whose stream yields the very same object with the same key gets the same result;
 * any difference in selection, variables or principal gives a different key and its own
 * execution. Streams that yield a fresh object per subscriber (or primitives) never share. Results
 * live as long as the event object does.
 *
 * **Direct delivery.** When the source is an {@link AsyncQueue} and the context was {@link bind}-ed
 * to its socket, events are written to the socket as they are pushed: the result's JSON is built
 * once per group, and each subscriber's `next` message is that JSON behind its own id, exactly the
 * message graphql-ws would send, without a promise, an iterator step or a JSON.stringify per
 * subscriber. graphql-ws still owns the operation: `complete` from the client or a closed socket
 * ends the source, and a failing source is reported as graphql-ws reports errors (graphql-ws's
 * `onNext` hook is not called for these messages: Meridian sets none). Other sources (e.g. a
 * replay) yield results to graphql-ws as usual, still sharing executions.
 */
export class SubscriptionFanout<C extends object> {
  private readonly results = new WeakMap<object, Map<string, SharedResult>>();
  private readonly sockets = new WeakMap<object, { socket: FanoutSocket; id: string; prefix: string }>();

  constructor(private readonly options: SubscriptionFanoutOptions<C>) {}

  /** Records that `context` serves subscription `id` on `socket` (for direct delivery); returns it. */
  bind(context: C, socket: FanoutSocket, id: string): C {
    this.sockets.set(context, { socket, id, prefix: `{"id":${JSON.stringify(id)},"type":"next","payload":` });
    return context;
  }

  /** graphql-ws's `subscribe`. */
  readonly subscribe = async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const context = args.contextValue as C;
    const contextKey = this.options.contextKey(context);
    const key =
      contextKey === undefined
        ? undefined
        : `${documentId(args.document)}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${contextKey}`;
    const shared = (payload: unknown): SharedResult => {
      const run = (): SharedResult => ({
        result: execute({ ...args, rootValue: payload, contextValue: this.options.eventContext(context) }),
      });
      if (key === undefined || typeof payload !== 'object' || payload === null) return run();
      let byKey = this.results.get(payload);
      if (!byKey) this.results.set(payload, (byKey = new Map<string, SharedResult>()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = run()));
      return result;
    };

    const target = this.sockets.get(context);
    if (target) this.options.onSubscribed?.(target.id);
    if (target && source instanceof AsyncQueue) {
      const format = this.options.formatError
        ? (e: GraphQLError) => this.options.formatError!(e)
        : (e: GraphQLError) => e.toJSON();
      return deliverDirectly(source, target.socket, target.prefix, shared, format);
    }
    return mapAsyncIterator(source, (payload) => Promise.resolve(shared(payload).result));
  };
}

/**
 * Writes each value of `source` to `socket` as a graphql-ws `next` message (see
 * {@link SubscriptionFanout}). Returns the iterator graphql-ws waits on: it yields nothing, ends when
 * the source ends, and throws when the source fails or an execution throws.
 */
function deliverDirectly(
  source: AsyncQueue<unknown>,
  socket: FanoutSocket,
  prefix: string,
  shared: (payload: unknown) => SharedResult,
  format: (error: GraphQLError) => GraphQLFormattedError,
): AsyncIterableIterator<ExecutionResult> {
  let finish!: (r: IteratorResult<ExecutionResult>) => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // graphql-ws waits on it from the start; this only keeps an early failure from counting as unhandled.
  finished.catch(() => undefined);
  let ended = false;
  /** Sends still waiting for an execution, in order; undefined when none. */
  let tail: Promise<void> | undefined;
  const end = (error?: { err: unknown }) => {
    if (ended) return;
    ended = true;
    // What was pushed before the end is still sent, in order, before graphql-ws hears of it.
    void Promise.resolve(tail).then(() => (error ? fail(error.err) : finish({ value: undefined, done: true })));
  };
  const failWith = (err: unknown) => {
    const wasEnded = ended;
    ended = true;
    fail(err);
    if (!wasEnded) void source.return();
  };
  const send = (json: string) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.close(1013, 'Subscriber too slow: reconnect');
    try {
      socket.send(`${prefix}${json}}`);
    } catch (err) {
      failWith(err);
    }
  };

  source.pipe({
    push(payload) {
      let json: string | Promise<string>;
      try {
        json = jsonOf(shared(payload), format);
      } catch (err) {
        return failWith(err);
      }
      if (tail === undefined && typeof json === 'string') return send(json);
      const next: Promise<void> = (tail ?? Promise.resolve()).then(() => json).then(send, failWith);
      tail = next;
      void next.then(() => {
        if (tail === next) tail = undefined;
      });
    },
    end,
  });

  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => finished,
    return: async () => {
      await source.return();
      finish({ value: undefined, done: true });
      return { value: undefined, done: true };
    },
    throw: async (err: unknown) => {
      await source.return();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The JSON of a shared result, as graphql-ws's `next` payload (errors through `format`), built once. */
function jsonOf(
  shared: SharedResult,
  format: (error: GraphQLError) => GraphQLFormattedError,
): string | Promise<string> {
  if (shared.json !== undefined) return shared.json;
  const { result } = shared;
  if (!(result instanceof Promise)) return (shared.json = serialize(result, format));
  return (shared.jsonPromise ??= result.then((r) => (shared.json = serialize(r, format))));
}

function serialize(result: ExecutionResult, format: (error: GraphQLError) => GraphQLFormattedError): string {
  const { errors, ...rest } = result;
  return JSON.stringify({ ...rest, ...(errors ? { errors: errors.map(format) } : {}) });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (Object(value) as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/**
 * Maps an async iterable like graphql-js's own (internal) mapAsyncIterator: `return()` is passed
 * straight to the source, so an unsubscribe ends the source at once, even while it waits.
 */
function mapAsyncIterator<T, R>(iterable: AsyncIterable<T>, map: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const source = iterable[Symbol.asyncIterator]();
  const close = async () => {
    try {
      await source.return?.();
    } catch {
      // Keep the error that made us close.
    }
  };
  const mapResult = async (r: IteratorResult<T>): Promise<IteratorResult<R>> => {
    if (r.done) return { value: undefined, done: true };
    try {
      return { value: await map(r.value), done: false };
    } catch (err) {
      await close();
      throw err;
    }
  };
  const iterator: AsyncIterableIterator<R> = {
    next: async () => mapResult(await source.next()),
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    throw: async (err: unknown) => {
      if (source.throw) return mapResult(await source.throw(err));
      await close();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Everything of a principal that a resolver may read (tenant, role, who), as a key: subscriptions
 * share results only within one tenant, one role and one identity.
 */
export function principalKey(p: Principal): string {
  return JSON.stringify([p.tenantId, p.kind, p.role, p.memberId ?? null, p.apiKeyId ?? null, p.label]);
}
