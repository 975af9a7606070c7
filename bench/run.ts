/**
 * `npm run bench [-- <name>…]`: runs the benchmarks (default: all) against a fresh database on the
 * local PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 * and Redis if REDIS_URL is set; prints the results and saves them under bench/results/.
 */
import { runExtractionBench } from './extraction.bench.js';
import { saveResult } from './lib.js';
import { runRenewalsBench } from './renewals.bench.js';
import { runTimelineBench } from './timeline.bench.js';

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  timeline: runTimelineBench,
  renewals: runRenewalsBench,
  extraction: runExtractionBench,
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
