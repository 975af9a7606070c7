/**
 * Segments: saved criteria trees (CRUD, validation with paths), their members and count against
 * hand-made data, previews, bad input (deep and huge trees, regex-looking text), tenancy, the
 * segmentMembershipChanged subscription over a real WebSocket (driven by the timeline events,
 * resumable), and the daily re-check of time-relative criteria as the app clock moves.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from '@jest/globals';
import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { pooledWithStatementTimeout, withStatementTimeout } from '../src/platform/db/statement-timeout.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import { expectGlobalId, toGlobalId } from '../src/platform/graphql/global-id.js';
import {
  ArchiveClientDocument,
  ClientsDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateSegmentDocument,
  CreateTicketDocument,
  type CriteriaInput,
  DeactivateTeamMemberDocument,
  DeleteSegmentDocument,
  PreviewSegmentDocument,
  type Role,
  RunSegmentRecheckDocument,
  SegmentMembersDocument,
  SegmentMembershipChangedDocument,
  type SegmentMembershipChangedSubscription,
  SegmentsDocument,
  TeamMembersDocument,
  TimelineDocument,
  UpdateClientDocument,
  UpdateSegmentDocument,
  UpdateTeamMemberDocument,
} from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

/** The subscription document, typed for {@link nextResults} (which takes loosely typed variables). */
const MembershipChanged = SegmentMembershipChangedDocument as unknown as TypedDocumentNode<
  SegmentMembershipChangedSubscription,
  Record<string, unknown>
>;

let server: TestServer;
beforeAll(async () => {
  // The membership processor runs every second (inline jobs); nothing else here depends on a schedule.
  server = await startTestServer({ JOBS: 'inline', SEGMENT_TICK_SECONDS: '1', RENEWAL_TICK_SECONDS: '3600' });
});
afterAll(() => server.close());

const eq = (field: string, value: unknown): CriteriaInput => ({
  groups: [{ filters: [{ field, operator: 'EQ', value }] }],
});

async function client(token: string, fullName: string, nationality: string | null) {
  const r = await server.gql(CreateClientDocument, { input: { fullName, nationality } }, token);
  expect(r.data?.createClient.userErrors).toEqual([]);
  return r.data!.createClient.client!.id;
}

async function segment(
  token: string,
  name: string,
  entity: 'CLIENT' | 'PRACTICE' | 'DEAL' | 'TICKET',
  criteria: CriteriaInput,
) {
  const r = await server.gql(CreateSegmentDocument, { input: { name, entity, criteria } }, token);
  expect(r.errors).toBeUndefined();
  expect(r.data?.createSegment.userErrors).toEqual([]);
  return r.data!.createSegment.segment!;
}

async function members(token: string, id: string, first = 100, after?: string) {
  const r = await server.gql(SegmentMembersDocument, { id, first, after }, token);
  expect(r.errors).toBeUndefined();
  return r.data!.segment;
}

/** A tenant with three Italian clients and two others (names shared across tenants on purpose). */
async function tenantWithClients(prefix: string) {
  const token = await server.tokenFor(uniq(prefix), 'ADMIN');
  const ids: Record<string, string> = {};
  for (const [name, nat] of [
    ['Marco Rossi', 'Italian'],
    ['Giulia Bianchi', 'italian'],
    ['Luca Verdi', 'Italian'],
    ['Budi Santoso', 'Indonesian'],
    ['Ana Lima', null],
  ] as const)
    ids[name] = await client(token, name, nat);
  return { token, ids };
}

/** A tenant with an AGENT owning one client and one deal, and an unowned client (same names in every tenant). */
async function tenantWithOwner(prefix: string) {
  const tenant = uniq(prefix);
  const token = await server.tokenFor(tenant, 'ADMIN');
  const ownerEmail = `owner@${tenant}.test`;
  await server.tokenFor(tenant, 'AGENT', ownerEmail);
  const team = await server.gql(TeamMembersDocument, { first: 50 }, token);
  const ownerId = team.data!.teamMembers.edges.find((e) => e.node.email === ownerEmail)!.node.id;
  const owned = await server.gql(
    CreateClientDocument,
    { input: { fullName: 'Owned Client', nationality: 'Italian', ownerId } },
    token,
  );
  const clientId = owned.data!.createClient.client!.id;
  await client(token, 'Unowned Client', 'Italian');
  const deal = await server.gql(CreateDealDocument, { input: { clientId, title: 'Owned deal', ownerId } }, token);
  expect(deal.data?.createDeal.userErrors).toEqual([]);
  return { token, ownerId, clientId, dealId: deal.data!.createDeal.deal!.id };
}

