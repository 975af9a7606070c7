import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the subset of HubSpot's public API Meridian uses, with the request
 * and response shapes of HubSpot's documentation:
 * - OAuth 2: `POST /oauth/v1/token` (form-encoded `authorization_code` and `refresh_token` grants;
 *   a refused refresh answers 400 `BAD_REFRESH_TOKEN`), `GET /oauth/v1/access-tokens/{token}`;
 *   the authorize page is `GET /oauth/authorize` (it "approves" at once: redirects with a code).
 * - `GET /account-info/v3/details` (private-app tokens).
 * - CRM v3 objects: `GET /crm/v3/objects/{type}` with `limit`, `after`, `properties`,
 *   `associations` (paging `{ next: { after, link } }`), `POST /crm/v3/objects/{type}/search`
 *   (filterGroups GT/GTE/LT/LTE/EQ, one sort, `limit` ≤ 200, `after`; 400 past 10,000 results),
 *   `POST /crm/v3/objects/{notes|calls|meetings}` with v4 association specs,
 *   `PATCH /crm/v3/objects/{type}/{id}`.
 * - CRM v4 associations: `POST /crm/v4/associations/{from}/{to}/batch/read`.
 * - CRM v3 pipelines: `GET /crm/v3/pipelines/deals` and `GET /crm/v3/pipelines/deals/{pipelineId}`
 *   (`{ results: [{ id, label, displayOrder, archived, stages: [{ id, label, displayOrder,
 *   archived, metadata: { isClosed, probability } }] }] }`, metadata values as strings as HubSpot
 *   answers them); a new portal has HubSpot's `default` "Sales Pipeline" with its seven stages.
 *   A deal PATCH (or create) with a `dealstage` that is not a stage of the deal's pipeline is
 *   refused with 400 VALIDATION_ERROR, as HubSpot does.
 * - Faults on demand: 429 with `Retry-After` (HubSpot's RATE_LIMIT body), 5xx, expired tokens (401).
 * - {@link signWebhook}: the v3 signature headers HubSpot puts on webhook requests.
 *
 * Contacts carry their modification time as `lastmodifieddate`, companies and deals as
 * `hs_lastmodifieddate`, as HubSpot does.
 */
export type HubspotObjectType = 'contacts' | 'companies' | 'deals' | 'notes' | 'calls' | 'meetings';

export interface FakeObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date;
  updatedAt: Date;
  archived: boolean;
  /** Associations to other objects, as `type:id`. */
  associations: Set<string>;
}

interface Fault {
  status: number;
  retryAfter?: number;
  /** Only requests whose path starts with this. */
  pathPrefix?: string;
}

/** HubSpot's association type ids (HUBSPOT_DEFINED) used here. */
export const ASSOCIATION_TYPE_IDS: Record<string, number> = {
  'contacts:companies': 1,
  'companies:contacts': 2,
  'deals:contacts': 3,
  'contacts:deals': 4,
  'deals:companies': 5,
  'companies:deals': 6,
  'notes:contacts': 202,
  'calls:contacts': 194,
  'meetings:contacts': 200,
};

const SEARCH_CAP = 10_000;

/** A deal pipeline as HubSpot's pipelines API answers it. */
export interface FakePipeline {
  id: string;
  label: string;
  displayOrder: number;
  archived: boolean;
  stages: {
    id: string;
    label: string;
    displayOrder: number;
    archived: boolean;
    metadata: { isClosed: string; probability: string };
  }[];
}

/** A deal stage of a pipeline: open, or closed (won at probability 1.0, lost at 0.0). */
export function pipelineStage(
  id: string,
  label: string,
  displayOrder: number,
  probability: string,
  isClosed = false,
): FakePipeline['stages'][number] {
  return { id, label, displayOrder, archived: false, metadata: { isClosed: String(isClosed), probability } };
}

