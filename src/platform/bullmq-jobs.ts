/**
 * The jobs of the scaled mode on BullMQ (Redis): the producer side of API instances with
 * JOBS=worker and the runner of `npm run worker`. Apart from ./jobs.ts so that processes and test
 * files that never use BullMQ do not load it.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import {
  BULLMQ_QUEUE,
  type EnqueueOptions,
  type JobQueue,
  type JobRunner,
  type OneOffJob,
  type RecurringJob,
} from './jobs.js';
import type { Logger } from './logger.js';

/** Scaled mode, producer side (API instances): puts one-off jobs on the BullMQ queue in Redis. */
export class BullJobQueue implements JobQueue {
  private readonly queue: Queue;
  private readonly connection: Redis;
  private readonly options: Map<string, OneOffJob>;

  constructor(
    redisUrl: string,
    oneOff: OneOffJob[],
    private readonly prefix: string,
  ) {
    this.options = new Map(oneOff.map((j) => [j.name, j]));
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(BULLMQ_QUEUE, { connection: this.connection, prefix: this.prefix });
  }

  async enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<void> {
    const job = this.options.get(name);
    if (!job) throw new Error(`unknown job ${name}`);
    await this.queue.add(name, data, {
      jobId: options?.key,
      attempts: job.attempts,
      backoff: { type: 'exponential', delay: job.backoffMs },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect(); // BullMQ leaves a connection it was given open
  }
}

/**
 * Scaled mode, worker side: BullMQ on Redis. Each recurring job is a BullMQ job scheduler
 * (upserted by every worker, so there is one schedule however many workers start) producing one
 * job per interval, which exactly one worker takes; one-off jobs are taken by one worker each and
 * retried by BullMQ with exponential backoff.
 */
export class BullJobRunner implements JobRunner {
  private readonly connection: Redis;
  private readonly workerConnection: Redis;
  private queue: Queue | undefined;
  private worker: Worker | undefined;

  constructor(
    redisUrl: string,
    private readonly recurring: RecurringJob[],
    private readonly oneOff: OneOffJob[],
    private readonly logger: Logger,
    private readonly prefix: string,
  ) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  }

  async start(): Promise<void> {
    await this.connection.connect();
    const recurring = new Map(this.recurring.map((j) => [j.name, j]));
    const oneOff = new Map(this.oneOff.map((j) => [j.name, j]));
    this.queue = new Queue(BULLMQ_QUEUE, { connection: this.connection, prefix: this.prefix });
    for (const job of this.recurring) {
      await this.queue.upsertJobScheduler(
        job.name,
        { every: job.everyMs },
        { name: job.name, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    }
    this.worker = new Worker(
      BULLMQ_QUEUE,
      async (j) => {
        const r = recurring.get(j.name);
        if (r) return r.run();
        const o = oneOff.get(j.name);
        if (o) return o.run(j.data, j.attemptsMade + 1);
        throw new Error(`no handler for job ${j.name}`);
      },
      {
        connection: this.workerConnection,
        prefix: this.prefix,
        concurrency: 8,
      },
    );
    this.worker.on('failed', (j, err) =>
      this.logger.warn({ err, job: j?.name, attempt: j?.attemptsMade }, 'job run failed'),
    );
    this.worker.on('error', (err) => this.logger.warn({ err }, 'job worker error'));
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    // BullMQ leaves connections it was given open.
    this.connection.disconnect();
    this.workerConnection.disconnect();
  }
}
