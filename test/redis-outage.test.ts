/**
 * Redis stops and comes back: the API keeps serving queries and mutations, and subscribers then
 * receive what was committed meanwhile (the outbox relay retries until Redis acknowledges).
 * Uses a private redis-server on a free port, so the shared one is never disturbed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

import { CreateClientDocument, TimelineEventAddedDocument, ViewerDocument } from './generated/graphql.js';
import { freePort } from './helpers/process.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
      return proc;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('redis-server did not start');
}

function stopRedis(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

(hasRedisServer ? describe : describe.skip)('Redis outage', () => {
  let server: TestServer;
  let redis: ChildProcess;
  let port: number;
  let token: string;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${port}` });
    token = await server.tokenFor(uniq('outage'));
  });
  afterAll(async () => {
    await server.close();
    if (redis.exitCode === null) await stopRedis(redis);
  });

  it('keeps queries and mutations working while Redis is down, then delivers what was committed meanwhile', async () => {
    const sub = nextResults(
      server.ws({ authorization: `Bearer ${token}` }),
      TimelineEventAddedDocument,
      { types: ['CLIENT_CREATED'] },
      2,
      45_000, // generous: ioredis reconnects with backoff, slower on a loaded machine
    );
    await sub.ready;
    await stopRedis(redis);

    expect((await server.gql(ViewerDocument, {}, token)).data?.viewer?.role).toBe('ADMIN');
    for (const name of ['During Outage 1', 'During Outage 2']) {
      const res = await server.gql(CreateClientDocument, { input: { fullName: name } }, token);
      expect(res.data?.createClient.userErrors).toEqual([]);
    }
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);

    redis = await startRedis(port);
    const got = await sub.results;
    expect(got.map((r) => r.timelineEventAdded.summary)).toEqual([
      'Client During Outage 1 created',
      'Client During Outage 2 created',
    ]);
  }, 60_000);
});
