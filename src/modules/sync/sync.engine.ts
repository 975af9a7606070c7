import { DriverException, type EntityManager, LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { insertPending } from '../../platform/db/bulk-insert.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { toGlobalId } from '../../platform/graphql/global-id.js';
import type { Logger } from '../../platform/logger.js';
import { type PubSub, tenantTopic } from '../../platform/pubsub.js';
import type { ClientService } from '../clients/client.service.js';
import { recordEvent, type SyncTrigger } from '../timeline/timeline.service.js';
import { TimelineEvent } from '../timeline/timeline-event.entity.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { applyOrganizationLinks } from './associations-apply.js';
import { applyClientPage, applyClientRecord, type ApplyOutcome, type ApplyScope } from './client-apply.js';
import { CrmConnection } from './crm-connection.entity.js';
import { type CsvEncoding, detectFormat, HEADER_HELP, readCsv, rowToRecord } from './csv-file.js';
import { applyDealRecord, type DealClients, dealClients } from './deal-apply.js';
import { FieldMapping, SyncFileChunk } from './field-mapping.entity.js';
import { CSV_DEFAULT_MAPPINGS, mapRecord } from './field-mappings.js';
import type {
  CredentialAccess,
  CrmProviderAdapter,
  ExternalRecord,
  FieldMappingRule,
  ProviderContext,
} from './provider.js';
import { runPush } from './push.js';
import { CrmProvider, SyncLogLevel, SyncMode, SyncObjectType, SyncRunStatus } from './sync.enums.js';
import { type SyncCursor, SyncLogEntry, SyncRun } from './sync-run.entity.js';

/** The job that executes a run. */
export const SYNC_JOB = 'sync-run';
/** Attempts of the job (a run resumes from its committed cursor on each). */
export const SYNC_ATTEMPTS = 3;

/** Data of a {@link SYNC_JOB}. */
export interface SyncJobData {
  tenantId: string;
  runId: string;
}

/** Final statuses. */
export const FINISHED: readonly SyncRunStatus[] = [
  SyncRunStatus.SUCCEEDED,
  SyncRunStatus.FAILED,
  SyncRunStatus.CANCELLED,
];

/** How long a file page should take to commit (its size follows the measured speed). */
const PAGE_TARGET_MS = 400;

/**
 * While a run executes, its progress is published at least this often, pages or not (a page
 * slowed by the provider's rate limit, a `Retry-After` or a loaded database): the subscribers
 * (throttled to one delivery per 250 ms per run) see the run at least once a second.
 */
export const PROGRESS_TICK_MS = 500;

/** Counters of records by outcome (labels of the metrics). */
export interface SyncMetricsSink {
  records(provider: string, mode: string, outcome: ApplyOutcome['action'], n: number): void;
  runFinished(provider: string, mode: string, status: string, seconds: number): void;
  /** A call to a provider's API (status 0: no answer). */
  apiCall?(provider: string, endpoint: string, status: number): void;
}

/** What provider runs need from outside the engine: the connection's credentials. */
export interface ProviderHooks {
  credentials(root: EntityManager, tenantId: string, connectionId: string, signal: AbortSignal): CredentialAccess;
}

/** How the engine runs. */
export interface SyncEngineOptions {
  /** Records per committed page. */
  pageSize: number;
  /** A RUNNING run whose worker showed no sign of life for this long is taken over. */
  staleMs: number;
  /** Longest CSV record (characters). */
  maxRecordChars: number;
}

/** The run was taken over by another worker (ours looked dead): stop without writing. */
class LostClaimError extends Error {
  constructor() {
    super('the run was taken over by another worker');
  }
}

/** A record to apply, with the file line it came from. */
interface Item {
  record: ExternalRecord;
  line: number | null;
}

/** One page to commit: records to apply, rows already known bad, and where the source stands after it. */
interface SourcePage {
  items: Item[];
  errors: { line: number; message: string }[];
  /** The cursor to commit with this page. */
  cursor: Pick<SyncCursor, 'objectIndex' | 'cursor' | 'rows'>;
  phase: string;
  watermark?: { objectType: SyncObjectType; at: Date | null };
}

/**
 * Executes sync runs: claims a run (fenced by its `attempts` counter, so a worker presumed dead
 * cannot commit after another took over), reads its source page by page, applies each record in a
 * savepoint, and commits per page the records, their log entries, the counters and the cursor in
 * one transaction. A run killed mid-page loses that page's uncommitted work only, and its next
 * attempt resumes from the committed cursor: no record twice, none lost. `cancelSync` is seen at
 * the next page boundary.
 */
export class SyncEngine {
  private pubsub: PubSub | undefined;
  private metrics: SyncMetricsSink | undefined;
  private hooks: ProviderHooks | undefined;

  constructor(
    private readonly clients: ClientService,
    private readonly adapters: ReadonlyMap<CrmProvider, CrmProviderAdapter>,
    private readonly options: SyncEngineOptions,
  ) {}

  /** Where progress is published (the app binds the process's PubSub). */
  bindPubSub(pubsub: PubSub): void {
    this.pubsub = pubsub;
  }

  /** Where record counts and run durations go (/metrics of the process running the run). */
  bindMetrics(metrics: SyncMetricsSink): void {
    this.metrics = metrics;
  }

  /** Where provider runs get credentials (the SyncService, which holds the SecretBox). */
  bindProviderHooks(hooks: ProviderHooks): void {
    this.hooks = hooks;
  }

  /** Tells subscribers of the tenant that a run moved (they read it, throttled). */
  async publish(tenantId: string, runId: string): Promise<void> {
    await this.pubsub?.publish(tenantTopic(tenantId, 'sync'), { runId }).catch(() => undefined);
  }

  /** Executes (or resumes) a run; returns quietly when it is finished or held by a live worker. */
  async execute(root: EntityManager, data: SyncJobData, logger: Logger): Promise<void> {
    const em = forkForTenant(root, data.tenantId);
    const claim = await this.claim(em, data.runId);
    if (!claim) return;
    const { run, attempt } = claim;
    const log = logger.child({ runId: run.id, provider: run.provider, mode: run.mode, attempt });
    const abort = new AbortController();
    const beat = setInterval(
      () => {
        void forkForTenant(root, data.tenantId)
          .nativeUpdate(SyncRun, { id: run.id, attempts: attempt }, { heartbeatAt: new Date() })
          .then((n) => n === 0 && abort.abort())
          .catch(() => undefined);
      },
      Math.max(200, Math.floor(this.options.staleMs / 3)),
    );
    beat.unref();
    const tick = setInterval(() => void this.publish(data.tenantId, run.id), PROGRESS_TICK_MS);
    tick.unref();
    await this.publish(data.tenantId, run.id);
    try {
      const cancelled = await this.pages(root, data.tenantId, run, attempt, abort.signal);
      await this.finish(
        root,
        data.tenantId,
        run.id,
        attempt,
        cancelled ? SyncRunStatus.CANCELLED : SyncRunStatus.SUCCEEDED,
      );
    } catch (err) {
      if (err instanceof LostClaimError || abort.signal.aborted) {
        log.warn('sync run taken over by another worker; stopping');
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ err }, 'sync run failed');
      await this.finish(root, data.tenantId, run.id, attempt, SyncRunStatus.FAILED, message.slice(0, 2000));
    } finally {
      clearInterval(beat);
      clearInterval(tick);
    }
  }

  /** Takes the run for this worker: QUEUED, or RUNNING with a stale heartbeat (its worker died). */
  private async claim(em: EntityManager, runId: string): Promise<{ run: SyncRun; attempt: number } | null> {
    return em.transactional(async (tx) => {
      const run = await tx.findOne(SyncRun, { id: runId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!run || FINISHED.includes(run.status)) return null;
      const alive = run.heartbeatAt && Date.now() - run.heartbeatAt.getTime() < this.options.staleMs;
      if (run.status === SyncRunStatus.RUNNING && alive) return null;
      run.attempts += 1;
      run.status = SyncRunStatus.RUNNING;
      run.startedAt ??= new Date();
      run.heartbeatAt = new Date();
      run.phase ??= 'starting';
      return { run, attempt: run.attempts };
    });
  }

  /** Reads and applies every page; returns true when stopped by cancelSync. */
  private async pages(
    root: EntityManager,
    tenantId: string,
    run: SyncRun,
    attempt: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const em = forkForTenant(root, tenantId);
    const connection = await em.findOneOrFail(CrmConnection, { id: run.connection.id });
    const mappings = await this.mappings(em, connection);
    const trigger: SyncTrigger = {
      kind: 'sync',
      provider: run.provider,
      runId: run.nodeId,
      startedBy: null,
    };
    const start: SyncCursor = run.cursor ?? { objectIndex: 0, cursor: null, rows: 0, logSeq: 0 };
    if (run.mode === SyncMode.PUSH) {
      const adapter = this.adapters.get(run.provider);
      if (!adapter) throw new Error(`no ${run.provider} adapter is configured`);
      const ctx = this.providerContext(root, connection, run, signal);
      return runPush(root, run, attempt, adapter, ctx, start, this.options.pageSize, () =>
        this.publish(tenantId, run.id),
      );
    }
    const state = { logSeq: start.logSeq, watermarks: { ...(start.watermarks ?? {}) } };
    // File pages are sized to commit in about PAGE_TARGET_MS, so progress moves at least once a
    // second however loaded the database is (at most options.pageSize records a page).
    const limit = { size: Math.min(this.options.pageSize, 50) };
    const source =
      run.mode === SyncMode.IMPORT
        ? this.csvPages(root, tenantId, run, start, limit)
        : this.providerPages(root, connection, run, start, signal);
    // The next page is read (from the provider's API or the stored file) while this one commits.
    for await (const page of readAhead(source)) {
      if (signal.aborted) throw new LostClaimError();
      const began = performance.now();
      const cancel = await this.commitPage(root, tenantId, run, attempt, page, mappings, trigger, state);
      const records = page.items.length + page.errors.length;
      if (records >= limit.size) {
        const perRecord = Math.max(performance.now() - began, 1) / records;
        limit.size = Math.max(10, Math.min(this.options.pageSize, Math.round(PAGE_TARGET_MS / perRecord)));
      }
      await this.publish(tenantId, run.id);
      if (cancel) return true;
    }
    return false;
  }

  /** The connection's mappings, or the provider's defaults when it has none stored. */
  private async mappings(em: EntityManager, connection: CrmConnection): Promise<FieldMappingRule[]> {
    const stored = await em.find(FieldMapping, { connection: connection.id });
    if (stored.length) return stored;
    return defaultMappings(connection.provider, this.adapters);
  }

  /**
   * Applies one page and commits it with its log, counters and cursor; in a dry run the records'
   * changes are rolled back and only the log, counters and cursor are kept. Returns whether a
   * cancellation was requested.
   */
  private async commitPage(
    root: EntityManager,
    tenantId: string,
    run: SyncRun,
    attempt: number,
    page: SourcePage,
    mappings: FieldMappingRule[],
    trigger: SyncTrigger,
    state: { logSeq: number; watermarks: Record<string, string> },
  ): Promise<boolean> {
    const counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
    const entries: Omit<SyncLogEntry, 'id' | 'createdAt' | 'updatedAt' | 'nodeId' | 'tenant' | 'run' | 'seq'>[] = [];
    for (const e of page.errors) {
      counts.failed++;
      entries.push({ level: SyncLogLevel.ERROR, message: `line ${e.line}: ${e.message}`.slice(0, 1000), line: e.line });
    }
    const apply = async (tx: EntityManager, batched: boolean) => {
      const scope: ApplyScope = {
        tx,
        trigger,
        tenantId,
        connectionId: run.connection.id,
        provider: run.provider,
        clients: this.clients,
      };
      const outcomes = batched
        ? await this.applyPage(scope, page.items, mappings)
        : await mapSequentially(page.items, (item) => this.applyRecord(scope, item.record, mappings));
      page.items.forEach((item, i) => {
        const outcome = outcomes[i];
        counts[outcome.action]++;
        const where = item.line != null ? `line ${item.line}: ` : '';
        const level =
          outcome.action === 'failed'
            ? SyncLogLevel.ERROR
            : outcome.conflict
              ? SyncLogLevel.CONFLICT
              : SyncLogLevel.INFO;
        const record = outcome.record ?? (outcome.client ? { type: 'Client', id: outcome.client.id } : null);
        if (outcome.action === 'failed' || outcome.conflict || run.dryRun)
          entries.push({
            level,
            message:
              `${where}${run.dryRun && outcome.action !== 'failed' ? `would be ${outcome.action}: ` : ''}${outcome.message}`.slice(
                0,
                1000,
              ),
            line: item.line,
            objectType: item.record.objectType,
            externalId: item.record.externalId || null,
            recordType: record && !run.dryRun ? record.type : null,
            recordId: record && !run.dryRun ? record.id : null,
          });
      });
    };
    const processed = page.items.length + page.errors.length;
    if (page.watermark?.at) {
      const key = page.watermark.objectType;
      const at = page.watermark.at.toISOString();
      if (!state.watermarks[key] || state.watermarks[key] < at) state.watermarks[key] = at;
    }
    const bookkeeping = async (tx: EntityManager) => {
      let seq = state.logSeq;
      for (const e of entries) tx.create(SyncLogEntry, { ...e, run: run.id, seq: ++seq });
      // The page's log entries and the events of its association changes, in multi-row INSERTs
      // rather than through the commit's flush (which still writes the changed clients).
      await insertPending(tx, [TimelineEvent, SyncLogEntry]);
      const rows = await (tx as SqlEntityManager).execute<{ cancel_requested: boolean }[]>(
        `update sync_run set processed = processed + ?, created = created + ?, updated = updated + ?,
            skipped = skipped + ?, failed = failed + ?, cursor = ?, phase = ?, heartbeat_at = now(), updated_at = now()
          where id = ? and tenant_id = ? and attempts = ? returning cancel_requested`,
        [
          processed,
          counts.created,
          counts.updated,
          counts.skipped,
          counts.failed,
          JSON.stringify({ ...page.cursor, logSeq: seq, watermarks: state.watermarks } satisfies SyncCursor),
          page.phase,
          run.id,
          tenantId,
          attempt,
        ],
      );
      if (!rows.length) throw new LostClaimError();
      return { seq, cancel: rows[0].cancel_requested };
    };
    const attemptPage = async (batched: boolean): Promise<{ seq: number; cancel: boolean }> => {
      const em = forkForTenant(root, tenantId);
      if (run.dryRun) {
        await em
          .transactional(async (tx) => {
            await apply(tx, batched);
            throw new DryRunRollback();
          })
          .catch((err: unknown) => {
            if (!(err instanceof DryRunRollback)) throw err;
          });
        return forkForTenant(root, tenantId).transactional(bookkeeping);
      }
      return em.transactional(async (tx) => {
        await apply(tx, batched);
        return bookkeeping(tx);
      });
    };
    let result: { seq: number; cancel: boolean };
    try {
      result = await attemptPage(true);
    } catch (err) {
      if (err instanceof LostClaimError || !(err instanceof DriverException)) throw err;
      // A database error in the batched page (e.g. an email taken by a concurrent writer since the
      // page read it): nothing of the page was committed; apply it again record by record, each
      // in its own savepoint, so only the offending record fails.
      counts.created = counts.updated = counts.skipped = counts.failed = 0;
      entries.length = 0;
      for (const e of page.errors) {
        counts.failed++;
        entries.push({
          level: SyncLogLevel.ERROR,
          message: `line ${e.line}: ${e.message}`.slice(0, 1000),
          line: e.line,
        });
      }
      result = await attemptPage(false);
    }
    state.logSeq = result.seq;
    for (const action of ['created', 'updated', 'skipped', 'failed'] as const)
      if (counts[action]) this.metrics?.records(run.provider, run.mode, action, counts[action]);
    return result.cancel;
  }

  /**
   * Applies a page: its contacts and companies in one batch ({@link applyClientPage}), its deals
   * record by record; outcomes in the page's order.
   */
  private async applyPage(scope: ApplyScope, items: Item[], mappings: FieldMappingRule[]): Promise<ApplyOutcome[]> {
    const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(items.length);
    const clients: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const { record } = items[i];
      if (record.archived) outcomes[i] = { action: 'skipped', message: 'archived at the provider' };
      else if (record.objectType === SyncObjectType.DEAL) continue;
      else clients.push(i);
    }
    const applied = await applyClientPage(
      scope,
      clients.map((i) => ({ record: items[i].record, values: mapRecord(items[i].record, mappings) })),
    );
    clients.forEach((i, n) => (outcomes[i] = applied[n]));
    // Contact↔company associations (providers that have them), once the page's clients exist.
    await applyOrganizationLinks(
      scope,
      clients.flatMap((i) => {
        const { record } = items[i];
        const { client, action } = outcomes[i];
        return client && record.associations?.length && (action === 'created' || action === 'updated')
          ? [{ record, client }]
          : [];
      }),
    );
    // Deals, one by one (through DealService), their clients read for the whole page at once.
    const deals = items.filter((_, i) => !outcomes[i]).map((item) => item.record);
    const clientsOf = deals.length ? await dealClients(scope, deals) : undefined;
    for (let i = 0; i < items.length; i++)
      if (!outcomes[i]) outcomes[i] = await this.applyRecord(scope, items[i].record, mappings, clientsOf);
    return outcomes;
  }

  /** Applies one record by object type. */
  private async applyRecord(
    scope: ApplyScope,
    record: ExternalRecord,
    mappings: FieldMappingRule[],
    clientsOf?: DealClients,
  ): Promise<ApplyOutcome> {
    if (record.archived) return { action: 'skipped', message: 'archived at the provider' };
    switch (record.objectType) {
      case SyncObjectType.CONTACT:
      case SyncObjectType.COMPANY: {
        const outcome = await applyClientRecord(scope, record, mapRecord(record, mappings));
        if (outcome.client && record.associations?.length && !outcome.message.startsWith('unchanged'))
          await applyOrganizationLinks(scope, [{ record, client: outcome.client }]);
        return outcome;
      }
      case SyncObjectType.DEAL:
        return applyDealRecord(scope, record, mapRecord(record, mappings), clientsOf);
      default: {
        const unreachable: never = record.objectType;
        return unreachable;
      }
    }
  }

  /**
   * The pages of an uploaded CSV file: the file is read from its stored chunks one at a time and
   * parsed as a stream. Resuming skips the rows a committed page already covered.
   */
  private async *csvPages(
    root: EntityManager,
    tenantId: string,
    run: SyncRun,
    start: SyncCursor,
    limit: { size: number },
  ): AsyncGenerator<SourcePage> {
    const rows = readCsv(fileChunks(root, tenantId, run.id), {
      encoding: (run.encoding ?? 'utf8') as CsvEncoding,
      maxRecordChars: this.options.maxRecordChars,
    });
    let header: string[] | null = null;
    let format: ReturnType<typeof detectFormat> = null;
    let done = 0;
    let page: SourcePage = this.emptyPage(start);
    for await (const row of rows) {
      if (!header) {
        if ('error' in row) throw new Error(`line ${row.line}: ${row.error}`);
        header = row.fields.map((h) => h.trim());
        format = detectFormat(header);
        if (!format) throw new Error(`no recognisable header row: ${HEADER_HELP}`);
        continue;
      }
      done++;
      if (done <= start.rows) continue;
      if ('error' in row) page.errors.push({ line: row.line, message: row.error });
      else page.items.push({ record: rowToRecord(format!.format, header, row.fields), line: row.line });
      page.cursor.rows = done;
      if (page.items.length + page.errors.length >= limit.size) {
        yield page;
        page = this.emptyPage({ ...start, rows: done });
      }
    }
    if (!header) throw new Error(`the file is empty: ${HEADER_HELP}`);
    if (page.items.length + page.errors.length) yield page;
  }

  private emptyPage(from: SyncCursor): SourcePage {
    return { items: [], errors: [], cursor: { objectIndex: 0, cursor: null, rows: from.rows }, phase: 'IMPORT' };
  }

  /** What an adapter's calls of this run receive: the connection's credentials, the run's signal, metrics. */
  private providerContext(
    root: EntityManager,
    connection: CrmConnection,
    run: SyncRun,
    signal: AbortSignal,
  ): ProviderContext {
    return {
      tenantId: connection.tenant.id,
      connectionId: connection.id,
      accountId: connection.accountId ?? null,
      credentials: this.hooks?.credentials(root, connection.tenant.id, connection.id, signal) ?? {
        get: () => Promise.reject(new Error('provider credentials are not wired')),
        refreshAfterUnauthorized: () => Promise.reject(new Error('provider credentials are not wired')),
      },
      signal,
      recordApiCall: (endpoint, status) => this.metrics?.apiCall?.(run.provider, endpoint, status),
    };
  }

  /** The pages of a provider's objects (BACKFILL: every record; DELTA: changes since the watermark). */
  private async *providerPages(
    root: EntityManager,
    connection: CrmConnection,
    run: SyncRun,
    start: SyncCursor,
    signal: AbortSignal,
  ): AsyncGenerator<SourcePage> {
    const adapter = this.adapters.get(run.provider);
    if (!adapter) throw new Error(`no ${run.provider} adapter is configured`);
    const ctx = this.providerContext(root, connection, run, signal);
    let rows = start.rows;
    for (let i = start.objectIndex; i < run.objects.length; i++) {
      const objectType = run.objects[i];
      let cursor = i === start.objectIndex ? start.cursor : null;
      do {
        const since = new Date(connection.deltaCursors[objectType] ?? 0);
        const page =
          run.mode === SyncMode.DELTA
            ? await adapter.changedSince(ctx, objectType, { since, cursor })
            : await adapter.listPage(ctx, objectType, cursor);
        rows += page.records.length;
        cursor = page.nextCursor;
        const last = cursor === null;
        yield {
          items: page.records.map((record) => ({ record, line: null })),
          errors: [],
          // After an object type's last page the cursor points at the next type's start.
          cursor: last ? { objectIndex: i + 1, cursor: null, rows } : { objectIndex: i, cursor, rows },
          phase: objectType,
          watermark: 'watermark' in page ? { objectType, at: page.watermark as Date | null } : undefined,
        };
      } while (cursor !== null);
    }
  }

  /** Ends a run: status, connection health, delta watermarks, SYNC_FINISHED, file chunks deleted. */
  async finish(
    root: EntityManager,
    tenantId: string,
    runId: string,
    attempt: number | null,
    status: SyncRunStatus,
    error: string | null = null,
  ): Promise<void> {
    const em = forkForTenant(root, tenantId);
    const run = await em.transactional(async (tx) => {
      const run = await tx.findOne(SyncRun, { id: runId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!run || FINISHED.includes(run.status) || (attempt !== null && run.attempts !== attempt)) return null;
      const now = new Date();
      run.status = status;
      run.finishedAt = now;
      run.phase = 'done';
      run.error = error;
      run.total ??= run.processed;
      const connection = await tx.findOneOrFail(CrmConnection, { id: run.connection.id });
      connection.lastSyncAt = now;
      if (status === SyncRunStatus.FAILED) {
        connection.lastError = error;
        connection.lastErrorAt = now;
      } else if (status === SyncRunStatus.SUCCEEDED) {
        connection.lastSuccessAt = now;
        if (run.mode === SyncMode.DELTA && !run.dryRun && run.cursor?.watermarks)
          connection.deltaCursors = { ...connection.deltaCursors, ...run.cursor.watermarks };
      }
      await tx.nativeDelete(SyncFileChunk, { runId: run.id });
      recordEvent(tx, null, {
        type: TimelineEventType.SYNC_FINISHED,
        subject: run,
        summary: `${run.provider} ${run.mode.toLowerCase()}${run.dryRun ? ' (dry run)' : ''} ${status.toLowerCase()}: ${run.created} created, ${run.updated} updated, ${run.skipped} skipped, ${run.failed} failed`,
        data: { after: runOutcome(run) },
      });
      return run;
    });
    if (!run) return;
    const seconds = ((run.finishedAt?.getTime() ?? Date.now()) - (run.startedAt ?? run.createdAt).getTime()) / 1000;
    this.metrics?.runFinished(run.provider, run.mode, status, seconds);
    await this.publish(tenantId, runId);
  }
}

/** `f` of each item, one after the other. */
async function mapSequentially<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}

