import { resolve } from 'node:path';

import { z } from 'zod';

/** Log levels understood by pino. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be an integer' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/**
 * One entry of CORS_ORIGINS, normalized (`https://App.example.com:443` → `https://app.example.com`):
 * `scheme://host[:port]`, http or https, no path, query or credentials; `:*` stands for any port
 * (`http://localhost:*`). Undefined when the entry is not an origin.
 */
export function parseOrigin(entry: string): string | undefined {
  const anyPort = entry.endsWith(':*');
  const base = anyPort ? entry.slice(0, -2) : entry;
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    return undefined;
  }
  const bare =
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    u.pathname === '/' &&
    !base.endsWith('/') &&
    !u.search &&
    !u.hash &&
    !base.includes('?') &&
    !base.includes('#') &&
    !u.username &&
    !u.password &&
    !(anyPort && u.port);
  if (!bare) return undefined;
  return anyPort ? `${u.protocol}//${u.hostname}:*` : u.origin;
}

/** Origins allowed by default outside production: any local port, as dev servers (Vite :5173) use. */
export const DEV_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

const origins = z.string().transform((value, ctx) => {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const parsed: string[] = [];
  for (const entry of entries) {
    const origin = parseOrigin(entry);
    if (origin) parsed.push(origin);
    else
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" is not an origin: write scheme://host[:port] (e.g. https://app.example.com, http://localhost:5173), no path`,
      });
  }
  return parsed;
});

/**
 * Every environment variable Meridian reads, with its default. `.env.example` documents each one;
 * keep the two in step.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** HTTP and WebSocket port. Default 4000. */
  PORT: int(0, 65535).default(4000),
  /** Interface to listen on. Default 0.0.0.0. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** PostgreSQL URL; unset means the embedded PGlite under DATA_DIR. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Connection pool size per process for DATABASE_URL. Default 10. */
  DATABASE_POOL_MAX: int(1, 200).default(10),
  /** Redis URL; unset means in-process pub/sub and jobs. */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** Directory for the embedded database and generated secrets. Default ./data. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** HS256 secret for JWTs (at least 32 characters). Unset: generated once and kept in DATA_DIR (not allowed in production). */
  JWT_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  /** Lifetime of tokens minted by `npm run token`. Default 30d. */
  JWT_TTL: z
    .string()
    .regex(/^\d+[smhdw]$/, { message: 'must look like 30d, 12h, 15m' })
    .default('30d'),
  /** Anthropic API key; unset means the heuristic extractor. */
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  /** Anthropic model for extraction. */
  ANTHROPIC_MODEL: z.string().min(1).default('claude-haiku-4-5'),
  /** Anthropic API base URL (tests point it at a local server). */
  ANTHROPIC_BASE_URL: url(['http:', 'https:']).optional(),
  /** How long one Messages API call may take before it is abandoned (and retried). Default 20000 ms. */
  ANTHROPIC_TIMEOUT_MS: int(100, 600_000).default(20_000),
  /** Retries of a failed call (429, 5xx, timeouts) inside one extraction, by the SDK. Default 2. */
  ANTHROPIC_MAX_RETRIES: int(0, 10).default(2),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Introspection; default on except in production. */
  GRAPHQL_INTROSPECTION: bool.optional(),
  /**
   * Browser origins allowed to call the API cross-origin (HTTP CORS and WebSocket upgrades),
   * comma-separated. Default: any `http://localhost:*` and `http://127.0.0.1:*` port outside
   * production; none in production.
   */
  CORS_ORIGINS: origins.optional(),
  /** Serve GraphiQL at GET /graphql and /playground; default on except in production. */
  PLAYGROUND: bool.optional(),
  /** Maximum selection depth of an operation. Default 12 (Relay connections use 3 levels per list). */
  GRAPHQL_MAX_DEPTH: int(1, 100).default(12),
  /** Maximum aliases per operation. Default 15 (graphql-armor's). */
  GRAPHQL_MAX_ALIASES: int(0, 1000).default(15),
  /** Maximum cost of an operation (graphql-armor cost model). Default 5000 (graphql-armor's). */
  GRAPHQL_MAX_COST: int(1, 1_000_000).default(5000),
  /** Largest `first`/`last` a connection accepts. Default 100. */
  GRAPHQL_MAX_PAGE_SIZE: int(1, 1000).default(100),
  /** Largest request body accepted. Default 1mb. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { message: 'must look like 512kb or 1mb' })
    .default('1mb'),
  /** How long SIGTERM waits for in-flight work before closing. Default 10000 ms. */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /**
   * Seconds between SIGTERM and the moment the API stops accepting work: `/readyz` answers 503 at
   * once and the instance keeps serving meanwhile, so load balancers' health checks take it out of
   * rotation before it closes anything. Default 5 in production, else 0.
   */
  DRAIN_SECONDS: int(0, 300).optional(),
  /** Create the demo tenant, its admin and a small data set on start. Default: on for the embedded database. */
  DEMO_SEED: bool.optional(),
  /**
   * Where background jobs run (the renewal schedule, background extractions): `inline` in this
   * process, `worker` in the separate `npm run worker` processes (BullMQ on Redis), `off`: no
   * recurring jobs, background work still inline. Default: `worker` when REDIS_URL is set, else `inline`.
   */
  JOBS: z.enum(['inline', 'worker', 'off']).optional(),
  /** Prefix of this deployment's Redis keys and channels (pub/sub and job queue). Default `meridian`. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,64}$/, { message: 'must be 1–64 letters, digits, dots, dashes or underscores' })
    .default('meridian'),
  /** How often the renewal schedule checks whether a tenant's daily scan time has come. Default 60 s. */
  RENEWAL_TICK_SECONDS: int(1, 3600).default(60),
});

