import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from '@jest/globals';
import { parse } from 'graphql';
import type { Client as WsClient } from 'graphql-ws';

import { CreateClientDocument, CreateTeamMemberDocument } from './generated/graphql.js';
import { type GqlResponse, startTestServer, type TestServer, uniq } from './helpers/server.js';

type Data = Record<string, unknown>;
type Vars = Record<string, unknown>;

/** An operation written inline, where a typed document cannot hold a malformed literal. */
const op = (source: string) => parse(source) as TypedDocumentNode<Data, Vars>;

const MALFORMED = '%%%not-an-id%%%';

/** The one error of a refused operation: BAD_USER_INPUT, nothing executed. */
function refused(res: GqlResponse<Data>): { message: string; extensions?: Record<string, unknown> } {
  expect(res.status).toBe(400);
  expect(res.data ?? undefined).toBeUndefined();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
  return res.errors![0];
}

/** The errors a subscription ends with (graphql-ws `error` or a `next` carrying errors). */
function subscriptionErrors(
  client: WsClient,
  query: string,
  variables: Vars = {},
  timeoutMs = 3000,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the subscription was accepted')), timeoutMs);
    const dispose = client.subscribe(
      { query, variables },
      {
        next: (value) => {
          clearTimeout(timer);
          dispose();
          if (value.errors) resolve([...value.errors]);
          else reject(new Error(`got data: ${JSON.stringify(value.data)}`));
        },
        error: (err) => {
          clearTimeout(timer);
          if (Array.isArray(err)) resolve(err);
          else reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        },
        complete: () => undefined,
      },
    );
  });
}