describe('Segments: CRUD and validation', () => {
  it('creates, lists (paged, by name), renames and deletes a segment; a deleted one no longer resolves', async () => {
    const t = await tenantWithClients('seg-crud');
    const b = await segment(t.token, 'B Italians', 'CLIENT', eq('nationality', 'Italian'));
    const a = await segment(t.token, 'A Indonesians', 'CLIENT', eq('nationality', 'Indonesian'));
    expect(b).toMatchObject({ name: 'B Italians', entity: 'CLIENT', count: 3 });
    expect(b.criteria.groups[0].filters[0]).toEqual({ field: 'nationality', operator: 'EQ', value: 'Italian' });

    const page1 = await server.gql(SegmentsDocument, { first: 1 }, t.token);
    expect(page1.data!.segments.nodes.map((s) => s.name)).toEqual(['A Indonesians']);
    expect(page1.data!.segments.totalCount).toBe(2);
    const page2 = await server.gql(
      SegmentsDocument,
      { first: 1, after: page1.data!.segments.pageInfo.endCursor },
      t.token,
    );
    expect(page2.data!.segments.nodes.map((s) => s.name)).toEqual(['B Italians']);
    expect(page2.data!.segments.pageInfo.hasNextPage).toBe(false);

    const renamed = await server.gql(UpdateSegmentDocument, { input: { id: a.id, name: 'Indonesians' } }, t.token);
    expect(renamed.data!.updateSegment.segment).toMatchObject({ name: 'Indonesians', count: 1 });
    const widened = await server.gql(
      UpdateSegmentDocument,
      { input: { id: a.id, criteria: { groups: [{ filters: [{ field: 'nationality', operator: 'IS_SET' }] }] } } },
      t.token,
    );
    expect(widened.data!.updateSegment.segment!.count).toBe(4);

    const del = await server.gql(DeleteSegmentDocument, { input: { id: a.id } }, t.token);
    expect(del.data!.deleteSegment.userErrors).toEqual([]);
    expect((await server.gql(SegmentMembersDocument, { id: a.id }, t.token)).data!.segment).toBeNull();
    const again = await server.gql(DeleteSegmentDocument, { input: { id: a.id } }, t.token);
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const list = await server.gql(SegmentsDocument, {}, t.token);
    expect(list.data!.segments.nodes.map((s) => s.id)).toEqual([b.id]);
  });

  it('refuses a bad name and bad criteria with userErrors whose paths lead into the tree, saving nothing', async () => {
    const token = await server.tokenFor(uniq('seg-invalid'), 'ADMIN');
    const r = await server.gql(
      CreateSegmentDocument,
      {
        input: {
          name: '  ',
          entity: 'CLIENT',
          criteria: {
            groups: [
              {
                filters: [
                  { field: 'nationality', operator: 'EQ', value: 'Italian' },
                  { field: 'shoeSize', operator: 'EQ', value: 42 },
                  { field: 'leadScore', operator: 'CONTAINS', value: 'x' },
                ],
              },
              { filters: [{ field: 'lifecycleStage', operator: 'EQ', value: 'ASTRONAUT' }] },
            ],
          },
        },
      },
      token,
    );
    expect(r.data!.createSegment.segment).toBeNull();
    expect(r.data!.createSegment.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_LENGTH', ['input', 'name']],
      ['CRITERIA_UNKNOWN_FIELD', ['input', 'criteria', 'groups', '0', 'filters', '1', 'field']],
      ['CRITERIA_INVALID_OPERATOR', ['input', 'criteria', 'groups', '0', 'filters', '2', 'operator']],
      ['CRITERIA_INVALID_VALUE', ['input', 'criteria', 'groups', '1', 'filters', '0', 'value']],
    ]);
    expect((await server.gql(SegmentsDocument, {}, token)).data!.segments.totalCount).toBe(0);
  });

  it('lets a VIEWER read but not write segments', async () => {
    const slug = uniq('seg-viewer');
    const admin = await server.tokenFor(slug, 'ADMIN');
    const viewer = await server.tokenFor(slug, 'VIEWER', `${uniq('v')}@example.com`);
    await segment(admin, 'All', 'CLIENT', { groups: [] });
    const r = await server.gql(
      CreateSegmentDocument,
      { input: { name: 'x', entity: 'CLIENT', criteria: { groups: [] } } },
      viewer,
    );
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(SegmentsDocument, {}, viewer)).data!.segments.totalCount).toBe(1);
  });
});

