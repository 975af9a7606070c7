/**
 * Sync benchmark, HubSpot part (`npm run bench -- hubspot`, also part of `sync`): a BACKFILL of
 * max(BENCH_SYNC_RECORDS) contacts (default 100,000, reported at 10,000 and 100,000 records
 * processed) from the local HubSpot server (test/helpers/hubspot-server.ts, in a child process of
 * its own), through a private-app connection; measured by {@link measureRun}. One company per
 * BENCH_HUBSPOT_CONTACTS_PER_COMPANY contacts (default 20; 0: none) is synced first and
 * associated with its contacts, so contacts get their organization as in a real portal.
 * HubSpot's rate limit is lifted (HUBSPOT_RATE_LIMIT_PER_10S) to measure Meridian itself: at
 * HubSpot's real 110 requests / 10 s and 100 records a page, a backfill cannot pass ~990 records/s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { CHECKPOINTS, measureRun, targetGql, withSyncServer } from './sync-measure.js';

const PER_COMPANY = Number(process.env.BENCH_HUBSPOT_CONTACTS_PER_COMPANY ?? 20);

/** The local HubSpot server with `contacts` contacts and a company per `perCompany`, in a child process. */
async function fakeHubspot(contacts: number, perCompany: number) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./hubspot-fake-main.js', import.meta.url)), String(contacts), String(perCompany)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { url, token } = JSON.parse(line.toString().split('\n')[0]) as { url: string; token: string };
  return { url, token, pid: child.pid!, stop: () => child.stdin.end() };
}

export async function runHubspotBench(): Promise<Record<string, unknown>> {
  const contacts = CHECKPOINTS.at(-1)!;
  const companies = PER_COMPANY > 0 ? Math.ceil(contacts / PER_COMPANY) : 0;
  const hubspot = await fakeHubspot(contacts, PER_COMPANY);
  try {
    return await withSyncServer(
      { HUBSPOT_API_BASE_URL: hubspot.url, HUBSPOT_RATE_LIMIT_PER_10S: '100000' },
      async (target) => {
        const connected = await targetGql<{ connectHubspotPrivateApp: { crmConnection: { id: string } | null } }>(
          target,
          `mutation($t: String!) { connectHubspotPrivateApp(input: { token: $t }) { crmConnection { id } } }`,
          { t: hubspot.token },
        );
        const connectionId = connected.connectHubspotPrivateApp.crmConnection?.id;
        if (!connectionId) throw new Error(`could not connect: ${JSON.stringify(connected)}`);
        const result = await measureRun(
          target,
          async () => {
            const started = await targetGql<{
              startSync: { syncRun: { id: string } | null; userErrors: { message: string }[] };
            }>(
              target,
              `mutation($c: ID!, $o: [SyncObjectType!]!) {
              startSync(input: { connectionId: $c, mode: BACKFILL, objects: $o }) { syncRun { id } userErrors { message } }
            }`,
              { c: connectionId, o: companies ? ['COMPANY', 'CONTACT'] : ['CONTACT'] },
            );
            if (!started.startSync.syncRun) throw new Error(JSON.stringify(started.startSync.userErrors));
            return started.startSync.syncRun.id;
          },
          { hubspotServer: hubspot.pid },
        );
        console.log('hubspot', contacts, result);
        return { contacts, companies, ...result };
      },
    );
  } finally {
    hubspot.stop();
  }
}
