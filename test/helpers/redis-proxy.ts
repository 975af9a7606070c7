/** A TCP proxy to Redis for outage tests: cut its connections, refuse new ones, hold back SUBSCRIBEs. */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface RedisProxy {
  port: number;
  /** Drops every connection and refuses new ones until {@link restore}. */
  cut(): void;
  restore(): void;
  /** Connections refused since the last {@link cut}: clients that noticed and are reconnecting. */
  readonly refused: number;
  /**
   * From now on, a connection's traffic to Redis from its first SUBSCRIBE on is held back for
   * `ms` (in order): a client re-subscribing after a reconnect is subscribed that much later.
   */
  holdSubscribes(ms: number): void;
  close(): Promise<void>;
}

export async function redisProxy(host: string, port: number): Promise<RedisProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  let holdMs = 0;
  let refused = 0;
  const server: Server = createServer((client) => {
    if (refusing) {
      refused++;
      return void client.destroy();
    }
    const upstream = connect(port, host);
    open.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    let held: Promise<void> | undefined;
    client.on('data', (chunk: Buffer) => {
      if (!held && holdMs > 0 && /subscribe/i.test(chunk.toString('latin1')))
        held = new Promise((r) => setTimeout(r, holdMs));
      if (held) void held.then(() => upstream.write(chunk));
      else upstream.write(chunk);
    });
    client.on('error', end).on('close', end);
    upstream.pipe(client);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    get refused() {
      return refused;
    },
    cut() {
      refusing = true;
      refused = 0;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      refusing = false;
    },
    holdSubscribes(ms) {
      holdMs = ms;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
