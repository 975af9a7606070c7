/**
 * Overhead of the type-graphql layer: the dashboard query executed in-process (graphql-js
 * `execute`, no HTTP, no Apollo) on the real type-graphql schema and on a hand-written graphql-js
 * schema covering only the query's fields, whose resolvers call exactly the functions the
 * type-graphql resolvers call (paginate, loadRef, loadChildren, the services' `where`). Same
 * loaders, same SQL: the difference is type-graphql's resolver wrapping (auth checker,
 * middlewares, argument conversion/validation, root conversion).
 *
 * Two modes: `db` (a fresh context per operation, every operation hits PostgreSQL) and `noDb`
 * (the page query and the DataLoaders are warmed once and shared, so no SQL runs and only the
 * GraphQL execution layers are timed). Each is run sequentially and with 10 operations in flight,
 * the two schemas interleaved in rounds (A B, B A, …).
 *
 * Env: BENCH_CLIENTS (dataset size, default 10,000), BENCH_OVERHEAD_ITERATIONS (operations per
 * schema per run, default 300), BENCH_OVERHEAD_WARMUP (default 50).
 */
import 'reflect-metadata';

import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';

import type { EntityManager } from '@mikro-orm/core';
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  GraphQLEnumType,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLNullableType,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
} from 'graphql';

import { resolvers } from '../src/app/resolvers.js';
import type { App } from '../src/app/start.js';
import { Client } from '../src/modules/clients/client.entity.js';
import { LifecycleStage } from '../src/modules/clients/client.enums.js';
import { ClientConnection } from '../src/modules/clients/client.resolver.js';
import { Deal } from '../src/modules/deals/deal.entity.js';
import { PipelineStage } from '../src/modules/deals/pipeline.entity.js';
import { Practice } from '../src/modules/practices/practice.entity.js';
import { PracticeStatus } from '../src/modules/practices/practice.enums.js';
import { PracticeType } from '../src/modules/practices/practice-type.entity.js';
import { TeamMember } from '../src/modules/tenancy/team-member.entity.js';
import { Ticket } from '../src/modules/tickets/ticket.entity.js';
import { TicketStatus } from '../src/modules/tickets/ticket.enums.js';
import type { Principal } from '../src/platform/auth/principal.js';
import { forkForTenant } from '../src/platform/db/tenancy.js';
import {
  type ConnectionArgs,
  keysetOrder,
  OrderDirection,
  pageRequest,
  paginate,
} from '../src/platform/graphql/connection.js';
import type { GraphQLContext } from '../src/platform/graphql/context.js';
import { loadChildren, Loaders, loadRef } from '../src/platform/graphql/loaders.js';
import { getSchema } from '../src/platform/graphql/schema.js';
import { type RequestStore, runInRequest } from '../src/platform/request-context.js';
import { percentile, startBenchApp } from './lib.js';
import { BENCH_JWT_SECRET, prepareDataset } from './server.js';

/** The dashboard list (same text as bench/profile.bench.ts). */
export const DASHBOARD = `{ clients(first: 50) { nodes { id fullName email lifecycleStage owner { name }
  practices { status type { code } } deals { title stage { name } } tickets(filter: { status: OPEN }) { number subject } } } }`;

// ---------------------------------------------------------------------------------------------
// The plain graphql-js schema: only the fields of DASHBOARD, resolvers as in the *.resolver.ts.
// ---------------------------------------------------------------------------------------------

/** A GraphQLEnumType from a TS string enum, as type-graphql's registerEnumType builds it. */
function enumType(name: string, e: Record<string, string>): GraphQLEnumType {
  return new GraphQLEnumType({
    name,
    values: Object.fromEntries(Object.entries(e).map(([k, v]) => [k, { value: v }])),
  });
}

const nonNull = <T extends GraphQLNullableType>(t: T) => new GraphQLNonNull(t);
const listOf = <T extends GraphQLObjectType>(t: T) => new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(t)));

/** Same columns as ClientResolver's ORDER_COLUMNS (only the default order is used here). */
const CLIENT_ORDER_COLUMNS = {
  CREATED_AT: 'createdAt',
  UPDATED_AT: 'updatedAt',
  FULL_NAME: 'fullName',
  LEAD_SCORE: 'leadScore',
} as const;

