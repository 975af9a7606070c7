import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import express, { type Router } from 'express';

import { withoutCors } from './cors.js';
import { isLoopback } from './playground.js';

/**
 * The dashboard page's Content-Security-Policy: scripts, styles, images and connections (HTTP and
 * WebSocket, which CSP 3 `'self'` covers) from this server only; no inline script, no framing.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of the dashboard page. */
export interface DashboardOptions {
  /** Directory of the built page (`index.html` and `assets/`); default {@link dashboardBuildDir}. */
  dir?: string;
  /**
   * The token the page uses without asking (development: the demo admin's). Given only to
   * clients connecting from a loopback address; others (and production) get a page that asks.
   */
  token?: () => Promise<string | undefined>;
}

/** `dist/dashboard` of this checkout (`npm run build` writes the page there, from `dashboard/`). */
export function dashboardBuildDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the dashboard module');
    dir = parent;
  }
  return join(dir, 'dist', 'dashboard');
}

/** The page as built, with its configuration (the token, when given) in a JSON data block. */
export function dashboardHtml(template: string, token: string | undefined): string {
  const config = JSON.stringify({ token }).replace(/</g, '\\u003c');
  const block = `<script type="application/json" id="meridian-config">${config}</script>`;
  return template.replace('<!--meridian-config-->', block);
}

/**
 * Express routes of the dashboard: `/dashboard` (the page, never cached, its own CSP, no CORS
 * headers: a page from another origin must not read the token in it) and `/dashboard/assets/*`
 * (content-hashed files, cached for a year). Answers 503 when the page has not been built.
 */
export function dashboardRouter(options: DashboardOptions = {}): Router {
  const dir = options.dir ?? dashboardBuildDir();
  const router = express.Router();
  let template: string | undefined;
  const page = async (req: express.Request, res: express.Response) => {
    withoutCors(res);
    try {
      template ??= readFileSync(join(dir, 'index.html'), 'utf8');
    } catch {
      res.status(503).type('text').send('The dashboard has not been built: run `npm run build`.\n');
      return;
    }
    const token = isLoopback(req.socket.remoteAddress) ? await options.token?.() : undefined;
    res
      .type('html')
      .set('Content-Security-Policy', DASHBOARD_CSP)
      .set('Cache-Control', 'no-store')
      .send(dashboardHtml(template, token));
  };
  router.get('/dashboard', (req, res, next) => void page(req, res).catch(next));
  // Content-hashed names: a file never changes, so browsers keep it (instead of the API's no-store).
  const cached = (res: express.Response) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  router.use('/dashboard/assets', express.static(join(dir, 'assets'), { index: false, setHeaders: cached }));
  return router;
}