/** HubSpot's default deal pipeline of a new portal. */
function defaultPipeline(): FakePipeline {
  const stage = pipelineStage;
  return {
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    archived: false,
    stages: [
      stage('appointmentscheduled', 'Appointment Scheduled', 0, '0.2'),
      stage('qualifiedtobuy', 'Qualified To Buy', 1, '0.4'),
      stage('presentationscheduled', 'Presentation Scheduled', 2, '0.6'),
      stage('decisionmakerboughtin', 'Decision Maker Bought-In', 3, '0.8'),
      stage('contractsent', 'Contract Sent', 4, '0.9'),
      stage('closedwon', 'Closed Won', 5, '1.0', true),
      stage('closedlost', 'Closed Lost', 6, '0.0', true),
    ],
  };
}

/** The modification-time property of an object type. */
export function modifiedProperty(type: string): string {
  return type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

export class FakeHubspot {
  readonly clientId = `client-${randomBytes(4).toString('hex')}`;
  readonly clientSecret = `secret-${randomBytes(8).toString('hex')}`;
  readonly portalId = 100000 + Math.floor(Math.random() * 800000);
  readonly objects: Record<HubspotObjectType, Map<string, FakeObject>> = {
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
    notes: new Map(),
    calls: new Map(),
    meetings: new Map(),
  };
  /** Deal pipelines (a new portal's default; tests add pipelines and stages). */
  readonly pipelines: FakePipeline[] = [defaultPipeline()];
  /** Bodies of PATCH requests, as `type:id` → properties, in order. */
  readonly patches: { object: string; properties: Record<string, string> }[] = [];
  /** Requests received, as `METHOD path` (without the query). */
  readonly requests: string[] = [];
  /** Lifetime of issued access tokens, in seconds. */
  tokenLifetime = 1800;
  private nextId = 1000;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  private faults: Fault[] = [];
  private codes = new Map<string, { redirectUri: string }>();
  private accessTokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  private refreshTokens = new Set<string>();
  private privateTokens = new Set<string>();
  private server: Server | undefined;
  private orderCache = new Map<HubspotObjectType, FakeObject[]>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => json(res, 500, { status: 'error', message: String(err) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A private-app token HubSpot would accept. */
  privateAppToken(): string {
    const token = `pat-na1-${randomBytes(12).toString('hex')}`;
    this.privateTokens.add(token);
    return token;
  }

  /** The next `n` API requests (optionally under a path) fail with `status`. */
  failNext(n: number, status: number, options: { retryAfter?: number; pathPrefix?: string } = {}): void {
    for (let i = 0; i < n; i++) this.faults.push({ status, ...options });
  }

  /** Every access token issued so far expires now (the next call with one gets 401). */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.expiresAt = 0;
  }

  /** Every refresh token is revoked (the app was uninstalled): refreshes are refused. */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** Moves HubSpot's clock (modification times of later changes) forward. */
  tick(ms = 1000): Date {
    this.clock += ms;
    return new Date(this.clock);
  }

  /** Creates an object; `associations` are `type:id` strings (stored both ways). */
  add(type: HubspotObjectType, properties: Record<string, string | null>, associations: string[] = []): FakeObject {
    const id = String(this.nextId++);
    const at = this.tick(1);
    const o: FakeObject = {
      id,
      properties: {
        ...properties,
        hs_object_id: id,
        createdate: at.toISOString(),
        [modifiedProperty(type)]: at.toISOString(),
      },
      createdAt: at,
      updatedAt: at,
      archived: false,
      associations: new Set(),
    };
    this.objects[type].set(id, o);
    for (const a of associations) this.associate(`${type}:${id}`, a);
    return o;
  }

  /** Changes an object's properties (its modification time moves to HubSpot's clock). */
  update(
    type: HubspotObjectType,
    id: string,
    properties: Record<string, string | null>,
    at = this.tick(1),
  ): FakeObject {
    const o = this.objects[type].get(id);
    if (!o) throw new Error(`no ${type} ${id}`);
    Object.assign(o.properties, properties, { [modifiedProperty(type)]: at.toISOString() });
    o.updatedAt = at;
    return o;
  }

  /** Associates two objects (`type:id` each), both ways; modification times do not move (see {@link update}). */
  associate(a: string, b: string): void {
    this.pair(a, b, (set, other) => set.add(other));
  }

  /** Removes the association of two objects, both ways. */
  dissociate(a: string, b: string): void {
    this.pair(a, b, (set, other) => set.delete(other));
  }

  private pair(a: string, b: string, change: (associations: Set<string>, other: string) => void): void {
    const [ta, ia] = a.split(':') as [HubspotObjectType, string];
    const [tb, ib] = b.split(':') as [HubspotObjectType, string];
    const [oa, ob] = [this.objects[ta].get(ia), this.objects[tb].get(ib)];
    if (oa) change(oa.associations, b);
    if (ob) change(ob.associations, a);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const body = await readBody(req);
    this.requests.push(`${req.method} ${path}`);
    if (path === '/oauth/authorize') return this.authorize(url, res);
    if (path === '/oauth/v1/token' && req.method === 'POST') return this.token(body, res);
    const faultIndex = this.faults.findIndex((f) => !f.pathPrefix || path.startsWith(f.pathPrefix));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault.status === 429) {
        if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter));
        return json(res, 429, {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomBytes(8).toString('hex'),
          policyName: 'TEN_SECONDLY_ROLLING',
        });
      }
      return json(res, fault.status, { status: 'error', message: 'internal error', correlationId: 'x' });
    }
    const tokenInfo = path.match(/^\/oauth\/v1\/access-tokens\/(.+)$/);
    if (tokenInfo && req.method === 'GET') {
      const t = this.accessTokens.get(decodeURIComponent(tokenInfo[1]));
      if (!t || t.expiresAt < Date.now()) return json(res, 404, { status: 'error', message: 'token not found' });
      return json(res, 200, {
        token: tokenInfo[1],
        user: 'admin@example.com',
        hub_domain: `portal-${this.portalId}.example.com`,
        scopes: t.scopes,
        hub_id: this.portalId,
        app_id: 1,
        expires_in: Math.round((t.expiresAt - Date.now()) / 1000),
        user_id: 1,
        token_type: 'access',
      });
    }
    const auth = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const access = this.accessTokens.get(auth);
    if (!this.privateTokens.has(auth) && (!access || access.expiresAt < Date.now()))
      return json(res, 401, {
        status: 'error',
        message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
        correlationId: randomBytes(8).toString('hex'),
        category: access ? 'EXPIRED_AUTHENTICATION' : 'INVALID_AUTHENTICATION',
      });
    if (path === '/account-info/v3/details' && req.method === 'GET')
      return json(res, 200, {
        portalId: this.portalId,
        accountType: 'STANDARD',
        timeZone: 'Europe/Rome',
        companyCurrency: 'EUR',
        uiDomain: 'app.hubspot.com',
        dataHostingLocation: 'eu1',
      });
    let m = path.match(/^\/crm\/v3\/objects\/(\w+)\/search$/);
    if (m && req.method === 'POST') return this.search(m[1] as HubspotObjectType, parse(body), res);
    m = path.match(/^\/crm\/v3\/objects\/(\w+)$/);
    if (m && req.method === 'GET') return this.list(m[1] as HubspotObjectType, url, res);
    if (m && req.method === 'POST') return this.create(m[1] as HubspotObjectType, parse(body), res);
    m = path.match(/^\/crm\/v3\/objects\/(\w+)\/(\d+)$/);
    if (m && req.method === 'PATCH') {
      const o = this.objects[m[1] as HubspotObjectType]?.get(m[2]);
      if (!o) return json(res, 404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' });
      const { properties } = JSON.parse(body || '{}') as { properties: Record<string, string> };
      if (m[1] === 'deals') {
        const invalid = this.invalidStage({ ...o.properties, ...properties });
        if (invalid) return json(res, 400, invalid);
      }
      this.patches.push({ object: `${m[1]}:${m[2]}`, properties });
      this.update(m[1] as HubspotObjectType, m[2], properties);
      return json(res, 200, view(m[1], o, Object.keys(o.properties)));
    }
    m = path.match(/^\/crm\/v3\/pipelines\/deals(?:\/([^/]+))?$/);
    if (m && req.method === 'GET') {
      if (!m[1]) return json(res, 200, { results: this.pipelines });
      const p = this.pipelines.find((x) => x.id === decodeURIComponent(m![1]));
      return p
        ? json(res, 200, p)
        : json(res, 404, { status: 'error', message: 'pipeline not found', category: 'OBJECT_NOT_FOUND' });
    }
    m = path.match(/^\/crm\/v4\/associations\/(\w+)\/(\w+)\/batch\/read$/);
    if (m && req.method === 'POST') return this.associationsRead(m[1], m[2], parse(body), res);
    return json(res, 404, { status: 'error', message: `no route ${req.method} ${path}` });
  }

  /** HubSpot's 400 for a deal whose `dealstage` is not an active stage of its pipeline; null when valid. */
  private invalidStage(properties: Record<string, string | null>): object | null {
    if (!properties.dealstage) return null;
    const pipeline = this.pipelines.find((p) => p.id === (properties.pipeline || 'default') && !p.archived);
    if (pipeline?.stages.some((st) => st.id === properties.dealstage && !st.archived)) return null;
    return {
      status: 'error',
      message: `Property values were not valid: dealstage ${properties.dealstage} is not a valid stage of pipeline ${properties.pipeline || 'default'}`,
      category: 'VALIDATION_ERROR',
      correlationId: randomBytes(8).toString('hex'),
    };
  }

  private authorize(url: URL, res: ServerResponse): void {
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    if (url.searchParams.get('client_id') !== this.clientId)
      return json(res, 400, { status: 'error', message: 'unknown client_id' });
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, { redirectUri });
    const to = new URL(redirectUri);
    to.searchParams.set('code', code);
    const state = url.searchParams.get('state');
    if (state !== null) to.searchParams.set('state', state);
    res.writeHead(302, { location: to.toString() }).end();
  }

  private issue(scopes: string[]) {
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(accessToken, { expiresAt: Date.now() + this.tokenLifetime * 1000, scopes });
    this.refreshTokens.add(refreshToken);
    return {
      token_type: 'bearer',
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: this.tokenLifetime,
    };
  }

  private token(body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret)
      return json(res, 400, { status: 'BAD_CLIENT_ID', message: 'missing or unknown client id' });
    const scopes = ['crm.objects.contacts.read', 'crm.objects.companies.read', 'crm.objects.deals.read', 'oauth'];
    if (form.get('grant_type') === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.redirectUri !== form.get('redirect_uri'))
        return json(res, 400, { status: 'BAD_AUTH_CODE', message: 'missing or unknown auth code' });
      this.codes.delete(form.get('code')!);
      return json(res, 200, this.issue(scopes));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const rt = form.get('refresh_token') ?? '';
      if (!this.refreshTokens.has(rt))
        return json(res, 400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' });
      const issued = this.issue(scopes);
      // HubSpot keeps the refresh token; it is answered again.
      this.refreshTokens.delete(issued.refresh_token);
      return json(res, 200, { ...issued, refresh_token: rt });
    }
    return json(res, 400, { status: 'BAD_GRANT_TYPE', message: 'unsupported grant_type' });
  }

  private list(type: HubspotObjectType, url: URL, res: ServerResponse): void {
    const store = this.objects[type];
    if (!store) return json(res, 404, { status: 'error', message: `unknown object type ${type}` });
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 100);
    const after = url.searchParams.get('after');
    const properties = (url.searchParams.get('properties') ?? '').split(',').filter(Boolean);
    const assoc = (url.searchParams.get('associations') ?? '').split(',').filter(Boolean);
    // `after` is opaque to clients; here it is the last id returned. Ids grow with insertion, so
    // the store in insertion order is sorted by id: a binary search finds the page (a 100,000-object
    // backfill is not quadratic here).
    const all = this.ordered(type);
    let start = 0;
    if (after) {
      let hi = all.length;
      while (start < hi) {
        const mid = (start + hi) >>> 1;
        if (Number(all[mid].id) > Number(after)) hi = mid;
        else start = mid + 1;
      }
    }
    const page: FakeObject[] = [];
    let i = start;
    for (; i < all.length && page.length < limit; i++) if (!all[i].archived) page.push(all[i]);
    while (i < all.length && all[i].archived) i++;
    const more = i < all.length;
    const last = page.at(-1)?.id;
    json(res, 200, {
      results: page.map((o) => ({ ...view(type, o, properties), ...associationsView(type, o, assoc) })),
      ...(more && last
        ? { paging: { next: { after: last, link: `${this.url}/crm/v3/objects/${type}?after=${last}` } } }
        : {}),
    });
  }

  /** The objects of a type in insertion (= id) order, cached until one is added. */
  private ordered(type: HubspotObjectType): FakeObject[] {
    const store = this.objects[type];
    let cached = this.orderCache.get(type);
    if (!cached || cached.length !== store.size) this.orderCache.set(type, (cached = [...store.values()]));
    return cached;
  }

  private search(
    type: HubspotObjectType,
    body: {
      filterGroups?: { filters: { propertyName: string; operator: string; value?: string }[] }[];
      sorts?: ({ propertyName: string; direction?: string } | string)[];
      properties?: string[];
      limit?: number;
      after?: string | number;
    },
    res: ServerResponse,
  ): void {
    const store = this.objects[type];
    if (!store) return json(res, 404, { status: 'error', message: `unknown object type ${type}` });
    const limit = Math.min(Number(body.limit ?? 10), 200);
    const after = Number(body.after ?? 0);
    if (after + limit > SEARCH_CAP)
      return json(res, 400, {
        status: 'error',
        message: `There was a problem with the request. Paging beyond ${SEARCH_CAP} results is not supported.`,
        category: 'VALIDATION_ERROR',
        correlationId: randomBytes(8).toString('hex'),
      });
    const groups = body.filterGroups ?? [];
    let all = [...store.values()].filter(
      (o) => !o.archived && (!groups.length || groups.some((g) => g.filters.every((f) => matches(o, f)))),
    );
    const sort = body.sorts?.[0];
    if (sort) {
      const name = typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
      const desc = typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING';
      all = all.sort(
        (a, b) => compare(a.properties[name], b.properties[name]) * (desc ? -1 : 1) || Number(a.id) - Number(b.id),
      );
    }
    const page = all.slice(after, after + limit);
    const next = after + limit < all.length ? String(after + limit) : null;
    json(res, 200, {
      total: all.length,
      results: page.map((o) => view(type, o, body.properties ?? [])),
      ...(next ? { paging: { next: { after: next } } } : {}),
    });
  }

  private create(
    type: HubspotObjectType,
    body: {
      properties?: Record<string, string>;
      associations?: {
        to: { id: string | number };
        types: { associationCategory: string; associationTypeId: number }[];
      }[];
    },
    res: ServerResponse,
  ): void {
    if (!this.objects[type]) return json(res, 404, { status: 'error', message: `unknown object type ${type}` });
    const targets: string[] = [];
    for (const a of body.associations ?? []) {
      const typeId = a.types?.[0]?.associationTypeId;
      const toType = Object.entries(ASSOCIATION_TYPE_IDS).find(([k, v]) => v === typeId && k.startsWith(`${type}:`));
      if (!toType)
        return json(res, 400, {
          status: 'error',
          message: `invalid association type ${typeId}`,
          category: 'VALIDATION_ERROR',
        });
      const target = toType[0].split(':')[1] as HubspotObjectType;
      if (!this.objects[target].has(String(a.to.id)))
        return json(res, 400, { status: 'error', message: `no ${target} ${a.to.id}`, category: 'VALIDATION_ERROR' });
      targets.push(`${target}:${a.to.id}`);
    }
    const o = this.add(type, body.properties ?? {}, targets);
    json(res, 201, view(type, o, Object.keys(o.properties)));
  }

  private associationsRead(from: string, to: string, body: { inputs?: { id: string }[] }, res: ServerResponse): void {
    const results = [];
    for (const input of body.inputs ?? []) {
      const o = this.objects[from as HubspotObjectType]?.get(String(input.id));
      if (!o) continue;
      const targets = [...o.associations].filter((a) => a.startsWith(`${to}:`)).map((a) => a.split(':')[1]);
      if (!targets.length) continue;
      results.push({
        from: { id: o.id },
        to: targets.map((id) => ({
          toObjectId: Number(id),
          associationTypes: [
            { category: 'HUBSPOT_DEFINED', typeId: ASSOCIATION_TYPE_IDS[`${from}:${to}`], label: null },
          ],
        })),
      });
    }
    const now = new Date().toISOString();
    json(res, 200, { status: 'COMPLETE', results, startedAt: now, completedAt: now });
  }
}

