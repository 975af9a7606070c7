/**
 * Cross-origin access for browser front ends (a Vite app on :5173 calling the API on :4000), on
 * HTTP (CORS) and on WebSocket upgrades, from one list of origins (`CORS_ORIGINS`).
 *
 * - An allowed origin is reflected (never `*`) with `Access-Control-Allow-Credentials: true`, so
 *   cookies and `Authorization` both work; every response carries `Vary: Origin`.
 * - A refused origin gets no CORS headers, so the browser blocks the response. Its preflight is
 *   answered 403 with a coded JSON body rather than a header-less 204: the request fails either
 *   way, but a 403 on the OPTIONS line in the browser's network tab says "refused by the server"
 *   instead of looking like a server that does not speak CORS at all.
 * - Actual requests are never refused here: same-origin pages (the playground) send `Origin` on
 *   POST too, and requests without a preflight cannot run operations anyway (Apollo's CSRF
 *   prevention requires `content-type: application/json` or `apollo-require-preflight`).
 * - A WebSocket upgrade carrying an `Origin` that is neither listed nor the API's own host is
 *   refused with HTTP 403 before the handshake. Browsers always send `Origin` on WebSocket;
 *   clients that send none (Node services, dashboards' servers) are not browsers and are allowed.
 */
import type { IncomingMessage } from 'node:http';

import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VerifyClientCallbackAsync } from 'ws';

/** How long a browser may cache a preflight answer (seconds). */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Request headers a cross-origin page may send. */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-api-key',
  'x-request-id',
  'apollo-require-preflight',
  'idempotency-key',
];

/** Response headers a cross-origin page may read. */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'idempotent-replayed'];

/**
 * Returns a predicate telling whether a request's `Origin` is in `origins` (normalized entries as
 * `loadConfig` returns them: `https://app.example.com`, or `http://localhost:*` for any port).
 * `null` and malformed origins are never allowed.
 */
export function originMatcher(origins: readonly string[]): (origin: string) => boolean {
  const exact = new Set(origins.filter((o) => !o.endsWith(':*')));
  const anyPort = new Set(origins.filter((o) => o.endsWith(':*')).map((o) => o.slice(0, -2)));
  return (origin) => {
    if (exact.has(origin)) return true;
    if (!anyPort.size) return false;
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false;
    }
    return u.origin === origin && anyPort.has(`${u.protocol}//${u.hostname}`);
  };
}

/** Express middleware applying the CORS policy above for `origins`; register it before the routes. */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const allowed = originMatcher(origins);
  const reflect = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    optionsSuccessStatus: 204,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin === undefined || allowed(origin)) return reflect(req, res, next);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.status(403).json({
        errors: [
          { message: `Cross-origin requests from ${origin} are not allowed`, extensions: { code: 'FORBIDDEN' } },
        ],
      });
      return;
    }
    next();
  };
}

/**
 * Takes the CORS headers off a response that carries a credential (the playground's and the
 * dashboard's pages with the demo token): another origin, even an allowed one, must not read it.
 */
export function withoutCors(res: Response): void {
  for (const header of [
    'Access-Control-Allow-Origin',
    'Access-Control-Allow-Credentials',
    'Access-Control-Expose-Headers',
  ])
    res.removeHeader(header);
}

/**
 * `verifyClient` for the `ws` server: refuses (HTTP 403, no socket) an upgrade whose `Origin` is
 * neither in `origins` nor the API's own host (the playground's page); allows upgrades without one.
 */
export function verifyWebSocketOrigin(origins: readonly string[]): VerifyClientCallbackAsync<IncomingMessage> {
  const allowed = originMatcher(origins);
  return ({ origin, req }, callback) => {
    if (!origin || allowed(origin) || sameHost(origin, req.headers.host)) return callback(true);
    callback(false, 403, 'Origin not allowed');
  };
}

/** True when `origin` names the host the request was sent to (a same-origin page, whatever the scheme behind a proxy). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
