/** Receives a queue's values as they are pushed (see {@link AsyncQueue.pipe}). */
export interface QueueSink<T> {
  /** A value, synchronously from `push`. */
  push(value: T): void;
  /** The queue ended: by `return()` (no error) or by {@link AsyncQueue.fail}. */
  end(error?: { err: unknown }): void;
}

/**
 * An async iterator fed by {@link AsyncQueue.push}, buffering values until they are read. One
 * small object per subscriber (no generator, no closures): the cheapest way to hand events from
 * a shared source to 10,000 consumers. `return()` ends it at once, even while a `next()` waits,
 * and calls `onEnd` once; {@link AsyncQueue.fail} makes the reader throw after what was buffered.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void }[] = [];
  private done = false;
  private error: { err: unknown } | undefined;
  private sink: QueueSink<T> | undefined;

  /** @param onEnd Called once when the queue ends (`return()`, `throw()` or {@link fail}). */
  constructor(private readonly onEnd?: () => void) {}

  /** Whether the queue has ended (values pushed now are dropped). */
  get ended(): boolean {
    return this.done;
  }

  /** Delivers `value` to the reader, or buffers it; dropped once the queue has ended. */
  push(value: T): void {
    if (this.done) return;
    if (this.sink) return this.sink.push(value);
    const w = this.waiting.shift();
    if (w) w.resolve({ value, done: false });
    else this.buffer.push(value);
  }

  /** Ends the queue with `err`: the reader gets what was buffered, then the error. */
  fail(err: unknown): void {
    if (this.done) return;
    this.error = { err };
    this.end();
    for (const w of this.waiting.splice(0)) w.reject(err);
    this.sink?.end({ err });
  }

  /**
   * Hands every value to `sink` from now on, synchronously as it is pushed (what was buffered
   * first), instead of keeping it for `next()`: no promise per value. Used by a consumer that
   * delivers at once (see SubscriptionFanout); `return()` still ends the queue.
   */
  pipe(sink: QueueSink<T>): void {
    this.sink = sink;
    for (const value of this.buffer.splice(0)) sink.push(value);
    if (this.error) sink.end(this.error);
    else if (this.done) sink.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.error) {
      const { err } = this.error;
      this.error = undefined;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what the producer failed with, unchanged, as a rethrow would
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    const wasDone = this.done;
    this.buffer.length = 0;
    this.error = undefined;
    this.end();
    for (const w of this.waiting.splice(0)) w.resolve({ value: undefined, done: true });
    if (!wasDone) this.sink?.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  async throw(err: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd?.();
  }
}

/**
 * `generator`, whose `return()` first ends `source` (an iterator the generator reads, e.g. an
 * {@link AsyncQueue}). An async generator waiting inside `for await` only sees `return()` at its
 * next `yield`, that is at the next event: an unsubscribed stream would live on (and keep its
 * PubSub listener) until then. Ending the source first makes it finish at once.
 */
export function endSourceOnReturn<T>(
  generator: AsyncGenerator<T>,
  source: { return?(): Promise<unknown> },
): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => generator.next(),
    return: async () => {
      await source.return?.();
      return generator.return(undefined);
    },
    throw: (err: unknown) => generator.throw(err),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
