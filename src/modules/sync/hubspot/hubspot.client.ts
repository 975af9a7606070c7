import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterQueue, RateLimiterRedis } from 'rate-limiter-flexible';

import { type ProviderContext, ProviderError } from '../provider.js';

/** HubSpot settings (from the HUBSPOT_* environment variables). */
export interface HubspotSettings {
  clientId: string | null;
  clientSecret: string | null;
  apiBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  redirectUri: string | null;
  webhookUrl: string | null;
  scopes: string;
  /** HubSpot's published limits; Meridian's buckets hold 90 % of them. */
  ratePer10s: number;
  searchPerSecond: number;
  maxRetries: number;
  retryBaseMs: number;
  timeoutMs: number;
  /** Records per list page (search pages: twice as many, at most 200). */
  pageLimit: number;
  /**
   * Redis holding the token buckets (REDIS_URL), so every API instance and worker of a deployment
   * draws on one budget per connection; null: the buckets are this process's.
   */
  redisUrl: string | null;
  /** Prefix of the buckets' Redis keys (REDIS_PREFIX). */
  redisPrefix: string;
}

/** The settings of a configuration. */
export function hubspotSettings(config: {
  HUBSPOT_CLIENT_ID?: string;
  HUBSPOT_CLIENT_SECRET?: string;
  HUBSPOT_API_BASE_URL: string;
  HUBSPOT_OAUTH_AUTHORIZE_URL: string;
  HUBSPOT_OAUTH_TOKEN_URL?: string;
  HUBSPOT_REDIRECT_URI?: string;
  HUBSPOT_WEBHOOK_URL?: string;
  HUBSPOT_SCOPES: string;
  HUBSPOT_RATE_LIMIT_PER_10S: number;
  HUBSPOT_SEARCH_RATE_PER_SECOND: number;
  HUBSPOT_MAX_RETRIES: number;
  HUBSPOT_RETRY_BASE_MS: number;
  HUBSPOT_TIMEOUT_MS: number;
  HUBSPOT_PAGE_LIMIT: number;
  REDIS_URL?: string;
  REDIS_PREFIX: string;
}): HubspotSettings {
  const apiBaseUrl = config.HUBSPOT_API_BASE_URL.replace(/\/+$/, '');
  return {
    clientId: config.HUBSPOT_CLIENT_ID ?? null,
    clientSecret: config.HUBSPOT_CLIENT_SECRET ?? null,
    apiBaseUrl,
    authorizeUrl: config.HUBSPOT_OAUTH_AUTHORIZE_URL,
    tokenUrl: config.HUBSPOT_OAUTH_TOKEN_URL ?? `${apiBaseUrl}/oauth/v1/token`,
    redirectUri: config.HUBSPOT_REDIRECT_URI ?? null,
    webhookUrl: config.HUBSPOT_WEBHOOK_URL ?? null,
    scopes: config.HUBSPOT_SCOPES,
    ratePer10s: config.HUBSPOT_RATE_LIMIT_PER_10S,
    searchPerSecond: config.HUBSPOT_SEARCH_RATE_PER_SECOND,
    maxRetries: config.HUBSPOT_MAX_RETRIES,
    retryBaseMs: config.HUBSPOT_RETRY_BASE_MS,
    timeoutMs: config.HUBSPOT_TIMEOUT_MS,
    pageLimit: config.HUBSPOT_PAGE_LIMIT,
    redisUrl: config.REDIS_URL ?? null,
    redisPrefix: config.REDIS_PREFIX,
  };
}

/** Longest `Retry-After` honoured as is (a larger one is capped). */
const MAX_RETRY_AFTER_MS = 60_000;

/** A request to HubSpot's API. */
export interface HubspotRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Counts against the search endpoint's per-second bucket too. */
  search?: boolean;
  /** Label of the endpoint in the metrics (bounded: no ids). */
  endpoint: string;
}

/**
 * HubSpot's HTTP API as the adapter uses it: bearer credentials from the connection (refreshed
 * once after a 401), a token bucket per connection at 90 % of HubSpot's published limits (the
 * per-10-second burst for every call, the per-second search limit for searches; callers wait in a
 * FIFO queue for tokens; with REDIS_URL the buckets live in Redis, shared by every process, with an
 * in-memory bucket as insurance while Redis is unreachable), 429 retried after `Retry-After`, 5xx and timeouts retried with
 * exponential backoff and full jitter.
 */
