/**
 * PostGraphile 5 over Meridian's database, the peer of the HTTP benchmark (bench/http.bench.ts).
 * Run as its own process (dist/bench/postgraphile-server.js) with DATABASE_URL and PORT (HOST
 * optional, default 127.0.0.1). Amber preset + connection-filter plugin, schema `public`,
 * GraphQL at /graphql, no GraphiQL, no watch mode, no explain. The pg pool keeps its default
 * size (10), the same as Meridian's DATABASE_POOL_MAX default.
 *
 * PgIndexBehaviorsPlugin is disabled so `condition`/`orderBy` exist on every column (PostGraphile 5
 * otherwise only exposes columns that lead an index: not `status`, `created_at` or
 * `expiry_date`, which Meridian's indexes carry after `tenant_id`). Schema build logs one
 * recoverable naming conflict (practiceByRenewalOfId: forward and backward relation of the unique
 * self-reference practice.renewal_of_id); only that field is dropped.
 */
import { createServer } from 'node:http';

import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 5678);
const host = process.env.HOST ?? '127.0.0.1';
if (!databaseUrl) throw new Error('DATABASE_URL is required');

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  disablePlugins: [
    'PgIndexBehaviorsPlugin',
    // The relation filters of connection-filter 4.0.1 trip over practice.renewal_of_id (a unique
    // self-reference) and leave Client, Tenant, TeamMember and TenantCounter without fields.
    'PgConnectionArgFilterBackwardRelationsPlugin',
    'PgConnectionArgFilterForwardRelationsPlugin',
  ],
  pgServices: [makePgService({ connectionString: databaseUrl, schemas: ['public'] })],
  grafserv: { port, host, graphqlPath: '/graphql', graphiql: false, watch: false, maxRequestLength: 1_000_000 },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (e) => {
  console.error(e);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, host, () => console.log(`PostGraphile listening on http://${host}:${port}/graphql`));

const shutdown = () => {
  server.close();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
