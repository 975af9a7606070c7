/** Meridian as a separate OS process on the built code (`dist/`), as an operator runs it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Node flags of a Meridian process, as `npm start` passes them: AsyncLocalStorage on async context
 * frames instead of promise hooks (≈20% less CPU per request, measured on the dashboard list).
 */
export const SERVER_NODE_ARGS = ['--experimental-async-context-frame'];

/** What each process started here has printed so far (stdout and stderr, interleaved). */
const outputs = new WeakMap<ChildProcess, { text: string }>();

/** What `proc` (started by {@link startProcess}) has printed so far: for a failing test's message. */
export function outputOf(proc: ChildProcess): string {
  return outputs.get(proc)?.text ?? '';
}

/**
 * Spawns `node [SERVER_NODE_ARGS] [nodeArgs] dist/src/main.js` (in `cwd`: another build's directory; default
 * this one) on `port` and resolves once `/healthz` answers
 * (output kept for errors, and for {@link outputOf}).
 */
export async function startProcess(
  env: NodeJS.ProcessEnv,
  port: number,
  nodeArgs: string[] = [],
  cwd?: string,
): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...SERVER_NODE_ARGS, ...nodeArgs, 'dist/src/main.js'], {
    cwd,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  outputs.set(proc, output);
  proc.stdout.on('data', (d: Buffer) => (output.text += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output.text += d.toString()));
  // PGlite compiles its WASM and replays its WAL at start: seconds on a quiet machine, more on a loaded one.
  const deadline = Date.now() + 100_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${output.text}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return proc;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not start:\n${output.text}`);
}

/** Sends SIGTERM and resolves with the exit code. */
export function stopProcess(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.once('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

/**
 * Spawns `node dist/src/worker.js` with `env` and resolves once it logs "worker is running"
 * (rejects with its output if it exits first or does not start within 30 s).
 */
export function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['dist/src/worker.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker is running')) {
        clearTimeout(timer);
        resolve(proc);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${output}`));
    });
  });
}

/** A graphql-ws socket kept open to a server process, and how it ended. */
export interface OpenSocket {
  client: Client;
  /** Resolves when the server closes the socket (code and reason). */
  closed: Promise<{ code: number; reason: string; at: number }>;
  /** Runs a query over the socket and resolves with its result. */
  query(query: string): Promise<unknown>;
}

/** Opens a graphql-ws socket to `ws://127.0.0.1:<port>/graphql` with `connectionParams`, not retrying. */
export function openSocket(port: number, connectionParams: Record<string, string>): OpenSocket {
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false, // stays open between operations
    onNonLazyError: () => undefined,
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    client.on('closed', (e) => {
      const { code, reason } = e as { code: number; reason: string };
      resolve({ code, reason, at: performance.now() });
    }),
  );
  const query = (text: string) =>
    new Promise<unknown>((resolve, reject) =>
      client.subscribe({ query: text }, { next: resolve, error: reject, complete: () => undefined }),
    );
  return { client, closed, query };
}
