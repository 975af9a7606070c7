import { randomUUID } from 'node:crypto';

import { type EntityManager, type FilterQuery, LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import { filterIds } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import type { JobQueue } from '../../platform/jobs.js';
import type { SecretBox } from '../../platform/secrets.js';
import { Checks } from '../../platform/validation.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { CrmConnection } from './crm-connection.entity.js';
import { type CsvEncoding, Utf8Check } from './csv-file.js';
import { FieldMapping, SyncFileChunk } from './field-mapping.entity.js';
import {
  type CredentialAccess,
  type Credentials,
  type CrmProviderAdapter,
  type FieldMappingRule,
  LOCAL_FIELDS,
  ReauthRequiredError,
} from './provider.js';
import { defaultMappings, FINISHED, runOutcome, SYNC_JOB, type SyncEngine, type SyncJobData } from './sync.engine.js';
import { CrmConnectionStatus, CrmProvider, SyncMode, SyncObjectType, SyncRunStatus } from './sync.enums.js';
import type { StartSyncInput, SyncRunFilter, UpdateFieldMappingsInput } from './sync.input.js';
import { SyncRun } from './sync-run.entity.js';

/** Bytes per stored chunk of an uploaded file. */
const CHUNK_BYTES = 256 * 1024;

/** An upload's parameters (from `POST /imports`). */
export interface ImportRequest {
  fileName: string | null;
  /** `utf8`, `latin1`, or `auto` (UTF-8 unless the bytes are not valid UTF-8). */
  encoding: CsvEncoding | 'auto';
  dryRun: boolean;
  /** Largest file accepted, in bytes. */
  maxBytes: number;
}

/** Thrown when an upload exceeds its limit. */
export class ImportTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file exceeds the import limit of ${maxBytes} bytes`);
  }
}

/**
 * Connections, runs and mappings as the API sees them: starting, cancelling and listing runs,
 * CSV uploads, disconnecting, credentials (sealed with the {@link SecretBox}). The runs themselves
 * execute in the {@link SyncEngine} on the job engine.
 */
export class SyncService {
  constructor(
    readonly engine: SyncEngine,
    private readonly jobs: JobQueue,
    private readonly box: SecretBox,
    private readonly adapters: ReadonlyMap<CrmProvider, CrmProviderAdapter>,
  ) {}

  /** The adapter of a provider, when this server has one. */
  adapter(provider: CrmProvider): CrmProviderAdapter | undefined {
    return this.adapters.get(provider);
  }

  /** Releases what the adapters hold (HubSpot: the Redis connection of its token buckets). */
  async close(): Promise<void> {
    for (const adapter of this.adapters.values()) await adapter.close?.();
  }

  /** The connection with a global ID in the caller's tenant, or NOT_FOUND. */
  async connection(em: EntityManager, globalId: string): Promise<CrmConnection> {
    const c = await em.findOne(CrmConnection, { id: expectGlobalId(globalId, 'CrmConnection') });
    if (!c) throw DomainError.notFound('CrmConnection', globalId);
    return c;
  }

  /** The run with a global ID in the caller's tenant, or NOT_FOUND. */
  async run(em: EntityManager, globalId: string): Promise<SyncRun> {
    const r = await em.findOne(SyncRun, { id: expectGlobalId(globalId, 'SyncRun') });
    if (!r) throw DomainError.notFound('SyncRun', globalId);
    return r;
  }

  /** The tenant's CSV connection, created on first use (CSV needs no account). */
  async csvConnection(em: EntityManager): Promise<CrmConnection> {
    const found = await em.findOne(CrmConnection, { provider: CrmProvider.CSV });
    if (found) return found;
    return em.transactional(async (tx) => {
      await (tx as SqlEntityManager).execute('select pg_advisory_xact_lock(hashtext(?))', [
        `csv-connection:${tx.getFilterParams<{ tenantId: string }>('tenant')?.tenantId ?? ''}`,
      ]);
      const again = await tx.findOne(CrmConnection, { provider: CrmProvider.CSV });
      if (again) return again;
      return tx.create(CrmConnection, {
        provider: CrmProvider.CSV,
        accountName: 'CSV import',
        connectedAt: new Date(),
      });
    });
  }

  /** Stores a connection's credentials sealed (AES-256-GCM, bound to the connection id). */
  sealCredentials(connection: CrmConnection, credentials: Credentials): void {
    connection.credentials = this.box.seal(JSON.stringify(credentials), `crm-connection:${connection.id}`);
  }

  /** A connection's credentials, opened; null when it has none. */
  async openCredentials(em: EntityManager, connection: CrmConnection): Promise<Credentials | null> {
    const row = await em.findOne(CrmConnection, { id: connection.id }, { populate: ['credentials'] });
    if (!row?.credentials) return null;
    return JSON.parse(this.box.open(row.credentials, `crm-connection:${connection.id}`)) as Credentials;
  }

  /**
   * Queues a run of a connection (`startSync`): BACKFILL, DELTA or PUSH of some object types.
   * IMPORT runs come from `POST /imports`. One active run per connection.
   */
  async start(em: EntityManager, principal: Principal, input: StartSyncInput): Promise<SyncRun> {
    const connection = await this.connection(em, input.connectionId);
    const checks = new Checks();
    const adapter = this.adapters.get(connection.provider);
    if (input.mode === SyncMode.IMPORT)
      checks.add('mode', 'USE_IMPORTS_ENDPOINT', 'IMPORT runs are started by uploading a file to POST /imports');
    else if (input.mode === SyncMode.PUSH && (connection.provider === CrmProvider.CSV || !adapter?.push))
      checks.add(
        'mode',
        'PUSH_NOT_SUPPORTED',
        connection.provider === CrmProvider.CSV
          ? 'a CSV connection cannot push: it only imports files (POST /imports)'
          : `${connection.provider} does not support PUSH: Meridian cannot send records to it`,
      );
    else if (connection.provider === CrmProvider.CSV)
      checks.add('mode', 'NOT_SUPPORTED', 'a CSV connection only imports files (POST /imports)');
    if (connection.status !== CrmConnectionStatus.CONNECTED)
      checks.add('connectionId', 'NOT_CONNECTED', `the connection is ${connection.status}: connect it again first`);
    if (!adapter && connection.provider !== CrmProvider.CSV)
      checks.add('connectionId', 'PROVIDER_UNAVAILABLE', `${connection.provider} sync is not available on this server`);
    const objects = [...new Set(input.objects ?? adapter?.objectTypes ?? [])];
    if (adapter && !objects.length) checks.add('objects', 'REQUIRED', 'name at least one object type');
    for (const o of objects)
      if (adapter && !adapter.objectTypes.includes(o))
        checks.add('objects', 'NOT_SUPPORTED', `${connection.provider} does not sync ${o}`);
    checks.throwIfAny();
    return this.queue(em, principal, connection, { mode: input.mode, objects, dryRun: input.dryRun ?? false });
  }

  /** Creates a QUEUED run with its SYNC_STARTED event, then enqueues its job. */
  private async queue(
    em: EntityManager,
    principal: Principal | null,
    connection: CrmConnection,
    spec: {
      mode: SyncMode;
      objects: SyncObjectType[];
      dryRun: boolean;
      id?: string;
      fileName?: string | null;
      encoding?: string | null;
    },
  ): Promise<SyncRun> {
    const run = await em.transactional(async (tx) => {
      const locked = await tx.findOneOrFail(
        CrmConnection,
        { id: connection.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const active = await tx.count(SyncRun, {
        connection: locked.id,
        status: { $in: [SyncRunStatus.QUEUED, SyncRunStatus.RUNNING] },
      });
      if (active && locked.provider !== CrmProvider.CSV)
        throw ValidationFailed.of(
          'connectionId',
          'RUN_IN_PROGRESS',
          'a run of this connection is already queued or running',
        );
      const run = tx.create(SyncRun, {
        ...(spec.id ? { id: spec.id } : {}),
        connection: locked,
        provider: locked.provider,
        mode: spec.mode,
        objects: spec.objects,
        dryRun: spec.dryRun,
        fileName: spec.fileName ?? null,
        encoding: spec.encoding ?? null,
        phase: 'queued',
        startedBy: principal?.memberId ? tx.getReference(TeamMember, principal.memberId) : null,
      });
      recordEvent(tx, principal, {
        type: TimelineEventType.SYNC_STARTED,
        subject: run,
        summary: `${run.provider} ${run.mode.toLowerCase()}${run.dryRun ? ' (dry run)' : ''} queued`,
        data: { after: { provider: run.provider, mode: run.mode, objects: [...run.objects], dryRun: run.dryRun } },
      });
      return run;
    });
    await this.enqueue(connection.tenant.id, run);
    return run;
  }

  /**
   * Queues a DELTA run of a connection on the system's behalf (a webhook said records changed);
   * null when a run of the connection is already queued or running (it will see the changes, or
   * the next one will).
   */
  async startDeltaForChanges(
    em: EntityManager,
    connection: CrmConnection,
    objects: SyncObjectType[],
  ): Promise<SyncRun | null> {
    if (connection.status !== CrmConnectionStatus.CONNECTED || !objects.length) return null;
    try {
      return await this.queue(em, null, connection, { mode: SyncMode.DELTA, objects, dryRun: false });
    } catch (err) {
      if (err instanceof ValidationFailed) return null;
      throw err;
    }
  }

  /**
   * Stores a connection to a provider account (OAuth callback, private-app token): the tenant's
   * connection to that account is found or created, set CONNECTED, and its credentials replaced.
   */
  async saveConnection(
    em: EntityManager,
    provider: CrmProvider,
    account: { accountId: string; accountName: string; scopes: string[] },
    credentials: Credentials,
  ): Promise<CrmConnection> {
    return em.transactional(async (tx) => {
      const connection =
        (await tx.findOne(CrmConnection, { provider, accountId: account.accountId })) ??
        tx.create(CrmConnection, { provider, accountId: account.accountId });
      connection.accountName = account.accountName.slice(0, 200);
      connection.scopes = account.scopes;
      connection.status = CrmConnectionStatus.CONNECTED;
      connection.connectedAt = new Date();
      connection.lastError = null;
      await tx.flush();
      this.sealCredentials(connection, credentials);
      return connection;
    });
  }

  /**
   * The credentials of a connection as an adapter uses them during a run: opened once, refreshed
   * a minute before they expire and after a 401. A refresh happens under a lock on the connection
   * (a concurrent refresh by another worker is reused, not repeated); a refused one marks the
   * connection NEEDS_REAUTH with the error in its health.
   */
  credentialAccess(root: EntityManager, tenantId: string, connectionId: string, signal: AbortSignal): CredentialAccess {
    let current: Credentials | null = null;
    const load = async () => {
      const em = forkForTenant(root, tenantId);
      const connection = await em.findOneOrFail(CrmConnection, { id: connectionId });
      if (connection.status !== CrmConnectionStatus.CONNECTED)
        throw new ReauthRequiredError(`the connection is ${connection.status}: connect it again`);
      const credentials = await this.openCredentials(em, connection);
      if (!credentials) throw new ReauthRequiredError('the connection has no credentials: connect it again');
      return credentials;
    };
    const expiring = (c: Credentials) =>
      c.kind === 'oauth' && c.expiresAt !== undefined && Date.parse(c.expiresAt) - Date.now() < 60_000;
    return {
      get: async () => {
        current ??= await load();
        if (expiring(current)) current = await this.refreshCredentials(root, tenantId, connectionId, current, signal);
        return current;
      },
      refreshAfterUnauthorized: async () => {
        current = await this.refreshCredentials(root, tenantId, connectionId, current ?? (await load()), signal, true);
        return current;
      },
    };
  }

  private async refreshCredentials(
    root: EntityManager,
    tenantId: string,
    connectionId: string,
    seen: Credentials,
    signal: AbortSignal,
    refused = false,
  ): Promise<Credentials> {
    const em = forkForTenant(root, tenantId);
    try {
      return await em.transactional(async (tx) => {
        const connection = await tx.findOneOrFail(
          CrmConnection,
          { id: connectionId },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        const stored = await this.openCredentials(tx, connection);
        if (!stored || stored.kind !== 'oauth') throw new ReauthRequiredError();
        // Another worker refreshed meanwhile: use its tokens.
        const fresh = stored.expiresAt && Date.parse(stored.expiresAt) - Date.now() >= 60_000;
        if (stored.accessToken !== seen.accessToken && fresh) return stored;
        if (!refused && fresh) return stored;
        const adapter = this.adapters.get(connection.provider);
        if (!adapter) throw new Error(`no ${connection.provider} adapter is configured`);
        const renewed = await adapter.refresh(stored, signal);
        this.sealCredentials(connection, renewed);
        return renewed;
      });
    } catch (err) {
      if (err instanceof ReauthRequiredError)
        await em.nativeUpdate(
          CrmConnection,
          { id: connectionId },
          { status: CrmConnectionStatus.NEEDS_REAUTH, lastError: err.message, lastErrorAt: new Date() },
        );
      throw err;
    }
  }

  /** Puts a run's job on the queue (a key per attempt: a taken-over run is queued again). */
  async enqueue(tenantId: string, run: Pick<SyncRun, 'id' | 'attempts'>): Promise<void> {
    await this.jobs.enqueue(SYNC_JOB, { tenantId, runId: run.id } satisfies SyncJobData, {
      key: `${SYNC_JOB}-${run.id}-${run.attempts}`,
    });
  }

  /**
   * Streams an uploaded CSV file into the database in chunks (never whole in memory, readable by
   * any worker), then queues its IMPORT run on the tenant's CSV connection.
   */
  async importCsv(
    root: EntityManager,
    principal: Principal,
    body: AsyncIterable<Buffer | string>,
    request: ImportRequest,
  ): Promise<SyncRun> {
    const em = forkForTenant(root, principal.tenantId);
    const connection = await this.csvConnection(em);
    const runId = randomUUID();
    const utf8 = new Utf8Check();
    let size = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pendingBytes) return;
      const data = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      await forkForTenant(root, principal.tenantId).insert(SyncFileChunk, {
        id: randomUUID(),
        tenant: principal.tenantId,
        runId,
        seq: seq++,
        data,
      });
    };
    try {
      for await (const part of body) {
        const chunk = typeof part === 'string' ? Buffer.from(part) : part;
        size += chunk.length;
        if (size > request.maxBytes) throw new ImportTooLargeError(request.maxBytes);
        if (request.encoding === 'auto') utf8.push(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      await flush();
    } catch (err) {
      await forkForTenant(root, principal.tenantId).nativeDelete(SyncFileChunk, { runId });
      throw err;
    }
    const encoding = request.encoding === 'auto' ? (utf8.end() ? 'utf8' : 'latin1') : request.encoding;
    return this.queue(em, principal, connection, {
      id: runId,
      mode: SyncMode.IMPORT,
      objects: [SyncObjectType.CONTACT, SyncObjectType.COMPANY],
      dryRun: request.dryRun,
      fileName: request.fileName,
      encoding,
    });
  }

  /**
   * Asks a run to stop (`cancelSync`): a QUEUED run is cancelled at once, a RUNNING one after its
   * current page. A finished run is returned as it is.
   */
  async cancel(em: EntityManager, globalId: string): Promise<SyncRun> {
    const run = await this.run(em, globalId);
    if (FINISHED.includes(run.status)) return run;
    await em.nativeUpdate(SyncRun, { id: run.id }, { cancelRequested: true });
    if (run.status === SyncRunStatus.QUEUED)
      await this.engine.finish(em, run.tenant.id, run.id, null, SyncRunStatus.CANCELLED);
    return em.refreshOrFail(run);
  }

  /** Disconnects (`disconnectCrm`): credentials deleted, status DISCONNECTED, active runs cancelled. */
  async disconnect(em: EntityManager, globalId: string): Promise<CrmConnection> {
    const connection = await this.connection(em, globalId);
    await em.nativeUpdate(
      CrmConnection,
      { id: connection.id },
      { status: CrmConnectionStatus.DISCONNECTED, credentials: null },
    );
    const active = await em.find(SyncRun, {
      connection: connection.id,
      status: { $in: [SyncRunStatus.QUEUED, SyncRunStatus.RUNNING] },
    });
    for (const run of active) await this.cancel(em, run.nodeId);
    return em.refreshOrFail(connection);
  }

  /** A connection's mappings of one object type (or all): stored ones, else the provider's defaults. */
  async fieldMappings(
    em: EntityManager,
    connection: CrmConnection,
    objectType: SyncObjectType | null,
  ): Promise<FieldMappingRule[]> {
    const stored = await em.find(
      FieldMapping,
      { connection: connection.id, ...(objectType ? { objectType } : {}) },
      { orderBy: { objectType: 'asc', localField: 'asc' } },
    );
    if (stored.length) return stored;
    return defaultMappings(connection.provider, this.adapters).filter(
      (m) => !objectType || m.objectType === objectType,
    );
  }

  /**
   * Replaces a connection's mappings of one object type (`updateFieldMappings`). A Meridian field
   * unknown for the object type, a provider field the provider does not have, or a Meridian field
   * mapped twice are user errors; then nothing changes.
   */
  async updateFieldMappings(em: EntityManager, input: UpdateFieldMappingsInput): Promise<FieldMappingRule[]> {
    const connection = await this.connection(em, input.connectionId);
    const checks = new Checks();
    const allowed = new Set<string>(LOCAL_FIELDS[input.objectType]);
    const known = this.adapters.get(connection.provider)?.knownExternalFields(input.objectType) ?? null;
    const seen = new Set<string>();
    input.mappings.forEach((m, i) => {
      if (!allowed.has(m.localField))
        checks.add(
          ['mappings', String(i), 'localField'],
          'UNKNOWN_FIELD',
          `${m.localField} is not a Meridian field of a ${input.objectType}: one of ${[...allowed].join(', ')}`,
        );
      if (!m.externalField.trim() || m.externalField.length > 200)
        checks.add(['mappings', String(i), 'externalField'], 'INVALID', 'externalField must be 1–200 characters');
      else if (known && !known.includes(m.externalField))
        checks.add(
          ['mappings', String(i), 'externalField'],
          'UNKNOWN_FIELD',
          `${connection.provider} has no ${input.objectType} field ${m.externalField}`,
        );
      if (seen.has(m.localField))
        checks.add(['mappings', String(i), 'localField'], 'DUPLICATE', `${m.localField} is mapped twice`);
      seen.add(m.localField);
    });
    checks.throwIfAny();
    await em.transactional(async (tx) => {
      await tx.nativeDelete(FieldMapping, { connection: connection.id, objectType: input.objectType });
      for (const m of input.mappings)
        tx.create(FieldMapping, {
          connection: connection.id,
          objectType: input.objectType,
          externalField: m.externalField.trim(),
          localField: m.localField,
        });
    });
    return this.fieldMappings(em, connection, input.objectType);
  }

  /** The where clause of a run list. */
  where(filter: SyncRunFilter | null | undefined): FilterQuery<SyncRun> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    if (f.connectionId) where.connection = filterIds([f.connectionId], 'CrmConnection')![0];
    if (f.statuses?.length) where.status = { $in: f.statuses };
    if (f.modes?.length) where.mode = { $in: f.modes };
    if (f.providers?.length) where.provider = { $in: f.providers };
    return where;
  }

  /**
   * Runs whose job was lost: QUEUED or RUNNING with no sign of life for `staleSeconds` (the
   * worker running them died). Queued again; the engine resumes them from their cursor.
   */
  async stale(
    root: EntityManager,
    staleSeconds: number,
    limit = 100,
  ): Promise<{ tenantId: string; id: string; attempts: number }[]> {
    const rows = await (root.fork() as SqlEntityManager).execute<{ id: string; tenant_id: string; attempts: number }[]>(
      `select id, tenant_id, attempts from sync_run
        where status in ('QUEUED', 'RUNNING')
          and coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => ?)
        order by updated_at limit ?`,
      [staleSeconds, limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id, attempts: r.attempts }));
  }

  /** The SYNC_FINISHED payload shape (for tests and docs). */
  static outcome = runOutcome;
}
