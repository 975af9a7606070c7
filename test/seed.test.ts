import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';

import { Client } from '../src/modules/clients/client.entity.js';
import { ClientKind } from '../src/modules/clients/client.enums.js';
import { EVENTS } from '../src/modules/timeline/event-payloads.js';
import { TimelineEventType } from '../src/modules/timeline/timeline-event.enums.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import { toGlobalId } from '../src/platform/graphql/global-id.js';
import { DEMO_DATA_CLIENTS, generateDataset, type GenerateResult, seedDemoData } from '../src/seed/generator/index.js';
import {
  AutoLinkTicketsDocument,
  CreateTicketDocument,
  PipelineFunnelDocument,
  SeededRecordsDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const DAY = 86_400_000;

describe('seed generator', () => {
  let server: TestServer;
  let sql: SqlEntityManager;
  const tenantA = uniq('seed-a');
  const tenantB = uniq('seed-b');
  let a: GenerateResult;
  let b: GenerateResult;
  const progress: [number, number][] = [];

  beforeAll(async () => {
    server = await startTestServer();
    sql = server.app.db.orm.em.fork();
    const services = server.app.services;
    a = await generateDataset(server.app.db.orm.em, {
      tenantSlug: tenantA,
      clients: 200,
      seed: 7,
      services,
      onProgress: (done, total) => progress.push([done, total]),
    });
    b = await generateDataset(server.app.db.orm.em, { tenantSlug: tenantB, clients: 200, seed: 7, services });
    // Two data sets of 200 clients: a few seconds on an idle machine, minutes on a CPU-starved one.
  }, 300_000);
  afterAll(() => server.close());

  const count = async (table: string, tenantId: string): Promise<number> => {
    const rows = await sql.execute<{ n: string }[]>(`select count(*) as n from ${table} where tenant_id = ?`, [
      tenantId,
    ]);
    return Number(rows[0].n);
  };

  it('inserts what it reports, with one timeline event per record', async () => {
    expect(a.clients).toBe(200);
    expect(a.practices).toBeGreaterThan(100);
    expect(a.deals).toBeGreaterThan(80);
    expect(a.tickets).toBeGreaterThan(50);
    expect(a.interactions).toBeGreaterThan(200);
    expect(a.quotes).toBeGreaterThan(20);
    expect(a.events).toBe(a.clients + a.practices + a.deals + a.tickets + a.interactions + a.quotes + a.tasks);
    expect(a.tasks).toBeGreaterThan(50);
    expect(await count('client', a.tenantId)).toBe(a.clients);
    expect(await count('practice', a.tenantId)).toBe(a.practices);
    expect(await count('deal', a.tenantId)).toBe(a.deals);
    expect(await count('deal_stage_history', a.tenantId)).toBeGreaterThan(a.deals);
    expect(await count('ticket', a.tenantId)).toBe(a.tickets);
    expect(await count('interaction', a.tenantId)).toBe(a.interactions);
    expect(await count('quote', a.tenantId)).toBe(a.quotes);
    expect(await count('quote_line_item', a.tenantId)).toBeGreaterThanOrEqual(a.quotes);
    expect(await count('task', a.tenantId)).toBe(a.tasks);
    expect(await count('timeline_event', a.tenantId)).toBe(a.events);
    expect(await count('team_member', a.tenantId)).toBe(5);
    const unpublished = await sql.execute<{ n: string }[]>(
      'select count(*) as n from timeline_event where tenant_id = ? and published_at is null',
      [a.tenantId],
    );
    expect(Number(unpublished[0].n)).toBe(0);
    const outOfOrder = await sql.execute<{ n: string }[]>(
      `select count(*) as n from (
         select occurred_at, lag(occurred_at) over (order by seq) as prev from timeline_event where tenant_id = ?
       ) t where occurred_at < prev`,
      [a.tenantId],
    );
    expect(Number(outOfOrder[0].n)).toBe(0);
    expect(progress[0]).toEqual([0, 200]);
    expect(progress.at(-1)).toEqual([200, 200]);
  });

  it('is deterministic: the same seed gives the same clients and counts in another tenant', async () => {
    expect({ ...b, tenantId: a.tenantId }).toEqual(a);
    const clients = async (tenantId: string) =>
      (
        await sql.execute<{ c: string }[]>(
          `select concat_ws('|', full_name, email, phone, nationality, kind, lifecycle_stage, lead_score, created_at) as c
           from client where tenant_id = ? order by 1`,
          [tenantId],
        )
      ).map((r) => r.c);
    const fromA = await clients(a.tenantId);
    expect(fromA).toHaveLength(200);
    expect(await clients(b.tenantId)).toEqual(fromA);

    const other = await generateDataset(server.app.db.orm.em, {
      tenantSlug: uniq('seed-c'),
      clients: 20,
      seed: 8,
      services: server.app.services,
    });
    const fromOther = await clients(other.tenantId);
    expect(fromOther.filter((c) => fromA.includes(c)).length).toBeLessThan(20);
  });

  /** The timeline events of a tenant. */
  const tenantEvents = (tenantId: string) =>
    sql.execute<{ type: TimelineEventType; subject_id: string; data: unknown }[]>(
      'select type, subject_id, data from timeline_event where tenant_id = ?',
      [tenantId],
    );
  /** The first few events whose payload does not match its type's schema, with the schema's issues. */
  const payloadErrors = (events: { type: TimelineEventType; data: unknown }[]) =>
    events
      .map((e) => ({ type: e.type, issues: EVENTS[e.type].payload.safeParse(e.data).error?.issues }))
      .filter((e) => e.issues)
      .slice(0, 3);

  it('gives every seeded event the documented payload of its type, built from the record', async () => {
    const events = await tenantEvents(a.tenantId);
    expect(events).toHaveLength(a.events);
    expect(new Set(events.map((e) => e.type)).size).toBe(7); // the five record kinds, quotes and tasks: one creation event each
    expect(payloadErrors(events)).toEqual([]);
    // The payload describes its record: a client's creation carries the client's fields.
    const clients = await sql.execute<
      { id: string; full_name: string; email: string | null; owner_id: string | null }[]
    >('select id, full_name, email, owner_id from client where tenant_id = ?', [a.tenantId]);
    const byId = new Map(clients.map((c) => [c.id, c]));
    const created = events.filter((e) => e.type === TimelineEventType.CLIENT_CREATED);
    expect(created).toHaveLength(a.clients);
    for (const e of created) {
      const c = byId.get(e.subject_id)!;
      expect(e.data).toMatchObject({
        after: { fullName: c.full_name, email: c.email, owner: c.owner_id && toGlobalId('TeamMember', c.owner_id) },
        source: { kind: 'PERSON' },
      });
    }
  });

  it('writes realistic clients: unique lowercase emails, organisations, many nationalities', async () => {
    const em = forkForTenant(server.app.db.orm.em, a.tenantId);
    const clients = await em.find(Client, {});
    const emails = clients.map((c) => c.email).filter((e): e is string => !!e);
    expect(new Set(emails).size).toBe(emails.length);
    for (const e of emails) expect(e).toMatch(/^[a-z0-9._]+@[a-z0-9.-]+$/);
    const orgs = clients.filter((c) => c.kind === ClientKind.ORGANIZATION).length;
    expect(orgs).toBeGreaterThan(5);
    expect(orgs).toBeLessThan(45);
    expect(new Set(clients.map((c) => c.nationality)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(clients.map((c) => c.lifecycleStage)).size).toBe(5);
    expect(clients.filter((c) => c.phone?.startsWith('+628')).length).toBeGreaterThan(100);
  });

  it('spreads practice expiry dates over two years around today, on completed renewable practices', async () => {
    const rows = await sql.execute<{ expiry_date: string | Date; status: string; renewable: boolean }[]>(
      `select p.expiry_date, p.status, t.renewable from practice p join practice_type t on t.id = p.type_id
       where p.tenant_id = ? and p.expiry_date is not null`,
      [a.tenantId],
    );
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) expect(r).toMatchObject({ status: 'COMPLETED', renewable: true });
    const times = rows.map((r) => new Date(r.expiry_date).getTime());
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(today - 186 * DAY);
    expect(Math.max(...times)).toBeLessThanOrEqual(today + 552 * DAY);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(500 * DAY);
    expect(times.filter((t) => t < today).length).toBeGreaterThan(0);
    expect(times.filter((t) => t > today + 365 * DAY).length).toBeGreaterThan(0);
  });

  it('uses every pipeline stage kind, closing WON and LOST deals', async () => {
    const rows = await sql.execute<{ kind: string; status: string; closed: boolean; lost_reason: string | null }[]>(
      `select s.kind, d.status, d.closed_at is not null as closed, d.lost_reason
       from deal d join pipeline_stage s on s.id = d.stage_id where d.tenant_id = ?`,
      [a.tenantId],
    );
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['OPEN', 'WON', 'LOST']));
    for (const r of rows) {
      expect(r.status).toBe(r.kind);
      expect(r.closed).toBe(r.kind !== 'OPEN');
      expect(r.lost_reason !== null).toBe(r.kind === 'LOST');
    }
    const stages = await sql.execute<{ n: string }[]>(
      'select count(distinct stage_id) as n from deal where tenant_id = ?',
      [a.tenantId],
    );
    expect(Number(stages[0].n)).toBe(6);
  });

  it('moves every deal through the pipeline in order, from its creation to its current stage', async () => {
    const rows = await sql.execute<
      {
        deal: string;
        stage: string;
        current: string;
        status: string;
        position: number;
        kind: string;
        entered: Date;
        left: Date | null;
        created: Date;
        closed: Date | null;
      }[]
    >(
      `select h.deal_id as deal, h.stage_id as stage, d.stage_id as current, d.status, s.position, s.kind,
              h.entered_at as entered, h.left_at as "left", d.created_at as created, d.closed_at as closed
         from deal_stage_history h join deal d on d.id = h.deal_id join pipeline_stage s on s.id = h.stage_id
        where h.tenant_id = ? order by h.deal_id, h.entered_at, s.position`,
      [a.tenantId],
    );
    const byDeal = new Map<string, typeof rows>();
    for (const r of rows) byDeal.set(r.deal, [...(byDeal.get(r.deal) ?? []), r]);
    expect(byDeal.size).toBe(a.deals);
    const lostAfter = new Set<number>();
    for (const path of byDeal.values()) {
      const last = path[path.length - 1];
      expect(last.stage).toBe(last.current);
      expect(last.left).toBeNull();
      expect(new Date(path[0].entered).getTime()).toBe(new Date(path[0].created).getTime());
      if (last.closed) expect(new Date(last.entered).getTime()).toBe(new Date(last.closed).getTime());
      path.slice(1).forEach((h, i) => {
        expect(h.position).toBeGreaterThan(path[i].position);
        expect(new Date(path[i].left!).getTime()).toBe(new Date(h.entered).getTime());
      });
      if (last.status === 'WON') expect(path.filter((h) => h.kind === 'OPEN').length).toBe(4);
      if (last.status === 'LOST') lostAfter.add(path.length - 1);
    }
    // Lost deals dropped out at different stages, not all at the first.
    expect(lostAfter.size).toBeGreaterThan(1);

    // So the funnel narrows: every open stage converts some deals and loses some.
    const token = await server.tokenFor(tenantA, 'VIEWER');
    const [pipeline] = await sql.execute<{ id: string }[]>(
      'select id from pipeline where tenant_id = ? and is_default',
      [a.tenantId],
    );
    const res = await server.gql(PipelineFunnelDocument, { pipelineId: toGlobalId('Pipeline', pipeline.id) }, token);
    expect(res.errors).toBeUndefined();
    const funnel = res.data!.pipelineFunnel;
    expect(funnel.deals).toBe(a.deals);
    const open = funnel.stages.filter((s) => s.stage.kind === 'OPEN');
    expect(open[0].entered).toBe(a.deals);
    open.slice(1).forEach((s, i) => expect(s.entered).toBeLessThan(open[i].entered));
    for (const s of open) {
      expect(s.convertedToNext).toBeGreaterThan(0);
      expect(s.dropOffRate).toBeGreaterThan(0);
      expect(s.averageDaysInStage).toBeGreaterThan(0);
    }
  });

  it('numbers tickets 1..n and keeps the ticket counter at the highest number, across runs', async () => {
    const check = async (tenantId: string, expected: number) => {
      const numbers = (
        await sql.execute<{ number: number }[]>('select number from ticket where tenant_id = ? order by number', [
          tenantId,
        ])
      ).map((r) => Number(r.number));
      expect(numbers).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
      const counter = await sql.execute<{ value: string }[]>(
        "select value from tenant_counter where tenant_id = ? and name = 'ticket'",
        [tenantId],
      );
      expect(Number(counter[0].value)).toBe(expected);
    };
    await check(a.tenantId, a.tickets);
    const more = await generateDataset(server.app.db.orm.em, {
      tenantSlug: tenantA,
      clients: 30,
      seed: 7,
      services: server.app.services,
    });
    expect(more.tenantId).toBe(a.tenantId);
    await check(a.tenantId, a.tickets + more.tickets);
    // Same seed again: same names, but emails stay unique in the tenant.
    const dupes = await sql.execute<{ n: string }[]>(
      'select count(email) - count(distinct lower(email)) as n from client where tenant_id = ?',
      [a.tenantId],
    );
    expect(Number(dupes[0].n)).toBe(0);
  });

  it('numbers an API ticket after the seeded ones, even when the counter row is missing', async () => {
    // The service and the generator share one reservation rule: never below the highest existing number.
    await sql.execute("delete from tenant_counter where tenant_id = ? and name = 'ticket'", [b.tenantId]);
    const token = await server.tokenFor(tenantB, 'ADMIN');
    const res = await server.gql(CreateTicketDocument, { input: { subject: 'After the seed' } }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.createTicket.ticket?.number).toBe(b.tickets + 1);
  });

  it('fills the records of issue 17, read back through the API: quotes of every status, tasks, BANT leads, organisations, visits, tickets to auto-link', async () => {
    // Tenant B: the same data set as A, which a later run above added to.
    const token = await server.tokenFor(tenantB, 'ADMIN');
    const res = await server.gql(SeededRecordsDocument, {}, token);
    expect(res.errors).toBeUndefined();
    const d = res.data!;
    const byStatus = [d.drafts, d.sent, d.accepted, d.expired, d.rejected].map((c) => c.totalCount);
    expect(byStatus.every((n) => n > 0)).toBe(true);
    expect(byStatus.reduce((x, y) => x + y)).toBe(b.quotes);
    expect(d.someQuotes.nodes.every((q) => q.lineItems.length > 0 && Number(q.total.amount) > 0)).toBe(true);
    expect([d.openTasks, d.overdueTasks, d.doneTasks].every((c) => c.totalCount > 0)).toBe(true);
    expect(d.openTasks.totalCount + d.doneTasks.totalCount).toBe(b.tasks);
    // BANT only at the lead stages, each such client scored.
    expect(d.qualified.totalCount).toBeGreaterThan(0);
    for (const c of d.qualified.nodes) {
      expect(['LEAD', 'PROSPECT']).toContain(c.lifecycleStage);
      expect(c.leadScore).not.toBeNull();
    }
    expect(d.organizations.totalCount).toBeGreaterThan(0);
    for (const o of d.organizations.nodes) {
      expect([typeof o.industry, typeof o.territory, typeof o.address?.city]).toEqual(['string', 'string', 'string']);
      expect(o.employees).toBeGreaterThan(0);
    }
    expect(d.visits.totalCount).toBeGreaterThan(0);
    expect(d.visits.nodes.some((v) => v.location !== null)).toBe(true);
    // Some tickets came by email and were never linked: the backfill's dry run finds them.
    const dry = await server.gql(AutoLinkTicketsDocument, {}, token);
    expect(dry.data?.autoLinkTickets.result).toMatchObject({ dryRun: true, linked: 0 });
    expect(dry.data!.autoLinkTickets.result!.matched).toBeGreaterThan(0);
  });

  it('seeds the demo data once into an empty tenant', async () => {
    const { tenant } = await server.app.services.tenancy.ensureTenant(server.app.db.orm.em, uniq('seed-demo'));
    await seedDemoData(forkForTenant(server.app.db.orm.em, tenant.id), tenant, server.app.services);
    const clients = await count('client', tenant.id);
    expect(clients).toBe(DEMO_DATA_CLIENTS);
    const practices = await count('practice', tenant.id);
    expect(practices).toBeGreaterThan(0);
    // The demo seed is chosen to show renewals: some permits due in the next 90 days.
    const due = await sql.execute<{ n: string }[]>(
      `select count(*) as n from practice
       where tenant_id = ? and expiry_date between current_date and current_date + 90`,
      [tenant.id],
    );
    expect(Number(due[0].n)).toBeGreaterThanOrEqual(3);
    // And tasks: some open and overdue, some coming due, none announced in the future.
    const tasks = await sql.execute<{ overdue: string; coming: string; early: string }[]>(
      `select count(*) filter (where completed_at is null and due_at < now()) as overdue,
              count(*) filter (where completed_at is null and due_at > now()) as coming,
              count(*) filter (where due_notified_at > now()) as early
         from task where tenant_id = ?`,
      [tenant.id],
    );
    expect(Number(tasks[0].overdue)).toBeGreaterThan(0);
    expect(Number(tasks[0].coming)).toBeGreaterThan(0);
    expect(Number(tasks[0].early)).toBe(0);
    // And quotes, with their lines.
    const quotes = await sql.execute<{ n: string; lines: string }[]>(
      `select count(*) as n, (select count(*) from quote_line_item l where l.tenant_id = ?) as lines
         from quote where tenant_id = ?`,
      [tenant.id, tenant.id],
    );
    expect(Number(quotes[0].n)).toBeGreaterThan(0);
    expect(Number(quotes[0].lines)).toBeGreaterThanOrEqual(Number(quotes[0].n));
    expect(payloadErrors(await tenantEvents(tenant.id))).toEqual([]);
    await seedDemoData(forkForTenant(server.app.db.orm.em, tenant.id), tenant, server.app.services);
    expect(await count('client', tenant.id)).toBe(clients);
    expect(await count('practice', tenant.id)).toBe(practices);
    expect(await count('team_member', tenant.id)).toBe(5);
  });
});
