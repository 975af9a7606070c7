import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { type Express } from 'express';
import helmet from 'helmet';

import { HttpDrain } from './drain.js';

/** The express app, the HTTP server it runs on (graphql-ws shares the server) and its drain. */
export interface HttpServer {
  app: Express;
  server: Server;
  /** The graceful stop of the server's HTTP connections. */
  drain: HttpDrain;
}

/**
 * Creates the express app and its HTTP server, not yet listening. Every response carries helmet's
 * security headers (`X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 * `X-Frame-Options`, …; no Content-Security-Policy: the API answers JSON, and the playground page
 * runs an inline script) and `Cache-Control: no-store`: answers hold tenant data and the
 * playground page a token, so neither browsers nor proxies keep them. Static assets set their own
 * caching.
 */
export function createHttpServer(): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: every response is `no-store`, so nothing would revalidate with it, and computing it
  // hashed every response body (a SHA-1 of each GraphQL response).
  app.set('etag', false);
  app.use(helmet({ contentSecurityPolicy: false }));
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const drain = new HttpDrain();
  const server = createServer(drain.gate(app));
  drain.attach(server);
  return { app, server, drain };
}

/** Listens on `host:port` (`0`: a free port); resolves with the port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and closes the open ones at once (for listeners without a drain). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
