/**
 * Sync benchmark, HubSpot part: a BACKFILL of BENCH_HUBSPOT_CONTACTS contacts (default
 * "10000,100000") from the local HubSpot server (test/helpers/hubspot-server.ts, in a child
 * process), through a private-app connection, while a graphql-ws client follows
 * `syncProgress(runId)`. Reports per size: records/s, the API process's peak RSS during the run
 * (it must stay flat as the count grows), progress events per second and the longest gap.
 * HubSpot's rate limit is lifted (HUBSPOT_RATE_LIMIT_PER_10S) to measure Meridian itself: at
 * HubSpot's real 110 requests / 10 s and 100 records a page, a backfill cannot pass ~990 records/s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { createClient } from 'graphql-ws';

import { Role } from '../src/platform/auth/role.js';
import { freshDatabase, startBenchApp } from './lib.js';

const SIZES = (process.env.BENCH_HUBSPOT_CONTACTS ?? '10000,100000').split(',').map(Number);

async function fakeHubspot(count: number) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./hubspot-fake-main.js', import.meta.url)), String(count)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { url, token } = JSON.parse(line.toString().split('\n')[0]) as { url: string; token: string };
  return { url, token, stop: () => child.stdin.end() };
}

export async function runHubspotBench(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const count of SIZES) {
    const hubspot = await fakeHubspot(count);
    const db = await freshDatabase();
    const app = await startBenchApp(db.url, {
      HUBSPOT_API_BASE_URL: hubspot.url,
      HUBSPOT_RATE_LIMIT_PER_10S: '100000',
    });
    try {
      const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
        email: 'bench@hubspot.example',
        tenant: 'bench-hubspot',
        role: Role.ADMIN,
      });
      const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
        const res = await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        return ((await res.json()) as { data: T }).data;
      };
      const connected = await gql<{ connectHubspotPrivateApp: { crmConnection: { id: string } } }>(
        `mutation($t: String!) { connectHubspotPrivateApp(input: { token: $t }) { crmConnection { id } } }`,
        { t: hubspot.token },
      );
      global.gc?.();
      let peakRss = process.memoryUsage().rss;
      const startRss = peakRss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      const started = Date.now();
      const run = await gql<{ startSync: { syncRun: { id: string } } }>(
        `mutation($c: ID!) { startSync(input: { connectionId: $c, mode: BACKFILL, objects: [CONTACT] }) { syncRun { id } } }`,
        { c: connected.connectHubspotPrivateApp.crmConnection.id },
      );
      const client = createClient({
        url: `${app.url.replace('http', 'ws')}/graphql`,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const events: number[] = [];
      const final = await new Promise<{ status: string; processed: number; created: number; error: string | null }>(
        (resolve, reject) => {
          client.subscribe<{
            syncProgress: { status: string; processed: number; created: number; error: string | null };
          }>(
            {
              query: `subscription($id: ID) { syncProgress(runId: $id) { status processed created error } }`,
              variables: { id: run.startSync.syncRun.id },
            },
            {
              next: (v) => {
                events.push(Date.now());
                const p = v.data!.syncProgress;
                if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(p.status)) resolve(p);
              },
              error: reject,
              complete: () => undefined,
            },
          );
        },
      );
      const finished = Date.now();
      clearInterval(sampler);
      await client.dispose();
      const gaps = events.slice(1).map((t, i) => t - events[i]);
      results[`contacts_${count}`] = {
        status: final.status,
        error: final.error,
        created: final.created,
        totalSeconds: (finished - started) / 1000,
        recordsPerSecond: Math.round(final.processed / ((finished - started) / 1000)),
        startRssMb: Math.round(startRss / 1024 / 1024),
        peakRssMb: Math.round(peakRss / 1024 / 1024),
        progressEvents: events.length,
        progressEventsPerSecond: Math.round((events.length / ((finished - started) / 1000)) * 10) / 10,
        longestGapBetweenEventsMs: gaps.length ? Math.max(...gaps) : null,
      };
      console.log(count, results[`contacts_${count}`]);
    } finally {
      await app.close();
      await db.drop();
      hubspot.stop();
    }
  }
  return results;
}
