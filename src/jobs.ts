import type { EntityManager } from '@mikro-orm/core';

import type { Config } from './config.js';
import type { RecurringJob } from './platform/jobs.js';
import type { Logger } from './platform/logger.js';
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
  ];
}