/** The environment that points Meridian at `hubspot` (the README's `HUBSPOT_*` variables), pages of 10. */
export function hubspotEnv(hubspot: FakeHubspot): Record<string, string> {
  return {
    HUBSPOT_CLIENT_ID: hubspot.clientId,
    HUBSPOT_CLIENT_SECRET: hubspot.clientSecret,
    HUBSPOT_API_BASE_URL: hubspot.url,
    HUBSPOT_OAUTH_AUTHORIZE_URL: `${hubspot.url}/oauth/authorize`,
    HUBSPOT_PAGE_LIMIT: '10',
  };
}

/** Starts a fake HubSpot on a free port of 127.0.0.1. */
export function startFakeHubspot(): Promise<FakeHubspot> {
  return new FakeHubspot().start();
}

/**
 * The headers HubSpot sends with a webhook request, signature v3: base64 of HMAC-SHA256, keyed
 * with the app's client secret, over `method + uri + body + timestamp` (timestamp in ms).
 */
export function signWebhook(
  secret: string,
  request: { method: string; uri: string; body: string; timestamp?: number },
): Record<string, string> {
  const timestamp = String(request.timestamp ?? Date.now());
  const signature = createHmac('sha256', secret)
    .update(`${request.method}${request.uri}${request.body}${timestamp}`, 'utf8')
    .digest('base64');
  return { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp };
}

