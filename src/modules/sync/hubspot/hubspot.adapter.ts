import { foldedName, labelKey } from '../deal-apply.js';
import {
  type Credentials,
  type CrmProviderAdapter,
  type DeltaPage,
  type DeltaWindow,
  type ExternalAssociation,
  type ExternalRecord,
  type ExternalStage,
  type FieldMappingRule,
  type Page,
  type ProviderContext,
  ProviderError,
  type PushItem,
  type PushResult,
  ReauthRequiredError,
} from '../provider.js';
import { CrmProvider, SyncObjectType } from '../sync.enums.js';
import { errorMessage, HubspotClient, type HubspotSettings } from './hubspot.client.js';

/** HubSpot's object type names. */
const OBJECT: Record<SyncObjectType, string> = {
  [SyncObjectType.CONTACT]: 'contacts',
  [SyncObjectType.COMPANY]: 'companies',
  [SyncObjectType.DEAL]: 'deals',
};
const TYPE_OF: Record<string, SyncObjectType> = {
  contacts: SyncObjectType.CONTACT,
  companies: SyncObjectType.COMPANY,
  deals: SyncObjectType.DEAL,
};

/** The associations read with each object type (the other side links back). */
const ASSOCIATED: Record<SyncObjectType, SyncObjectType[]> = {
  [SyncObjectType.CONTACT]: [SyncObjectType.COMPANY],
  [SyncObjectType.COMPANY]: [],
  [SyncObjectType.DEAL]: [SyncObjectType.CONTACT, SyncObjectType.COMPANY],
};

/** The properties read per object type (what the mappings may use). */
const PROPERTIES: Record<SyncObjectType, readonly string[]> = {
  [SyncObjectType.CONTACT]: [
    'firstname',
    'lastname',
    'email',
    'phone',
    'mobilephone',
    'lifecyclestage',
    'country',
    'company',
    'jobtitle',
  ],
  [SyncObjectType.COMPANY]: ['name', 'domain', 'phone', 'country', 'description'],
  [SyncObjectType.DEAL]: [
    'dealname',
    'amount',
    'deal_currency_code',
    'closedate',
    'dealstage',
    'pipeline',
    'closed_lost_reason',
  ],
};

