import { EventEmitter } from 'node:events';

import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';

import { AsyncQueue } from './subscriptions/async-queue.js';

/**
 * Publish/subscribe for subscription events. In-process by default; Redis when REDIS_URL is set,
 * so an event published on one API instance reaches subscribers on every instance. Nothing
 * outside the platform layer knows which one is in use.
 */
export interface PubSub {
  /** Publishes to every current subscriber of `topic` (on every instance, with Redis). */
  publish(topic: string, payload: unknown): Promise<void>;
  /**
   * Subscribes to `topic`. The promise resolves once the subscription is active, so anything
   * published after it resolves is delivered; the iterator buffers until read. `return()` ends it.
   */
  subscribe<T>(topic: string): Promise<AsyncIterableIterator<T>>;
  /**
   * Where subscriptions can be interrupted (Redis: the connection dropped and came back), calls
   * `listener` each time they are active again: anything published meanwhile was not delivered
   * here, and a subscriber that must not miss events reads it from its source of truth. Returns a
   * function that removes the listener. Absent when nothing can be missed.
   */
  onResubscribed?(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Single-process PubSub on an EventEmitter. */
export class LocalPubSub implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(topic: string, payload: unknown): Promise<void> {
    this.emitter.emit(topic, payload);
    return Promise.resolve();
  }

  subscribe<T>(topic: string): Promise<AsyncIterableIterator<T>> {
    const queue = new AsyncQueue<T>(() => this.emitter.off(topic, push));
    const push = (value: T) => queue.push(value);
    this.emitter.on(topic, push);
    return Promise.resolve(queue);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

/** Redis-backed PubSub (graphql-redis-subscriptions over ioredis), topics prefixed per deployment. */
export class RedisBackedPubSub implements PubSub {
  private readonly pubsub: RedisPubSub;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private resubscribed: Promise<unknown> = Promise.resolve();
  private readonly resubscribedListeners = new Set<() => void>();

  /**
   * @param url REDIS_URL.
   * @param prefix Prefix of every channel (default `meridian:`), so deployments and test runs
   *   sharing a Redis never see each other's events.
   * @param publishTimeoutMs A publish not acknowledged within this time rejects (default 2000),
   *   instead of waiting in ioredis's offline queue while Redis is down.
   */
  constructor(
    url: string,
    private readonly prefix = 'meridian:',
    private readonly publishTimeoutMs = 2000,
  ) {
    const options = { maxRetriesPerRequest: null, enableOfflineQueue: true };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    this.pubsub = new RedisPubSub({ publisher: this.publisher, subscriber: this.subscriber });
    // After a reconnect ioredis re-sends this process's SUBSCRIBEs; a PING queued behind them
    // answers once Redis has processed them. Publishing before that would drop the event for our
    // own subscribers (Redis pub/sub keeps nothing), so publish waits for it.
    let connectedBefore = false;
    this.subscriber.on('ready', () => {
      if (!connectedBefore) return void (connectedBefore = true);
      const resubscribed = new Promise((r) => setImmediate(r)).then(() => this.subscriber.ping());
      this.resubscribed = resubscribed.catch(() => undefined);
      // Events published by other instances while this one was away are gone from Redis: tell
      // those who can read them elsewhere (the tenant timelines read them from PostgreSQL).
      resubscribed.then(
        () => {
          for (const listener of this.resubscribedListeners) listener();
        },
        () => undefined, // dropped again: the next 'ready' tries again
      );
    });
  }

  onResubscribed(listener: () => void): () => void {
    this.resubscribedListeners.add(listener);
    return () => this.resubscribedListeners.delete(listener);
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis publish timed out after ${this.publishTimeoutMs} ms`)),
        this.publishTimeoutMs,
      );
    });
    try {
      if (this.subscriber.status !== 'ready') throw new Error('Redis is reconnecting; publish later');
      await Promise.race([this.resubscribed, timeout]);
      await Promise.race([this.pubsub.publish(this.prefix + topic, payload), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe<T>(topic: string): Promise<AsyncIterableIterator<T>> {
    const sub: { id?: number } = {};
    const queue = new AsyncQueue<T>(() => {
      if (sub.id !== undefined) this.pubsub.unsubscribe(sub.id);
    });
    sub.id = await this.pubsub.subscribe(this.prefix + topic, (payload: T) => queue.push(payload));
    return queue;
  }

  /** Round-trips a PING; throws when Redis is unreachable. */
  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    await this.pubsub.close();
  }
}

/** Topic of a tenant's events of one kind: tenants never share a topic, so never see each other's events. */
export function tenantTopic(tenantId: string, name: string): string {
  return `t.${tenantId}.${name}`;
}

/**
 * The PubSub of a deployment: Redis when `redisUrl` is set (every instance sees every event),
 * else in-process. `prefix` starts every Redis channel (see {@link RedisBackedPubSub}).
 */
export function createPubSub(redisUrl: string | undefined, prefix: string): PubSub {
  return redisUrl ? new RedisBackedPubSub(redisUrl, prefix) : new LocalPubSub();
}
