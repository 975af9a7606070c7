/**
 * RedisBackedPubSub across a reconnect, on the real Redis through a proxy that can cut the
 * connections and hold back the re-subscription. Needs REDIS_URL (the PostgreSQL pass).
 */
import { RedisBackedPubSub } from '../src/platform/pubsub.js';
import { redisProxy } from './helpers/redis-proxy.js';
import { uniq } from './helpers/server.js';

const redisUrl = process.env.REDIS_URL;

(redisUrl ? describe : describe.skip)(`Redis pub/sub after a reconnect${redisUrl ? '' : ' (needs REDIS_URL)'}`, () => {
  it('publishes only once it has re-subscribed: its own subscribers get what it publishes right after a reconnect', async () => {
    const url = new URL(redisUrl!);
    const proxy = await redisProxy(url.hostname, Number(url.port || 6379));
    const pubsub = new RedisBackedPubSub(`redis://127.0.0.1:${proxy.port}`, `${uniq('pubsub-test')}:`);
    try {
      const got: number[] = [];
      const waiters: { n: number; resolve: () => void }[] = [];
      const received = (n: number) =>
        new Promise<void>((resolve) => (got.includes(n) ? resolve() : waiters.push({ n, resolve })));
      const sub = await pubsub.subscribe<{ n: number }>('topic');
      void (async () => {
        for await (const m of sub) {
          got.push(m.n);
          for (const w of waiters.filter((x) => x.n === m.n)) w.resolve();
        }
      })();
      await pubsub.publish('topic', { n: 0 });
      await received(0);

      // The connections drop and come back at once, but the re-sent SUBSCRIBE reaches Redis 500 ms
      // after the reconnect: a PUBLISH sent before then reaches no subscriber of this process.
      const resubscribed = new Promise<void>((r) => pubsub.onResubscribed(r));
      proxy.holdSubscribes(500);
      proxy.cut();
      // Both connections noticed (they are reconnecting): a publish from now on knows it is not subscribed.
      while (proxy.refused < 2) await new Promise((r) => setTimeout(r, 10));
      proxy.restore();
      // Publish as soon as a publish is accepted (one refused while reconnecting is tried again).
      let n = 0;
      for (;;) {
        n++;
        try {
          await pubsub.publish('topic', { n });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      // Sentinel: published after the re-subscription, on the same connection, so it arrives after n.
      await resubscribed;
      await pubsub.publish('topic', { n: -1 });
      await received(-1);
      expect(got).toEqual([0, n, -1]);
    } finally {
      await pubsub.close();
      await proxy.close();
    }
  }, 30_000);
});