describe('Global IDs', () => {
  let server: TestServer;
  let adminA: string;
  let adminB: string;
  let clientA: string;
  let clientB: string;
  let memberA: string;
  /** Well-formed, of the right type, and nothing's. */
  const missingClient = Buffer.from('Client:00000000-0000-4000-8000-000000000000').toString('base64url');

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(uniq('ids-a'));
    adminB = await server.tokenFor(uniq('ids-b'));
    const a = await server.gql(CreateClientDocument, { input: { fullName: 'Ida Client' } }, adminA);
    clientA = a.data!.createClient.client!.id;
    const b = await server.gql(CreateClientDocument, { input: { fullName: 'Other Tenant Client' } }, adminB);
    clientB = b.data!.createClient.client!.id;
    const m = await server.gql(CreateTeamMemberDocument, { input: { email: 'ida@a.test', role: 'AGENT' } }, adminA);
    memberA = m.data!.createTeamMember.teamMember!.id;
  });
  afterAll(() => server.close());

  describe('a malformed ID is BAD_USER_INPUT naming where it was given', () => {
    it('on node, inline and in a variable', async () => {
      const inline = await server.gql(op(`{ node(id: "${MALFORMED}") { id } }`), {}, adminA);
      expect(refused(inline).message).toBe('Invalid ID at "node.id": not a Meridian ID');
      const variable = await server.gql(op('query($id: ID!) { node(id: $id) { id } }'), { id: MALFORMED }, adminA);
      expect(refused(variable).message).toMatch(/^Variable "\$id" got invalid value .*; not a Meridian ID$/);
    });

    it('on a query argument, inline and in a variable', async () => {
      const inline = await server.gql(op(`{ client(id: "${MALFORMED}") { id } }`), {}, adminA);
      expect(refused(inline).message).toBe('Invalid ID at "client.id": not a Meridian ID');
      const variable = await server.gql(op('query($id: ID!) { client(id: $id) { id } }'), { id: 'abc' }, adminA);
      expect(refused(variable).message).toMatch(/^Variable "\$id" got invalid value "abc"; not a Meridian ID$/);
    });

    it('on a field of a mutation input, inline and in a variable, and nothing is created', async () => {
      const inline = await server.gql(
        op(`mutation { createTicket(input: { subject: "Visa", clientId: "${MALFORMED}" }) { ticket { id } } }`),
        {},
        adminA,
      );
      expect(refused(inline).message).toBe('Invalid ID at "createTicket.input.clientId": not a Meridian ID');
      const variable = await server.gql(
        op('mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }'),
        { input: { subject: 'Visa', clientId: clientA, practiceId: MALFORMED } },
        adminA,
      );
      expect(refused(variable).message).toMatch(/^Variable "\$input" got invalid value .* at "input\.practiceId"; /);
      const tickets = await server.gql(op('{ tickets(first: 10) { totalCount } }'), {}, adminA);
      expect(tickets.data).toEqual({ tickets: { totalCount: 0 } });
    });

    it('in a list, at its index, inline and in a variable, also deep in a filter', async () => {
      const inline = await server.gql(op(`{ nodes(ids: ["${clientA}", "${MALFORMED}"]) { id } }`), {}, adminA);
      expect(refused(inline).message).toBe('Invalid ID at "nodes.ids[1]": not a Meridian ID');
      const variable = await server.gql(
        op('query($ids: [ID!]!) { nodes(ids: $ids) { id } }'),
        { ids: [clientA, MALFORMED] },
        adminA,
      );
      expect(refused(variable).message).toMatch(/ at "ids\[1\]"; not a Meridian ID$/);
      const filter = await server.gql(
        op(`{ clients(filter: { ownerIds: ["${memberA}", "nope"] }) { totalCount } }`),
        {},
        adminA,
      );
      expect(refused(filter).message).toBe('Invalid ID at "clients.filter.ownerIds[1]": not a Meridian ID');
      const filterVariable = await server.gql(
        op('query($filter: ClientFilter) { clients(filter: $filter) { totalCount } }'),
        { filter: { ownerIds: ['nope'] } },
        adminA,
      );
      expect(refused(filterVariable).message).toMatch(/ at "filter\.ownerIds\[0\]"; not a Meridian ID$/);
    });

    it('names each malformed literal of an operation', async () => {
      const res = await server.gql(
        op(`{ a: node(id: "x") { id } b: client(id: "${clientA}") { id } c: client(id: "y") { id } }`),
        {},
        adminA,
      );
      expect(res.status).toBe(400);
      expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['BAD_USER_INPUT', 'Invalid ID at "node.id": not a Meridian ID'],
        ['BAD_USER_INPUT', 'Invalid ID at "client.id": not a Meridian ID'],
      ]);
    });

    it('refuses what only looks like an ID: an integer, or a real ID inside other characters', async () => {
      const integer = await server.gql(op('{ node(id: 42) { id } }'), {}, adminA);
      expect(refused(integer).message).toBe('Invalid ID at "node.id": not a Meridian ID');
      const integerVariable = await server.gql(op('query($id: ID!) { node(id: $id) { id } }'), { id: 42 }, adminA);
      expect(refused(integerVariable).message).toMatch(/; not a Meridian ID$/);
      // The base64url decoder skips characters outside its alphabet: "%%<id>" decodes like <id>.
      const wrapped = await server.gql(op('query($id: ID!) { node(id: $id) { id } }'), { id: `%%${clientA}` }, adminA);
      refused(wrapped);
      const padded = await server.gql(op(`{ node(id: "${clientA}==") { id } }`), {}, adminA);
      refused(padded);
    });

    it('on a subscription argument over WebSocket, inline and in a variable', async () => {
      const ws = server.ws({ authorization: `Bearer ${adminA}` });
      const inline = await subscriptionErrors(
        ws,
        `subscription { timelineEventAdded(clientId: "${MALFORMED}") { id } }`,
      );
      expect(inline).toEqual([
        expect.objectContaining({
          message: 'Invalid ID at "timelineEventAdded.clientId": not a Meridian ID',
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
      const variable = await subscriptionErrors(
        ws,
        'subscription($clientId: ID) { timelineEventAdded(clientId: $clientId) { id } }',
        { clientId: MALFORMED },
      );
      expect(variable).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/^Variable "\$clientId" got invalid value .*; not a Meridian ID$/),
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
    });
  });

  describe('a well-formed ID that names nothing of yours stays null / NOT_FOUND', () => {
    const cases = (): [string, string][] => [
      ['unknown', missingClient],
      ['of another type', memberA],
      ['of another tenant', clientB],
    ];

    it('on client(id:)', async () => {
      for (const [what, id] of cases()) {
        const res = await server.gql(op('query($id: ID!) { client(id: $id) { id } }'), { id }, adminA);
        expect([what, res.errors, res.data]).toEqual([what, undefined, { client: null }]);
      }
    });

    it('on node and nodes, also for a type that does not exist', async () => {
      const noSuchType = Buffer.from('Widget:00000000-0000-4000-8000-000000000000').toString('base64url');
      const res = await server.gql(
        op('query($id: ID!, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } }'),
        { id: clientB, ids: [missingClient, clientB, noSuchType, clientA] },
        adminA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ node: null, nodes: [null, null, null, { id: clientA }] });
    });

    it('in a mutation input: a NOT_FOUND user error on the field', async () => {
      for (const [what, id] of cases()) {
        const res = await server.gql(
          op(
            `mutation { createTicket(input: { subject: "Visa", clientId: "${id}" }) { ticket { id } userErrors { field code } } }`,
          ),
          {},
          adminA,
        );
        expect([what, res.errors, res.data]).toEqual([
          what,
          undefined,
          { createTicket: { ticket: null, userErrors: [{ field: ['input', 'clientId'], code: 'NOT_FOUND' }] } },
        ]);
      }
    });

    it('in a subscription argument: the subscription is accepted', async () => {
      const ws = server.ws({ authorization: `Bearer ${adminA}` });
      const outcomes = await Promise.allSettled([
        subscriptionErrors(ws, `subscription { timelineEventAdded(clientId: "${clientB}") { id } }`, {}, 1000),
        subscriptionErrors(
          ws,
          'subscription($clientId: ID) { timelineEventAdded(clientId: $clientId) { id } }',
          { clientId: missingClient },
          1000,
        ),
      ]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.value))).toEqual([
        'Error: the subscription was accepted',
        'Error: the subscription was accepted',
      ]);
    });
  });
});