/** HubSpot's modification-time property: `lastmodifieddate` on contacts, `hs_lastmodifieddate` elsewhere. */
export function modifiedProperty(objectType: SyncObjectType): string {
  return objectType === SyncObjectType.CONTACT ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

/** HubSpot's search answers at most this many results per query. */
export const SEARCH_CAP = 10_000;

/** HubSpot's association type ids (HUBSPOT_DEFINED) from an engagement to a contact. */
const ENGAGEMENT_TO_CONTACT = { notes: 202, calls: 194, meetings: 200 } as const;

interface HubspotObject {
  id: string;
  properties: Record<string, string | null>;
  updatedAt?: string;
  archived?: boolean;
  associations?: Record<string, { results: { id: string }[] }>;
}

interface ListAnswer {
  results: HubspotObject[];
  paging?: { next?: { after: string } };
}

/** Where a delta read stands, inside {@link DeltaWindow.cursor}. */
interface DeltaCursor {
  /** Lower bound of the window (ms since the epoch). */
  since: number;
  /** Whether `since` itself is included (a window opened at the last time seen: ties re-read). */
  gte: boolean;
  /** Offset within the window's sorted results. */
  after: number;
}

/** A pipeline as `GET /crm/v3/pipelines/deals` answers it (deal stages' metadata: `isClosed`, `probability`). */
interface HubspotPipeline {
  id: string;
  label: string;
  displayOrder: number;
  archived?: boolean;
  stages: {
    id: string;
    label: string;
    displayOrder: number;
    archived?: boolean;
    metadata?: { isClosed?: string | boolean; probability?: string | number };
  }[];
}

/** How long a connection's deal pipelines are reused before they are read again. */
const PIPELINES_TTL_MS = 60_000;

/** What the token endpoint answers. */
interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** The HubSpot account behind a token. */
export interface HubspotAccount {
  portalId: string;
  name: string;
  scopes: string[];
}

/**
 * HubSpot as the sync engine drives it: CRM v3 objects (list with `after` paging for backfills,
 * search on the modification time for deltas, in windows so the 10,000-result cap of a search
 * never loses records), v4 associations, engagements for pushes, OAuth refresh.
 */
export class HubspotAdapter implements CrmProviderAdapter {
  readonly provider = CrmProvider.HUBSPOT;
  // Companies first: contacts and deals then find their organization already linked.
  readonly objectTypes = [SyncObjectType.COMPANY, SyncObjectType.CONTACT, SyncObjectType.DEAL] as const;
  readonly client: HubspotClient;

  /** Closes the Redis connection of the token buckets, if any. */
  close(): Promise<void> {
    return this.client.close();
  }

  /** Deal pipelines per connection, read at most once a minute. */
  private readonly pipelineCache = new Map<string, { at: number; pipelines: Promise<HubspotPipeline[]> }>();

  constructor(readonly settings: HubspotSettings) {
    this.client = new HubspotClient(settings);
  }

  /** The connection's deal pipelines with their stages (cached {@link PIPELINES_TTL_MS}). */
  private pipelines(ctx: ProviderContext): Promise<HubspotPipeline[]> {
    const cached = this.pipelineCache.get(ctx.connectionId);
    if (cached && Date.now() - cached.at < PIPELINES_TTL_MS) return cached.pipelines;
    const pipelines = this.client
      .request<{ results: HubspotPipeline[] }>(ctx, {
        method: 'GET',
        path: '/crm/v3/pipelines/deals',
        endpoint: 'pipelines.list',
      })
      .then((answer) => answer.results);
    pipelines.catch(() => this.pipelineCache.delete(ctx.connectionId));
    this.pipelineCache.set(ctx.connectionId, { at: Date.now(), pipelines });
    return pipelines;
  }

  /** Deals' pipelines and stages, with labels and kinds (other object types: as they are). */
  private async withStages(ctx: ProviderContext, records: ExternalRecord[]): Promise<ExternalRecord[]> {
    if (!records.some((r) => r.objectType === SyncObjectType.DEAL)) return records;
    const pipelines = await this.pipelines(ctx);
    return records.map((r) => (r.objectType === SyncObjectType.DEAL ? { ...r, stage: stageOf(pipelines, r) } : r));
  }

  /** Records per search page (HubSpot allows 200). */
  private get searchLimit(): number {
    return Math.min(200, this.settings.pageLimit * 2);
  }

  defaultFieldMappings(): FieldMappingRule[] {
    const rule = (objectType: SyncObjectType, externalField: string, localField: string) => ({
      objectType,
      externalField,
      localField,
    });
    const { CONTACT, COMPANY, DEAL } = SyncObjectType;
    return [
      rule(CONTACT, 'firstname', 'firstName'),
      rule(CONTACT, 'lastname', 'lastName'),
      rule(CONTACT, 'email', 'email'),
      rule(CONTACT, 'phone', 'phone'),
      rule(CONTACT, 'lifecyclestage', 'lifecycleStage'),
      rule(CONTACT, 'country', 'nationality'),
      rule(CONTACT, 'company', 'companyName'),
      rule(COMPANY, 'name', 'fullName'),
      rule(COMPANY, 'phone', 'phone'),
      rule(COMPANY, 'country', 'nationality'),
      rule(COMPANY, 'description', 'notes'),
      rule(DEAL, 'dealname', 'title'),
      rule(DEAL, 'amount', 'amount'),
      rule(DEAL, 'deal_currency_code', 'currency'),
      rule(DEAL, 'closedate', 'expectedCloseDate'),
      rule(DEAL, 'dealstage', 'stage'),
      rule(DEAL, 'closed_lost_reason', 'lostReason'),
    ];
  }

  knownExternalFields(objectType: SyncObjectType): readonly string[] {
    return PROPERTIES[objectType];
  }

  async listPage(ctx: ProviderContext, objectType: SyncObjectType, cursor: string | null): Promise<Page> {
    const type = OBJECT[objectType];
    const associated = ASSOCIATED[objectType].map((t) => OBJECT[t]);
    const answer = await this.client.request<ListAnswer>(ctx, {
      method: 'GET',
      path: `/crm/v3/objects/${type}`,
      endpoint: `objects.list`,
      query: {
        limit: String(this.settings.pageLimit),
        properties: [...PROPERTIES[objectType], modifiedProperty(objectType)].join(','),
        ...(associated.length ? { associations: associated.join(',') } : {}),
        ...(cursor ? { after: cursor } : {}),
      },
    });
    return {
      records: await this.withStages(
        ctx,
        answer.results.map((o) => this.record(objectType, o, listAssociations(o))),
      ),
      nextCursor: answer.paging?.next?.after ?? null,
    };
  }

  async changedSince(ctx: ProviderContext, objectType: SyncObjectType, window: DeltaWindow): Promise<DeltaPage> {
    const c: DeltaCursor = window.cursor
      ? (JSON.parse(window.cursor) as DeltaCursor)
      : { since: window.since.getTime(), gte: false, after: 0 };
    const modified = modifiedProperty(objectType);
    const limit = this.searchLimit;
    const answer = await this.client.request<ListAnswer & { total: number }>(ctx, {
      method: 'POST',
      path: `/crm/v3/objects/${OBJECT[objectType]}/search`,
      endpoint: 'objects.search',
      search: true,
      body: {
        filterGroups: [
          { filters: [{ propertyName: modified, operator: c.gte ? 'GTE' : 'GT', value: String(c.since) }] },
        ],
        sorts: [{ propertyName: modified, direction: 'ASCENDING' }],
        properties: [...PROPERTIES[objectType], modified],
        limit,
        after: String(c.after),
      },
    });
    const associations = await this.associationsOf(
      ctx,
      objectType,
      answer.results.map((o) => o.id),
    );
    const records = await this.withStages(
      ctx,
      answer.results.map((o) => this.record(objectType, o, associations.get(o.id) ?? [])),
    );
    const times = records.map((r) => r.updatedAt?.getTime() ?? 0);
    const last = times.length ? Math.max(...times) : null;
    let next: DeltaCursor | null = null;
    const after = answer.paging?.next?.after;
    if (after !== undefined) {
      const offset = Number(after);
      if (offset + limit <= SEARCH_CAP) next = { ...c, after: offset };
      // The cap nears: a new window from the last modification time seen (ties are read again and
      // skipped by their unchanged hash). A window full of one instant moves on past it.
      else if (last !== null && !(c.gte && last === c.since)) next = { since: last, gte: true, after: 0 };
      else if (last !== null) next = { since: last, gte: false, after: 0 };
    }
    return {
      records,
      nextCursor: next ? JSON.stringify(next) : null,
      watermark: last === null ? null : new Date(last),
    };
  }

  /** The associations of records read by search (which does not return them), through v4 batch reads. */
  private async associationsOf(
    ctx: ProviderContext,
    objectType: SyncObjectType,
    ids: string[],
  ): Promise<Map<string, ExternalAssociation[]>> {
    const out = new Map<string, ExternalAssociation[]>();
    if (!ids.length) return out;
    for (const to of ASSOCIATED[objectType]) {
      const answer = await this.client.request<{ results: { from: { id: string }; to: { toObjectId: number }[] }[] }>(
        ctx,
        {
          method: 'POST',
          path: `/crm/v4/associations/${OBJECT[objectType]}/${OBJECT[to]}/batch/read`,
          endpoint: 'associations.batchRead',
          body: { inputs: ids.map((id) => ({ id })) },
        },
      );
      for (const r of answer.results) {
        const list = out.get(String(r.from.id)) ?? [];
        for (const t of r.to) list.push({ objectType: to, externalId: String(t.toObjectId) });
        out.set(String(r.from.id), list);
      }
    }
    return out;
  }

  private record(objectType: SyncObjectType, o: HubspotObject, associations: ExternalAssociation[]): ExternalRecord {
    const modified = o.properties[modifiedProperty(objectType)] ?? o.updatedAt ?? null;
    const at = modified ? (/^\d+$/.test(modified) ? new Date(Number(modified)) : new Date(modified)) : null;
    return {
      externalId: String(o.id),
      objectType,
      properties: o.properties,
      updatedAt: at && !Number.isNaN(at.getTime()) ? at : null,
      associations,
      archived: o.archived ?? false,
    };
  }

  async push(ctx: ProviderContext, item: PushItem): Promise<PushResult> {
    if (item.kind === 'DEAL_STAGE') {
      const target = hubspotStageFor(await this.pipelines(ctx), item);
      if (!target)
        throw new ProviderError(
          `no HubSpot stage matches Meridian's ${item.stageName} (${item.stageKind}) of pipeline ${item.pipelineName}`,
          false,
        );
      const answer = await this.client.request<{ id: string }>(ctx, {
        method: 'PATCH',
        path: `/crm/v3/objects/deals/${encodeURIComponent(item.dealExternalId)}`,
        endpoint: 'objects.update',
        body: { properties: { pipeline: target.pipelineId, dealstage: target.stageId } },
      });
      return { externalId: String(answer.id) };
    }
    const at = item.occurredAt.toISOString();
    const type = item.activityKind === 'CALL' ? 'calls' : item.activityKind === 'MEETING' ? 'meetings' : 'notes';
    const properties: Record<string, string> =
      type === 'calls'
        ? { hs_timestamp: at, hs_call_body: item.summary, hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED' }
        : type === 'meetings'
          ? {
              hs_timestamp: at,
              hs_meeting_title: item.summary.slice(0, 100),
              hs_meeting_body: item.summary,
              hs_meeting_start_time: at,
              hs_meeting_end_time: at,
            }
          : { hs_timestamp: at, hs_note_body: item.summary };
    const answer = item.externalId
      ? await this.client.request<{ id: string }>(ctx, {
          method: 'PATCH',
          path: `/crm/v3/objects/${type}/${encodeURIComponent(item.externalId)}`,
          endpoint: 'objects.update',
          body: { properties },
        })
      : await this.client.request<{ id: string }>(ctx, {
          method: 'POST',
          path: `/crm/v3/objects/${type}`,
          endpoint: 'objects.create',
          body: {
            properties,
            associations: [
              {
                to: { id: item.contactExternalId },
                types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: ENGAGEMENT_TO_CONTACT[type] }],
              },
            ],
          },
        });
    return { externalId: String(answer.id) };
  }

  async refresh(credentials: Credentials, signal: AbortSignal): Promise<Credentials> {
    if (!credentials.refreshToken) throw new ReauthRequiredError('the HubSpot connection has no refresh token');
    const answer = await this.token({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken }, signal);
    return oauthCredentials(answer, credentials.refreshToken);
  }

  /** Exchanges an authorization code (OAuth callback) for credentials. */
  async exchangeCode(code: string, redirectUri: string, signal: AbortSignal): Promise<Credentials> {
    return oauthCredentials(
      await this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, signal),
    );
  }

  private async token(form: Record<string, string>, signal: AbortSignal): Promise<TokenAnswer> {
    const { clientId, clientSecret, tokenUrl } = this.settings;
    if (!clientId || !clientSecret)
      throw new ProviderError('HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are not set', false);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...form, client_id: clientId, client_secret: clientSecret }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]),
    });
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as TokenAnswer;
    if (res.status === 400 || res.status === 401 || res.status === 403)
      throw new ReauthRequiredError(`HubSpot refused the OAuth grant: ${errorMessage(text)}`);
    throw new ProviderError(`HubSpot's token endpoint answered ${res.status}: ${errorMessage(text)}`, true, res.status);
  }

  /** The account behind OAuth credentials (token metadata) or a private-app token (account details). */
  async account(credentials: Credentials, signal: AbortSignal): Promise<HubspotAccount> {
    const opts = {
      headers: { authorization: `Bearer ${credentials.accessToken}`, accept: 'application/json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]),
    };
    if (credentials.kind === 'oauth') {
      const res = await fetch(
        `${this.settings.apiBaseUrl}/oauth/v1/access-tokens/${encodeURIComponent(credentials.accessToken)}`,
        opts,
      );
      const text = await res.text();
      if (!res.ok)
        throw new ProviderError(`HubSpot did not describe the token: ${errorMessage(text)}`, false, res.status);
      const info = JSON.parse(text) as { hub_id: number; hub_domain?: string; scopes?: string[] };
      return {
        portalId: String(info.hub_id),
        name: info.hub_domain ?? `HubSpot ${info.hub_id}`,
        scopes: info.scopes ?? [],
      };
    }
    const res = await fetch(`${this.settings.apiBaseUrl}/account-info/v3/details`, opts);
    const text = await res.text();
    if (res.status === 401 || res.status === 403)
      throw new ReauthRequiredError(`HubSpot refused the private-app token: ${errorMessage(text)}`);
    if (!res.ok) throw new ProviderError(`HubSpot answered ${res.status}: ${errorMessage(text)}`, true, res.status);
    const info = JSON.parse(text) as { portalId: number; uiDomain?: string };
    return { portalId: String(info.portalId), name: `HubSpot ${info.portalId}`, scopes: [] };
  }
}

