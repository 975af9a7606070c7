import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { type Express } from 'express';

/** The express app and the HTTP server it runs on (graphql-ws shares the server). */
export interface HttpServer {
  app: Express;
  server: Server;
}

/** Creates the express app and its HTTP server, not yet listening. */
export function createHttpServer(): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  return { app, server: createServer(app) };
}

/** Listens on `host:port` (`0`: a free port); resolves with the port. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting connections and closes the open ones (idle keep-alive sockets included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