export function plainSchema(): GraphQLSchema {
  const LifecycleStageT = enumType('LifecycleStage', LifecycleStage);
  const PracticeStatusT = enumType('PracticeStatus', PracticeStatus);
  const TicketStatusT = enumType('TicketStatus', TicketStatus);

  const TeamMemberT = new GraphQLObjectType<TeamMember, GraphQLContext>({
    name: 'TeamMember',
    fields: { name: { type: nonNull(GraphQLString) } },
  });
  const PracticeTypeT = new GraphQLObjectType<PracticeType, GraphQLContext>({
    name: 'PracticeType',
    fields: { code: { type: nonNull(GraphQLString) } },
  });
  const PracticeT = new GraphQLObjectType<Practice, GraphQLContext>({
    name: 'Practice',
    fields: {
      status: { type: nonNull(PracticeStatusT) },
      // PracticeResolver.type
      type: { type: nonNull(PracticeTypeT), resolve: (p, _a, ctx) => loadRef(ctx, PracticeType, p.type) },
    },
  });
  const PipelineStageT = new GraphQLObjectType<PipelineStage, GraphQLContext>({
    name: 'PipelineStage',
    fields: { name: { type: nonNull(GraphQLString) } },
  });
  const DealT = new GraphQLObjectType<Deal, GraphQLContext>({
    name: 'Deal',
    fields: {
      title: { type: nonNull(GraphQLString) },
      // DealResolver.stage
      stage: { type: nonNull(PipelineStageT), resolve: (d, _a, ctx) => loadRef(ctx, PipelineStage, d.stage) },
    },
  });
  const TicketT = new GraphQLObjectType<Ticket, GraphQLContext>({
    name: 'Ticket',
    fields: { number: { type: nonNull(GraphQLInt) }, subject: { type: nonNull(GraphQLString) } },
  });
  const TicketFilterT = new GraphQLInputObjectType({
    name: 'TicketFilter',
    fields: { status: { type: TicketStatusT }, statuses: { type: new GraphQLList(nonNull(TicketStatusT)) } },
  });
  const ClientT = new GraphQLObjectType<Client, GraphQLContext>({
    name: 'Client',
    fields: {
      id: { type: nonNull(GraphQLID), resolve: (c) => c.nodeId },
      fullName: { type: nonNull(GraphQLString) },
      email: { type: GraphQLString },
      lifecycleStage: { type: nonNull(LifecycleStageT) },
      // ClientResolver.owner
      owner: { type: TeamMemberT, resolve: (c, _a, ctx) => loadRef(ctx, TeamMember, c.owner) },
      // ClientPracticesResolver.practices
      practices: {
        type: listOf(PracticeT),
        resolve: (c, args: { filter?: object | null }, ctx) =>
          loadChildren(
            ctx,
            Practice,
            'client',
            c.id,
            ctx.services.practices.where({ ...args.filter, clientId: undefined }) as Record<string, unknown>,
            [{ createdAt: 'desc' }, { id: 'desc' }],
          ),
      },
      // ClientDealsResolver.deals
      deals: {
        type: listOf(DealT),
        resolve: (c, args: { filter?: object | null }, ctx) =>
          loadChildren(
            ctx,
            Deal,
            'client',
            c.id,
            ctx.services.deals.where({ ...args.filter, clientId: undefined }) as Record<string, unknown>,
            [{ createdAt: 'desc' }, { id: 'desc' }],
          ),
      },
      // ClientTicketsResolver.tickets → ticketsOf(ctx, 'client', …)
      tickets: {
        type: listOf(TicketT),
        args: { filter: { type: TicketFilterT } },
        resolve: (c, args: { filter?: object | null }, ctx) =>
          loadChildren(
            ctx,
            Ticket,
            'client',
            c.id,
            ctx.services.tickets.where({
              ...args.filter,
              clientId: undefined,
              dealId: undefined,
              practiceId: undefined,
            }) as Record<string, unknown>,
            [{ createdAt: 'desc' }, { id: 'desc' }],
          ),
      },
    },
  });
  const ClientConnectionT = new GraphQLObjectType({
    name: 'ClientConnection',
    fields: { nodes: { type: listOf(ClientT) } },
  });
  const Query = new GraphQLObjectType<unknown, GraphQLContext>({
    name: 'Query',
    fields: {
      // ClientResolver.clients (no filter/orderBy in the dashboard query)
      clients: {
        type: nonNull(ClientConnectionT),
        args: {
          first: { type: GraphQLInt },
          after: { type: GraphQLString },
          last: { type: GraphQLInt },
          before: { type: GraphQLString },
        },
        resolve: (_root, args: ConnectionArgs, ctx) => {
          const order = keysetOrder(null, CLIENT_ORDER_COLUMNS, {
            field: 'CREATED_AT',
            direction: OrderDirection.DESC,
          });
          return paginate(
            ctx.em,
            Client,
            ClientConnection,
            ctx.services.clients.where(null),
            order as never,
            pageRequest(args),
          );
        },
      },
    },
  });
  return new GraphQLSchema({ query: Query });
}

// ---------------------------------------------------------------------------------------------
// Running and timing
// ---------------------------------------------------------------------------------------------