describe('Segments: members, count and preview', () => {
  it('holds exactly the matching records, paged by ID, for clients and through relations for practices', async () => {
    const t = await tenantWithClients('seg-members');
    const s = await segment(t.token, 'Italians', 'CLIENT', eq('nationality', 'italian'));
    const first = await members(t.token, s.id, 2);
    expect(first!.count).toBe(3);
    expect(first!.members.totalCount).toBe(3);
    expect(first!.members.pageInfo.hasNextPage).toBe(true);
    const rest = await members(t.token, s.id, 2, first!.members.pageInfo.endCursor!);
    const got = [...first!.members.nodes, ...rest!.members.nodes];
    expect(got.every((n) => n.__typename === 'Client')).toBe(true);
    expect(got.map((n) => (n as { fullName: string }).fullName).sort()).toEqual(
      ['Giulia Bianchi', 'Luca Verdi', 'Marco Rossi'].sort(),
    );

    for (const name of ['Marco Rossi', 'Budi Santoso']) {
      const r = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: t.ids[name], practiceTypeCode: 'KITAS', expiryDate: '2031-01-01' } },
        t.token,
      );
      expect(r.data?.createPractice.userErrors).toEqual([]);
    }
    const p = await segment(t.token, 'Italian KITAS', 'PRACTICE', {
      groups: [{ filters: [{ field: 'client.nationality', operator: 'EQ', value: 'Italian' }] }],
    });
    const pm = await members(t.token, p.id);
    expect(pm!.count).toBe(1);
    expect(pm!.members.nodes.map((n) => n.__typename)).toEqual(['Practice']);
  });

  it('reads the count and the first page together (one statement for both), never archived clients, empty pages too', async () => {
    const t = await tenantWithClients('seg-one-read');
    const s = await segment(t.token, 'Italians', 'CLIENT', eq('nationality', 'Italian'));
    const archived = await server.gql(ArchiveClientDocument, { input: { id: t.ids['Marco Rossi'] } }, t.token);
    expect(archived.data?.archiveClient.userErrors).toEqual([]);
    const r = await server.gql(SegmentMembersDocument, { id: s.id, first: 1 }, t.token);
    expect(r.errors).toBeUndefined();
    // The segment's row; BEGIN with the statement timeout; the count with the page (`count` and
    // `members.totalCount` share it).
    expect(r.extensions!.sqlStatements).toBe(3);
    const read = r.data!.segment!;
    expect([read.count, read.members.totalCount, read.members.pageInfo.hasNextPage]).toEqual([2, 2, true]);
    const rest = await members(t.token, s.id, 1, read.members.pageInfo.endCursor!);
    expect(rest!.members.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    expect(
      [...read.members.nodes, ...rest!.members.nodes].map((n) => (n as { fullName: string }).fullName).sort(),
    ).toEqual(['Giulia Bianchi', 'Luca Verdi']);

    const none = await segment(t.token, 'Martians', 'CLIENT', eq('nationality', 'Martian'));
    const empty = await members(t.token, none.id, 5);
    expect(empty).toMatchObject({
      count: 0,
      members: { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } },
    });

    const bad = await server.gql(SegmentMembersDocument, { id: s.id, first: 1, after: 'not-a-cursor' }, t.token);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('previews a tree without saving it: count and a sample', async () => {
    const t = await tenantWithClients('seg-preview');
    const r = await server.gql(
      PreviewSegmentDocument,
      { entity: 'CLIENT', criteria: eq('nationality', 'Italian'), sampleSize: 2 },
      t.token,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.previewSegment.count).toBe(3);
    expect(r.data!.previewSegment.sample).toHaveLength(2);
    expect((await server.gql(SegmentsDocument, {}, t.token)).data!.segments.totalCount).toBe(0);

    const bad = await server.gql(PreviewSegmentDocument, { entity: 'CLIENT', criteria: eq('nope', 1) }, t.token);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].extensions?.userErrors).toEqual([
      expect.objectContaining({
        code: 'CRITERIA_UNKNOWN_FIELD',
        field: ['criteria', 'groups', '0', 'filters', '0', 'field'],
      }),
    ]);
  });
});

