import { existsSync } from 'node:fs';

import { expect } from '@jest/globals';

import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

/** Where the local PostgreSQL server listens for Unix-socket connections (Debian's default). */
const SOCKET_DIR = process.env.TEST_PG_SOCKET_DIR ?? '/var/run/postgresql';

/**
 * DATABASE_URL naming a Unix socket (README "Configuration"): libpq's `host` query parameter is the
 * socket's directory, and wins over the URL's host, which MikroORM alone would have used (TCP).
 */
describe('PostgreSQL over its Unix socket', () => {
  const servers: TestServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  /** The server's session address as PostgreSQL sees it: null for a Unix socket. */
  const clientAddress = async (server: TestServer) => {
    const [row] = await server.app.db.orm.em
      .fork()
      .getConnection()
      .execute<{ addr: string | null }[]>('select inet_client_addr()::text as addr');
    return row.addr;
  };

  (usingPostgres && existsSync(SOCKET_DIR) ? it : it.skip)(
    'connects through the socket the host parameter names, and serves the fast read path through it',
    async () => {
      const tcp = await startTestServer();
      servers.push(tcp);
      const url = new URL(tcp.app.config.DATABASE_URL!);
      url.searchParams.set('host', SOCKET_DIR);
      const socket = await startTestServer({ DATABASE_URL: url.toString() });
      servers.push(socket);
      expect(await clientAddress(tcp)).not.toBeNull();
      expect(await clientAddress(socket)).toBeNull();

      const token = await socket.tokenFor(uniq('socket'), 'ADMIN');
      const res = await socket.post(
        { query: '{ clients(first: 5) { nodes { id } } }' },
        { authorization: `Bearer ${token}` },
      );
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ data: { clients: { nodes: [] } }, extensions: { sqlStatements: 1 } });
    },
  );
});
