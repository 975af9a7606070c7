import type { Logger } from './logger.js';

/** A job that runs every `everyMs`, wherever jobs run. Handlers must be safe to run concurrently. */
export interface RecurringJob {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

/**
 * Work to do once, soon, in the background (e.g. an extraction). A run that throws is retried
 * after `backoffMs`, doubling, until `attempts` runs; `attempt` counts from 1.
 */
export interface OneOffJob<T = unknown> {
  name: string;
  attempts: number;
  backoffMs: number;
  run: (data: T, attempt: number) => Promise<void>;
}

/** How a one-off job is queued. */
export interface EnqueueOptions {
  /**
   * Deduplication key: while a job with this key is queued or running (BullMQ: while its record
   * is kept), queueing it again does nothing.
   */
  key?: string;
}

/** Where services put background work. */
export interface JobQueue {
  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<void>;
}

/** Runs jobs; `stop` waits for the runs in progress. */
export interface JobRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A queue bound after construction: services are built before the runner that needs them, so they
 * get this and the app binds the real queue once it exists.
 */
export class DeferredJobQueue implements JobQueue {
  private target: JobQueue | undefined;

  bind(target: JobQueue): void {
    this.target = target;
  }

  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<void> {
    if (!this.target) throw new Error(`no job queue bound (enqueueing ${name})`);
    return this.target.enqueue(name, data, options);
  }
}

/**
 * The embedded default: timers and promises in this process. A recurring run never overlaps the
 * previous run of the same job; a failed run is logged and the next one happens on schedule. One-off
 * jobs start at once and are retried with backoff; `stop` waits for them.
 */
export class InlineJobRunner implements JobRunner, JobQueue {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly oneOff: Map<string, OneOffJob>;
  private readonly waiting: (() => void)[] = [];
  /** Keys of the one-off jobs queued or running (`EnqueueOptions.key`). */
  private readonly keys = new Set<string>();
  private active = 0;
  private stopped = false;

  constructor(
    private readonly recurring: RecurringJob[],
    oneOff: OneOffJob[],
    private readonly logger: Logger,
    /** One-off jobs running at once (the rest wait their turn). */
    private readonly concurrency = 8,
  ) {
    this.oneOff = new Map(oneOff.map((j) => [j.name, j]));
  }

  start(): Promise<void> {
    for (const job of this.recurring) {
      let busy = false;
      const fire = () => {
        if (busy || this.stopped) return;
        busy = true;
        this.track(
          job
            .run()
            .catch((err: unknown) => this.logger.error({ err, job: job.name }, 'job failed'))
            .finally(() => (busy = false)),
        );
      };
      const timer = setInterval(fire, job.everyMs);
      timer.unref();
      this.timers.push(timer);
      setImmediate(fire);
    }
    return Promise.resolve();
  }

  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<void> {
    const job = this.oneOff.get(name);
    if (!job) return Promise.reject(new Error(`unknown job ${name}`));
    const key = options?.key;
    if (key !== undefined) {
      if (this.keys.has(key)) return Promise.resolve();
      this.keys.add(key);
    }
    this.track(
      (async () => {
        await this.slot();
        try {
          await this.attempts(job, name, data);
        } finally {
          this.active--;
          this.waiting.shift()?.();
          if (key !== undefined) this.keys.delete(key);
        }
      })(),
    );
    return Promise.resolve();
  }

  /** Waits for one of the `concurrency` one-off slots. */
  private async slot(): Promise<void> {
    while (this.active >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
  }

  /** Runs a one-off job, retrying with doubling backoff until it succeeds or has no attempts left. */
  private async attempts(job: OneOffJob, name: string, data: unknown): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await job.run(data, attempt);
        return;
      } catch (err) {
        if (attempt >= job.attempts || this.stopped) {
          this.logger.error({ err, job: name, attempt }, 'job failed; no attempts left');
          return;
        }
        this.logger.warn({ err, job: name, attempt }, 'job failed; retrying');
        await new Promise((r) => setTimeout(r, job.backoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.running);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.then(() => undefined);
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }
}

/** BullMQ queue name shared by producers and workers of one deployment (./bullmq-jobs.ts). */
export const BULLMQ_QUEUE = 'meridian-jobs';

/** Where an API process runs its jobs (the JOBS setting). */
export interface ApiJobsOptions {
  /**
   * `inline`: recurring and one-off jobs in this process; `off`: one-off jobs inline, no recurring
   * jobs; `worker`: one-off jobs queued on BullMQ for `npm run worker` (which runs the recurring ones).
   */
  mode: 'inline' | 'worker' | 'off';
  /** Needed for `worker`. */
  redisUrl?: string;
  /** BullMQ key prefix, shared with the workers (`worker` mode). */
  prefix: string;
  recurring: RecurringJob[];
  oneOff: OneOffJob[];
  logger: Logger;
}

/** An API process's jobs: the queue services put work on, and how to stop it. */
export interface ApiJobs {
  queue: JobQueue;
  /** Waits for inline runs in progress, or closes the BullMQ connection. */
  stop(): Promise<void>;
}

/** Starts an API process's jobs: inline in this process, or a producer of the workers' queue. */
export async function startApiJobs(options: ApiJobsOptions): Promise<ApiJobs> {
  const { mode, recurring, oneOff, logger } = options;
  if (mode === 'worker') {
    // BullMQ (1.9 MB of JavaScript with its dependencies) is loaded only where it is used.
    const { BullJobQueue } = await import('./bullmq-jobs.js');
    const queue = new BullJobQueue(options.redisUrl!, oneOff, options.prefix);
    return { queue, stop: () => queue.close() };
  }
  const runner = new InlineJobRunner(mode === 'inline' ? recurring : [], oneOff, logger);
  await runner.start();
  return { queue: runner, stop: () => runner.stop() };
}
