import { connect, type Socket } from 'node:net';

import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/** A raw keep-alive HTTP/1.1 connection: what a load balancer holds to an instance. */
class RawConnection {
  private readonly socket: Socket;
  private received = '';
  private waiters: (() => void)[] = [];
  /** Resolves when the server closed the connection (with what it had sent by then). */
  readonly closed: Promise<string>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (d: Buffer) => {
      this.received += d.toString();
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve(this.received)));
  }

  /** Writes the head of a POST /graphql and `sent` characters of its body (all by default). */
  post(body: string, token: string, sent = body.length): void {
    this.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
    );
  }

  /** Writes more of a body. */
  write(chunk: string): void {
    this.socket.write(chunk);
  }

  /** Waits for the `n`th response (1-based) to be complete; returns its head and body. */
  async response(n: number): Promise<{ head: string; body: string }> {
    for (;;) {
      const parts = this.parse();
      if (parts.length >= n) return parts[n - 1];
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        void this.closed.then(() => reject(new Error(`connection closed after ${parts.length} responses`)));
      });
    }
  }

  private parse(): { head: string; body: string }[] {
    const out: { head: string; body: string }[] = [];
    let rest = this.received;
    for (;;) {
      const end = rest.indexOf('\r\n\r\n');
      if (end < 0) return out;
      const head = rest.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (rest.length < end + 4 + length) return out;
      out.push({ head, body: rest.slice(end + 4, end + 4 + length) });
      rest = rest.slice(end + 4 + length);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const createClient = (fullName: string, operation: string) =>
  JSON.stringify({
    query: `mutation ${operation}($input: CreateClientInput!) { createClient(input: $input) { client { id } } }`,
    variables: { input: { fullName } },
  });
const countClients = (search: string) =>
  JSON.stringify({
    query: 'query($search: String) { clients(first: 1, filter: { search: $search }) { totalCount } }',
    variables: { search },
  });

describe('Graceful shutdown (drain, then stop)', () => {
  it('answers /readyz 503 at once and keeps serving for DRAIN_SECONDS, closing connections between requests', async () => {
    const server = await startTestServer({ DRAIN_SECONDS: '1' });
    const token = await server.tokenFor(uniq('drain'));
    const conn = new RawConnection(server.url);
    conn.post(countClients('nobody'), token);
    expect((await conn.response(1)).head).toMatch(/connection: keep-alive/i);

    const started = Date.now();
    const closing = server.close();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining', checks: {} });
    // Still serving while the balancer's health checks take the instance out, each answer telling
    // the client not to reuse the connection.
    conn.post(countClients('nobody'), token);
    const second = await conn.response(2);
    expect(second.head).toMatch(/^HTTP\/1\.1 200/);
    expect(second.head).toMatch(/connection: close/i);
    expect(JSON.parse(second.body)).toMatchObject({ data: { clients: { totalCount: 0 } } });
    await conn.closed;
    const fresh = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: countClients('nobody'),
    });
    expect(fresh.status).toBe(200);
    await closing;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('answers the request it has started and executes none it has not (a retry elsewhere is safe)', async () => {
    const server = await startTestServer();
    const token = await server.tokenFor(uniq('stop'));
    const name = uniq('Late Request');
    // An idle keep-alive connection (one request answered) and one whose request has begun.
    const idle = new RawConnection(server.url);
    idle.post(countClients('nobody'), token);
    await idle.response(1);
    const busy = new RawConnection(server.url);
    const probe = countClients(name);
    busy.post(probe, token, 10);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const closing = server.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A request sent on the idle connection as it closes: never executed, no answer.
    idle.post(createClient(name, 'LateOnIdle'), token);
    expect(await idle.closed).not.toMatch(/createClient/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The started request is answered in full, telling the client the connection ends with it; a
    // request the client sends on it anyway (it had not read that yet) is not executed.
    busy.write(probe.slice(10));
    const answer = await busy.response(1);
    busy.post(createClient(name, 'LateOnBusy'), token);
    expect(answer.head).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(answer.body)).toMatchObject({ data: { clients: { totalCount: 0 } } });
    expect(answer.head).toMatch(/connection: close/i);
    expect(await busy.closed).not.toMatch(/createClient/);
    await closing;
    const executed = await server.app.metrics.registry.metrics();
    expect(executed).toMatch(/operation_duration_seconds_count\{operation="[^"]*",type="query"\} 2/);
    expect(executed).not.toMatch(/operation="LateOn/);
  });

  it('closes WebSockets with 1001 Going Away so subscribers resume elsewhere', async () => {
    const server: TestServer = await startTestServer();
    const token = await server.tokenFor(uniq('ws-stop'));
    const client = server.ws({ authorization: `Bearer ${token}` });
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    const ended = new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { timelineEventAdded { id } }' },
        { next: () => undefined, error: resolve, complete: () => resolve('complete') },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.app.close();
    expect(await closed).toBe(1001);
    expect(await ended).toMatchObject({ code: 1001 });
    await server.close();
  });
});
