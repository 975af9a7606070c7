import { expect } from '@jest/globals';

import { StartSyncDocument, type SyncMode, SyncRunByIdDocument } from '../generated/graphql.js';
import type { TestServer } from './server.js';

/** The statuses a sync run ends in. */
export const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * Starts and follows sync runs of one connection through the API. `connectionId` and `token` are
 * read at each call (suites assign them in `beforeAll`).
 */
export function syncRuns(defaults: { server: () => TestServer; connectionId: () => string; token: () => string }) {
  /** Polls the run (with its first 100 log lines) until it has finished. */
  const runToEnd = async (id: string, on = defaults.server(), token = defaults.token()) => {
    for (;;) {
      const res = await on.gql(SyncRunByIdDocument, { id, first: 100 }, token);
      const run = res.data!.syncRun!;
      if (FINISHED.includes(run.status)) return run;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const start = (mode: SyncMode, token = defaults.token(), on = defaults.server()) =>
    on.gql(StartSyncDocument, { input: { connectionId: defaults.connectionId(), mode } }, token);
  /** Starts a run, expects no userErrors, and answers the finished run. */
  const sync = async (mode: SyncMode, on = defaults.server()) => {
    const res = await start(mode, defaults.token(), on);
    expect(res.data?.startSync.userErrors).toEqual([]);
    return runToEnd(res.data!.startSync.syncRun!.id, on);
  };
  return { runToEnd, start, sync };
}
