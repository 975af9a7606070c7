import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import express, { type Request, type Response, Router } from 'express';

import type { Authenticate, Principal } from '../../../platform/auth/principal.js';
import { Role } from '../../../platform/auth/role.js';
import { forkForTenant } from '../../../platform/db/tenancy.js';
import { DomainError } from '../../../platform/errors.js';
import type { JobQueue } from '../../../platform/jobs.js';
import type { Logger } from '../../../platform/logger.js';
import { CrmConnection } from '../crm-connection.entity.js';
import { ProviderError } from '../provider.js';
import { CrmConnectionStatus, CrmProvider, SyncObjectType } from '../sync.enums.js';
import type { SyncService } from '../sync.service.js';
import type { HubspotAdapter } from './hubspot.adapter.js';

/** How long a `state` of the OAuth flow is valid. */
const STATE_TTL_MS = 10 * 60_000;
/** Webhook requests signed longer ago than this are refused (HubSpot's rule). */
export const WEBHOOK_MAX_AGE_MS = 5 * 60_000;
/** The job acting on stored webhook events. */
export const HUBSPOT_WEBHOOK_JOB = 'hubspot-webhook';

/** Data of a {@link HUBSPOT_WEBHOOK_JOB}. */
export interface HubspotWebhookJobData {
  tenantId: string;
  connectionId: string;
}

export interface HubspotRouterOptions {
  authenticate: Authenticate;
  services: { sync: SyncService };
  adapter: HubspotAdapter | undefined;
  root: EntityManager;
  jobs: JobQueue;
  logger: Logger;
  /** Key signing the OAuth `state` (derived from JWT_SECRET). */
  stateKey: Buffer;
  onWebhookEvents?: (outcome: 'accepted' | 'duplicate' | 'rejected' | 'ignored', n: number) => void;
}

/** The OAuth state: tenant and member, expiry, nonce; HMAC-signed. */
interface State {
  t: string;
  m: string | null;
  e: number;
  n: string;
}

export function signState(key: Buffer, state: State): string {
  const body = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/** The state if its signature holds and it has not expired; else null. */
export function verifyState(key: Buffer, value: string): State | null {
  const [body, mac] = value.split('.');
  if (!body || !mac) return null;
  const expected = createHmac('sha256', key).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as State;
    return typeof state.e === 'number' &&
      state.e > Date.now() &&
      typeof state.t === 'string' &&
      typeof state.n === 'string' &&
      state.n.length <= 64
      ? state
      : null;
  } catch {
    return null;
  }
}

/**
 * Marks a state's nonce used, in the database so every instance sees it; false when it was used
 * before (a replayed callback). Rows of states expired since are deleted on the way.
 */
async function useState(root: EntityManager, state: State): Promise<boolean> {
  const em = forkForTenant(root, state.t) as SqlEntityManager;
  await em.execute(`delete from oauth_state_use where tenant_id = ? and expires_at < now()`, [state.t]);
  const rows = await em.execute<{ id: string }[]>(
    `insert into oauth_state_use (id, tenant_id, nonce, expires_at) values (?, ?, ?, ?)
       on conflict (nonce) do nothing returning id`,
    [randomUUID(), state.t, state.n, new Date(state.e)],
  );
  return rows.length > 0;
}

/** The v3 signature HubSpot computes: base64 HMAC-SHA256 of method + URI + body + timestamp. */
export function webhookSignature(secret: string, method: string, uri: string, body: string, timestamp: string): Buffer {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`, 'utf8').digest();
}

/**
 * HubSpot's HTTP endpoints:
 * - `GET /oauth/hubspot/start` (ADMIN; `Authorization` or `X-Api-Key`): 302 to HubSpot's
 *   authorize page with a `state` bound to the tenant, signed and valid 10 minutes (with
 *   `Accept: application/json`: 200 `{ authorizeUrl }`).
 * - `GET /oauth/hubspot/callback?code&state`: exchanges the code, stores the tokens encrypted and
 *   creates (or reconnects) the tenant's connection to the portal: 200 `{ crmConnection }`.
 * - `POST /webhooks/hubspot`: verifies signature v3 (401 when missing, wrong or older than 5
 *   minutes: nothing stored), stores each event once per connection and event id, enqueues the
 *   job that acts on them and answers 204 at once.
 */
export function hubspotRouter(options: HubspotRouterOptions): Router {
  const router = Router();
  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (e: unknown) => void) => {
      fn(req, res).catch(next);
    };
  router.get(
    '/oauth/hubspot/start',
    wrap((req, res) => start(options, req, res)),
  );
  router.get(
    '/oauth/hubspot/callback',
    wrap((req, res) => callback(options, req, res)),
  );
  router.post(
    '/webhooks/hubspot',
    express.raw({ type: () => true, limit: '1mb' }),
    wrap((req, res) => webhook(options, req, res)),
  );
  return router;
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** The redirect URI: HUBSPOT_REDIRECT_URI, else this server's callback as the request reached it. */
function redirectUri(options: HubspotRouterOptions, req: Request): string {
  return options.adapter?.settings.redirectUri ?? `${req.protocol}://${req.get('host')}/oauth/hubspot/callback`;
}

