import { jest } from '@jest/globals';
import { Cursor, type EntityName, type EntityProperty } from '@mikro-orm/core';

import { entities } from '../src/app/entities.js';
import { Client } from '../src/modules/clients/client.entity.js';
import { ClientMerge } from '../src/modules/clients/client-merge.entity.js';
import { Practice } from '../src/modules/practices/practice.entity.js';
import { Tenant } from '../src/modules/tenancy/tenant.entity.js';
import { Ticket } from '../src/modules/tickets/ticket.entity.js';
import { readPage, readRows, readRowsIn, RowRef } from '../src/platform/db/read-model.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import { generateDataset } from '../src/seed/generator/index.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/** A property value in a comparable form: relations by id, dates as ISO, value objects by class and JSON. */
function comparable(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return `date:${value.toISOString()}`;
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (value instanceof RowRef) return `ref:${value.id}`;
  if (typeof value === 'object' && 'id' in value && typeof value.id === 'string' && !Array.isArray(value))
    return `ref:${value.id}`;
  return `${typeof value}:${value.constructor?.name ?? ''}:${JSON.stringify(value)}`;
}

describe('read-only rows (the read path of GraphQL relations and lists)', () => {
  let server: TestServer;
  let tenantA: string;
  let tenantB: string;
  let tenantAId: string;

  beforeAll(async () => {
    server = await startTestServer();
    tenantA = uniq('rows-a');
    tenantB = uniq('rows-b');
    const services = server.app.services;
    await generateDataset(server.app.db.orm.em, { tenantSlug: tenantA, clients: 40, seed: 3, services });
    await generateDataset(server.app.db.orm.em, { tenantSlug: tenantB, clients: 40, seed: 4, services });
    tenantAId = (await server.app.db.orm.em.fork().findOneOrFail(Tenant, { slug: tenantA })).id;
  });
  afterAll(() => server.close());

  it('equal what em.find hydrates, property by property, for every entity', async () => {
    const metadata = server.app.db.orm.getMetadata();
    let compared = 0;
    for (const entity of entities as unknown as EntityName<object>[]) {
      const meta = metadata.find(entity);
      if (!meta || meta.abstract || meta.embeddable || meta.virtual) continue;
      const em = forkForTenant(server.app.db.orm.em, tenantAId);
      const pk = meta.primaryKeys[0];
      const managed = (await em.find(entity, {}, { orderBy: { [pk]: 'asc' }, limit: 30 })) as Record<string, unknown>[];
      const rows = (await readRows(em, entity, {}, { orderBy: [{ [pk]: 'asc' }], limit: 30 })) as Record<
        string,
        unknown
      >[];
      expect(rows.map((r) => r[pk])).toEqual(managed.map((m) => m[pk]));
      const props = Object.values(meta.properties as Record<string, EntityProperty>).filter(
        (p) => p.persist !== false && !p.embedded && ['scalar', 'm:1', 'embedded'].includes(p.kind),
      );
      managed.forEach((m, i) => {
        expect(rows[i]).toBeInstanceOf(entity);
        for (const p of props) {
          expect([meta.className, p.name, comparable(rows[i][p.name])]).toEqual([
            meta.className,
            p.name,
            comparable(m[p.name]),
          ]);
        }
        compared++;
      });
      // The loaders' SQL path reads the same rows.
      const ids = managed.map((m) => m[pk] as string);
      if (ids.length && pk === 'id') {
        const viaIn = (await readRowsIn(em, entity, 'id', ids, {}, [{ id: 'asc' }])) as Record<string, unknown>[];
        viaIn.forEach((r, i) => {
          for (const p of props) expect([p.name, comparable(r[p.name])]).toEqual([p.name, comparable(rows[i][p.name])]);
        });
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('never reads another tenant, and refuses to read without a tenant', async () => {
    const root = server.app.db.orm.em;
    const b = await root.fork().findOneOrFail(Tenant, { slug: tenantB });
    const bClients = await forkForTenant(root, b.id).find(Client, {}, { limit: 10 });
    expect(bClients).toHaveLength(10);
    const em = forkForTenant(root, tenantAId);
    const ids = bClients.map((c) => c.id);
    expect(await readRowsIn(em, Client, 'id', ids)).toEqual([]);
    expect(await readRows(em, Client, { id: { $in: ids } })).toEqual([]);
    expect(await readRowsIn(em, Practice, 'client', ids)).toEqual([]);
    const unscoped = root.fork();
    await expect(readRowsIn(unscoped, Client, 'id', ids)).rejects.toThrow(/tenant/i);
    await expect(readRows(unscoped, Client, { id: { $in: ids } })).rejects.toThrow();
  });

  it('applies equality, null and list conditions and the order like the query builder', async () => {
    const em = forkForTenant(server.app.db.orm.em, tenantAId);
    const clients = await em.find(Client, {}, { limit: 40 });
    const ids = clients.map((c) => c.id);
    const order: Record<string, 'asc' | 'desc'>[] = [{ createdAt: 'desc' }, { id: 'desc' }];
    for (const where of [{}, { status: 'OPEN' }, { status: ['OPEN', 'RESOLVED'] }, { practice: null }]) {
      const fast = await readRowsIn(em, Ticket, 'client', ids, where, order);
      const viaBuilder = await readRows(em, Ticket, { ...where, client: { $in: ids } } as never, { orderBy: order });
      expect(fast.map((t) => t.id)).toEqual(viaBuilder.map((t) => t.id));
    }
    // A condition the SQL path does not handle goes through the query builder.
    const ranged = await readRowsIn(em, Ticket, 'client', ids, { number: { $gte: 1 } }, order);
    expect(ranged.length).toBeGreaterThan(0);
    // Entities without rows still read (no merge records in a fresh tenant).
    expect(await readRowsIn(em, ClientMerge, 'survivor', ids)).toEqual([]);
  });

  it('pages like MikroORM cursors: same rows for each filter, order and cursor', async () => {
    const em = forkForTenant(server.app.db.orm.em, tenantAId);
    const clients = await em.find(Client, {}, { limit: 5 });
    const cases: [EntityName, Record<string, unknown>, Record<string, 'asc' | 'desc'>[]][] = [
      [Client, { archivedAt: null }, [{ createdAt: 'desc' }, { id: 'desc' }]],
      [
        Client,
        { $or: [{ fullName: { $ilike: '%a%' } }, { email: { $ilike: '%e%' } }] },
        [{ fullName: 'asc' }, { id: 'asc' }],
      ],
      [
        Client,
        { leadScore: { $gte: 20, $lt: 80 }, lifecycleStage: { $nin: ['LEAD'] } },
        [{ leadScore: 'desc' }, { id: 'asc' }],
      ],
      [
        Practice,
        { status: { $in: ['COMPLETED', 'IN_PROGRESS'] }, expiryDate: { $ne: null } },
        [{ expiryDate: 'asc' }, { id: 'asc' }],
      ],
      [Practice, { client: { $in: clients.map((c) => c.id) } }, [{ createdAt: 'desc' }, { id: 'desc' }]],
      [Ticket, { status: 'OPEN', practice: null }, [{ createdAt: 'desc' }, { id: 'desc' }]],
      [Practice, { type: { code: { $in: ['KITAS'] } } }, [{ createdAt: 'desc' }, { id: 'desc' }]], // via the query builder
    ];
    let pages = 0;
    for (const [entity, where, orderBy] of cases) {
      const meta = server.app.db.orm.getMetadata().find(entity)!;
      let after: string | undefined;
      for (let page = 0; page < 4; page++) {
        const options = { orderBy, first: 7, after, overfetch: true };
        const fast = (await readPage(em, entity, where as never, options)) as Record<string, unknown>[];
        const builder = (await readRows(em, entity, where as never, options)) as Record<string, unknown>[];
        expect(fast.map((r) => r.id)).toEqual(builder.map((r) => r.id));
        pages++;
        if (fast.length <= 7) break;
        after = Cursor.for(meta, fast[6] as never, orderBy as never);
      }
    }
    expect(pages).toBeGreaterThan(10);
  });

  it('sends the reads of one tick as one round trip, each still counted as a statement', async () => {
    const em = forkForTenant(server.app.db.orm.em, tenantAId);
    const ids = (await em.find(Client, {}, { limit: 20 })).map((c) => c.id);
    const alone = [
      await readRowsIn(em, Client, 'id', ids),
      await readRowsIn(em, Practice, 'client', ids),
      await readRowsIn(em, Ticket, 'client', ids, { status: 'OPEN' }),
    ];
    const pool = (await em.getConnection().getNativeClient()) as { query: (...a: unknown[]) => unknown };
    const query = jest.spyOn(pool, 'query');
    try {
      const together = await Promise.all([
        readRowsIn(em, Client, 'id', ids),
        readRowsIn(em, Practice, 'client', ids),
        readRowsIn(em, Ticket, 'client', ids, { status: 'OPEN' }),
      ]);
      expect(query).toHaveBeenCalledTimes(1);
      expect((query.mock.calls[0][0] as { text: string }).text.split(';\n')).toHaveLength(3);
      expect(together.map((rows) => rows.map((r) => r.id))).toEqual(alone.map((rows) => rows.map((r) => r.id)));
      expect(alone[1].length).toBeGreaterThan(0);
    } finally {
      query.mockRestore();
    }
  });
});
