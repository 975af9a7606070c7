import type { EntityManager } from '@mikro-orm/core';

import type { Config } from '../config.js';
import { EXTRACT_ATTEMPTS, EXTRACT_JOB, type ExtractJobData } from '../modules/conversations/conversation.service.js';
import {
  HUBSPOT_WEBHOOK_JOB,
  type HubspotWebhookJobData,
  processWebhookEvents,
} from '../modules/sync/hubspot/hubspot.http.js';
import { SYNC_ATTEMPTS, SYNC_JOB, type SyncJobData } from '../modules/sync/sync.engine.js';
import { IdempotencyStore } from '../platform/idempotency.js';
import type { OneOffJob, RecurringJob } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import type { Services } from './services.js';

/**
 * Every recurring job of the application. They run inline in the API (embedded default) or in
 * `npm run worker` processes (BullMQ), per JOBS; each must be safe to run on several workers.
 */
export function recurringJobs(root: EntityManager, services: Services, config: Config, logger: Logger): RecurringJob[] {
  return [
    {
      name: 'renewals-tick',
      everyMs: config.RENEWAL_TICK_SECONDS * 1000,
      run: async () => {
        const scanned = await services.renewals.tick(root);
        if (scanned) logger.info({ tenants: scanned }, 'scheduled renewal scans ran');
      },
    },
    {
      // SENT quotes past validUntil (tenant-local day) become EXPIRED; idempotent by status.
      name: 'quotes-expiry',
      everyMs: config.RENEWAL_TICK_SECONDS * 1000,
      run: async () => {
        const expired = await services.quotes.expireDue(root);
        if (expired) logger.info({ quotes: expired }, 'quotes expired');
      },
    },
    {
      // Open tasks whose due time has come get their one TASK_DUE (all tenants; safe on any number of workers).
      name: 'tasks-due-tick',
      everyMs: config.TASK_DUE_TICK_SECONDS * 1000,
      run: async () => {
        const raised = await services.tasks.raiseDue(root);
        if (raised) logger.info({ tasks: raised }, 'due tasks announced');
      },
    },
    {
      // Timeline events since the last round: each re-checks only the records it touches (all tenants, one round at a time).
      name: 'segments-membership',
      everyMs: config.SEGMENT_TICK_SECONDS * 1000,
      run: async () => {
        await services.segments.processEvents(root, logger);
      },
    },
    {
      // Segments with LAST_N_DAYS / NEXT_N_DAYS criteria, once per tenant-local day (checked on the renewal tick).
      name: 'segments-daily-recheck',
      everyMs: config.RENEWAL_TICK_SECONDS * 1000,
      run: async () => {
        const n = await services.segments.recheckTimeRelative(root, {}, logger);
        if (n) logger.info({ segments: n }, 'time-relative segments re-checked');
      },
    },
    {
      // Extractions whose job was lost (the process running it died) are queued again.
      name: 'extraction-sweep',
      everyMs: Math.min(60, config.EXTRACTION_STALE_SECONDS) * 1000,
      run: async () => {
        const stale = await services.conversations.stalePending(root, config.EXTRACTION_STALE_SECONDS);
        for (const { data, key } of stale) await services.jobs.enqueue(EXTRACT_JOB, data, { key });
        if (stale.length) logger.warn({ extractions: stale.length }, 'queued extractions left pending again');
      },
    },
    {
      // Sync runs whose worker died (no heartbeat) or whose job was lost: queued again, resumed from their cursor.
      name: 'sync-sweep',
      everyMs: config.SYNC_STALE_SECONDS * 1000,
      run: async () => {
        const stale = await services.sync.stale(root, config.SYNC_STALE_SECONDS);
        for (const run of stale) await services.sync.enqueue(run.tenantId, run);
        if (stale.length) logger.warn({ runs: stale.length }, 'queued stale sync runs again');
      },
    },
    {
      // Keys past IDEMPOTENCY_TTL_HOURS; an expired key is also taken over when it is sent again.
      name: 'idempotency-purge',
      everyMs: 60 * 60 * 1000,
      run: async () => {
        const purged = await new IdempotencyStore(root).purgeExpired();
        if (purged) logger.info({ purged }, 'expired idempotency keys purged');
      },
    },
  ];
}

/** Every one-off background job: retried with backoff when `run` throws. */
export function oneOffJobs(root: EntityManager, services: Services, logger: Logger): OneOffJob[] {
  return [
    {
      name: EXTRACT_JOB,
      attempts: EXTRACT_ATTEMPTS,
      backoffMs: 1000,
      run: async (data, attempt) => {
        const { tenantId, extractionId } = data as ExtractJobData;
        const { retry } = await services.conversations.runExtraction(
          root,
          tenantId,
          extractionId,
          attempt,
          EXTRACT_ATTEMPTS,
          logger,
        );
        if (retry) throw new Error(`extraction ${extractionId} failed (attempt ${attempt}); retrying`);
      },
    },
    {
      name: HUBSPOT_WEBHOOK_JOB,
      attempts: 5,
      backoffMs: 1000,
      run: (data) => processWebhookEvents(root, services.sync, data as HubspotWebhookJobData),
    },
    {
      name: SYNC_JOB,
      attempts: SYNC_ATTEMPTS,
      backoffMs: 2000,
      run: (data) => services.sync.engine.execute(root, data as SyncJobData, logger),
    },
  ];
}
