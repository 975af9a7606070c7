import { expect } from '@jest/globals';

import {
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateTeamMemberDocument,
  CreateTicketDocument,
  DashboardDocument,
  PipelinesDocument,
  UpdateTicketDocument,
} from './generated/graphql.js';
import { must, pool } from './helpers/mutations.js';
import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

/** Relation fields of the Dashboard query: owner, practices, practices.type, deals, deals.stage, tickets. */
const RELATION_FIELDS = 6;
const CLIENTS = 55;
const PRACTICE_TYPES = ['KITAS', 'PT_PMA', 'NPWP', 'BPJS'];

describe('SQL statements of the dashboard query', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(uniq('dash'));
    const owners: string[] = [];
    for (const n of [1, 2, 3]) {
      const m = await must(
        server.gql(CreateTeamMemberDocument, { input: { email: `owner${n}@dash.test`, role: 'AGENT' } }, token),
      );
      owners.push(m.teamMember!.id);
    }
    const stages = (await server.gql(PipelinesDocument, {}, token)).data!.pipelines[0].stages.map((s) => s.id);

    await pool(
      Array.from({ length: CLIENTS }, (_, i) => i),
      usingPostgres ? 8 : 4,
      async (i) => {
        const c = await must(
          server.gql(CreateClientDocument, { input: { fullName: `Dash ${i}`, ownerId: owners[i % 3] } }, token),
        );
        const clientId = c.client!.id;
        for (let p = 0; p <= i % 2; p++) {
          await must(
            server.gql(
              CreatePracticeDocument,
              { input: { clientId, practiceTypeCode: PRACTICE_TYPES[(i + p) % PRACTICE_TYPES.length] } },
              token,
            ),
          );
        }
        for (let d = 0; d <= (i % 3 === 0 ? 1 : 0); d++) {
          await must(
            server.gql(
              CreateDealDocument,
              { input: { title: `Deal ${i}.${d}`, clientId, stageId: stages[(i + d) % stages.length] } },
              token,
            ),
          );
        }
        await must(server.gql(CreateTicketDocument, { input: { subject: `Open ${i}`, clientId } }, token));
        const closed = await must(
          server.gql(CreateTicketDocument, { input: { subject: `Done ${i}`, clientId } }, token),
        );
        await must(
          server.gql(
            UpdateTicketDocument,
            { input: { id: closed.ticket!.id, status: i % 2 ? 'RESOLVED' : 'CLOSED' } },
            token,
          ),
        );
      },
    );
  });
  afterAll(() => server.close());

  const dashboard = async (first: number) => {
    const res = await server.gql(DashboardDocument, { first }, token);
    expect(res.errors).toBeUndefined();
    expect(typeof res.extensions?.sqlStatements).toBe('number');
    return { nodes: res.data!.clients.nodes, statements: res.extensions!.sqlStatements as number };
  };

  it('returns every relation of every client, with only the open tickets', async () => {
    const { nodes } = await dashboard(50);
    expect(nodes).toHaveLength(50);
    for (const client of nodes) {
      expect(client.owner?.email).toMatch(/^owner[123]@dash\.test$/);
      expect(client.practices.length).toBeGreaterThanOrEqual(1);
      for (const p of client.practices) expect(PRACTICE_TYPES).toContain(p.type.code);
      expect(client.deals.length).toBeGreaterThanOrEqual(1);
      for (const d of client.deals) expect(d.stage.name).toEqual(expect.any(String));
      expect(client.tickets.nodes).toEqual([{ number: expect.any(Number), status: 'OPEN' }]);
    }
    expect(new Set(nodes.flatMap((c) => c.practices.map((p) => p.type.code))).size).toBe(PRACTICE_TYPES.length);
  });

  it('issues the same number of statements for 5 and 50 clients, at most 1 + one per relation field', async () => {
    const five = await dashboard(5);
    const fifty = await dashboard(50);
    const fiftyAgain = await dashboard(50);
    console.log(
      `Dashboard SQL statements (${usingPostgres ? 'PostgreSQL' : 'PGlite'}): N=5 → ${five.statements}, N=50 → ${fifty.statements}`,
    );
    expect(five.nodes).toHaveLength(5);
    expect(fifty.nodes).toHaveLength(50);
    expect(fifty.statements).toBe(five.statements);
    expect(fiftyAgain.statements).toBe(fifty.statements);
    expect(fifty.statements).toBeLessThanOrEqual(1 + RELATION_FIELDS);
    expect(five.statements).toBeGreaterThan(0);
  });
});
