/**
 * The contract between the sync engine and the other CRMs it talks to (HubSpot now, Zoho and Odoo
 * next). An adapter knows one provider's HTTP API and nothing of Meridian's tables; the engine
 * knows Meridian's tables and nothing of any provider's API. Between them travel provider-neutral
 * {@link ExternalRecord}s whose `properties` are the provider's own field names: the connection's
 * {@link FieldMappingRule}s (editable per connection, defaulting to the adapter's
 * {@link CrmProviderAdapter.defaultFieldMappings}) turn them into Meridian fields.
 *
 * What the engine does so adapters don't have to:
 * - paging loop, cancellation (checked between pages), progress, counters, run log;
 * - idempotency: every record is applied through its `EntityLink` (connection, object type,
 *   external id) and skipped when its content hash did not change, so a re-run or a resumed run
 *   creates no duplicates;
 * - cursor persistence: the `nextCursor` of a page is committed in the same transaction as the
 *   page's records, so a run killed between pages resumes from the last committed page;
 * - conflict rules (provider authoritative for contacts and companies, newer local change wins
 *   for deals and is logged as a conflict, Meridian authoritative for activities);
 * - credentials: decrypted for the adapter, refreshed through {@link CrmProviderAdapter.refresh}
 *   and re-encrypted; a refused refresh sets the connection to NEEDS_REAUTH.
 *
 * What an adapter does: HTTP calls, its own rate limiting (a token bucket per connection),
 * retries of 429 (`Retry-After`) and 5xx with backoff, and mapping of its paging/search model onto
 * {@link Page} cursors (opaque strings to the engine).
 */
import type { CrmProvider, SyncObjectType } from './sync.enums.js';

export { CrmProvider, SyncObjectType } from './sync.enums.js';

/** A record as read from the provider, before field mapping. */
export interface ExternalRecord {
  /** The provider's id of the record (HubSpot `hs_object_id`, Zoho `id`, Odoo `id` as a string). */
  externalId: string;
  objectType: SyncObjectType;
  /**
   * The provider's fields by their provider name (HubSpot `firstname`, Zoho `First_Name`, Odoo
   * `name`), values as strings (null when empty). Only the mapped fields are needed.
   */
  properties: Record<string, string | null>;
  /**
   * When the provider last changed the record (HubSpot `hs_lastmodifieddate`). Used for the
   * deal conflict rule and to move the delta watermark; null if the provider does not say.
   */
  updatedAt: Date | null;
  /** Records this one is associated with (contact→company, deal→contact, deal→company). */
  associations?: ExternalAssociation[];
  /** True when the provider reports the record deleted/archived (the engine logs and skips it). */
  archived?: boolean;
  /** Deals: the provider's pipeline and stage the deal is in, with their labels and the stage's kind. */
  stage?: ExternalStage | null;
}

/**
 * A deal's place in the provider's pipelines. The engine maps it onto a Meridian pipeline and
 * stage by label (see `deal-apply.ts`), so the adapter reports labels, not only ids.
 */
export interface ExternalStage {
  pipelineId: string;
  pipelineLabel: string | null;
  stageId: string;
  stageLabel: string | null;
  /** OPEN, or the stage closes the deal as WON or LOST. */
  kind: 'OPEN' | 'WON' | 'LOST';
}

/** A link from an external record to another external record of the same provider. */
export interface ExternalAssociation {
  objectType: SyncObjectType;
  externalId: string;
}

/** One page of records and where to continue. */
export interface Page {
  records: ExternalRecord[];
  /**
   * Opaque cursor for the next page (HubSpot's `paging.next.after`), or null when this was the
   * last page. The engine stores it, committed with the page, and hands it back unchanged.
   */
  nextCursor: string | null;
}

/**
 * Where a delta read stands. `since` is the watermark: records modified strictly after it are
 * wanted. Providers whose search caps the number of results per query (HubSpot: 10,000) move in
 * windows: they sort by modification time, page with `cursor` inside the current window and, when
 * the cap nears, return a `nextCursor` that encodes a new window starting at the last modification
 * time seen. The engine does not look inside.
 */
export interface DeltaWindow {
  /** Lower bound (exclusive) on the provider's modification time. */
  since: Date;
  /** Cursor within the window, as returned by the previous {@link DeltaPage}; null to start. */
  cursor: string | null;
}

/** A page of a delta read. */
export interface DeltaPage extends Page {
  /**
   * The highest modification time seen so far in this read; becomes the connection's next `since`
   * once the read finishes (the engine keeps the maximum).
   */
  watermark: Date | null;
}

/** Decrypted credentials of a connection. Never logged, never returned by the API. */
export interface Credentials {
  /** `oauth`: access + refresh token; `token`: a private-app token or API key that never expires. */
  kind: 'oauth' | 'token';
  accessToken: string;
  refreshToken?: string;
  /** When `accessToken` expires (ISO 8601); the engine refreshes a minute before. */
  expiresAt?: string;
  /** Provider-specific extras (e.g. Zoho's data centre domain, Odoo's database name). */
  extra?: Record<string, string>;
}

/**
 * The adapter's handle on the connection's credentials. `get` returns valid credentials
 * (refreshing first when they expire within a minute); after a 401 the adapter calls
 * `refreshAfterUnauthorized` once and retries; if that throws {@link ReauthRequiredError} the
 * connection is already marked NEEDS_REAUTH and the run fails.
 */
export interface CredentialAccess {
  get(): Promise<Credentials>;
  refreshAfterUnauthorized(): Promise<Credentials>;
}