describe('Segments: bad input', () => {
  const deep = (levels: number): CriteriaInput => {
    let c: CriteriaInput = eq('nationality', 'Italian');
    for (let i = 1; i < levels; i++) c = { groups: [{ anyOf: [c] }] };
    return c;
  };

  it('refuses a tree 20 levels deep and one of 1,000 filters with coded errors', async () => {
    const token = await server.tokenFor(uniq('seg-huge'), 'ADMIN');
    const tooDeep = await server.gql(
      CreateSegmentDocument,
      { input: { name: 'deep', entity: 'CLIENT', criteria: deep(20) } },
      token,
    );
    expect(tooDeep.data!.createSegment.userErrors).toEqual([
      expect.objectContaining({ code: 'CRITERIA_TOO_DEEP', field: ['input', 'criteria'] }),
    ]);
    const many: CriteriaInput = {
      groups: [
        { filters: Array.from({ length: 1000 }, (_, i) => ({ field: 'fullName', operator: 'NEQ', value: `n${i}` })) },
      ],
    };
    const tooLarge = await server.gql(
      CreateSegmentDocument,
      { input: { name: 'large', entity: 'CLIENT', criteria: many } },
      token,
    );
    expect(tooLarge.data!.createSegment.userErrors).toEqual([
      expect.objectContaining({ code: 'CRITERIA_TOO_LARGE', field: ['input', 'criteria'] }),
    ]);
    const preview = await server.gql(PreviewSegmentDocument, { entity: 'CLIENT', criteria: deep(20) }, token);
    expect(preview.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('matches a regex-looking value literally', async () => {
    const token = await server.tokenFor(uniq('seg-regex'), 'ADMIN');
    await client(token, 'Maaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', null);
    const literal = await client(token, 'odd (a+)+$ name', null);
    const s = await segment(token, 'regex', 'CLIENT', {
      groups: [{ filters: [{ field: 'fullName', operator: 'CONTAINS', value: '(a+)+$' }] }],
    });
    const m = await members(token, s.id);
    expect(m!.members.nodes.map((n) => (n as { id: string }).id)).toEqual([literal]);
    const wild = await segment(token, 'wildcards', 'CLIENT', {
      groups: [{ filters: [{ field: 'fullName', operator: 'CONTAINS', value: '%_' }] }],
    });
    expect(wild.count).toBe(0);
  });
});

describe('Statement timeout', () => {
  // PostgreSQL only: PGlite (PostgreSQL in WebAssembly, one thread, no timer signals) accepts the
  // setting but never cancels a statement; there the criteria caps bound the work instead.
  (usingPostgres ? it : it.skip)('stops a statement running past the timeout with QUERY_TIMEOUT', async () => {
    const em = server.app.db.orm.em.fork();
    await expect(
      withStatementTimeout(em, 100, (tx) => (tx as SqlEntityManager).execute('select pg_sleep(3)')),
    ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    // The setting ended with its transaction: the next statement on a connection has no limit.
    expect(await (em as SqlEntityManager).execute('show statement_timeout')).toEqual([{ statement_timeout: '0' }]);
  });

  (usingPostgres ? it : it.skip)(
    'stops a statement sent through the driver past the timeout with QUERY_TIMEOUT',
    async () => {
      const em = server.app.db.orm.em.fork();
      await expect(pooledWithStatementTimeout(em, 100, (tx) => tx.query('select pg_sleep(3)'))).rejects.toMatchObject({
        code: 'QUERY_TIMEOUT',
      });
      // Sent, never awaited, then COMMIT (pipelined with it on PostgreSQL): COMMIT reports its failure.
      await expect(
        pooledWithStatementTimeout(em, 100, async (tx) => {
          void tx.query('select pg_sleep(3)');
          await tx.commit();
          return 'committed';
        }),
      ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      // The setting ended with its transaction: the next statement on a connection has no limit.
      expect(await (em as SqlEntityManager).execute('show statement_timeout')).toEqual([{ statement_timeout: '0' }]);
    },
  );

  it('runs list queries with a criteria `where` under it, with the same results', async () => {
    const t = await tenantWithClients('seg-list-where');
    const r = await server.gql(
      ClientsDocument,
      { first: 10, filter: { where: eq('nationality', 'Italian') } },
      t.token,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.clients.totalCount).toBe(3);
  });
});

describe('Segments: tenancy', () => {
  it('never shows another tenant’s records or segments, with identical names on both sides', async () => {
    const a = await tenantWithClients('seg-ten-a');
    const b = await tenantWithClients('seg-ten-b');
    const sa = await segment(a.token, 'Italians', 'CLIENT', eq('fullName', 'Marco Rossi'));
    const sb = await segment(b.token, 'Italians', 'CLIENT', eq('fullName', 'Marco Rossi'));
    const ma = await members(a.token, sa.id);
    expect(ma!.members.nodes.map((n) => (n as { id: string }).id)).toEqual([a.ids['Marco Rossi']]);
    const mb = await members(b.token, sb.id);
    expect(mb!.members.nodes.map((n) => (n as { id: string }).id)).toEqual([b.ids['Marco Rossi']]);
    expect(await members(b.token, sa.id)).toBeNull();
    const upd = await server.gql(UpdateSegmentDocument, { input: { id: sa.id, name: 'mine now' } }, b.token);
    expect(upd.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const del = await server.gql(DeleteSegmentDocument, { input: { id: sa.id } }, b.token);
    expect(del.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const list = await server.gql(SegmentsDocument, {}, b.token);
    expect(list.data!.segments.nodes.map((s) => s.id)).toEqual([sb.id]);
    const stolen = await server.gql(
      CreateSegmentDocument,
      {
        input: {
          name: 'by id',
          entity: 'CLIENT',
          criteria: { groups: [{ filters: [{ field: 'id', operator: 'EQ', value: a.ids['Marco Rossi'] }] }] },
        },
      },
      b.token,
    );
    expect(stolen.data!.createSegment.segment!.count).toBe(0);

    const ws = server.ws({ authorization: `Bearer ${b.token}` });
    const foreign = nextResults(ws, MembershipChanged, { segmentId: sa.id }, 1, 5000);
    await expect(foreign.results).rejects.toThrow(/NOT_FOUND|not found/);
  });
});

describe('Segments: segmentMembershipChanged', () => {
  it('streams ENTERED when a client comes to match and LEFT when it stops, only to its tenant, resumably', async () => {
    const a = await tenantWithClients('seg-live-a');
    const b = await tenantWithClients('seg-live-b');
    const sa = await segment(a.token, 'Portuguese', 'CLIENT', eq('nationality', 'Portuguese'));
    const sb = await segment(b.token, 'Portuguese', 'CLIENT', eq('nationality', 'Portuguese'));
    const ws = () => server.ws({ authorization: `Bearer ${a.token}` });
    const entering = nextResults(ws(), MembershipChanged, { segmentId: sa.id }, 2, 20_000);
    const theirs = nextResults(
      server.ws({ authorization: `Bearer ${b.token}` }),
      MembershipChanged,
      { segmentId: sb.id },
      1,
      20_000,
    );
    await Promise.all([entering.ready, theirs.ready]);

    const joao = await client(a.token, 'Joao Silva', 'Portuguese'); // created matching
    const ana = a.ids['Ana Lima'];
    const setNationality = async (token: string, id: string, nationality: string) => {
      const r = await server.gql(UpdateClientDocument, { input: { id, nationality } }, token);
      expect(r.data?.updateClient.userErrors).toEqual([]);
    };
    await setNationality(a.token, ana, 'Portuguese'); // updated to match
    const got = (await entering.results).map((r) => r.segmentMembershipChanged);
    expect(got.map((c) => [c.change, c.recordId])).toEqual([
      ['ENTERED', joao],
      ['ENTERED', ana],
    ]);
    expect(got[0].record).toEqual({ __typename: 'Client', id: joao, fullName: 'Joao Silva' });
    expect(got.every((c) => c.segment.id === sa.id)).toBe(true);

    const leaving = nextResults(ws(), MembershipChanged, { segmentId: sa.id }, 1, 20_000);
    await leaving.ready;
    await setNationality(a.token, ana, 'Brazilian'); // stops matching
    const [left] = (await leaving.results).map((r) => r.segmentMembershipChanged);
    expect([left.change, left.recordId]).toEqual(['LEFT', ana]);

    // The other tenant, holding a same-named segment, got nothing of this: its first change is its own.
    const budi = b.ids['Budi Santoso'];
    await setNationality(b.token, budi, 'Portuguese');
    const theirsGot = (await theirs.results).map((r) => r.segmentMembershipChanged);
    expect(theirsGot.map((c) => [c.change, c.recordId])).toEqual([['ENTERED', budi]]);

    // Resuming after the first change replays the two that followed, in order.
    const resumed = nextResults(ws(), MembershipChanged, { segmentId: sa.id, after: got[0].cursor }, 2, 10_000);
    const replay = (await resumed.results).map((r) => r.segmentMembershipChanged);
    expect(replay.map((c) => [c.change, c.recordId])).toEqual([
      ['ENTERED', ana],
      ['LEFT', ana],
    ]);
    const members1 = await members(a.token, sa.id);
    expect(members1!.members.nodes.map((n) => (n as { id: string }).id)).toEqual([joao]);
  }, 60_000);

  it('logs the changes of one round in the order of the events that caused them, by each record’s last event, also through a relation', async () => {
    const token = await server.tokenFor(uniq('seg-order'), 'ADMIN');
    const byName: Record<string, string> = {};
    const practiceOf: Record<string, string> = {};
    // Ten clients, each with a practice: six German (out), four Portuguese (in).
    for (let i = 0; i < 10; i++) {
      const name = `Order ${i}`;
      byName[name] = await client(token, name, i < 6 ? 'German' : 'Portuguese');
      const r = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: byName[name], practiceTypeCode: 'KITAS', expiryDate: '2031-01-01' } },
        token,
      );
      practiceOf[byName[name]] = r.data!.createPractice.practice!.id;
    }
    const clients = await segment(token, 'Portuguese', 'CLIENT', eq('nationality', 'Portuguese'));
    const practices = await segment(
      token,
      'Practices of Portuguese',
      'PRACTICE',
      eq('client.nationality', 'Portuguese'),
    );
    expect([clients.count, practices.count]).toEqual([4, 4]);

    /** The changes a batch must log, in order: [change, client name, whether the client has a practice]. */
    const expected: [string, string, boolean][] = [];
    const steps: (() => Promise<unknown>)[] = [];
    const root = server.app.db.orm.em;
    const principal = (await server.app.services.auth.authenticate(root, { authorization: `Bearer ${token}` }))!;
    const clientService = server.app.services.clients;
    let em: EntityManager = root;
    const set = (name: string, nationality: string) => () =>
      clientService.update(em, principal, { id: byName[name], nationality });
    const rename = (name: string, fullName: string) => () =>
      clientService.update(em, principal, { id: byName[name], fullName });
    // Neither creation order nor id order: Order 3 enters at its rename (its last event), after Order 0.
    for (const [step, change] of [
      [set('Order 5', 'Portuguese'), ['ENTERED', 'Order 5', true]],
      [set('Order 3', 'Portuguese'), null],
      [set('Order 8', 'German'), ['LEFT', 'Order 8', true]],
      [
        async () => {
          const created = await clientService.create(em, principal, {
            fullName: 'Order new',
            nationality: 'Portuguese',
          });
          byName['Order new'] = toGlobalId('Client', created.id);
        },
        ['ENTERED', 'Order new', false],
      ],
      [set('Order 1', 'Portuguese'), ['ENTERED', 'Order 1', true]],
      [set('Order 6', 'German'), ['LEFT', 'Order 6', true]],
      [set('Order 0', 'Portuguese'), ['ENTERED', 'Order 0', true]],
      [rename('Order 3', 'Order 3 renamed'), ['ENTERED', 'Order 3', true]],
      [set('Order 9', 'German'), ['LEFT', 'Order 9', true]],
      [set('Order 4', 'Portuguese'), ['ENTERED', 'Order 4', true]],
    ] as const) {
      steps.push(step);
      if (change) expected.push([...change]);
    }
    const nClients = expected.length;
    const nPractices = expected.filter(([, , has]) => has).length;
    const ws = () => server.ws({ authorization: `Bearer ${token}` });
    const clientChanges = nextResults(ws(), MembershipChanged, { segmentId: clients.id }, nClients, 30_000);
    const practiceChanges = nextResults(ws(), MembershipChanged, { segmentId: practices.id }, nPractices, 30_000);
    await Promise.all([clientChanges.ready, practiceChanges.ready]);

    // One transaction (as a sync page writes): its events are positioned together and read by one round.
    await forkForTenant(root, principal.tenantId).transactional(async (tx) => {
      em = tx;
      for (const step of steps) await step();
    });
    const got = (await clientChanges.results).map((r) => [
      r.segmentMembershipChanged.change,
      r.segmentMembershipChanged.recordId,
    ]);
    expect(got).toEqual(expected.map(([change, name]) => [change, byName[name]]));
    const gotPractices = (await practiceChanges.results).map((r) => [
      r.segmentMembershipChanged.change,
      r.segmentMembershipChanged.recordId,
    ]);
    expect(gotPractices).toEqual(
      expected.filter(([, , has]) => has).map(([change, name]) => [change, practiceOf[byName[name]]]),
    );
    // All in one round: one timestamp.
    const sql = root.fork() as SqlEntityManager;
    const rounds = await sql.execute<{ n: string }[]>(
      'select count(distinct "at") as n from segment_change where segment_id in (?, ?)',
      [expectGlobalId(clients.id, 'Segment'), expectGlobalId(practices.id, 'Segment')],
    );
    expect(Number(rounds[0].n)).toBe(1);
  }, 60_000);

  it('re-checks records reached through a relation: a client update moves its practices in and out', async () => {
    const token = await server.tokenFor(uniq('seg-relation'), 'ADMIN');
    const owner = await client(token, 'Relation Owner', 'German');
    const created = await server.gql(
      CreatePracticeDocument,
      { input: { clientId: owner, practiceTypeCode: 'KITAS', expiryDate: '2031-01-01' } },
      token,
    );
    const practiceId = created.data!.createPractice.practice!.id;
    const s = await segment(token, 'Practices of Dutch clients', 'PRACTICE', {
      groups: [{ filters: [{ field: 'client.nationality', operator: 'EQ', value: 'Dutch' }] }],
    });
    expect(s.count).toBe(0);
    const ws = server.ws({ authorization: `Bearer ${token}` });
    const entered = nextResults(ws, MembershipChanged, { segmentId: s.id }, 1, 20_000);
    await entered.ready;
    await server.gql(UpdateClientDocument, { input: { id: owner, nationality: 'Dutch' } }, token);
    const [change] = (await entered.results).map((r) => r.segmentMembershipChanged);
    expect([change.change, change.recordId]).toEqual(['ENTERED', practiceId]);
    expect(change.record).toEqual({ __typename: 'Practice' });
  }, 30_000);

  it('re-checks tickets two hops away: a client update moves the tickets of its practices (practice.client.*)', async () => {
    const token = await server.tokenFor(uniq('seg-ticket-hops'), 'ADMIN');
    const owner = await client(token, 'Hops Owner', 'German');
    const other = await client(token, 'Hops Other', 'German');
    const practiceOf = async (clientId: string) => {
      const r = await server.gql(
        CreatePracticeDocument,
        { input: { clientId, practiceTypeCode: 'KITAS', expiryDate: '2031-01-01' } },
        token,
      );
      return r.data!.createPractice.practice!.id;
    };
    const ticketOf = async (practiceId: string) => {
      const r = await server.gql(CreateTicketDocument, { input: { subject: 'Visa question', practiceId } }, token);
      expect(r.data?.createTicket.userErrors).toEqual([]);
      return r.data!.createTicket.ticket!.id;
    };
    const ticket = await ticketOf(await practiceOf(owner));
    await ticketOf(await practiceOf(other)); // the other client's ticket stays out
    const s = await segment(token, 'Tickets of Dutch clients', 'TICKET', {
      groups: [{ filters: [{ field: 'practice.client.nationality', operator: 'EQ', value: 'Dutch' }] }],
    });
    expect(s.count).toBe(0);
    const ws = () => server.ws({ authorization: `Bearer ${token}` });
    const entered = nextResults(ws(), MembershipChanged, { segmentId: s.id }, 1, 20_000);
    await entered.ready;
    await server.gql(UpdateClientDocument, { input: { id: owner, nationality: 'Dutch' } }, token);
    const got = (await entered.results).map((r) => r.segmentMembershipChanged);
    expect(got.map((c) => [c.change, c.recordId])).toEqual([['ENTERED', ticket]]);
    const left = nextResults(ws(), MembershipChanged, { segmentId: s.id }, 1, 20_000);
    await left.ready;
    await server.gql(UpdateClientDocument, { input: { id: owner, nationality: 'Belgian' } }, token);
    const [out] = (await left.results).map((r) => r.segmentMembershipChanged);
    expect([out.change, out.recordId]).toEqual(['LEFT', ticket]);
    expect(got[0].record).toEqual({ __typename: 'Ticket' });
  }, 30_000);

  it('re-checks the clients and deals of a team member when the member changes (owner.*), in its tenant only', async () => {
    /** A tenant with a member owning one client and one deal, and segments on the owner being inactive. */
    const setUp = async (prefix: string) => {
      const { token, ownerId, clientId, dealId } = await tenantWithOwner(prefix);
      const inactiveOwner = eq('owner.active', false);
      const clients = await segment(token, 'Clients of inactive owners', 'CLIENT', inactiveOwner);
      const deals = await segment(token, 'Deals of inactive owners', 'DEAL', inactiveOwner);
      expect([clients.count, deals.count]).toEqual([0, 0]);
      return { token, ownerId, clientId, dealId, clients, deals };
    };
    const a = await setUp('seg-owner-a');
    const b = await setUp('seg-owner-b');
    const ws = (t: string) => server.ws({ authorization: `Bearer ${t}` });
    const clientsA = nextResults(ws(a.token), MembershipChanged, { segmentId: a.clients.id }, 1, 20_000);
    const dealsA = nextResults(ws(a.token), MembershipChanged, { segmentId: a.deals.id }, 1, 20_000);
    const clientsB = nextResults(ws(b.token), MembershipChanged, { segmentId: b.clients.id }, 1, 20_000);
    await Promise.all([clientsA.ready, dealsA.ready, clientsB.ready]);

    const off = await server.gql(DeactivateTeamMemberDocument, { input: { id: a.ownerId } }, a.token);
    expect(off.errors).toBeUndefined();
    const [c] = (await clientsA.results).map((r) => r.segmentMembershipChanged);
    expect([c.change, c.recordId]).toEqual(['ENTERED', a.clientId]);
    const [d] = (await dealsA.results).map((r) => r.segmentMembershipChanged);
    expect([d.change, d.recordId]).toEqual(['ENTERED', a.dealId]);
    expect((await members(a.token, a.clients.id))!.count).toBe(1);

    // The other tenant's identical segment moved only when its own member did.
    await server.gql(DeactivateTeamMemberDocument, { input: { id: b.ownerId } }, b.token);
    const [cb] = (await clientsB.results).map((r) => r.segmentMembershipChanged);
    expect([cb.change, cb.recordId]).toEqual(['ENTERED', b.clientId]);
  }, 60_000);

  it('re-checks with a segment as it is now: after an update, a delete, and a change written by another process', async () => {
    const t = await tenantWithClients('seg-cache');
    const ws = () => server.ws({ authorization: `Bearer ${t.token}` });
    const s = await segment(t.token, 'Portuguese', 'CLIENT', eq('nationality', 'Portuguese'));
    const gone = await segment(t.token, 'Portuguese, deleted', 'CLIENT', eq('nationality', 'Portuguese'));
    const setNationality = async (id: string, nationality: string) => {
      const r = await server.gql(UpdateClientDocument, { input: { id, nationality } }, t.token);
      expect(r.data?.updateClient.userErrors).toEqual([]);
    };
    /** Makes a change and returns the next changes of segment `s` it causes (`n` of them). */
    const next = async (n: number, change: () => Promise<unknown>) => {
      const got = nextResults(ws(), MembershipChanged, { segmentId: s.id }, n, 20_000);
      await got.ready;
      await change();
      return (await got.results).map((r) => [r.segmentMembershipChanged.change, r.segmentMembershipChanged.recordId]);
    };
    const [marco, budi, ana] = [t.ids['Marco Rossi'], t.ids['Budi Santoso'], t.ids['Ana Lima']];
    // A round re-checks Marco against both segments (the processor now knows them).
    expect(await next(1, () => setNationality(marco, 'Portuguese'))).toEqual([['ENTERED', marco]]);

    // New criteria: Marco leaves by the update itself; Budi's event is re-checked against them.
    expect(
      await next(1, async () => {
        const r = await server.gql(
          UpdateSegmentDocument,
          { input: { id: s.id, criteria: eq('nationality', 'Dutch') } },
          t.token,
        );
        expect(r.data?.updateSegment.userErrors).toEqual([]);
      }),
    ).toEqual([['LEFT', marco]]);
    expect((await server.gql(DeleteSegmentDocument, { input: { id: gone.id } }, t.token)).errors).toBeUndefined();
    // Giulia now matches the deleted segment only; Budi's change (after hers) tells that both were read.
    expect(
      await next(1, async () => {
        await setNationality(t.ids['Giulia Bianchi'], 'Portuguese');
        await setNationality(budi, 'Dutch');
      }),
    ).toEqual([['ENTERED', budi]]);

    // Criteria changed in plain SQL (as by a process that shares nothing with this one) are used too.
    const sql = server.app.db.orm.em.fork() as SqlEntityManager;
    const raw = (globalId: string) => expectGlobalId(globalId, 'Segment');
    await sql.execute('update segment set criteria = ? where id = ?', [
      JSON.stringify({ groups: [{ filters: [{ field: 'nationality', operator: 'EQ', value: 'Greek' }], anyOf: [] }] }),
      raw(s.id),
    ]);
    expect(await next(1, () => setNationality(ana, 'Greek'))).toEqual([['ENTERED', ana]]);

    // The deleted segment got no member from the rounds after its delete (Giulia's).
    const held = await sql.execute<{ n: string }[]>('select count(*) as n from segment_member where segment_id = ?', [
      raw(gone.id),
    ]);
    expect(Number(held[0].n)).toBe(0);
  }, 60_000);

  it("re-checks a member's clients and deals when the member's name or role changes (owner.name, owner.role), in its tenant only", async () => {
    /** A tenant with an AGENT owning one client and one deal, and segments on the owner's name and role. */
    const setUp = async (prefix: string) => {
      const { token, ownerId, clientId, dealId } = await tenantWithOwner(prefix);
      // The same names in both tenants: only each tenant's own member moves its segments.
      const clients = await segment(token, 'Clients of Kadek', 'CLIENT', eq('owner.name', 'Kadek Wirawan'));
      const deals = await segment(token, "Managers' deals", 'DEAL', eq('owner.role', 'MANAGER'));
      expect([clients.count, deals.count]).toEqual([0, 0]);
      return { token, ownerId, clientId, dealId, clients, deals };
    };
    const rename = async (t: { token: string; ownerId: string }, input: { name?: string; role?: Role }) => {
      const r = await server.gql(UpdateTeamMemberDocument, { input: { id: t.ownerId, ...input } }, t.token);
      expect(r.errors).toBeUndefined();
      expect(r.data?.updateTeamMember.userErrors).toEqual([]);
    };
    const a = await setUp('seg-name-a');
    const b = await setUp('seg-name-b');
    const ws = (t: string) => server.ws({ authorization: `Bearer ${t}` });
    const clientsA = nextResults(ws(a.token), MembershipChanged, { segmentId: a.clients.id }, 2, 20_000);
    const dealsA = nextResults(ws(a.token), MembershipChanged, { segmentId: a.deals.id }, 1, 20_000);
    const clientsB = nextResults(ws(b.token), MembershipChanged, { segmentId: b.clients.id }, 1, 20_000);
    await Promise.all([clientsA.ready, dealsA.ready, clientsB.ready]);

    // The name enters the client; the role enters the deal; the name changed again lets the client go.
    await rename(a, { name: 'Kadek Wirawan' });
    await rename(a, { role: 'MANAGER' });
    const [d] = (await dealsA.results).map((r) => r.segmentMembershipChanged);
    expect([d.change, d.recordId]).toEqual(['ENTERED', a.dealId]);
    await rename(a, { name: 'Kadek W.' });
    const got = (await clientsA.results).map((r) => r.segmentMembershipChanged);
    expect(got.map((c) => [c.change, c.recordId])).toEqual([
      ['ENTERED', a.clientId],
      ['LEFT', a.clientId],
    ]);
    // Each change is a TEAM_MEMBER_UPDATED event with only the fields that changed.
    const events = await server.gql(
      TimelineDocument,
      { first: 10, filter: { types: ['TEAM_MEMBER_UPDATED'] } },
      a.token,
    );
    expect(events.data!.timeline.edges.map((e) => e.node.data)).toEqual([
      { before: { name: 'Kadek Wirawan' }, after: { name: 'Kadek W.' } },
      { before: { role: 'AGENT' }, after: { role: 'MANAGER' } },
      { before: { name: expect.any(String) }, after: { name: 'Kadek Wirawan' } },
    ]);

    // The other tenant's identical segment moved only when its own member did.
    expect((await members(b.token, b.clients.id))!.count).toBe(0);
    await rename(b, { name: 'Kadek Wirawan' });
    const [cb] = (await clientsB.results).map((r) => r.segmentMembershipChanged);
    expect([cb.change, cb.recordId]).toEqual(['ENTERED', b.clientId]);
  }, 60_000);

  it('moves a NEXT_N_DAYS member out at the daily re-check as the app clock advances', async () => {
    const clock = server.app.services.clock;
    clock.set('2027-03-01T09:00:00.000Z');
    try {
      const token = await server.tokenFor(uniq('seg-daily'), 'ADMIN');
      const owner = await client(token, 'Expiring Soon', 'Italian');
      const r = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: owner, practiceTypeCode: 'KITAS', expiryDate: '2027-03-20' } },
        token,
      );
      const practiceId = r.data!.createPractice.practice!.id;
      const s = await segment(token, 'Expiring in 30 days', 'PRACTICE', {
        groups: [{ filters: [{ field: 'expiryDate', operator: 'NEXT_N_DAYS', value: 30 }] }],
      });
      expect(s.count).toBe(1);
      const live = nextResults(
        server.ws({ authorization: `Bearer ${token}` }),
        MembershipChanged,
        { segmentId: s.id },
        1,
        10_000,
      );
      await live.ready;

      clock.set('2027-03-25T09:00:00.000Z'); // the expiry date is now past
      expect((await members(token, s.id))!.count).toBe(0); // members are evaluated now
      expect((await server.gql(RunSegmentRecheckDocument, {}, token)).data!.runSegmentRecheck.rechecked).toBe(1);
      const [moved] = (await live.results).map((x) => x.segmentMembershipChanged);
      expect([moved.change, moved.recordId]).toEqual(['LEFT', practiceId]);

      // The schedule re-checks a time-relative segment once per tenant-local day (this is the only one).
      const scheduled = () => server.app.services.segments.recheckTimeRelative(server.app.db.orm.em);
      expect(await scheduled()).toBe(0); // already re-checked today (by runSegmentRecheck)
      clock.set('2027-03-26T09:00:00.000Z');
      expect(await scheduled()).toBe(1);
      expect(await scheduled()).toBe(0);
    } finally {
      clock.set(new Date());
    }
  }, 30_000);
});