async function start(options: HubspotRouterOptions, req: Request, res: Response): Promise<void> {
  let principal: Principal | null;
  try {
    principal = await options.authenticate({
      authorization: req.headers.authorization,
      apiKey: typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined,
    });
  } catch (err) {
    if (err instanceof DomainError) return fail(res, 401, 'UNAUTHENTICATED', err.message);
    throw err;
  }
  if (!principal)
    return fail(res, 401, 'UNAUTHENTICATED', 'Authentication required: send Authorization: Bearer <token>');
  if (principal.role !== Role.ADMIN)
    return fail(res, 403, 'FORBIDDEN', `Connecting HubSpot needs the role ADMIN; you are ${principal.role}`);
  const settings = options.adapter?.settings;
  if (!settings?.clientId)
    return fail(res, 503, 'NOT_CONFIGURED', 'HubSpot OAuth is not configured (HUBSPOT_CLIENT_ID)');
  const state = signState(options.stateKey, {
    t: principal.tenantId,
    m: principal.memberId ?? null,
    e: Date.now() + STATE_TTL_MS,
    n: randomBytes(8).toString('base64url'),
  });
  const url = new URL(settings.authorizeUrl);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri(options, req));
  url.searchParams.set('scope', settings.scopes);
  url.searchParams.set('state', state);
  if ((req.headers.accept ?? '').includes('application/json')) {
    res.json({ authorizeUrl: url.toString() });
    return;
  }
  res.redirect(302, url.toString());
}

async function callback(options: HubspotRouterOptions, req: Request, res: Response): Promise<void> {
  const q = req.query as Record<string, string | undefined>;
  if (q.error) return fail(res, 400, 'OAUTH_DENIED', `HubSpot did not authorise: ${String(q.error).slice(0, 100)}`);
  const state = q.state ? verifyState(options.stateKey, q.state) : null;
  if (!state) return fail(res, 400, 'INVALID_STATE', 'the OAuth state is missing, forged or expired: start again');
  if (!q.code) return fail(res, 400, 'BAD_USER_INPUT', 'code is required');
  const adapter = options.adapter;
  if (!adapter?.settings.clientId) return fail(res, 503, 'NOT_CONFIGURED', 'HubSpot OAuth is not configured');
  if (!(await useState(options.root, state)))
    return fail(res, 400, 'STATE_USED', 'this OAuth state was already used: start again');
  const signal = AbortSignal.timeout(adapter.settings.timeoutMs);
  let connection;
  try {
    const credentials = await adapter.exchangeCode(q.code, redirectUri(options, req), signal);
    const account = await adapter.account(credentials, signal);
    connection = await options.services.sync.saveConnection(
      forkForTenant(options.root, state.t),
      CrmProvider.HUBSPOT,
      { accountId: account.portalId, accountName: account.name, scopes: account.scopes },
      credentials,
    );
  } catch (err) {
    if (err instanceof ProviderError) return fail(res, 502, 'PROVIDER_ERROR', err.message);
    throw err;
  }
  options.logger.info({ tenantId: state.t, connectionId: connection.id }, 'HubSpot connected (OAuth)');
  res.json({
    crmConnection: {
      id: connection.nodeId,
      provider: connection.provider,
      status: connection.status,
      accountId: connection.accountId,
      accountName: connection.accountName,
    },
  });
}

/** One event of a HubSpot webhook request. */
interface HubspotEvent {
  eventId?: number | string;
  portalId?: number | string;
  subscriptionType?: string;
  objectId?: number | string;
  occurredAt?: number;
}

/** The object type a subscription is about (`contact.propertyChange` → CONTACT). */
function objectTypeOf(subscriptionType: string): SyncObjectType | null {
  const prefix = subscriptionType.split('.')[0];
  return prefix === 'contact'
    ? SyncObjectType.CONTACT
    : prefix === 'company'
      ? SyncObjectType.COMPANY
      : prefix === 'deal'
        ? SyncObjectType.DEAL
        : null;
}

