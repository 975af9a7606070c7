import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import type { Logger } from './logger.js';

/** A job that runs every `everyMs`, wherever jobs run. Handlers must be safe to run concurrently. */
export interface RecurringJob {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

/** Runs recurring jobs; `stop` waits for the run in progress. */
export interface JobRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The embedded default: timers in this process. A run never overlaps the previous run of the same
 * job; a failed run is logged and the next one happens on schedule.
 */
export class InlineJobRunner implements JobRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly jobs: RecurringJob[],
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    for (const job of this.jobs) {
      let busy = false;
      const fire = () => {
        if (busy) return;
        busy = true;
        const p = job
          .run()
          .catch((err: unknown) => this.logger.error({ err, job: job.name }, 'job failed'))
          .finally(() => {
            busy = false;
            this.running.delete(p);
          });
        this.running.add(p);
      };
      const timer = setInterval(fire, job.everyMs);
      timer.unref();
      this.timers.push(timer);
      setImmediate(fire);
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.running);
  }
}

/**
 * Scaled mode: BullMQ on Redis. Each recurring job is a BullMQ job scheduler (upserted by every
 * worker, so there is one schedule however many workers start) producing one job per interval,
 * which exactly one worker takes.
 */
export class BullJobRunner implements JobRunner {
  static readonly QUEUE = 'meridian-jobs';
  private readonly connection: Redis;
  private queue: Queue | undefined;
  private worker: Worker | undefined;

  constructor(
    redisUrl: string,
    private readonly jobs: RecurringJob[],
    private readonly logger: Logger,
    private readonly prefix = 'meridian-bull',
  ) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  }

  async start(): Promise<void> {
    await this.connection.connect();
    const byName = new Map(this.jobs.map((j) => [j.name, j]));
    this.queue = new Queue(BullJobRunner.QUEUE, { connection: this.connection, prefix: this.prefix });
    for (const job of this.jobs) {
      await this.queue.upsertJobScheduler(
        job.name,
        { every: job.everyMs },
        { name: job.name, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    }
    this.worker = new Worker(
      BullJobRunner.QUEUE,
      async (j) => {
        const job = byName.get(j.name);
        if (!job) throw new Error(`no handler for job ${j.name}`);
        await job.run();
      },
      { connection: this.connection.duplicate({ maxRetriesPerRequest: null }), prefix: this.prefix },
    );
    this.worker.on('failed', (j, err) => this.logger.error({ err, job: j?.name }, 'job failed'));
    this.worker.on('error', (err) => this.logger.warn({ err }, 'job worker error'));
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    this.connection.disconnect();
  }
}
