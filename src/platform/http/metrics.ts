import { createHash, timingSafeEqual } from 'node:crypto';

import express, { type Router } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Operation names that may become a label value: a GraphQL name of at most 64 characters. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /**
   * Distinct operation names kept as their own label value; later new names, and names that are
   * not a GraphQL name of at most 64 characters, are counted under `other`.
   * @default 200
   */
  maxOperationNames?: number;
}

/**
 * Prometheus metrics of one API process (its own registry, so tests can run several apps). Every
 * label takes a bounded set of values, so clients cannot grow the registry (a new operation name
 * per request would add a histogram per name).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly maxOperationNames: number;

  /** HTTP request durations by method, route and status. */
  readonly httpDuration = new Histogram({
    name: 'meridian_http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** GraphQL operation durations by operation name (see {@link operationLabel}) and type. */
  readonly operationDuration = new Histogram({
    name: 'meridian_graphql_operation_duration_seconds',
    help: 'GraphQL operation duration in seconds (operation "other": names beyond the first 200 or not plain names)',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** GraphQL errors by extensions.code. */
  readonly errors = new Counter({
    name: 'meridian_graphql_errors_total',
    help: 'GraphQL errors returned, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Operations refused by a rate limit, by budget (operations, mutations, expensive). */
  readonly rateLimited = new Counter({
    name: 'meridian_rate_limited_total',
    help: 'GraphQL operations refused by a per-principal rate limit, by budget',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });

  /** Open graphql-ws connections. */
  readonly wsConnections = new Gauge({
    name: 'meridian_websocket_connections',
    help: 'Open graphql-ws connections',
    registers: [this.registry],
  });

  /** Records applied by sync runs, by provider, mode (BACKFILL, DELTA, PUSH, IMPORT) and outcome. */
  readonly syncRecords = new Counter({
    name: 'meridian_sync_records_total',
    help: 'Records processed by sync runs in this process, by provider, mode and outcome (created, updated, skipped, failed)',
    labelNames: ['provider', 'mode', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Durations of finished sync runs, by provider, mode and final status. */
  readonly syncRunDuration = new Histogram({
    name: 'meridian_sync_run_duration_seconds',
    help: 'Duration of sync runs finished in this process, by provider, mode and status',
    labelNames: ['provider', 'mode', 'status'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  /** Calls to other CRMs' APIs, by provider, endpoint (a bounded label) and HTTP status (0: no answer). */
  readonly providerApiCalls = new Counter({
    name: 'meridian_sync_provider_api_calls_total',
    help: 'Calls made to other CRMs APIs by sync runs in this process, by provider, endpoint and HTTP status (0: no answer)',
    labelNames: ['provider', 'endpoint', 'status'] as const,
    registers: [this.registry],
  });

  /** Calls a provider refused with 429 (rate limited), by provider. */
  readonly providerRateLimited = new Counter({
    name: 'meridian_sync_provider_rate_limited_total',
    help: 'Calls to other CRMs APIs answered 429 (rate limited), by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  /** Webhook events received from providers, by provider and outcome (accepted, duplicate, rejected, ignored). */
  readonly webhookEvents = new Counter({
    name: 'meridian_sync_webhook_events_total',
    help: 'Webhook events received from other CRMs, by provider and outcome (accepted, duplicate, rejected, ignored)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  /** The sync engine's view of the two sync metrics (labels are enum values: bounded). */
  readonly sync = {
    records: (provider: string, mode: string, outcome: string, n: number) =>
      this.syncRecords.inc({ provider, mode, outcome }, n),
    runFinished: (provider: string, mode: string, status: string, seconds: number) =>
      this.syncRunDuration.observe({ provider, mode, status }, seconds),
    apiCall: (provider: string, endpoint: string, status: number) => {
      this.providerApiCalls.inc({ provider, endpoint, status: String(status) });
      if (status === 429) this.providerRateLimited.inc({ provider });
    },
    webhookEvents: (provider: string, outcome: string, n = 1) => this.webhookEvents.inc({ provider, outcome }, n),
  };

  constructor(options: MetricsOptions = {}) {
    this.maxOperationNames = options.maxOperationNames ?? 200;
    // Process metrics, event-loop lag included (meridian_nodejs_eventloop_lag_seconds and its percentiles).
    collectDefaultMetrics({ register: this.registry, prefix: 'meridian_' });
  }

  /**
   * The label value of an operation name: the name itself if it is a GraphQL name of at most 64
   * characters and one of the first {@link MetricsOptions.maxOperationNames} seen; `anonymous`
   * without a name; else `other`.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (!OPERATION_NAME.test(name) || this.operationNames.size >= this.maxOperationNames) return 'other';
    this.operationNames.add(name);
    return name;
  }
}

/** Options of {@link metricsRouter}. */
export interface MetricsRouterOptions {
  /** Serve `/metrics` at all (false: 404, as if there were no such route). @default true */
  enabled?: boolean;
  /** When set, `/metrics` requires `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
}

/** `GET /metrics`: the registry in Prometheus text format, optionally behind a bearer token. */
export function metricsRouter(metrics: Metrics, options: MetricsRouterOptions = {}): Router {
  const router = express.Router();
  if (options.enabled === false) return router;
  const expected = options.token ? digest(options.token) : null;
  router.get('/metrics', async (req, res) => {
    if (expected) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer realm="metrics"')
          .json({
            errors: [{ message: 'Send the metrics token as a bearer token', extensions: { code: 'UNAUTHENTICATED' } }],
          });
        return;
      }
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

/** SHA-256 of a token: equal-length buffers for a constant-time comparison. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
