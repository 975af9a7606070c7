/**
 * Where a request of scenario 1 (the dashboard list) spends its CPU: Meridian runs under
 * `--cpu-prof` while autocannon sends the dashboard query for BENCH_PROFILE_SECONDS (default 15);
 * the profile is summed by self time per function and per package. BENCH_PROFILE_QUERY profiles
 * another query instead.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import autocannon from 'autocannon';

import { prepareDataset, startMeridian } from './server.js';

export const DASHBOARD = `{ clients(first: 50) { nodes { id fullName email lifecycleStage owner { name }
  practices { status type { code } } deals { title stage { name } } tickets(filter: { status: OPEN }) { nodes { number subject } } } } }`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a script URL lives: a package under node_modules, Node itself, or our code. */
function origin(url: string): string {
  if (!url) return '(native/gc)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node';
  const d = /dist\/(src\/[^/]+(?:\/[^/]+)?)/.exec(url);
  return d ? `meridian:${d[1]}` : url;
}

/** Self time per function and per package, in % of all samples. */
export function summarise(profile: CpuProfile, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${origin(url)}${url ? `:${lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + t);
    pkg.set(origin(url), (pkg.get(origin(url)) ?? 0) + t);
  }
  const pct = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, selfPct: Math.round((1000 * t) / total) / 10 }));
  return { totalMs: total / 1000, functions: pct(fn), packages: pct(pkg) };
}

export async function runProfileBench(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 15);
  const dir = resolve('bench/results/profile');
  rmSync(dir, { recursive: true, force: true });
  const dataset = await prepareDataset();
  const server = await startMeridian(dataset.databaseUrl, { NODE_ENV: 'production' }, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  try {
    const result = await autocannon({
      url: `${server.url}/graphql`,
      connections: 10,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dataset.token}` },
      body: JSON.stringify({ query: process.env.BENCH_PROFILE_QUERY ?? DASHBOARD }),
    });
    await server.stop(); // the profile is written on exit
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const summary = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
    console.log(`\nscenario 1 under --cpu-prof: ${result.requests.average} req/s; self time by package:`);
    for (const p of summary.packages) console.log(`  ${String(p.selfPct).padStart(5)} %  ${p.name}`);
    console.log('top functions:');
    for (const f of summary.functions) console.log(`  ${String(f.selfPct).padStart(5)} %  ${f.name}`);
    return { reqPerSec: result.requests.average, non2xx: result.non2xx, profile: join(dir, file), ...summary };
  } finally {
    await server.stop();
    await dataset.drop();
  }
}
