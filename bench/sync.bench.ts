/**
 * Sync benchmark (`npm run bench -- sync`): a CSV import and a HubSpot backfill of
 * max(BENCH_SYNC_RECORDS) records (default 100,000, reported at 10,000 and 100,000), each in a
 * Meridian process of its own on a fresh PostgreSQL database (BENCH_DATABASE_URL / DATABASE_URL),
 * measured by {@link measureRun}: records/s, the process's peak RSS at each checkpoint, and the
 * `syncProgress` events received (longest gap, target ≤ 1 s). `npm run bench -- csv` or
 * `-- hubspot` runs one of the two.
 *
 * CSV: a Meridian-format file generated as it is read (it never exists whole, here or in the
 * server), uploaded through `POST /imports`; the upload is counted in the run's time.
 */
import { Readable } from 'node:stream';

import { runHubspotBench } from './hubspot.bench.js';
import { CHECKPOINTS, measureRun, withSyncServer } from './sync-measure.js';

/** `rows` CSV lines, generated as they are read; every row a new client (distinct email and phone). */
function csv(rows: number): Readable {
  let i = -1;
  return new Readable({
    read() {
      if (i === -1) this.push('fullName,email,phone,nationality,lifecycleStage,tags,notes\n');
      let chunk = '';
      for (let n = 0; n < 500 && ++i < rows; n++)
        chunk += `Bench Person ${i},bench.${i}@example.com,+62${String(i).padStart(9, '0')},Italian,LEAD,bench;csv,row ${i}\n`;
      if (chunk) this.push(chunk);
      if (i >= rows) this.push(null);
    },
  });
}

/** The CSV import of max(BENCH_SYNC_RECORDS) rows. */
export async function runCsvBench(): Promise<Record<string, unknown>> {
  const rows = CHECKPOINTS.at(-1)!;
  return withSyncServer({}, async (target) => {
    const result = await measureRun(target, async () => {
      const res = await fetch(`${target.url}/imports?fileName=bench-${rows}.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${target.token}` },
        body: Readable.toWeb(csv(rows)) as ReadableStream,
        duplex: 'half',
      });
      const body = (await res.json()) as { syncRun?: { id: string } };
      if (!body.syncRun) throw new Error(`POST /imports answered ${res.status}: ${JSON.stringify(body)}`);
      return body.syncRun.id;
    });
    console.log('csv', rows, result);
    return { rows, ...result };
  });
}

/** Both: the CSV import, then the HubSpot backfill. */
export async function runSyncBench(): Promise<Record<string, unknown>> {
  return { csv: await runCsvBench(), hubspot: await runHubspotBench() };
}
