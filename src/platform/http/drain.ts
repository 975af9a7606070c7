import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Where a server is in its shutdown. */
export type DrainPhase = 'serving' | 'draining' | 'stopping';

/** One HTTP connection as the drain sees it. */
interface Connection {
  /** Requests read on it and not yet answered. */
  inFlight: number;
  /** Closed or closing: a request read on it from now on is never executed. */
  closing: boolean;
}

/**
 * The HTTP side of a graceful stop that never executes a request without answering it, so a load
 * balancer may safely retry a request whose connection closed without a response (HAProxy's
 * `retry-on empty-response`):
 *
 * 1. {@link startDraining}: `/readyz` reports 503 (see {@link phase}) and every response from now
 *    on, including those of requests already in flight, carries `Connection: close`, so each
 *    keep-alive connection ends right after its next answer. Requests are still served.
 * 2. {@link stop}: the server stops accepting connections; idle keep-alive connections are closed
 *    at once; a request read afterwards on a closed or closing connection is dropped unexecuted
 *    (its connection is destroyed: the client sees an empty response and may retry elsewhere);
 *    every request already started is answered, then its connection closes. Resolves once no
 *    request is in flight, or at the deadline, when the remaining connections are destroyed.
 *
 * Node's own `server.close()` is not enough: it answers in-flight requests with `Connection:
 * keep-alive` and closes the socket after, and a socket merely `end()`ed (as Apollo's drain plugin
 * does with idle ones) still reads and executes a request the client sent at that moment, whose
 * answer then goes nowhere. WebSocket upgrades leave this bookkeeping at the upgrade.
 */
export class HttpDrain {
  private current: DrainPhase = 'serving';
  private readonly connections = new Map<Socket, Connection>();
  private readonly inFlight = new Set<ServerResponse>();
  private idle: (() => void) | undefined;

  /** Wraps the request handler of the server (`createServer(drain.gate(app))`). */
  gate(handler: RequestListener): RequestListener {
    return (req, res) => {
      const conn = this.connections.get(req.socket) ?? this.track(req.socket);
      if (conn.closing) {
        // Read after its connection was closed: not executed, so a retry elsewhere is safe.
        req.socket.destroy();
        return;
      }
      conn.inFlight++;
      this.inFlight.add(res);
      if (this.current !== 'serving') this.closeAfter(res, conn);
      res.once('close', () => {
        conn.inFlight--;
        this.inFlight.delete(res);
        if (!this.inFlight.size) this.idle?.();
      });
      handler(req, res);
    };
  }

  /** Tracks the server's connections; call once, before it listens. */
  attach(server: Server): void {
    server.on('connection', (socket: Socket) => void this.track(socket));
    // An upgraded socket (WebSocket) belongs to its protocol from now on.
    server.on('upgrade', (req: IncomingMessage) => void this.connections.delete(req.socket));
  }

  /** `serving`, `draining` (still serving, reported unready) or `stopping`. */
  get phase(): DrainPhase {
    return this.current;
  }

  /** Requests read and not yet answered. */
  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /** Phase 1 (see the class comment). Idempotent. */
  startDraining(): void {
    if (this.current !== 'serving') return;
    this.current = 'draining';
    for (const res of this.inFlight) {
      const conn = this.connections.get(res.req.socket);
      if (conn) this.closeAfter(res, conn);
    }
  }

  /**
   * Phase 2 (see the class comment): resolves `true` once every started request is answered, or
   * `false` at `deadline` (epoch ms), when every remaining connection is destroyed. The server's
   * `close` completes once its upgraded sockets (WebSockets, closed by their owner) are gone too.
   */
  async stop(server: Server, deadline: number): Promise<boolean> {
    this.startDraining();
    this.current = 'stopping';
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const [socket, conn] of this.connections) {
      if (conn.inFlight === 0) closeIdle(socket, conn);
    }
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      if (!this.inFlight.size) this.idle();
    });
    this.idle = undefined;
    // Left: connections whose last answer is still being written (they close themselves after
    // it), clients that never closed their side, and, past the deadline, unanswered requests.
    const grace = setTimeout(
      () => {
        for (const socket of this.connections.keys()) socket.destroy();
      },
      answered ? Math.min(1000, Math.max(0, deadline - Date.now())) : 0,
    );
    await closed;
    clearTimeout(grace);
    return answered;
  }

  private track(socket: Socket): Connection {
    const conn: Connection = { inFlight: 0, closing: this.current === 'stopping' };
    this.connections.set(socket, conn);
    socket.once('close', () => this.connections.delete(socket));
    return conn;
  }

  /** `Connection: close` on `res` (when still possible), and its connection takes no further request. */
  private closeAfter(res: ServerResponse, conn: Connection): void {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => (conn.closing = true));
  }
}

/** Closes a connection with no request in flight; its last answer, if still queued, is written first. */
function closeIdle(socket: Socket, conn: Connection): void {
  conn.closing = true;
  if (socket.writableLength === 0) socket.destroy();
  else socket.end();
}
