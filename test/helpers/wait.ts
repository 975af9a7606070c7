/**
 * Waiting for what a test observes instead of sleeping a fixed time: each wait polls the observable
 * state, is bounded, and says what it waited for when it gives up.
 */
import type { Redis } from 'ioredis';

import { BULLMQ_QUEUE } from '../../src/platform/jobs.js';

/** Polls `probe` every 250 ms until it returns a value other than undefined; throws, naming `what`, after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What {@link callsFromNow} needs of a jest spy: the results of its calls so far, in order. */
interface Spied {
  mock: { results: { value: unknown }[] };
}

/**
 * Resolves once `n` calls of `spy` made from now on have ended (returned or thrown). For a spy on the
 * service method a recurring job runs (e.g. `jest.spyOn(services.tasks, 'raiseDue')`, which still
 * calls it), that the schedule has looked at the state as it is now `n` times.
 */
export async function callsFromNow(spy: Spied, n: number, what: string, timeoutMs = 30_000): Promise<void> {
  const from = spy.mock.results.length;
  await until(
    `${n} run(s) of ${what} from now on`,
    () => Promise.resolve(spy.mock.results.length >= from + n ? true : undefined),
    timeoutMs,
  );
  // A run that throws is the job runner's to log (as when nobody watches); here it still counts as a look.
  await Promise.allSettled(spy.mock.results.slice(from, from + n).map((r) => r.value));
}

/**
 * Resolves once `n` runs of the BullMQ job scheduler `scheduler` (a recurring job's name) that were
 * due after now have completed, on whichever workers took them: the queue under `bullPrefix` (the
 * workers' `${REDIS_PREFIX}-jobs`) keeps completed jobs, whose ids are `repeat:<scheduler>:<due ms>`.
 */
export async function scheduledRunsFromNow(
  redis: Redis,
  bullPrefix: string,
  scheduler: string,
  n: number,
  timeoutMs = 30_000,
): Promise<void> {
  const from = Date.now();
  const prefix = `repeat:${scheduler}:`;
  await until(
    `${n} completed run(s) of the ${scheduler} schedule due after ${new Date(from).toISOString()}`,
    async () => {
      const ids = await redis.zrange(`${bullPrefix}:${BULLMQ_QUEUE}:completed`, 0, -1);
      const due = ids.filter((id) => id.startsWith(prefix) && Number(id.slice(prefix.length)) > from);
      return due.length >= n ? true : undefined;
    },
    timeoutMs,
  );
}
