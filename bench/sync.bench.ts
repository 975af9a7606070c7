/**
 * Sync benchmark, CSV part: imports generated Meridian-format CSV files of BENCH_SYNC_ROWS rows
 * (default "10000,100000") through `POST /imports`, streamed from a generator (the file never
 * exists whole, here or in the server), while a graphql-ws client follows `syncProgress(runId)`.
 * Reports per size: records/s, the API process's peak RSS during the run (it must stay flat as
 * the row count grows), and the progress events received with the longest gap between two.
 * Against a fresh PostgreSQL database (BENCH_DATABASE_URL / DATABASE_URL), runs inline.
 */
import { Readable } from 'node:stream';

import { createClient } from 'graphql-ws';

import { Role } from '../src/platform/auth/role.js';
import { freshDatabase, startBenchApp } from './lib.js';

const SIZES = (process.env.BENCH_SYNC_ROWS ?? '10000,100000').split(',').map(Number);

/**
 * `rows` CSV lines, generated as they are read. Emails and phones differ between files (`tag`), so
 * every row of every file is a new client (no file matches another's clients by phone).
 */
function csv(rows: number, tag: string): Readable {
  let i = -1;
  return new Readable({
    read() {
      if (i === -1) this.push('fullName,email,phone,nationality,lifecycleStage,tags,notes\n');
      let chunk = '';
      for (let n = 0; n < 500 && ++i < rows; n++)
        chunk += `Bench Person ${tag} ${i},bench.${tag}.${i}@example.com,+62${tag.length}${String(i).padStart(9, '0')},Italian,LEAD,bench;csv,row ${i}\n`;
      if (chunk) this.push(chunk);
      if (i >= rows) this.push(null);
    },
  });
}

export async function runSyncBench(): Promise<Record<string, unknown>> {
  const db = await freshDatabase();
  const app = await startBenchApp(db.url, { SYNC_IMPORT_MAX_BYTES: '500mb' });
  const results: Record<string, unknown> = {};
  try {
    const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
      email: 'bench@sync.example',
      tenant: 'bench-sync',
      role: Role.ADMIN,
    });
    for (const rows of SIZES) {
      global.gc?.();
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      const started = Date.now();
      const res = await fetch(`${app.url}/imports?fileName=bench-${rows}.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
        body: Readable.toWeb(csv(rows, String(rows))) as ReadableStream,
        duplex: 'half',
      });
      const { syncRun } = (await res.json()) as { syncRun: { id: string } };
      const uploaded = Date.now();
      const client = createClient({
        url: `${app.url.replace('http', 'ws')}/graphql`,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const events: number[] = [];
      const final = await new Promise<{ status: string; processed: number; created: number; failed: number }>(
        (resolve, reject) => {
          client.subscribe<{ syncProgress: { status: string; processed: number; created: number; failed: number } }>(
            {
              query: `subscription($id: ID) { syncProgress(runId: $id) { status processed created failed } }`,
              variables: { id: syncRun.id },
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
      results[`rows_${rows}`] = {
        status: final.status,
        created: final.created,
        failed: final.failed,
        uploadSeconds: (uploaded - started) / 1000,
        totalSeconds: (finished - started) / 1000,
        recordsPerSecond: Math.round(rows / ((finished - started) / 1000)),
        peakRssMb: Math.round(peakRss / 1024 / 1024),
        progressEvents: events.length,
        progressEventsPerSecond: Math.round((events.length / ((finished - uploaded) / 1000)) * 10) / 10,
        longestGapBetweenEventsMs: gaps.length ? Math.max(...gaps) : null,
      };
      console.log(rows, results[`rows_${rows}`]);
    }
    return results;
  } finally {
    await app.close();
    await db.drop();
  }
}