/**
 * The items of `source`, each next one requested as soon as the current one is handed out, so
 * reading overlaps the caller's work on the current one. When the caller stops early, the read in
 * flight is left to finish (or fail) unobserved and the source is closed after it.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  let done = false;
  try {
    for (;;) {
      const item = await next;
      if (item.done) {
        done = true;
        return;
      }
      next = source.next();
      yield item.value;
    }
  } finally {
    if (!done) {
      next.catch(() => undefined);
      source.return(undefined).catch(() => undefined);
    }
  }
}

/** Thrown to roll a dry run's page back. */
class DryRunRollback extends Error {}

/** The SYNC_STARTED / SYNC_FINISHED payload of a run. */
export function runOutcome(run: SyncRun) {
  return {
    provider: run.provider,
    mode: run.mode,
    objects: [...run.objects],
    dryRun: run.dryRun,
    status: run.status,
    processed: run.processed,
    created: run.created,
    updated: run.updated,
    skipped: run.skipped,
    failed: run.failed,
    error: run.error ?? null,
  };
}

/** Default mappings of a provider (the CSV defaults for CSV). */
export function defaultMappings(
  provider: CrmProvider,
  adapters: ReadonlyMap<CrmProvider, CrmProviderAdapter>,
): FieldMappingRule[] {
  if (provider === CrmProvider.CSV) return CSV_DEFAULT_MAPPINGS;
  return adapters.get(provider)?.defaultFieldMappings() ?? [];
}

/** The stored chunks of a run's file, in order, one query per chunk (memory: one chunk). */
async function* fileChunks(root: EntityManager, tenantId: string, runId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const em = forkForTenant(root, tenantId);
    const chunk = await em.findOne(SyncFileChunk, { runId, seq });
    if (!chunk) return;
    yield Buffer.from(chunk.data);
  }
}

/** Global id of a run. */
export const runGlobalId = (id: string) => toGlobalId('SyncRun', id);
