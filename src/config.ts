import { resolve } from 'node:path';

import { z } from 'zod';

import { MAX_TOKEN_LIFETIME_SECONDS } from './platform/auth/jwt.js';
import { parseSecretsKey } from './platform/secrets.js';

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

/** A rate-limit budget: `points/seconds`, e.g. `600/60` (600 per minute). */
const budget = z
  .string()
  .regex(/^\d+\/\d+$/, { message: 'must look like 600/60 (points per seconds)' })
  .transform((v) => {
    const [points, seconds] = v.split('/').map(Number);
    return { points, seconds };
  })
  .refine((b) => b.points >= 1 && b.points <= 1_000_000, { message: 'points must be 1–1000000' })
  .refine((b) => b.seconds >= 1 && b.seconds <= 86_400, { message: 'seconds must be 1–86400' });

/**
 * Every environment variable Meridian reads, with its default. `.env.example` documents each one;
 * keep the two in step.
 */
/** Seconds in a duration such as `30d`, `12h`, `15m` (s, m, h, d, w). */
function ttlSeconds(ttl: string): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[ttl.slice(-1) as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(ttl.slice(0, -1)) * unit;
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** HTTP and WebSocket port. Default 4000. */
  PORT: int(0, 65535).default(4000),
  /** Interface to listen on. Default 127.0.0.1 (this machine only) outside production, 0.0.0.0 in production. */
  HOST: z.string().min(1).optional(),
  /** PostgreSQL URL; unset means the embedded PGlite under DATA_DIR. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Connection pool size per process for DATABASE_URL. Default 10. */
  DATABASE_POOL_MAX: int(1, 200).default(10),
  /**
   * Keep the fast read path's, search's and the segment membership round's statements prepared on
   * each DATABASE_URL connection (named statements).
   * Default true; false behind a pooler that cannot hold them (PgBouncer in transaction mode before
   * 1.21 or without max_prepared_statements).
   */
  DATABASE_PREPARED_STATEMENTS: bool.default(true),
  /** Redis URL; unset means in-process pub/sub and jobs. */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** Directory for the embedded database and generated secrets. Default ./data. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** HS256 secret for JWTs (at least 32 characters). Unset: generated once and kept in DATA_DIR (not allowed in production). */
  JWT_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  /**
   * Key encrypting stored provider credentials (AES-256-GCM): 32 bytes as 64 hex digits or base64.
   * Unset: generated once and kept in DATA_DIR/secrets-key (mode 0600). Changing it makes stored
   * credentials unreadable (connections then need to be connected again).
   */
  SECRETS_KEY: z
    .string()
    .refine((v) => parseSecretsKey(v) !== null, { message: 'must be 32 bytes as 64 hex digits or base64' })
    .optional(),
  /** Largest CSV file `POST /imports` accepts. Default 200mb. */
  SYNC_IMPORT_MAX_BYTES: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { message: 'must look like 512kb or 200mb' })
    .default('200mb'),
  /** A running sync run whose worker showed no sign of life for this long is resumed by another. Default 30. */
  SYNC_STALE_SECONDS: int(2, 3600).default(30),
  /** Records per committed page of a sync run (the unit of progress, cancellation and resumption). Default 200. */
  SYNC_PAGE_SIZE: int(1, 5000).default(200),
  /** HubSpot app's client id (OAuth). Unset: only private-app connections. */
  HUBSPOT_CLIENT_ID: z.string().min(1).optional(),
  /** HubSpot app's client secret: OAuth token exchange and webhook signature (v3) verification. */
  HUBSPOT_CLIENT_SECRET: z.string().min(1).optional(),
  /** HubSpot API base URL. Default https://api.hubapi.com (tests point it at a local server). */
  HUBSPOT_API_BASE_URL: url(['http:', 'https:']).default('https://api.hubapi.com'),
  /** HubSpot's OAuth authorize page. Default https://app.hubspot.com/oauth/authorize. */
  HUBSPOT_OAUTH_AUTHORIZE_URL: url(['http:', 'https:']).default('https://app.hubspot.com/oauth/authorize'),
  /** HubSpot's OAuth token endpoint. Default HUBSPOT_API_BASE_URL + /oauth/v1/token. */
  HUBSPOT_OAUTH_TOKEN_URL: url(['http:', 'https:']).optional(),
  /** Redirect URI registered with the HubSpot app. Default: this server's /oauth/hubspot/callback as the request reached it. */
  HUBSPOT_REDIRECT_URI: url(['http:', 'https:']).optional(),
  /** Public URL of POST /webhooks/hubspot as HubSpot calls it (signed in the v3 signature). Default: as the request reached it. */
  HUBSPOT_WEBHOOK_URL: url(['http:', 'https:']).optional(),
  /** Space-separated OAuth scopes requested. */
  HUBSPOT_SCOPES: z
    .string()
    .min(1)
    .default(
      'oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.companies.read crm.objects.deals.read crm.objects.deals.write',
    ),
  /** HubSpot's published burst limit per account (requests per 10 s); Meridian uses 90 %. Default 110. */
  HUBSPOT_RATE_LIMIT_PER_10S: int(1, 100_000).default(110),
  /** HubSpot's published search limit per account (requests per second); Meridian uses 90 %. Default 5. */
  HUBSPOT_SEARCH_RATE_PER_SECOND: int(1, 10_000).default(5),
  /** Retries of a HubSpot call after 429, 5xx or a timeout. Default 5. */
  HUBSPOT_MAX_RETRIES: int(0, 20).default(5),
  /** First backoff delay after a 5xx or a timeout (doubled each retry, with jitter). Default 500 ms. */
  HUBSPOT_RETRY_BASE_MS: int(1, 60_000).default(500),
  /** Records per HubSpot list page (1–100, HubSpot's maximum; search pages hold up to 200). Default 100. */
  HUBSPOT_PAGE_LIMIT: int(1, 100).default(100),
  /** How long one HubSpot call may take. Default 30000 ms. */
  HUBSPOT_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /** Lifetime of tokens minted by `npm run token`. Default 30d, at most 90d. */
  JWT_TTL: z
    .string()
    .regex(/^\d+[smhdw]$/, { message: 'must look like 30d, 12h, 15m' })
    .refine((ttl) => ttlSeconds(ttl) <= MAX_TOKEN_LIFETIME_SECONDS, { message: 'must be at most 90d' })
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
  /**
   * The same two for `ask(question)`, whose caller waits for the answer: on a timeout or a failed
   * call the question is answered by the heuristic parser, saying why. Defaults 8000 ms and 1.
   */
  ASK_ANTHROPIC_TIMEOUT_MS: int(100, 600_000).default(8_000),
  ASK_ANTHROPIC_MAX_RETRIES: int(0, 10).default(1),
  /**
   * How much the heap may grow past its live size before a full collection, in percent (V8's
   * `--heap-growing-percent`); 0: V8's own factor. Default 25 (see src/platform/memory.ts).
   */
  HEAP_GROWING_PERCENT: int(0, 400).default(25),
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
  /** Serve the live dashboard page at /dashboard; default on except in production. */
  DASHBOARD_ENABLED: bool.optional(),
  /** Maximum selection depth of an operation. Default 12 (Relay connections use 3 levels per list). */
  GRAPHQL_MAX_DEPTH: int(1, 100).default(12),
  /** Maximum aliases per operation. Default 15 (graphql-armor's). */
  GRAPHQL_MAX_ALIASES: int(0, 1000).default(15),
  /**
   * Maximum cost of an operation, with its variables (see CostLimit). Default 50000: the dashboard
   * list of 50 clients with their owner, practices, deals and 5 tickets each costs about 11,400.
   */
  GRAPHQL_MAX_COST: int(1, 1_000_000).default(50_000),
  /** Per-principal rate limits on GraphQL operations (HTTP and WebSocket). Default on. */
  RATE_LIMITS: bool.default(true),
  /** Operations of any kind per principal: `points/seconds`. Default 600/60. */
  RATE_LIMIT_OPERATIONS: budget.default({ points: 600, seconds: 60 }),
  /** Mutation fields per principal (each root field of a mutation counts). Default 120/60. */
  RATE_LIMIT_MUTATIONS: budget.default({ points: 120, seconds: 60 }),
  /** Expensive fields (ingestConversation…) per principal. Default 30/60. */
  RATE_LIMIT_EXPENSIVE: budget.default({ points: 30, seconds: 60 }),
  /** Largest `first`/`last` a connection accepts. Default 100. */
  GRAPHQL_MAX_PAGE_SIZE: int(1, 1000).default(100),
  /** Largest request body accepted. Default 1mb. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, { message: 'must look like 512kb or 1mb' })
    .default('1mb'),
  /** Longest message of an ingested conversation, in characters. Default 20000. */
  CONVERSATION_MAX_MESSAGE_CHARS: int(1, 1_000_000).default(20_000),
  /** Most messages in one conversation (all ingestions of a session together). Default 500. */
  CONVERSATION_MAX_MESSAGES: int(1, 100_000).default(500),
  /**
   * Most characters in one conversation, all its messages and ingestions together: what one
   * extraction reads (the heuristic extractor's CPU, the model's tokens). Default 100000.
   */
  CONVERSATION_MAX_CHARS: int(1, 10_000_000).default(100_000),
  /**
   * Bearer token for `GET /metrics` on the main port (at least 16 characters). In production
   * `/metrics` on the main port is served only when it is set (404 otherwise); outside production
   * it is open unless set.
   */
  METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  /** Also serve `/metrics`, without a token, on this port of 127.0.0.1 only (for a local scraper). */
  METRICS_PORT: int(1, 65535).optional(),
  /**
   * WebSockets from one remote address not yet authenticated (no valid `connection_init` yet); one
   * more is refused with HTTP 429. Default 16. Behind a proxy every client shares its address: raise it.
   */
  WS_MAX_PENDING_PER_ADDRESS: int(1, 100_000).default(16),
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
  /** How often the task-due scan looks for open tasks whose due time has come (1–3600 s). Default 30 s. */
  TASK_DUE_TICK_SECONDS: int(1, 3600).default(30),
  /**
   * How often the segment membership processor reads the new timeline events and re-checks the
   * records they touch against the segments they can affect (1–3600 s). Default 1 s.
   */
  SEGMENT_TICK_SECONDS: int(1, 3600).default(1),
  /**
   * Longest a statement built from a criteria tree (a segment's count, members, evaluation,
   * `previewSegment`) may run before it is stopped with QUERY_TIMEOUT (100–600000 ms). Default 5000.
   */
  CRITERIA_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5000),
  /**
   * An extraction PENDING for this long without a change was left by a crash (or a lost job): the
   * sweep queues it again. Default 300 s (longer than a run with all its retries).
   */
  EXTRACTION_STALE_SECONDS: int(1, 86_400).default(300),
  /** How long a mutation's `Idempotency-Key` and its stored response are kept (1–720 hours). Default 24. */
  IDEMPOTENCY_TTL_HOURS: int(1, 720).default(24),
});