function oauthCredentials(answer: TokenAnswer, previousRefresh?: string): Credentials {
  return {
    kind: 'oauth',
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? previousRefresh,
    expiresAt: new Date(Date.now() + answer.expires_in * 1000).toISOString(),
  };
}

function listAssociations(o: HubspotObject): ExternalAssociation[] {
  const out: ExternalAssociation[] = [];
  for (const [type, { results }] of Object.entries(o.associations ?? {})) {
    const objectType = TYPE_OF[type];
    if (objectType) for (const r of results) out.push({ objectType, externalId: String(r.id) });
  }
  return out;
}

/** OPEN, or a closed stage's outcome: won at probability 1, lost otherwise (HubSpot's deal stage metadata). */
function kindOf(stage: HubspotPipeline['stages'][number]): ExternalStage['kind'] {
  const closed = String(stage.metadata?.isClosed ?? 'false') === 'true';
  if (!closed) return 'OPEN';
  return Number(stage.metadata?.probability ?? 0) >= 1 ? 'WON' : 'LOST';
}

/** A deal's pipeline and stage with labels and kind; the stage's id alone when HubSpot has no such stage. */
function stageOf(pipelines: HubspotPipeline[], record: ExternalRecord): ExternalStage | null {
  const stageId = record.properties.dealstage;
  if (!stageId) return null;
  const pipelineId = record.properties.pipeline || 'default';
  const pipeline = pipelines.find((p) => p.id === pipelineId);
  const stage = pipeline?.stages.find((s) => s.id === stageId);
  return {
    pipelineId,
    pipelineLabel: pipeline?.label ?? null,
    stageId,
    stageLabel: stage?.label ?? null,
    kind: stage ? kindOf(stage) : 'OPEN',
  };
}

