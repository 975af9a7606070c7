import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { type Express } from 'express';

import { HttpDrain } from './drain.js';

/** The express app, the HTTP server it runs on (graphql-ws shares the server) and its drain. */
export interface HttpServer {
  app: Express;
  server: Server;
  /** The graceful stop of the server's HTTP connections. */
  drain: HttpDrain;
}

/** Creates the express app and its HTTP server, not yet listening. */
export function createHttpServer(): HttpServer {
  const app = express();
  app.disable('x-powered-by');
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
