import {
  type Credentials,
  type CrmProviderAdapter,
  type DeltaPage,
  type DeltaWindow,
  type ExternalAssociation,
  type ExternalRecord,
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

  constructor(readonly settings: HubspotSettings) {
    this.client = new HubspotClient(settings);
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
      records: answer.results.map((o) => this.record(objectType, o, listAssociations(o))),
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
    const records = answer.results.map((o) => this.record(objectType, o, associations.get(o.id) ?? []));
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
      const answer = await this.client.request<{ id: string }>(ctx, {
        method: 'PATCH',
        path: `/crm/v3/objects/deals/${encodeURIComponent(item.dealExternalId)}`,
        endpoint: 'objects.update',
        body: { properties: { dealstage: stageId(item.stageName) } },
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

/** A Meridian stage name as HubSpot's default pipeline stage id ("Closed Won" → closedwon). */
export function stageId(stageName: string): string {
  return stageName.toLowerCase().replace(/[^a-z0-9]/g, '');
}
