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

  it('keeps the connection usable after any statement error, for this client and the others', async () => {
    const [a, b] = [await connect(), await connect()];
    const failing = [
      () => a.query('select x from probe where x < Infinity'), // what an unchecked 1e400 cursor became
      () => a.query('select x from probe where x = $1', ['not a number']), // extended protocol
      () => a.query('select 1; select x from nowhere; select 2'), // a multi-statement batch (ReadBatch)
      async () => {
        await a.query('begin');
        try {
          await a.query('select 1/0');
        } finally {
          await a.query('rollback');
        }
      },
    ];
    for (const fail of failing) {
      await expect(fail()).rejects.toThrow();
      await a.query('insert into probe values ($1)', [1]);
      expect((await b.query<{ n: number }>('select count(*)::int as n from probe')).rows).toHaveLength(1);
    }
    expect((await a.query('select count(*)::int as n from probe')).rows).toEqual([{ n: failing.length }]);
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
