import type { EntityManager } from '@mikro-orm/core';
import { type Request, type Response, Router } from 'express';

import type { Authenticate, Principal } from '../../platform/auth/principal.js';
import { Role } from '../../platform/auth/role.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { FINISHED } from './sync.engine.js';
import { ImportTooLargeError, type SyncService } from './sync.service.js';
import { SyncRun } from './sync-run.entity.js';

/** What the imports endpoint needs. */
export interface ImportsRouterOptions {
  authenticate: Authenticate;
  services: { sync: SyncService };
  root: EntityManager;
  logger: Logger;
  /** Largest file accepted (SYNC_IMPORT_MAX_BYTES). */
  maxBytes: number;
}

/** Content types an upload may have: none of them is one a cross-site HTML form can send. */
const CSV_TYPES = ['text/csv', 'application/csv', 'application/octet-stream'];

/**
 * `POST /imports`: a CSV file as the raw request body, streamed into storage and imported by a
 * sync run on the job engine. Chosen over the GraphQL multipart request spec because it needs no
 * extra library and keeps Apollo's CSRF prevention untouched: the request must carry credentials
 * in the `Authorization` or `X-Api-Key` header (never a cookie) and a `text/csv` body, which a
 * cross-site page can only send after a CORS preflight this server refuses to unknown origins.
 *
 * Query parameters: `dryRun=true` (report what would be created, updated and skipped, row by
 * row, changing nothing), `encoding=utf8|latin1|auto` (default auto: UTF-8 unless the bytes are
 * not valid UTF-8), `fileName`, `wait=true` (answer once the run has finished). Answers
 * `202 { syncRun }` (or 200 when waited for); 401, 403 (MANAGER or ADMIN only), 413 beyond
 * SYNC_IMPORT_MAX_BYTES, 415 for another content type, 400 for a bad parameter.
 */
export function importsRouter(options: ImportsRouterOptions): Router {
  const router = Router();
  router.post('/imports', (req, res, next) => {
    handle(options, req, res).catch(next);
  });
  return router;
}

function error(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

async function handle(options: ImportsRouterOptions, req: Request, res: Response): Promise<void> {
  let principal: Principal | null;
  try {
    principal = await options.authenticate({
      authorization: req.headers.authorization,
      apiKey: first(req.headers['x-api-key']),
    });
  } catch (err) {
    if (err instanceof DomainError) return error(res, 401, 'UNAUTHENTICATED', err.message);
    throw err;
  }
  if (!principal)
    return error(
      res,
      401,
      'UNAUTHENTICATED',
      'Authentication required: send Authorization: Bearer <token> or X-Api-Key',
    );
  if (principal.role !== Role.ADMIN && principal.role !== Role.MANAGER)
    return error(res, 403, 'FORBIDDEN', `Importing needs the role MANAGER or ADMIN; you are ${principal.role}`);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!CSV_TYPES.includes(type))
    return error(
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `send the file as the body with Content-Type: text/csv (got "${type}")`,
    );
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > options.maxBytes)
    return error(res, 413, 'PAYLOAD_TOO_LARGE', `the file exceeds the import limit of ${options.maxBytes} bytes`);
  const q = req.query as Record<string, string | undefined>;
  const encoding = (q.encoding ?? 'auto').toLowerCase().replace('-', '');
  const normalised = encoding === 'iso88591' ? 'latin1' : encoding === 'utf8' ? 'utf8' : encoding;
  if (!['utf8', 'latin1', 'auto'].includes(normalised))
    return error(res, 400, 'BAD_USER_INPUT', 'encoding must be utf8, latin1 or auto');
  const bool = (v: string | undefined) => v === 'true' || v === '1';
  let run: SyncRun;
  try {
    run = await options.services.sync.importCsv(options.root, principal, req, {
      fileName: q.fileName?.slice(0, 255) ?? null,
      encoding: normalised as 'utf8' | 'latin1' | 'auto',
      dryRun: bool(q.dryRun),
      maxBytes: options.maxBytes,
    });
  } catch (err) {
    if (err instanceof ImportTooLargeError) {
      res.setHeader('connection', 'close');
      return error(res, 413, 'PAYLOAD_TOO_LARGE', err.message);
    }
    throw err;
  }
  if (bool(q.wait)) {
    const em = forkForTenant(options.root, principal.tenantId);
    const deadline = Date.now() + 10 * 60_000;
    while (!FINISHED.includes(run.status) && Date.now() < deadline && !req.socket.destroyed) {
      await new Promise((r) => setTimeout(r, 100));
      run = (await em.fork().findOne(SyncRun, { id: run.id })) ?? run;
    }
  }
  res.status(FINISHED.includes(run.status) ? 200 : 202).json({ syncRun: view(run) });
}

/** The run as the endpoint answers it (the GraphQL `syncRun` has the rest, and its logs). */
function view(run: SyncRun) {
  return {
    id: run.nodeId,
    status: run.status,
    mode: run.mode,
    provider: run.provider,
    dryRun: run.dryRun,
    fileName: run.fileName ?? null,
    encoding: run.encoding ?? null,
    processed: run.processed,
    created: run.created,
    updated: run.updated,
    skipped: run.skipped,
    failed: run.failed,
    error: run.error ?? null,
  };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
