import { randomUUID } from 'node:crypto';

import type { NextFunction, Request, Response } from 'express';

import { type RequestStore, runInRequest } from '../request-context.js';
import type { Metrics } from './metrics.js';

/** Express middleware: request id, request scope (AsyncLocalStorage) and HTTP duration metric. */
export function requestScope(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = firstHeader(req.headers['x-request-id'])?.slice(0, 128) || randomUUID();
    res.setHeader('x-request-id', requestId);
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.once('finish', () => {
      const route = ['/graphql', '/healthz', '/readyz', '/metrics', '/playground'].includes(req.path)
        ? req.path
        : req.path.startsWith('/playground/')
          ? '/playground/assets'
          : 'other';
      end({ route, status: String(res.statusCode) });
    });
    const store: RequestStore = { requestId, sqlStatements: 0 };
    runInRequest(store, () => next());
  };
}

/** The first value of a request header. */
export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
