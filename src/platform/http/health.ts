import express, { type Router } from 'express';

import type { Database } from '../db/database.js';
import { type PubSub, RedisBackedPubSub } from '../pubsub.js';

/** What `/readyz` checks. */
export interface HealthTargets {
  db: Database;
  /** With Redis behind it, Redis is checked too. */
  pubsub: PubSub;
  /** True once the process is shutting down: `/readyz` then answers 503 without checking anything. */
  draining?: () => boolean;
}

/**
 * `GET /healthz` (the process answers) and `GET /readyz` (the database, and Redis when used,
 * answer within 2 s: 200 `ready`, else 503 `unavailable` with each check's error; 503 `draining`
 * from the moment a shutdown begins, so load balancers stop sending work before it stops).
 */
export function healthRouter({ db, pubsub, draining }: HealthTargets): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    if (draining?.()) return void res.status(503).json({ status: 'draining', checks: {} });
    const checks: Record<string, string> = {};
    checks.database = await check(db.ping());
    if (pubsub instanceof RedisBackedPubSub) checks.redis = await check(pubsub.ping());
    const ready = Object.values(checks).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}

/** `ok`, or `error: …` when `p` rejects or takes more than 2 s (a hung dependency fails, not hangs). */
function check(p: Promise<unknown>, ms = 2000): Promise<string> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
  );
  return Promise.race([p, timeout]).then(
    () => 'ok',
    (e: Error) => `error: ${e.message}`,
  );
}