interface Side {
  name: string;
  schema: GraphQLSchema;
  document: DocumentNode;
}

interface OpResult {
  ms: number;
  sql: number;
  result: ExecutionResult;
}

type ContextFactory = () => GraphQLContext;

async function runOp(side: Side, makeCtx: ContextFactory): Promise<OpResult> {
  const store: RequestStore = { requestId: randomUUID(), sqlStatements: 0 };
  return runInRequest(store, async () => {
    const t0 = performance.now();
    const result = await execute({ schema: side.schema, document: side.document, contextValue: makeCtx() });
    const ms = performance.now() - t0;
    if (result.errors?.length) throw new Error(`${side.name}: ${JSON.stringify(result.errors)}`);
    return { ms, sql: store.sqlStatements, result };
  });
}

/** Runs `n` operations with `concurrency` in flight; returns per-op latencies, SQL counts and wall time. */
async function runBatch(side: Side, makeCtx: ContextFactory, n: number, concurrency: number) {
  const ms: number[] = [];
  const sql: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        next++;
        const r = await runOp(side, makeCtx);
        ms.push(r.ms);
        sql.push(r.sql);
      }
    }),
  );
  return { ms, sql, wallMs: performance.now() - t0 };
}

interface SideStats {
  ops: number;
  opsPerSec: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  sqlPerOp: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Interleaved rounds A B, B A, …; `iterations` ops per side in rounds of `roundSize`. */
async function compare(
  a: Side,
  b: Side,
  makeCtx: ContextFactory,
  iterations: number,
  concurrency: number,
): Promise<{ [name: string]: SideStats | number }> {
  const acc = new Map<string, { ms: number[]; sql: number[]; wallMs: number }>([
    [a.name, { ms: [], sql: [], wallMs: 0 }],
    [b.name, { ms: [], sql: [], wallMs: 0 }],
  ]);
  const roundSize = Math.max(concurrency * 5, 25);
  let done = 0;
  for (let round = 0; done < iterations; round++) {
    const n = Math.min(roundSize, iterations - done);
    for (const side of round % 2 === 0 ? [a, b] : [b, a]) {
      const r = await runBatch(side, makeCtx, n, concurrency);
      const s = acc.get(side.name)!;
      s.ms.push(...r.ms);
      s.sql.push(...r.sql);
      s.wallMs += r.wallMs;
    }
    done += n;
  }
  const out: { [name: string]: SideStats | number } = {};
  for (const [name, s] of acc) {
    out[name] = {
      ops: s.ms.length,
      opsPerSec: Math.round((1000 * s.ms.length) / s.wallMs),
      meanMs: round2(s.ms.reduce((x, y) => x + y, 0) / s.ms.length),
      p50Ms: round2(percentile(s.ms, 50)),
      p99Ms: round2(percentile(s.ms, 99)),
      sqlPerOp: round2(s.sql.reduce((x, y) => x + y, 0) / s.sql.length),
    };
  }
  const ta = out[a.name] as SideStats;
  const tb = out[b.name] as SideStats;
  // Overhead of `a` (type-graphql) over `b` (plain): extra time per op, and lost throughput.
  out.overheadMeanPct = round2((100 * (ta.meanMs - tb.meanMs)) / tb.meanMs);
  out.overheadThroughputPct = round2((100 * (tb.opsPerSec - ta.opsPerSec)) / ta.opsPerSec);
  return out;
}

/** Promises created by one operation (async_hooks init events; untimed, the hook itself is slow). */
async function promisesPerOp(side: Side, makeCtx: ContextFactory): Promise<number> {
  let n = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') n++;
    },
  });
  hook.enable();
  try {
    await runOp(side, makeCtx);
  } finally {
    hook.disable();
  }
  return n;
}