type Env = z.infer<typeof schema>;

/** Every environment variable Meridian reads (the README's Configuration table lists each). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Validated configuration, read once at start. */
export interface Config extends Omit<
  Env,
  | 'GRAPHQL_INTROSPECTION'
  | 'PLAYGROUND'
  | 'DASHBOARD_ENABLED'
  | 'DEMO_SEED'
  | 'DATA_DIR'
  | 'JOBS'
  | 'CORS_ORIGINS'
  | 'HOST'
  | 'DRAIN_SECONDS'
> {
  /** The interface to listen on (default: 127.0.0.1 outside production, 0.0.0.0 in production). */
  HOST: string;
  /** Seconds served unready after SIGTERM (see the schema). */
  DRAIN_SECONDS: number;
  JOBS: 'inline' | 'worker' | 'off';
  DATA_DIR: string;
  GRAPHQL_INTROSPECTION: boolean;
  PLAYGROUND: boolean;
  DASHBOARD_ENABLED: boolean;
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

/** Bytes of a size as BODY_LIMIT writes it (`512kb`, `1mb`; units of 1024, as Express reads it). */
export function parseByteSize(size: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(size);
  if (!match) throw new Error(`not a byte size: ${size}`);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[match[2].toLowerCase() as 'b' | 'kb' | 'mb'];
  return Number(match[1]) * unit;
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
  if (e.CONVERSATION_MAX_MESSAGE_CHARS > e.CONVERSATION_MAX_CHARS) {
    issues.push('CONVERSATION_MAX_MESSAGE_CHARS: must not exceed CONVERSATION_MAX_CHARS');
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) {
    issues.push('METRICS_PORT: must differ from PORT');
  }
  if (Boolean(e.HUBSPOT_CLIENT_ID) !== Boolean(e.HUBSPOT_CLIENT_SECRET)) {
    issues.push('HUBSPOT_CLIENT_ID: HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET go together');
  }
  if (issues.length) throw new ConfigError(issues);
  const embedded = !e.DATABASE_URL;
  return {
    ...e,
    HOST: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    DATA_DIR: resolve(e.DATA_DIR),
    GRAPHQL_INTROSPECTION: e.GRAPHQL_INTROSPECTION ?? !production,
    PLAYGROUND: e.PLAYGROUND ?? !production,
    DASHBOARD_ENABLED: e.DASHBOARD_ENABLED ?? !production,
    CORS_ORIGINS: e.CORS_ORIGINS ?? (production ? [] : DEV_CORS_ORIGINS),
    DEMO_SEED: e.DEMO_SEED ?? embedded,
    JOBS: e.JOBS ?? (e.REDIS_URL ? 'worker' : 'inline'),
    DRAIN_SECONDS: e.DRAIN_SECONDS ?? (production ? 5 : 0),
    embedded,
  };
}