type Env = z.infer<typeof schema>;

/** Validated configuration, read once at start. */
export interface Config extends Omit<
  Env,
  'GRAPHQL_INTROSPECTION' | 'PLAYGROUND' | 'DEMO_SEED' | 'DATA_DIR' | 'JOBS' | 'CORS_ORIGINS' | 'DRAIN_SECONDS'
> {
  /** Seconds served unready after SIGTERM (see the schema). */
  DRAIN_SECONDS: number;
  JOBS: 'inline' | 'worker' | 'off';
  DATA_DIR: string;
  GRAPHQL_INTROSPECTION: boolean;
  PLAYGROUND: boolean;
  /** Normalized allowed origins (see {@link parseOrigin}); empty: no cross-origin access. */
  CORS_ORIGINS: string[];
  DEMO_SEED: boolean;
  /** True when no DATABASE_URL is set and the embedded PGlite is used. */
  embedded: boolean;
}

/** Thrown when an environment variable has a bad value; the message names the variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from `env` (default `process.env`). Empty strings count as
 * unset. Throws {@link ConfigError} naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const issues: string[] = [];
  if (production && !e.JWT_SECRET) {
    issues.push('JWT_SECRET: must be set when NODE_ENV=production');
  }
  if (e.JOBS === 'worker' && !e.REDIS_URL) {
    issues.push('JOBS: "worker" needs REDIS_URL (the job queue lives in Redis)');
  }
  if (issues.length) throw new ConfigError(issues);
  const embedded = !e.DATABASE_URL;
  return {
    ...e,
    DATA_DIR: resolve(e.DATA_DIR),
    GRAPHQL_INTROSPECTION: e.GRAPHQL_INTROSPECTION ?? !production,
    PLAYGROUND: e.PLAYGROUND ?? !production,
    CORS_ORIGINS: e.CORS_ORIGINS ?? (production ? [] : DEV_CORS_ORIGINS),
    DEMO_SEED: e.DEMO_SEED ?? embedded,
    JOBS: e.JOBS ?? (e.REDIS_URL ? 'worker' : 'inline'),
    DRAIN_SECONDS: e.DRAIN_SECONDS ?? (production ? 5 : 0),
    embedded,
  };
}
