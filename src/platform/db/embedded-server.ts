/**
 * The embedded PGlite served to the normal PostgreSQL driver on a unix socket, for this process's
 * ORM and for local CLIs (`npm run token`, `seed`, `migrate`) while the API runs.
 *
 * Why a session gate of our own: PGlite is ONE PostgreSQL session. pglite-socket's own multiplexer
 * (`PGLiteSocketServer` with `maxConnections` > 1) queues *protocol messages* and keeps a client
 * exclusive only inside an explicit transaction block. Between an extended-protocol Parse and its
 * Sync (every parameterized query: Parse/Bind/Describe/Execute/Sync) there is no transaction block,
 * so another client's Parse can land in between and replace the unnamed statement the first
 * client is about to Bind — whenever a large message arrives in two socket reads, as the seed's
 * batched inserts do. So we keep pglite-socket's `PGLiteSocketHandler` (socket, startup, SSL and
 * cancel handling, message framing) and give it {@link SessionGate} as its queue: a client that
 * starts a unit of work owns PGlite until PGlite answers ReadyForQuery with status `I` (idle, no
 * transaction open). Other clients' messages wait, in order. So a CLI statement never lands inside
 * a server transaction or between the messages of one of its queries, and vice versa; the cost is
 * that while one side's transaction runs, the other side's queries wait for it.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

/** File name PostgreSQL clients expect in a socket directory for port 5432 (`host=<dir>`). */
const SOCKET_NAME = '.s.PGSQL.5432';
/** The port a client passes with `host=<socket directory>`. */
export const SOCKET_PORT = 5432;
/** Longest unix socket path Linux and macOS accept (sun_path less its terminating NUL). */
const MAX_SOCKET_PATH = 103;

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]); // Sync: ends an extended-protocol sequence
const READY_FOR_QUERY = 0x5a; // 'Z'

type SocketQueue = ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'];

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

/**
 * Serializes clients' sessions on one PGlite: the queue given to each `PGLiteSocketHandler`. A
 * client owns PGlite from its first message until PGlite answers ReadyForQuery `I`; meanwhile only
 * its messages run, the others wait in arrival order.
 */
export class SessionGate {
  private readonly queue: Pending[] = [];
  private readonly scanners = new Map<number, ReadyForQueryScanner>();
  private owner: number | null = null;
  private pumping = false;

  constructor(private readonly db: PGlite) {}

  /** Runs one frontend message of `handlerId` when it may; resolves with the bytes answered. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.pump();
    });
  }

  /** Drops the waiting messages of a client that went away. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pending = this.queue[i];
      if (pending.handlerId !== handlerId) continue;
      this.queue.splice(i, 1);
      pending.reject(new Error('client disconnected'));
    }
    this.scanners.delete(handlerId);
  }

  /**
   * Called when a client's socket closes. If it owned PGlite (mid-query or mid-transaction), ends
   * whatever it left open — Sync for an unfinished extended query, ROLLBACK for a transaction — and
   * hands PGlite to the next client.
   */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    try {
      await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC));
      if (this.db.isInTransaction()) await this.db.exec('rollback');
    } finally {
      this.owner = null;
      void this.pump();
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const owner = this.owner;
        const index = owner === null ? 0 : this.queue.findIndex((p) => p.handlerId === owner);
        if (index < 0 || index >= this.queue.length) return; // nothing queued, or the owner's next message has not arrived
        const job = this.queue.splice(index, 1)[0];
        this.owner = job.handlerId;
        let scanner = this.scanners.get(job.handlerId);
        if (!scanner) this.scanners.set(job.handlerId, (scanner = new ReadyForQueryScanner()));
        scanner.status = undefined;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(job.message, {
              onRawData: (data) => {
                bytes += data.length;
                scanner.push(data);
                job.onData(data);
              },
            }),
          );
        } catch (err) {
          // The handler closes the socket on error; clearTransactionIfNeeded then releases PGlite.
          job.reject(err as Error);
          continue;
        }
        if (scanner.status === 'I') this.owner = null;
        job.resolve(bytes);
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** Follows the backend messages of one client's answers and remembers the last ReadyForQuery status. */
class ReadyForQueryScanner {
  /** `I` idle, `T` in a transaction, `E` in a failed transaction; undefined: none seen since reset. */
  status: string | undefined;
  private readonly header = Buffer.alloc(5);
  private headerLength = 0;
  private remaining = 0;

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.headerLength < 5) {
        this.header[this.headerLength++] = chunk[i++]!;
        if (this.headerLength === 5) {
          this.remaining = this.header.readInt32BE(1) - 4;
          if (this.remaining <= 0) this.headerLength = 0;
        }
        continue;
      }
      if (this.header[0] === READY_FOR_QUERY) this.status = String.fromCharCode(chunk[i]);
      const n = Math.min(this.remaining, chunk.length - i);
      i += n;
      this.remaining -= n;
      if (this.remaining === 0) this.headerLength = 0;
    }
  }
}

/** A running socket server for one PGlite. */
export interface EmbeddedServer {
  /** Directory holding the socket: a PostgreSQL client's `host` (with port {@link SOCKET_PORT}). */
  socketDir: string;
  /** Closes every client connection and the socket; removes the socket (and a temporary directory). */
  stop(): Promise<void>;
}

/**
 * Serves `db` on a unix socket `<preferredDir>/.s.PGSQL.5432`, the directory mode 0700 and the
 * socket 0600 (only this user). Without a preferred directory, or when its path is too long for a
 * unix socket, a private temporary directory is used instead.
 */
export async function startEmbeddedServer(db: PGlite, preferredDir: string | null): Promise<EmbeddedServer> {
  const temporary = !preferredDir || join(preferredDir, SOCKET_NAME).length > MAX_SOCKET_PATH;
  const socketDir = temporary ? mkdtempSync(join(tmpdir(), 'meridian-pglite-')) : preferredDir;
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  chmodSync(socketDir, 0o700);
  const path = join(socketDir, SOCKET_NAME);
  // A socket left by a process that died: the caller holds the data directory's lock, so it is stale.
  if (lstatSync(path, { throwIfNoEntry: false })?.isSocket()) rmSync(path);

  const gate = new SessionGate(db) as unknown as SocketQueue;
  const handlers = new Set<PGLiteSocketHandler>();
  const server: Server = createServer((socket: Socket) => {
    const handler = new PGLiteSocketHandler({ queryQueue: gate, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);

  return {
    socketDir,
    async stop() {
      await Promise.all([...handlers].map((h) => h.detach(true)));
      handlers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(temporary ? socketDir : path, { recursive: true, force: true });
    },
  };
}
