/**
 * Load-client process of the fan-out benchmark (bench/fanout.bench.ts forks it): holds a share of
 * the graphql-ws subscribers and reports, per event, when each of its subscribers received it.
 *
 * IPC protocol (parent → child, child → parent):
 *  - `{ cmd: 'open', url, token, count, batch }` → `{ type: 'opened', open, failed, errors, ms }`
 *  - `{ cmd: 'await', tag, timeoutMs }` → `{ type: 'received', tag, times, missing, cpuMs }` once
 *    every open subscriber got the event whose summary contains `tag` (or the timeout passed);
 *    `times` are wall-clock receive times in ms (`performance.timeOrigin + performance.now()`),
 *    `cpuMs` the CPU this load client used meanwhile (it competes with the server for the cores).
 *  - `{ cmd: 'close' }` → `{ type: 'closed' }`, then the process exits.
 */
import WebSocket from 'ws';

const QUERY = 'subscription { timelineEventAdded(types: [CLIENT_CREATED]) { id type summary occurredAt } }';
const TAG = /fanout-[\w-]+/;
const SUBSCRIPTION_ID = '1';
const NEXT_PREFIX = `{"id":"${SUBSCRIPTION_ID}","type":"next","payload":`;

type Command =
  | { cmd: 'open'; url: string; token: string; count: number; batch: number }
  | { cmd: 'await'; tag: string; timeoutMs: number }
  | { cmd: 'close' };

const clients: WebSocket[] = [];
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

/** A `next` message (raw text) arrived: the time it was received, under the tag in its summary. */
function onEvent(message: string): void {
  const at = performance.timeOrigin + performance.now();
  const tag = TAG.exec(message)?.[0];
  if (!tag) return;
  let times = received.get(tag);
  if (!times) received.set(tag, (times = []));
  times.push(at);
  waiters.get(tag)?.();
}

/**
 * Opens one subscriber; resolves true once its socket is acknowledged and subscribed, false on
 * failure. It speaks the graphql-ws protocol (graphql-transport-ws) over a plain `ws` socket: the
 * handshake messages are parsed, but a `next` message is only checked on its raw text (our
 * subscription id, type "next", the event's tag), so the load client spends its CPU receiving,
 * not parsing — with 10,000 subscribers on 2 cores it competes with the server for the CPU.
 */
function openOne(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    let subscribed = false;
    const settle = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    const fail = (why: string) => {
      if (errors.length < 5) errors.push(why);
      settle(false);
    };
    const socket = new WebSocket(url, 'graphql-transport-ws');
    clients.push(socket);
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      if (subscribed) {
        if (text.startsWith(NEXT_PREFIX)) onEvent(text);
        else if (errors.length < 5) errors.push(text.slice(0, 200));
        return;
      }
      const message = JSON.parse(text) as { type: string };
      if (message.type !== 'connection_ack') return fail(`unexpected ${text.slice(0, 200)}`);
      socket.send(JSON.stringify({ id: SUBSCRIPTION_ID, type: 'subscribe', payload: { query: QUERY } }));
      subscribed = true;
      open++;
      settle(true);
    });
    socket.on('close', (code: number) => {
      if (settled && subscribed) open--;
      else fail(`closed ${code}`);
    });
    socket.on('error', (e: Error) => fail(e.message));
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
  const cpu0 = process.cpuUsage();
  const done = () => {
    waiters.delete(tag);
    clearTimeout(timer);
    const times = received.get(tag) ?? [];
    received.delete(tag);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    send({ type: 'received', tag, times, missing: Math.max(0, open - times.length), cpuMs });
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
    for (const c of clients) c.close();
    void Promise.resolve().then(() => {
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 50);
    });
  }
});