export class HubspotClient {
  private readonly burst: RateLimiterQueue;
  private readonly searches: RateLimiterQueue;
  private readonly redis: Redis | undefined;

  constructor(readonly settings: HubspotSettings) {
    // Connected at the first call (a process that never calls HubSpot never connects). No offline
    // queue: while Redis is away the in-memory insurance bucket counts, rather than calls waiting.
    this.redis = settings.redisUrl
      ? new Redis(settings.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
      : undefined;
    this.redis?.on('error', () => undefined);
    const bucket = (name: string, points: number, duration: number): RateLimiterAbstract => {
      const keyPrefix = `${settings.redisPrefix}:hubspot:${name}`;
      const memory = new RateLimiterMemory({ points, duration, keyPrefix });
      return this.redis
        ? new RateLimiterRedis({
            storeClient: this.redis,
            points,
            duration,
            keyPrefix,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
    };
    this.burst = new RateLimiterQueue(bucket('burst', Math.max(1, Math.floor(settings.ratePer10s * 0.9)), 10), {
      maxQueueSize: 10_000,
    });
    this.searches = new RateLimiterQueue(bucket('search', Math.max(1, Math.floor(settings.searchPerSecond * 0.9)), 1), {
      maxQueueSize: 10_000,
    });
  }

  /** Connects the buckets' Redis before the first call (at most 2 s; meanwhile the memory bucket counts). */
  private connecting: Promise<unknown> | undefined;
  private async ready(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    this.connecting ??= redis.connect().catch(() => undefined);
    await Promise.race([this.connecting, sleep(2000, undefined, { ref: false })]);
  }

  /** Closes the buckets' Redis connection, if any. */
  async close(): Promise<void> {
    if (this.redis && this.redis.status !== 'wait' && this.redis.status !== 'end')
      await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  /** Sends one call, with the connection's limits, retries and credentials. */
  async request<T>(ctx: ProviderContext, req: HubspotRequest): Promise<T> {
    const url = new URL(`${this.settings.apiBaseUrl}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    let refreshed = false;
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      await this.burst.removeTokens(1, ctx.connectionId);
      if (req.search) await this.searches.removeTokens(1, ctx.connectionId);
      const credentials = await ctx.credentials.get();
      let res: Response;
      try {
        res = await fetch(url, {
          method: req.method,
          headers: {
            authorization: `Bearer ${credentials.accessToken}`,
            accept: 'application/json',
            ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
        });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        ctx.recordApiCall(req.endpoint, 0);
        if (attempt >= this.settings.maxRetries)
          throw new ProviderError(`HubSpot did not answer ${req.endpoint}: ${(err as Error).message}`, true);
        await sleep(this.backoff(attempt), undefined, { signal: ctx.signal });
        continue;
      }
      ctx.recordApiCall(req.endpoint, res.status);
      if (res.ok) return (await res.json()) as T;
      const text = await res.text();
      if (res.status === 401 && credentials.kind === 'oauth' && !refreshed) {
        refreshed = true;
        await ctx.credentials.refreshAfterUnauthorized();
        continue;
      }
      if ((res.status === 429 || res.status >= 500) && attempt < this.settings.maxRetries) {
        const retryAfter = res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : null;
        await sleep(retryAfter ?? this.backoff(attempt), undefined, { signal: ctx.signal });
        continue;
      }
      throw new ProviderError(
        `HubSpot answered ${res.status} to ${req.endpoint}: ${errorMessage(text)}`,
        res.status === 429 || res.status >= 500,
        res.status,
      );
    }
  }

  /** Exponential backoff with full jitter: a random delay up to base × 2^attempt (at most 30 s). */
  private backoff(attempt: number): number {
    const cap = Math.min(30_000, this.settings.retryBaseMs * 2 ** attempt);
    return Math.round(cap / 2 + (Math.random() * cap) / 2);
  }
}

/** `Retry-After` in ms (seconds or an HTTP date), capped; null when absent or unreadable. */
export function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** HubSpot's error message from an error body (never the request's credentials). */
export function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; status?: string };
    return (body.message ?? body.status ?? text).slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
