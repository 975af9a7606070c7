import express, { type Router } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one API process (its own registry, so tests can run several apps). */
export class Metrics {
  readonly registry = new Registry();

  /** HTTP request durations by method, route and status. */
  readonly httpDuration = new Histogram({
    name: 'meridian_http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** GraphQL operation durations by operation name and type. */
  readonly operationDuration = new Histogram({
    name: 'meridian_graphql_operation_duration_seconds',
    help: 'GraphQL operation duration in seconds',
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'meridian_' });
  }
}

/** `GET /metrics`: the registry in Prometheus text format. */
export function metricsRouter(metrics: Metrics): Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
