import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

import { type EmbeddedServer, SOCKET_PORT, startEmbeddedServer } from './embedded-server.js';

describe('embedded PGlite socket server', () => {
  let db: PGlite;
  let server: EmbeddedServer;
  const clients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({
      host: server.socketDir,
      port: SOCKET_PORT,
      user: 'postgres',
      password: 'postgres',
      database: 'postgres',
    });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    db = await PGlite.create();
    server = await startEmbeddedServer(db, null);
    await db.exec('create table probe (x int)');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await server.stop();
    await db.close();
  });
  beforeEach(() => db.exec('truncate probe'));

  it('holds another client’s statements back until an open transaction ends', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('begin');
    await a.query('insert into probe values (1)');
    let done = false;
    const insert = b.query('insert into probe values ($1)', [2]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    await a.query('rollback');
    await insert;
    expect((await a.query('select x from probe')).rows).toEqual([{ x: 2 }]);
  });

  it('rolls back the transaction of a client that disconnects, and serves the others', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('begin');
    await a.query('insert into probe values (1)');
    const read = b.query('select count(*)::int as n from probe');
    await a.end();
    expect((await read).rows).toEqual([{ n: 0 }]);
  });
});