/** What every adapter call receives. */
export interface ProviderContext {
  tenantId: string;
  connectionId: string;
  /** The provider's account id for the connection (HubSpot portal id), when known. */
  accountId: string | null;
  credentials: CredentialAccess;
  /** Aborted when the run is cancelled or the worker shuts down: pass it to `fetch`. */
  signal: AbortSignal;
  /** Counts provider API calls and 429s for /metrics (`status` is the HTTP status). */
  recordApiCall(endpoint: string, status: number): void;
}

/** Something Meridian sends out (PUSH mode). Idempotent through the engine's entity links. */
export type PushItem =
  | {
      kind: 'ACTIVITY';
      /** Meridian interaction id (global id), for the entity link. */
      localId: string;
      /** CALL, MEETING, NOTE, EMAIL…: the adapter picks the provider's engagement type. */
      activityKind: string;
      occurredAt: Date;
      summary: string;
      /** The linked contact at the provider. */
      contactExternalId: string;
      /** Set when this activity was pushed before: update instead of create. */
      externalId: string | null;
    }
  | {
      kind: 'DEAL_STAGE';
      localId: string;
      dealExternalId: string;
      /** The stage's name in Meridian; the adapter maps it to a provider stage id. */
      stageName: string;
      /** OPEN, WON or LOST (a provider stage of the same kind is the last resort of the mapping). */
      stageKind: 'OPEN' | 'WON' | 'LOST';
      /** The deal's Meridian pipeline (mapped to the provider's pipeline by label) and whether it is the default. */
      pipelineName: string;
      pipelineIsDefault: boolean;
      externalId: string | null;
    };

/** The result of one push. */
export interface PushResult {
  /** The provider's id of the created/updated object (stored in the entity link). */
  externalId: string;
}

/**
 * A Meridian field a mapping can target, per object type. `firstName`/`lastName` are virtual:
 * they are joined into `fullName` when the provider splits names.
 */
export const LOCAL_FIELDS = {
  CONTACT: [
    'fullName',
    'firstName',
    'lastName',
    'email',
    'phone',
    'nationality',
    'lifecycleStage',
    'notes',
    'tags',
    'companyName',
  ],
  COMPANY: ['fullName', 'email', 'phone', 'nationality', 'notes', 'tags'],
  DEAL: ['title', 'amount', 'currency', 'expectedCloseDate', 'stage', 'status', 'lostReason'],
} as const satisfies Record<SyncObjectType, readonly string[]>;

/** A Meridian field name valid for object type `T`. */
export type LocalField<T extends SyncObjectType = SyncObjectType> = (typeof LOCAL_FIELDS)[T][number];

/** One provider field ↔ one Meridian field. */
export interface FieldMappingRule {
  objectType: SyncObjectType;
  /** The provider's field name, as in {@link ExternalRecord.properties}. */
  externalField: string;
  /** The Meridian field (one of {@link LOCAL_FIELDS} for the object type). */
  localField: string;
}

/**
 * One provider's API, as the engine drives it. Implementations live in
 * `src/modules/sync/providers/<provider>/` and are registered in the engine's adapter registry.
 * Every method may throw {@link ProviderError}; the engine fails the run with its message
 * (never with credentials in it).
 */
export interface CrmProviderAdapter {
  readonly provider: CrmProvider;
  /** The object types this provider can sync. */
  readonly objectTypes: readonly SyncObjectType[];
  /** Mappings a new connection starts with. */
  defaultFieldMappings(): FieldMappingRule[];
  /**
   * The provider field names a mapping may use for an object type, for validating
   * `updateFieldMappings` (unknown names are user errors). Null: accept any name (the provider
   * has custom fields the adapter cannot list offline).
   */
  knownExternalFields(objectType: SyncObjectType): readonly string[] | null;
  /** Backfill: one page of every record of `objectType`, starting at `cursor` (null: the first). */
  listPage(ctx: ProviderContext, objectType: SyncObjectType, cursor: string | null): Promise<Page>;
  /** Delta: one page of the records of `objectType` modified after `window.since`. */
  changedSince(ctx: ProviderContext, objectType: SyncObjectType, window: DeltaWindow): Promise<DeltaPage>;
  /**
   * PUSH mode: creates (or, when `item.externalId` is set, updates) one thing at the provider and
   * returns its id there. Optional: a provider without it refuses `startSync(mode: PUSH)` with
   * the userError PUSH_NOT_SUPPORTED (so does the CSV connection, which has no adapter).
   *
   * The engine chooses what to push and keeps it idempotent: it calls `push` once per
   * {@link PushItem}, stores the returned id in an EntityLink (kind ACTIVITY or DEAL_STAGE, the
   * item's `localId`) with the hash of what was pushed, and passes that id back as `externalId`
   * next time; an item whose hash did not change is not pushed again. So `push` must be safe to
   * retry with the same item (a run resumed after a crash may repeat the last uncommitted page):
   * with `externalId` null it creates, otherwise it updates that object. It throws
   * {@link ProviderError} (retryable or not) like the read methods; a 401 goes through
   * `ctx.credentials.refreshAfterUnauthorized()` once, as for reads.
   */
  push?(ctx: ProviderContext, item: PushItem): Promise<PushResult>;
  /**
   * Exchanges a refresh token for new credentials. Throws {@link ReauthRequiredError} when the
   * provider refuses (revoked or expired refresh token). Not called for `token` credentials.
   */
  refresh(credentials: Credentials, signal: AbortSignal): Promise<Credentials>;
  /** Releases connections the adapter holds (e.g. the Redis of its rate limiter), at shutdown. */
  close?(): Promise<void>;
}

/** A provider call failed; `retryable` says whether running the page again may help. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** The provider refused our credentials for good: the connection needs to be authorised again. */
export class ReauthRequiredError extends ProviderError {
  constructor(message = 'the provider refused the connection’s credentials; connect again') {
    super(message, false, 401);
    this.name = 'ReauthRequiredError';
  }
}