async function webhook(options: HubspotRouterOptions, req: Request, res: Response): Promise<void> {
  const secret = options.adapter?.settings.clientSecret;
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const signature = req.get('x-hubspot-signature-v3');
  const timestamp = req.get('x-hubspot-request-timestamp');
  const reject = (message: string) => {
    options.onWebhookEvents?.('rejected', 1);
    fail(res, 401, 'INVALID_SIGNATURE', message);
  };
  if (!secret) return fail(res, 503, 'NOT_CONFIGURED', 'HubSpot webhooks are not configured (HUBSPOT_CLIENT_SECRET)');
  if (!signature || !timestamp || !/^\d+$/.test(timestamp))
    return reject('missing X-HubSpot-Signature-v3 or timestamp');
  const age = Date.now() - Number(timestamp);
  if (age > WEBHOOK_MAX_AGE_MS || age < -WEBHOOK_MAX_AGE_MS) return reject('the request timestamp is too old');
  const uri = options.adapter?.settings.webhookUrl ?? `${req.protocol}://${req.get('host')}${req.originalUrl}`;
  const expected = webhookSignature(secret, req.method, uri, body, timestamp);
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return reject('the signature does not match');
  let events: HubspotEvent[];
  try {
    const parsed = JSON.parse(body) as unknown;
    events = (Array.isArray(parsed) ? parsed : [parsed]) as HubspotEvent[];
  } catch {
    return fail(res, 400, 'BAD_USER_INPUT', 'the body is not JSON');
  }
  const counts = { accepted: 0, duplicate: 0, ignored: 0 };
  const toQueue = new Map<string, HubspotWebhookJobData>();
  const em = options.root.fork() as SqlEntityManager;
  for (const e of events.slice(0, 1000)) {
    if (e.eventId === undefined || e.portalId === undefined || !e.subscriptionType) {
      counts.ignored++;
      continue;
    }
    // Every tenant connected to the portal (by its portal id) gets the event.
    const connections = await em.execute<{ id: string; tenant_id: string }[]>(
      `select id, tenant_id from crm_connection where provider = ? and account_id = ? and status = ?`,
      [CrmProvider.HUBSPOT, String(e.portalId), CrmConnectionStatus.CONNECTED],
    );
    if (!connections.length) counts.ignored++;
    for (const c of connections) {
      const inserted = await em.execute<{ id: string }[]>(
        `insert into sync_webhook_event (id, tenant_id, connection_id, event_id, subscription_type, object_id, occurred_at, payload)
             values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?)
             on conflict (connection_id, event_id) do nothing returning id`,
        [
          c.tenant_id,
          c.id,
          String(e.eventId).slice(0, 100),
          e.subscriptionType.slice(0, 100),
          e.objectId === undefined ? null : String(e.objectId).slice(0, 100),
          typeof e.occurredAt === 'number' ? new Date(e.occurredAt) : null,
          JSON.stringify(e),
        ],
      );
      if (inserted.length) {
        counts.accepted++;
        toQueue.set(c.id, { tenantId: c.tenant_id, connectionId: c.id });
      } else counts.duplicate++;
    }
  }
  for (const data of toQueue.values())
    await options.jobs.enqueue(HUBSPOT_WEBHOOK_JOB, data, {
      key: `${HUBSPOT_WEBHOOK_JOB}-${data.connectionId}-${Date.now()}`,
    });
  for (const [outcome, n] of Object.entries(counts))
    if (n) options.onWebhookEvents?.(outcome as 'accepted' | 'duplicate' | 'ignored', n);
  res.status(204).end();
}

/**
 * The webhook job: takes the connection's unprocessed events, marks them processed and queues a
 * DELTA run of the object types they name (none when a run is already active: it, or the next,
 * reads the changes). Each event is acted on once however often HubSpot delivers it.
 */
export async function processWebhookEvents(
  root: EntityManager,
  sync: SyncService,
  data: HubspotWebhookJobData,
): Promise<void> {
  const em = forkForTenant(root, data.tenantId);
  const objects = await em.transactional(async (tx) => {
    const rows = await (tx as SqlEntityManager).execute<{ subscription_type: string }[]>(
      `update sync_webhook_event set processed_at = now(), updated_at = now()
         where tenant_id = ? and connection_id = ? and processed_at is null returning subscription_type`,
      [data.tenantId, data.connectionId],
    );
    return [...new Set(rows.map((r) => objectTypeOf(r.subscription_type)).filter((t): t is SyncObjectType => !!t))];
  });
  if (!objects.length) return;
  const connection = await em.findOne(CrmConnection, { id: data.connectionId });
  if (!connection) return;
  const order = [SyncObjectType.COMPANY, SyncObjectType.CONTACT, SyncObjectType.DEAL];
  await sync.startDeltaForChanges(
    em,
    connection,
    order.filter((o) => objects.includes(o)),
  );
}
