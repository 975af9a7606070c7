import { Writable } from 'node:stream';

import { GraphQLError } from 'graphql';

import { Role } from '../src/modules/tenancy/role.js';
import { formatErrorFactory } from '../src/platform/http/errors.js';
import { createLogger } from '../src/platform/logger.js';
import { runInRequest } from '../src/platform/request-context.js';
import { ViewerDocument } from './generated/graphql.js';
import { startTestServer, uniq } from './helpers/server.js';

describe('Production mode', () => {
  it('turns introspection off unless GRAPHQL_INTROSPECTION=true', async () => {
    const server = await startTestServer({ NODE_ENV: 'production' });
    try {
      const token = await server.tokenFor(uniq('prod'));
      const res = await server.post(
        { query: '{ __schema { queryType { name } } }' },
        { authorization: `Bearer ${token}` },
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.json)).toMatch(/introspection/i);
      const viewer = await server.gql(ViewerDocument, {}, token);
      expect(viewer.data?.viewer?.role).toBe('ADMIN');
      expect(viewer.extensions?.sqlStatements).toBeUndefined();
      const page = await fetch(`${server.url}/playground`);
      expect(page.status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('over WebSocket too: no introspection, no "Did you mean", coded errors', async () => {
    const server = await startTestServer({ NODE_ENV: 'production' });
    try {
      const tenant = uniq('prodws');
      const client = server.ws({ authorization: `Bearer ${await server.tokenFor(tenant, Role.VIEWER)}` });
      const run = (query: string) =>
        new Promise<unknown>((resolve) => {
          const results: unknown[] = [];
          client.subscribe(
            { query },
            { next: (r) => results.push(r), error: (error) => resolve({ error }), complete: () => resolve(results) },
          );
        });
      const introspection = (await run('{ __schema { queryType { name } } }')) as { error: { message: string }[] };
      expect(introspection.error.map((e) => e.message)).toEqual([
        'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
        'GraphQL introspection has been disabled, but the requested query contained the field "queryType".',
      ]);
      expect(await run('{ viewr { id } }')).toEqual({
        error: [
          {
            message: 'Cannot query field "viewr" on type "Query".',
            locations: [{ line: 1, column: 3 }],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
      // Execution errors carry their codes, as on HTTP.
      expect(await run('mutation { createTeamMember(input: { email: "x@y.test" }) { teamMember { id } } }')).toEqual([
        {
          data: null,
          errors: [
            {
              message: 'This operation needs one of the roles ADMIN; you are VIEWER',
              locations: [{ line: 1, column: 12 }],
              path: ['createTeamMember'],
              extensions: { code: 'FORBIDDEN' },
            },
          ],
        },
      ]);
      // And HTTP gives no suggestions either.
      const http = await server.post(
        { query: '{ viewr { id } }' },
        { authorization: `Bearer ${await server.tokenFor(tenant)}` },
      );
      expect(http.status).toBe(400);
      expect(JSON.stringify(http.json)).not.toMatch(/Did you mean/);
    } finally {
      await server.close();
    }
  });

  it('masks unexpected errors (no stack, no message) and logs them with the request id', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const captured = createLogger('info', 'test', sink);
    const codes: string[] = [];
    const format = formatErrorFactory(captured, true, (c) => codes.push(c));
    const secret = new Error('connection string postgres://user:hunter2@db');
    const formatted = runInRequest({ requestId: 'req-42', sqlStatements: 0 }, () =>
      format(
        { message: secret.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } },
        new GraphQLError(secret.message, { originalError: secret }),
      ),
    );
    expect(formatted).toEqual({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' },
    });
    expect(codes).toEqual(['INTERNAL_SERVER_ERROR']);
    const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; err?: { message: string } });
    expect(logged.some((l) => l.reqId === 'req-42' && l.err?.message.includes('hunter2'))).toBe(true);
  });
});
