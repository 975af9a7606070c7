/**
 * `npm run bench [-- <name>…]`: runs the benchmarks (default: all) against a fresh database on the
 * local PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 * and Redis if REDIS_URL is set; prints the results and saves them under bench/results/.
 */
import { runAbBench } from './ab.bench.js';
import { runAnalyticsBench } from './analytics.bench.js';
import { runExtractionBench } from './extraction.bench.js';
import { runExtractionCpuBench } from './extraction-cpu.bench.js';
import { runFanoutBench } from './fanout.bench.js';
import { runHttpBench } from './http.bench.js';
import { runHubspotBench } from './hubspot.bench.js';
import { saveResult } from './lib.js';
import { runOverheadBench } from './overhead.bench.js';
import { runProfileBench } from './profile.bench.js';
import { runRenewalsBench } from './renewals.bench.js';
import { runAskBench, runSearchBench } from './search.bench.js';
import { runSegmentsBench } from './segments.bench.js';
import { runCsvBench, runSyncBench } from './sync.bench.js';
import { runTimelineBench } from './timeline.bench.js';

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  // Meridian vs PostGraphile 5 with its documented indexes: scenarios 1 and 4 at 10 and 1 connections,
  // interleaved; plans checked; CPU per request, SQL per operation, RSS, the floor; then 2 and 3.
  http: runHttpBench,
  // Builds side by side (BENCH_AB_BUILDS) on scenarios 1 and 4, alternating: server CPU per request.
  ab: runAbBench,
  // The same dashboard resolvers on plain graphql-js vs type-graphql.
  overhead: runOverheadBench,
  // 1,000 and 10,000 graphql-ws subscribers, one event.
  fanout: runFanoutBench,
  // Where scenario 1 spends its CPU (--cpu-prof).
  profile: runProfileBench,
  timeline: runTimelineBench,
  // search p50/p99 at 1 and 10 connections on 10,000 clients, criteria page, EXPLAIN plans.
  search: runSearchBench,
  // search and criteria as above, plus ask(question) p50/p99 at 1 and 10 connections and its plans.
  ask: runAskBench,
  renewals: runRenewalsBench,
  // Segment count + first page on 10,000 clients, membership re-check per timeline event.
  segments: runSegmentsBench,
  // Every analytics query over the seed data set (BENCH_CLIENTS=10000,100000): p50/p99, EXPLAIN.
  analytics: runAnalyticsBench,
  extraction: runExtractionBench,
  // The heuristic extractor alone on 1 MB conversations (no database).
  'extraction-cpu': runExtractionCpuBench,
  // CSV import and HubSpot backfill of 100,000 records each, reported at 10,000 and 100,000
  // (BENCH_SYNC_RECORDS): records/s, the syncing process's peak RSS, syncProgress events and gaps.
  sync: runSyncBench,
  // Each alone (both are part of `sync`).
  csv: runCsvBench,
  hubspot: runHubspotBench,
};
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of chosen.length ? chosen : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark "${name}"; choose from ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name}`);
  const result = await bench();
  console.log(JSON.stringify(result, null, 2));
  console.log(`saved ${saveResult(name, result)}`);
}
process.exit(0);
