/**
 * `Idempotency-Key` on mutations, through the real endpoint: HTTP header and graphql-ws
 * `extensions.idempotencyKey`; with DATABASE_URL also two instances sharing PostgreSQL.
 */
import { print } from 'graphql';

import { IdempotencyStore } from '../src/platform/idempotency.js';
import { CreateClientDocument, MergeClientsDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';

const createClient = (fullName: string) => ({
  query: print(CreateClientDocument),
  operationName: 'CreateClient',
  variables: { input: { fullName } },
});

interface Raw {
  status: number;
  text: string;
  headers: Headers;
  json: {
    data?: { createClient?: { client: { id: string; fullName: string } | null } } | null;
    errors?: { message: string; extensions: Record<string, unknown> }[];
  };
}

async function send(server: TestServer, body: object, token: string, key?: string): Promise<Raw> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: JSON.parse(text) as Raw['json'] };
}

async function clientCount(server: TestServer, token: string): Promise<number> {
  const res = await send(server, { query: '{ clients(first: 1) { totalCount } }' }, token);
  return (res.json.data as unknown as { clients: { totalCount: number } }).clients.totalCount;
}

describe('Idempotency keys', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  describe('HTTP', () => {
    it('replays the first response of a retried mutation, byte for byte, and creates one client', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const first = await send(server, createClient('Ada Retry'), token, key);
      const second = await send(server, createClient('Ada Retry'), token, key);
      expect(first.status).toBe(200);
      expect(first.json.data?.createClient?.client?.fullName).toBe('Ada Retry');
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(second.status).toBe(200);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.text).toBe(first.text);
      expect(await clientCount(server, token)).toBe(1);
    });

    it('treats variables with keys in another order as the same request', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const a = { ...createClient('x'), variables: { input: { fullName: 'Order Same', kind: 'PERSON' } } };
      const b = { ...createClient('x'), variables: { input: { kind: 'PERSON', fullName: 'Order Same' } } };
      const first = await send(server, a, token, key);
      const second = await send(server, b, token, key);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.text).toBe(first.text);
      expect(await clientCount(server, token)).toBe(1);
    });

    it('refuses the same key with a different input with 422 IDEMPOTENCY_CONFLICT', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      await send(server, createClient('First Input'), token, key);
      const other = await send(server, createClient('Second Input'), token, key);
      expect(other.status).toBe(422);
      expect(other.headers.get('idempotent-replayed')).toBeNull();
      expect(other.json.data).toBeUndefined();
      expect(other.json.errors).toEqual([
        {
          message:
            'This Idempotency-Key was already used with a different request (query, operationName or variables); use a new key',
          extensions: { code: 'IDEMPOTENCY_CONFLICT' },
        },
      ]);
      expect(await clientCount(server, token)).toBe(1);
    });

    it('keeps keys apart per tenant and per member of a tenant', async () => {
      const tenant = uniq('idem');
      const alice = await server.tokenFor(tenant, 'ADMIN', `alice@${tenant}.test`);
      const bob = await server.tokenFor(tenant, 'ADMIN', `bob@${tenant}.test`);
      const stranger = await server.tokenFor(uniq('idem-other'));
      const key = 'shared-key-1';
      const a = await send(server, createClient('Same Name'), alice, key);
      const b = await send(server, createClient('Same Name'), bob, key);
      const c = await send(server, createClient('Same Name'), stranger, key);
      for (const res of [b, c]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('idempotent-replayed')).toBeNull();
        expect(res.json.data?.createClient?.client?.id).not.toBe(a.json.data?.createClient?.client?.id);
      }
      expect(await clientCount(server, alice)).toBe(2);
      expect(await clientCount(server, stranger)).toBe(1);
    });

    it('executes exactly one of 5 concurrent duplicates; the others replay it or get 409 IDEMPOTENCY_IN_PROGRESS', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => send(server, createClient('Concurrent Carl'), token, key)),
      );
      expect(await clientCount(server, token)).toBe(1);
      const executed = results.filter((r) => r.status === 200 && !r.headers.get('idempotent-replayed'));
      expect(executed).toHaveLength(1);
      for (const r of results) {
        if (r === executed[0]) continue;
        if (r.status === 409) {
          expect(r.headers.get('retry-after')).toBe('1');
          expect(r.json.errors?.[0]?.extensions).toEqual({ code: 'IDEMPOTENCY_IN_PROGRESS', retryAfter: 1 });
        } else {
          expect(r.headers.get('idempotent-replayed')).toBe('true');
          expect(r.text).toBe(executed[0].text);
        }
      }
      // Once the first has finished, a retry replays it.
      const retry = await send(server, createClient('Concurrent Carl'), token, key);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.text).toBe(executed[0].text);
    });

    it.each([
      ['empty', ''],
      ['too long', 'k'.repeat(256)],
      ['non-ASCII', 'clé-1'],
      ['control character', 'a\tb'],
    ])('refuses a %s key with 400 BAD_USER_INPUT and runs nothing', async (_what, key) => {
      const token = await server.tokenFor(uniq('idem'));
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          // fetch refuses some header values itself; send what it accepts as raw bytes.
          'idempotency-key': Buffer.from(key, 'utf8').toString('latin1'),
        },
        body: JSON.stringify(createClient('Bad Key')),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as Raw['json'];
      expect(body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toBe('Idempotency-Key must be 1 to 255 printable ASCII characters');
      expect(await clientCount(server, token)).toBe(0);
    });

    it('accepts a key of 255 printable characters', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = `${'~'.repeat(250)}${uniq('').slice(-5)}`;
      const first = await send(server, createClient('Long Key'), token, key);
      const second = await send(server, createClient('Long Key'), token, key);
      expect(first.status).toBe(200);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(await clientCount(server, token)).toBe(1);
    });

    it('runs queries with a key as usual, every time', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      await send(server, createClient('Before'), token, key.concat('-m'));
      const q = { query: '{ clients(first: 1) { totalCount } }' };
      const first = await send(server, q, token, key);
      await send(server, createClient('After'), token);
      const second = await send(server, q, token, key);
      expect(first.json.data).toEqual({ clients: { totalCount: 1 } });
      expect(second.json.data).toEqual({ clients: { totalCount: 2 } });
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    });

    it('stores a response with userErrors', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const bad = { ...createClient('x'), variables: { input: { fullName: 'Bad Email', email: 'not-an-email' } } };
      const first = await send(server, bad, token, key);
      const second = await send(server, bad, token, key);
      expect(first.status).toBe(200);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.text).toBe(first.text);
    });

    it('does not store a refusal before execution, so the client can fix it and retry with the key', async () => {
      const tenant = uniq('idem');
      const viewer = await server.tokenFor(tenant, 'VIEWER', `viewer@${tenant}.test`);
      const key = uniq('key');
      // Validation error (unknown field): nothing stored.
      const invalid = await send(
        server,
        { query: 'mutation { createClient(input: { nope: 1 }) { client { id } } }' },
        viewer,
        key,
      );
      expect(invalid.status).toBe(400);
      // Refused for the role: nothing stored either.
      const forbidden = await send(server, createClient('Viewer Try'), viewer, key);
      expect(forbidden.json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      const again = await send(server, createClient('Viewer Try'), viewer, key);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(again.json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    });

    it('forgets a key once it expires: the next request with it executes, and the purge deletes it', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      await send(server, createClient('Expiring Eve'), token, key);
      const connection = server.app.db.orm.em.getConnection();
      const expire = () =>
        connection.execute("update idempotency_key set expires_at = now() - interval '1 second' where key = ?", [key]);
      await expire();
      const after = await send(server, createClient('Expiring Eve'), token, key);
      expect(after.headers.get('idempotent-replayed')).toBeNull();
      expect(await clientCount(server, token)).toBe(2);
      await expire();
      expect(await new IdempotencyStore(server.app.db.orm.em).purgeExpired()).toBeGreaterThanOrEqual(1);
      const left = await connection.execute<{ n: number }[]>(
        'select count(*)::int as n from idempotency_key where key = ?',
        [key],
      );
      expect(left).toEqual([{ n: 0 }]);
    });

    it('without a key, every request executes', async () => {
      const token = await server.tokenFor(uniq('idem'));
      await send(server, createClient('No Key'), token);
      await send(server, createClient('No Key'), token);
      expect(await clientCount(server, token)).toBe(2);
    });
  });

  describe('WebSocket', () => {
    function run(
      token: string,
      body: { query: string; operationName: string; variables: Record<string, unknown> },
      key: string,
    ): Promise<{ next?: unknown; error?: unknown }> {
      const client = server.ws({ authorization: `Bearer ${token}` });
      return new Promise((resolve) => {
        const out: { next?: unknown; error?: unknown } = {};
        client.subscribe(
          { ...body, extensions: { idempotencyKey: key } },
          {
            next: (value) => void (out.next = value),
            error: (err) => resolve({ error: err }),
            complete: () => resolve(out),
          },
        );
      });
    }

    it('replays a retried mutation and creates one client', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const first = await run(token, createClient('Socket Sam'), key);
      const second = await run(token, createClient('Socket Sam'), key);
      expect(first.next).toMatchObject({ data: { createClient: { client: { fullName: 'Socket Sam' } } } });
      expect(second.next).toEqual(first.next);
      expect(await clientCount(server, token)).toBe(1);
      // The same key over HTTP replays the same result.
      const http = await send(server, createClient('Socket Sam'), token, key);
      expect(http.headers.get('idempotent-replayed')).toBe('true');
      expect(JSON.parse(http.text)).toEqual(first.next);
    });

    it('replays a stored error result exactly as it was first sent (formatted as on HTTP)', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const missing = Buffer.from('Client:00000000-0000-4000-8000-000000000000').toString('base64url');
      const merge = {
        query: print(MergeClientsDocument),
        operationName: 'MergeClients',
        variables: { input: { survivorId: missing, mergedId: missing } },
      };
      const first = await run(token, merge, key);
      const second = await run(token, merge, key);
      expect(first.next).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
      expect(second.next).toEqual(first.next);
      expect(JSON.stringify(first.next)).not.toMatch(/"http"|stacktrace/);
    });

    it('refuses the same key with another input with IDEMPOTENCY_CONFLICT', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      await run(token, createClient('Socket One'), key);
      const other = await run(token, createClient('Socket Two'), key);
      expect(other.error).toEqual([
        {
          message:
            'This Idempotency-Key was already used with a different request (query, operationName or variables); use a new key',
          extensions: { code: 'IDEMPOTENCY_CONFLICT' },
        },
      ]);
      expect(await clientCount(server, token)).toBe(1);
    });

    it('executes exactly one of 5 concurrent duplicates', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const results = await Promise.all(Array.from({ length: 5 }, () => run(token, createClient('Socket Crowd'), key)));
      expect(await clientCount(server, token)).toBe(1);
      const ids = new Set(
        results
          .map((r) => (r.next as { data?: { createClient: { client: { id: string } } } } | undefined)?.data)
          .filter(Boolean)
          .map((d) => d!.createClient.client.id),
      );
      expect(ids.size).toBe(1);
      for (const r of results.filter((x) => x.error)) {
        expect(r.error).toMatchObject([{ extensions: { code: 'IDEMPOTENCY_IN_PROGRESS' } }]);
      }
    });

    it('refuses a malformed key with BAD_USER_INPUT', async () => {
      const token = await server.tokenFor(uniq('idem'));
      const res = await run(token, createClient('Socket Bad'), '');
      expect(res.error).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
      expect(await clientCount(server, token)).toBe(0);
    });
  });

  (usingPostgres ? describe : describe.skip)('two instances sharing PostgreSQL', () => {
    let other: TestServer;

    beforeAll(async () => {
      other = await startTestServer({}, { shareWith: server });
    });
    afterAll(() => other.close());

    it("replays on instance B the response instance A gave, and B's retry does not execute", async () => {
      const token = await server.tokenFor(uniq('idem'));
      const key = uniq('key');
      const onA = await send(server, createClient('Balanced Bea'), token, key);
      const onB = await send(other, createClient('Balanced Bea'), token, key);
      expect(onA.headers.get('idempotent-replayed')).toBeNull();
      expect(onB.headers.get('idempotent-replayed')).toBe('true');
      expect(onB.text).toBe(onA.text);
      expect(await clientCount(other, token)).toBe(1);
    });
  });
});