function view(type: string, o: FakeObject, properties: string[]) {
  const defaults =
    type === 'contacts'
      ? ['email', 'firstname', 'lastname']
      : type === 'companies'
        ? ['name', 'domain']
        : ['dealname', 'amount', 'dealstage'];
  const wanted = new Set([
    ...(properties.length ? properties : defaults),
    'hs_object_id',
    'createdate',
    modifiedProperty(type),
  ]);
  const props: Record<string, string | null> = {};
  for (const p of wanted) props[p] = o.properties[p] ?? null;
  return {
    id: o.id,
    properties: props,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    archived: o.archived,
  };
}

function associationsView(type: string, o: FakeObject, wanted: string[]) {
  if (!wanted.length) return {};
  const associations: Record<string, { results: { id: string; type: string }[] }> = {};
  for (const to of wanted) {
    const results = [...o.associations]
      .filter((a) => a.startsWith(`${to}:`))
      .map((a) => ({
        id: a.split(':')[1],
        type: `${type.replace(/s$/, '').replace(/ie$/, 'y')}_to_${to.replace(/ies$/, 'y').replace(/s$/, '')}`,
      }));
    if (results.length) associations[to] = { results };
  }
  return Object.keys(associations).length ? { associations } : {};
}

function asNumber(v: string | null | undefined): number {
  if (v == null) return NaN;
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}

function compare(a: string | null | undefined, b: string | null | undefined): number {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return String(a ?? '').localeCompare(String(b ?? ''));
}

function matches(o: FakeObject, f: { propertyName: string; operator: string; value?: string }): boolean {
  const v = o.properties[f.propertyName];
  const c = compare(v, f.value);
  switch (f.operator) {
    case 'EQ':
      return v != null && c === 0;
    case 'GT':
      return v != null && c > 0;
    case 'GTE':
      return v != null && c >= 0;
    case 'LT':
      return v != null && c < 0;
    case 'LTE':
      return v != null && c <= 0;
    case 'HAS_PROPERTY':
      return v != null;
    default:
      return false;
  }
}

/** A JSON request body (an empty one is `{}`). */
function parse<T>(body: string): T {
  return JSON.parse(body || '{}') as T;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
}