/** An EntityManager that answers `findByCursor` from the first answer (the only page query of DASHBOARD). */
function cachedPageEm(real: EntityManager): EntityManager {
  let page: Promise<unknown> | undefined;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'findByCursor') {
        return (...args: unknown[]) =>
          (page ??= (target.findByCursor as (...a: unknown[]) => Promise<unknown>)(...args));
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function runOverheadBench(): Promise<Record<string, unknown>> {
  const iterations = Number(process.env.BENCH_OVERHEAD_ITERATIONS ?? 300);
  const warmup = Number(process.env.BENCH_OVERHEAD_WARMUP ?? 50);
  const loadBefore = loadavg();
  const dataset = await prepareDataset();
  let app: App | undefined;
  try {
    app = await startBenchApp(dataset.databaseUrl, { JOBS: 'off', REDIS_URL: '', JWT_SECRET: BENCH_JWT_SECRET });
    const root = app.db.orm.em;
    const principal = (await app.services.auth.authenticate(root, {
      authorization: `Bearer ${dataset.token}`,
    })) as Principal;
    if (!principal) throw new Error('bench token did not authenticate');

    const document = parse(DASHBOARD);
    const tg: Side = { name: 'typeGraphql', schema: await getSchema(resolvers), document };
    const plain: Side = { name: 'plainGraphqlJs', schema: plainSchema(), document };
    // Validation is done once here (not per operation): only execution is timed.
    for (const side of [tg, plain]) {
      const errors = validate(side.schema, document);
      if (errors.length) throw new Error(`${side.name}: ${errors.map((e) => e.message).join('; ')}`);
    }

    const { pubsub, logger, services } = app;
    // As contextFactory (platform/graphql/context.ts) builds it, for an authenticated principal.
    const freshContext: ContextFactory = () => ({
      requestId: randomUUID(),
      principal,
      em: forkForTenant(root, principal.tenantId),
      loaders: new Loaders(),
      pubsub,
      logger,
      services,
    });
    // No-DB mode: one page answer and one set of warmed DataLoaders shared by every operation.
    const sharedEm = cachedPageEm(forkForTenant(root, principal.tenantId));
    const sharedLoaders = new Loaders();
    const cachedContext: ContextFactory = () => ({
      requestId: randomUUID(),
      principal,
      em: sharedEm,
      loaders: sharedLoaders,
      pubsub,
      logger,
      services,
    });

    // Both schemas must answer the same.
    const normal = (r: ExecutionResult) => JSON.parse(JSON.stringify(r.data)) as unknown;
    const check: Record<string, unknown> = {};
    for (const [mode, ctx] of [
      ['db', freshContext],
      ['noDb', cachedContext],
    ] as const) {
      const ra = await runOp(tg, ctx);
      const rb = await runOp(plain, ctx);
      if (!isDeepStrictEqual(normal(ra.result), normal(rb.result))) {
        throw new Error(`${mode}: type-graphql and plain graphql-js answers differ`);
      }
      const nodes = (normal(ra.result) as { clients: { nodes: Record<string, unknown[]>[] } }).clients.nodes;
      check[mode] = {
        identical: true,
        clients: nodes.length,
        practices: nodes.reduce((s, n) => s + n.practices.length, 0),
        deals: nodes.reduce((s, n) => s + n.deals.length, 0),
        openTickets: nodes.reduce((s, n) => s + n.tickets.length, 0),
        responseBytes: JSON.stringify(ra.result.data).length,
        sql: { typeGraphql: ra.sql, plainGraphqlJs: rb.sql },
        promisesPerOp: {
          typeGraphql: await promisesPerOp(tg, ctx),
          plainGraphqlJs: await promisesPerOp(plain, ctx),
        },
      };
    }

    for (const ctx of [freshContext, cachedContext]) {
      for (let i = 0; i < warmup; i++) {
        await runOp(tg, ctx);
        await runOp(plain, ctx);
      }
    }

    const noDbIterations = iterations * 3;
    const runs = {
      dbSequential: await compare(tg, plain, freshContext, iterations, 1),
      dbConcurrent10: await compare(tg, plain, freshContext, iterations, 10),
      noDbSequential: await compare(tg, plain, cachedContext, noDbIterations, 1),
      noDbConcurrent10: await compare(tg, plain, cachedContext, noDbIterations, 10),
    };

    const rows = Object.entries(runs).flatMap(([run, r]) =>
      [tg.name, plain.name].map((name) => {
        const s = r[name] as SideStats;
        return {
          run,
          schema: name,
          'ops/s': s.opsPerSec,
          'mean ms': s.meanMs,
          'p50 ms': s.p50Ms,
          'p99 ms': s.p99Ms,
          'SQL/op': s.sqlPerOp,
          'overhead %': name === tg.name ? r.overheadMeanPct : '',
        };
      }),
    );
    console.table(rows);

    return {
      name: 'overhead',
      query: DASHBOARD,
      clients: dataset.clients,
      iterations: { db: iterations, noDb: noDbIterations, warmup },
      node: process.version,
      loadavg: { before: loadBefore.map(round2), after: loadavg().map(round2) },
      check,
      runs,
      notes: [
        'execute() only: parse and validation once up front; no HTTP, no Apollo.',
        'overheadMeanPct = (typeGraphql mean − plain mean) / plain mean; overheadThroughputPct = plain ops/s over typeGraphql ops/s − 1.',
        'noDb: the page query and DataLoaders are warmed once and shared, so SQL/op is 0 and only GraphQL execution (plus DataLoader cache hits and cursor encoding) is timed.',
      ],
    };
  } finally {
    await app?.close();
    await dataset.drop();
  }
}