/**
 * The HubSpot pipeline and stage a Meridian stage goes to (the reverse of the inbound rule): the
 * active HubSpot pipeline labelled like the deal's Meridian pipeline, else (for Meridian's default
 * pipeline) HubSpot's `default`; in it, the active stage labelled like the Meridian stage, else the
 * one whose id is the stage name folded (HubSpot's built-in ids: "Closed Won" → closedwon), else,
 * for a WON or LOST stage, the first closed stage of that outcome. Null when none fits.
 */
export function hubspotStageFor(
  pipelines: HubspotPipeline[],
  item: { stageName: string; stageKind: ExternalStage['kind']; pipelineName: string; pipelineIsDefault: boolean },
): { pipelineId: string; stageId: string } | null {
  const active = pipelines.filter((p) => !p.archived);
  const pipeline =
    active.find((p) => labelKey(p.label) === labelKey(item.pipelineName)) ??
    (item.pipelineIsDefault ? active.find((p) => p.id === 'default') : undefined);
  if (!pipeline) return null;
  const stages = [...pipeline.stages].filter((s) => !s.archived).sort((a, b) => a.displayOrder - b.displayOrder);
  const stage =
    stages.find((s) => labelKey(s.label) === labelKey(item.stageName)) ??
    stages.find((s) => s.id === foldedName(item.stageName)) ??
    (item.stageKind === 'OPEN' ? undefined : stages.find((s) => kindOf(s) === item.stageKind));
  return stage ? { pipelineId: pipeline.id, stageId: stage.id } : null;
}
