/**
 * Load-client process of the fan-out benchmark (bench/fanout.bench.ts forks it): holds a share of
 * the graphql-ws subscribers and reports, per event, when each of its subscribers received it.
 *
 * IPC protocol (parent → child, child → parent):
 *  - `{ cmd: 'open', url, token, count, batch }` → `{ type: 'opened', open, failed, errors, ms }`
 *  - `{ cmd: 'await', tag, timeoutMs }` → `{ type: 'received', tag, times, missing }` once every
 *    open subscriber got the event whose summary contains `tag` (or the timeout passed); `times`
 *    are wall-clock receive times in ms (`performance.timeOrigin + performance.now()`).
 *  - `{ cmd: 'close' }` → `{ type: 'closed' }`, then the process exits.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

const QUERY = 'subscription { timelineEventAdded(types: [CLIENT_CREATED]) { id type summary occurredAt } }';
const TAG = /fanout-[\w-]+/;

type Command =
  | { cmd: 'open'; url: string; token: string; count: number; batch: number }
  | { cmd: 'await'; tag: string; timeoutMs: number }
  | { cmd: 'close' };

const clients: Client[] = [];
/** Subscribers whose socket is still open (closed ones are not waited for). */
let open = 0;
/** Receive times per event tag, one per subscriber. */
const received = new Map<string, number[]>();
/** Waiters per tag: called after every receive of that tag. */
const waiters = new Map<string, () => void>();
const errors: string[] = [];

function send(msg: object): void {
  process.send!(msg);
}

function onEvent(summary: string): void {
  const at = performance.timeOrigin + performance.now();
  const tag = TAG.exec(summary)?.[0];
  if (!tag) return;
  let times = received.get(tag);
  if (!times) received.set(tag, (times = []));
  times.push(at);
  waiters.get(tag)?.();
}

/** Opens one subscriber; resolves true once its socket is connected (acknowledged), false on failure. */
function openOne(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      retryAttempts: 0,
      on: {
        connected: () => {
          open++;
          settle(true);
        },
        closed: (e) => {
          if (settled) {
            open--;
          } else {
            if (errors.length < 5) errors.push(`closed ${(e as { code?: number })?.code ?? ''}`);
            settle(false);
          }
        },
        error: (e) => {
          if (errors.length < 5) errors.push(String((e as Error)?.message ?? e));
          settle(false);
        },
      },
    });
    clients.push(client);
    client.subscribe(
      { query: QUERY },
      {
        next: (v) => onEvent(((v.data as any)?.timelineEventAdded?.summary as string) ?? ''),
        error: (e) => {
          if (errors.length < 5) errors.push(JSON.stringify(e));
        },
        complete: () => undefined,
      },
    );
  });
}

async function openAll(url: string, token: string, count: number, batch: number): Promise<void> {
  const t0 = performance.now();
  let failed = 0;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const oks = await Promise.all(Array.from({ length: n }, () => openOne(url, token)));
    failed += oks.filter((ok) => !ok).length;
  }
  send({ type: 'opened', open, failed, errors, ms: performance.now() - t0 });
}

function awaitEvent(tag: string, timeoutMs: number): void {
  const done = () => {
    waiters.delete(tag);
    clearTimeout(timer);
    const times = received.get(tag) ?? [];
    received.delete(tag);
    send({ type: 'received', tag, times, missing: Math.max(0, open - times.length) });
  };
  const timer = setTimeout(done, timeoutMs);
  const check = () => {
    if ((received.get(tag)?.length ?? 0) >= open) done();
  };
  waiters.set(tag, check);
  check();
}

process.on('message', (msg: Command) => {
  if (msg.cmd === 'open') void openAll(msg.url, msg.token, msg.count, msg.batch);
  else if (msg.cmd === 'await') awaitEvent(msg.tag, msg.timeoutMs);
  else if (msg.cmd === 'close') {
    void Promise.all(clients.map((c) => c.dispose())).then(() => {
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 50);
    });
  }
});
