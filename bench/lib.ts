/** Shared helpers of the benchmarks: a fresh PostgreSQL database, an in-process server, stats. */
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';

import pg from 'pg';

import { type App, startApp } from '../src/app/start.js';
import { loadConfig } from '../src/config.js';
import { postGraphql } from '../test/helpers/post.js';

/**
 * PostgreSQL server used by the benchmarks (a fresh database is created on it). BENCH_PG_SOCKET (a
 * directory, e.g. /var/run/postgresql): every connection of the benchmarks (the servers measured,
 * the peer, the floor and the bench's own) goes through that Unix socket instead of TCP, by the URL's
 * `host` parameter, which each database URL derived from this one keeps.
 */
export const ADMIN_URL = withSocket(
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  process.env.BENCH_PG_SOCKET,
);

/** `url` with its `host` parameter set to the Unix socket directory `socket` (unchanged without one). */
function withSocket(url: string, socket: string | undefined): string {
  if (!socket) return url;
  const u = new URL(url);
  u.searchParams.set('host', socket);
  return u.toString();
}

/** How a PostgreSQL URL connects, for the benches' reports: `Unix socket <dir>` or `TCP <host:port>`. */
export function transportOf(url: string): string {
  const u = new URL(url);
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  return host.startsWith('/') ? `Unix socket ${host}` : `TCP ${host}:${u.port || 5432}`;
}

/** Creates a fresh database; returns its URL and a function that drops it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `meridian_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

/**
 * The database named `name` on the benchmarks' server, created if missing; `existed` says whether it
 * was there already. It is kept (its `drop` does nothing): for data sets too slow to generate on every run.
 */
export async function keptDatabase(
  name: string,
): Promise<{ url: string; existed: boolean; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (!found.rowCount) await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), existed: Boolean(found.rowCount), drop: () => Promise.resolve() };
}

/** Starts the API in this process on a free port against `databaseUrl`. */
export function startBenchApp(databaseUrl: string, env: Record<string, string> = {}): Promise<App> {
  return startApp(
    loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: databaseUrl,
      DEMO_SEED: 'false',
      GRAPHQL_MAX_COST: '1000000',
      RATE_LIMITS: 'false', // one token measures throughput
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...env,
    }),
    { pubsubPrefix: `meridian-bench-${randomBytes(3).toString('hex')}:` },
  );
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * The benches' in-process client connections (keep-alive), through node:http like the tests': with
 * the global fetch (undici, web streams) the search bench's client alone used 0.6-0.7 ms of CPU per
 * request (0.5 now) and the bench process 2.3-2.8 ms per search at 10 connections (1.8 now), on the
 * same event loop as the server it measures (2026-11-28, quiet, load 1.1-1.9).
 */
const clientAgent = new Agent({ keepAlive: true });

/** Posts a GraphQL operation; throws on errors. */
export async function gql<T = any>(url: string, token: string, query: string, variables?: object): Promise<T> {
  const res = await postGraphql(clientAgent, url, JSON.stringify({ query, variables }), {
    authorization: `Bearer ${token}`,
  });
  const body = JSON.parse(res.text) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

/** Writes a JSON result under bench/results/ and returns its path. */
export function saveResult(name: string, result: object): string {
  mkdirSync('bench/results', { recursive: true });
  const path = `bench/results/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(path, JSON.stringify(result, null, 2));
  return path;
}
