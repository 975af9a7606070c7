/** Starts the PostGraphile 5 peer (dist/bench/postgraphile-server.js) as its own process. */
import { spawn } from 'node:child_process';

import { freePort, rssMb, type ServerProcess } from './server.js';

/**
 * Starts PostGraphile on `databaseUrl` on a free port (NODE_ENV=production); resolves when
 * `{ __typename }` answers at /graphql (schema built). Needs `npm run build:bench` first.
 * `nodeArgs` go before the script (e.g. bench/plans.ts's SQL capture preload).
 */
export async function startPostGraphile(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, [...nodeArgs, 'dist/bench/postgraphile-server.js'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`PostGraphile exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`PostGraphile did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: proc.pid!,
    rssMb: () => rssMb(proc.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
