import {
  CancelSyncDocument,
  ClientSourcesDocument,
  ClientsSearchDocument,
  CrmConnectionsDocument,
  DisconnectCrmDocument,
  StartSyncDocument,
  SyncProgressDocument,
  type SyncProgressSubscription,
  SyncRunByIdDocument,
  SyncRunsPageDocument,
  SyncTimelineDocument,
  UpdateClientDocument,
  UpdateFieldMappingsDocument,
} from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

/** What POST /imports answers. */
interface ImportAnswer {
  syncRun?: {
    id: string;
    status: string;
    processed: number;
    created: number;
    updated: number;
    skipped: number;
    failed: number;
    error: string | null;
    encoding: string | null;
    dryRun: boolean;
  };
  errors?: { message: string; extensions: { code: string } }[];
}

describe('Sync: CSV import, runs, connections, syncProgress', () => {
  let server: TestServer;
  const tenantA = uniq('sync-a');
  const tenantB = uniq('sync-b');
  let adminA: string;
  let managerA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;

  beforeAll(async () => {
    server = await startTestServer({ SYNC_PAGE_SIZE: '3' });
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    managerA = await server.tokenFor(tenantA, 'MANAGER');
    agentA = await server.tokenFor(tenantA, 'AGENT');
    viewerA = await server.tokenFor(tenantA, 'VIEWER');
    adminB = await server.tokenFor(tenantB, 'ADMIN');
  });
  afterAll(() => server.close());

  const upload = async (
    body: string | Buffer,
    token: string | undefined,
    params: Record<string, string> = {},
    contentType = 'text/csv',
  ): Promise<{ status: number; json: ImportAnswer }> => {
    const qs = new URLSearchParams({ wait: 'true', ...params }).toString();
    const res = await fetch(`${server.url}/imports?${qs}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    return { status: res.status, json: (await res.json()) as ImportAnswer };
  };

  const logsOf = async (id: string, token: string) => {
    const res = await server.gql(SyncRunByIdDocument, { id, first: 100 }, token);
    return res.data!.syncRun!.logs.nodes;
  };

  const findClient = async (search: string, token: string) => {
    const res = await server.gql(ClientsSearchDocument, { search }, token);
    return res.data!.clients.nodes;
  };

  describe('POST /imports (Meridian format)', () => {
    const file = [
      'fullName,email,phone,nationality,lifecycleStage,tags,notes',
      'Ada Sync,ada.sync@example.com,+6281100000001,British,CUSTOMER,vip;kitas,first',
      'Bob Sync,bob.sync@example.com,,Italian,,,',
      'Cy Sync,not-an-email,,,,,',
      'Dee Sync,,+6281100000004,,LEAD,,',
      ',nobody@example.com,,,,,',
    ].join('\n');
    let runId: string;

    it('imports valid rows, refuses bad rows whole with their line number, and records the run', async () => {
      const { status, json } = await upload(file, managerA, { fileName: 'clients.csv' });
      expect(status).toBe(200);
      const run = json.syncRun!;
      runId = run.id;
      expect(run).toMatchObject({ status: 'SUCCEEDED', processed: 5, created: 3, failed: 2, updated: 0, skipped: 0 });
      const logs = await logsOf(run.id, adminA);
      expect(logs.map((l) => [l.level, l.line])).toEqual([
        ['ERROR', 4],
        ['ERROR', 6],
      ]);
      expect(logs[0].message).toMatch(/line 4: .*not-an-email/);
      expect(logs[1].message).toMatch(/name is required/);
      expect(await findClient('Cy Sync', adminA)).toEqual([]);
      expect(await findClient('nobody@example.com', adminA)).toEqual([]);
      const [ada] = await findClient('ada.sync@example.com', adminA);
      const detail = await server.gql(ClientSourcesDocument, { id: ada.id }, adminA);
      expect(detail.data!.client).toMatchObject({
        fullName: 'Ada Sync',
        phone: '+6281100000001',
        nationality: 'British',
        lifecycleStage: 'CUSTOMER',
        source: 'IMPORT',
        kind: 'PERSON',
      });
      const sources = detail.data!.client!.fieldSources;
      expect(sources.map((s) => s.field).sort()).toEqual(
        ['email', 'fullName', 'lifecycleStage', 'nationality', 'notes', 'phone', 'tags'].sort(),
      );
      expect(new Set(sources.map((s) => `${s.source}/${s.provider}`))).toEqual(new Set(['PROVIDER/CSV']));
    });

    it('writes SYNC_STARTED and SYNC_FINISHED, and the created clients carry the provider as actor', async () => {
      const res = await server.gql(
        SyncTimelineDocument,
        { filter: { types: ['SYNC_STARTED', 'SYNC_FINISHED'] } },
        adminA,
      );
      const mine = res.data!.timeline.nodes.filter((e) => e.subject && 'id' in e.subject && e.subject.id === runId);
      expect(mine.map((e) => e.type).sort()).toEqual(['SYNC_FINISHED', 'SYNC_STARTED']);
      const finished = mine.find((e) => e.type === 'SYNC_FINISHED')!;
      expect(finished.data).toMatchObject({ after: { status: 'SUCCEEDED', created: 3, failed: 2 } });
      const created = await server.gql(SyncTimelineDocument, { filter: { types: ['CLIENT_CREATED'] } }, adminA);
      const ada = created.data!.timeline.nodes.find((e) => e.summary.includes('Ada Sync'))!;
      expect(ada.actorLabel).toBe('CSV sync');
      expect(ada.data).toMatchObject({ source: { kind: 'SYNC', provider: 'CSV', runId } });
    });

    it('is idempotent: the same file again creates nothing and changes nothing', async () => {
      const { json } = await upload(file, managerA);
      expect(json.syncRun).toMatchObject({ status: 'SUCCEEDED', processed: 5, created: 0, updated: 0, skipped: 3 });
      expect(await findClient('Ada Sync', adminA)).toHaveLength(1);
    });

    it('updates matched clients (email, then phone, then name when neither is given) with the provider authoritative', async () => {
      const csv = [
        'fullName,email,phone,nationality',
        'Ada Renamed,ADA.SYNC@example.com,,French',
        'Dee Sync,,+6281100000004,Dutch',
        'bob   sync,,,Spanish',
      ].join('\r\n');
      const { json } = await upload(csv, adminA);
      expect(json.syncRun).toMatchObject({ status: 'SUCCEEDED', created: 0, updated: 3, failed: 0 });
      const [ada] = await findClient('ada.sync@example.com', adminA);
      expect(ada).toMatchObject({ fullName: 'Ada Renamed', nationality: 'French' });
      expect((await findClient('Dee Sync', adminA))[0].nationality).toBe('Dutch');
      expect((await findClient('Bob Sync', adminA))[0].nationality).toBe('Spanish');
    });

    it('dryRun reports what would be created, updated and skipped by line, and changes nothing', async () => {
      const csv = [
        'fullName,email',
        'Eve Dry,eve.dry@example.com',
        'Ada Renamed,ada.sync@example.com',
        'Zed Dry,bad@',
      ].join('\n');
      const { json } = await upload(csv, adminA, { dryRun: 'true' });
      expect(json.syncRun).toMatchObject({ status: 'SUCCEEDED', dryRun: true, created: 1, skipped: 1, failed: 1 });
      const logs = await logsOf(json.syncRun!.id, adminA);
      expect(logs.map((l) => [l.line, l.message.split(':')[1].trim()])).toEqual([
        [2, 'would be created'],
        [3, 'would be skipped'],
        [4, expect.stringContaining('bad@') as string],
      ]);
      expect(await findClient('Eve Dry', adminA)).toEqual([]);
    });

    it('records MERIDIAN as the source of a synced field edited through updateClient, the others unchanged', async () => {
      const [ada] = await findClient('ada.sync@example.com', adminA);
      const before = (await server.gql(ClientSourcesDocument, { id: ada.id }, adminA)).data!.client!.fieldSources;
      const edited = await server.gql(
        UpdateClientDocument,
        { input: { id: ada.id, nationality: 'Irish', phone: '+6281100000001' } },
        adminA,
      );
      expect(edited.data!.updateClient.userErrors).toEqual([]);
      const after = (await server.gql(ClientSourcesDocument, { id: ada.id }, adminA)).data!.client!.fieldSources;
      const bySource = (list: typeof after) =>
        Object.fromEntries(list.map((s) => [s.field, `${s.source}/${s.provider ?? '-'}`]));
      // phone was sent unchanged: not an edit, so still the provider's.
      expect(bySource(after)).toEqual({ ...bySource(before), nationality: 'MERIDIAN/-' });
      const nationality = after.find((s) => s.field === 'nationality')!;
      expect(new Date(nationality.at).getTime()).toBeGreaterThanOrEqual(
        new Date(before.find((s) => s.field === 'nationality')!.at).getTime(),
      );
      // An edit of a field no sync wrote adds no provenance.
      await server.gql(UpdateClientDocument, { input: { id: ada.id, leadScore: 40 } }, adminA);
      const again = (await server.gql(ClientSourcesDocument, { id: ada.id }, adminA)).data!.client!.fieldSources;
      expect(again.map((s) => s.field).sort()).toEqual(after.map((s) => s.field).sort());
    });
  });

  describe('file edge cases', () => {
    it('reads a HubSpot contacts export with a BOM, quoted newlines, and a 1 MB line logged by line', async () => {
      const big = 'x'.repeat(1024 * 1024);
      const csv =
        '\uFEFF"Record ID","First Name","Last Name","Email","Phone Number","Lifecycle Stage","Company Name"\n' +
        '101,Hana,"Hub\nSpot",hana.hub@example.com,+6281100000101,salesqualifiedlead,Acme\n' +
        `102,Long,Line,long.line@example.com,,lead,"${big}"\n` +
        `103,Ivo,Hub,ivo.hub@example.com,,opportunity,\n`;
      const { json } = await upload(csv, adminA);
      expect(json.syncRun).toMatchObject({ status: 'SUCCEEDED', processed: 3, created: 3 });
      const [hana] = await findClient('hana.hub@example.com', adminA);
      expect(hana.fullName).toBe('Hana Hub Spot');
      const again = await upload(csv, adminA);
      expect(again.json.syncRun).toMatchObject({ created: 0, skipped: 3 });
    });

    it('refuses a row whose field is too long (a 1 MB notes cell) whole, with its line', async () => {
      const csv = `fullName,email,notes\nOk Row,ok.row@example.com,fine\nHuge Row,huge.row@example.com,${'y'.repeat(1024 * 1024)}\n`;
      const { json } = await upload(csv, adminA);
      expect(json.syncRun).toMatchObject({ status: 'SUCCEEDED', created: 1, failed: 1 });
      const logs = await logsOf(json.syncRun!.id, adminA);
      expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', line: 3 })]);
      expect(await findClient('huge.row@example.com', adminA)).toEqual([]);
    });

    it('detects Latin-1, and honours encoding=latin1', async () => {
      const latin1 = Buffer.from('fullName,email\nJosé Müller,jose.latin@example.com\n', 'latin1');
      const auto = await upload(latin1, adminA);
      expect(auto.json.syncRun).toMatchObject({ status: 'SUCCEEDED', created: 1, encoding: 'latin1' });
      expect((await findClient('jose.latin@example.com', adminA))[0].fullName).toBe('José Müller');
      const utf8 = await upload(Buffer.from('fullName,email\nZoë Ünal,zoe.utf@example.com\n', 'utf8'), adminA);
      expect(utf8.json.syncRun).toMatchObject({ created: 1, encoding: 'utf8' });
      expect((await findClient('zoe.utf@example.com', adminA))[0].fullName).toBe('Zoë Ünal');
    });

    it('fails a file without a header row with a clear error', async () => {
      const { json } = await upload('Jane Doe,jane@example.com\nJohn Doe,john@example.com\n', adminA);
      expect(json.syncRun).toMatchObject({ status: 'FAILED', created: 0 });
      expect(json.syncRun!.error).toMatch(/header row/);
      expect(await findClient('jane@example.com', adminA)).toEqual([]);
      const empty = await upload('', adminA);
      expect(empty.json.syncRun!.error).toMatch(/empty/);
    });

    it('refuses unauthenticated callers, AGENTs and VIEWERs, and other content types', async () => {
      const csv = 'fullName\nXyzzy Refused';
      expect((await upload(csv, undefined)).status).toBe(401);
      expect((await upload(csv, viewerA)).status).toBe(403);
      expect((await upload(csv, agentA)).status).toBe(403);
      const form = await upload('fullName=Xyzzy Refused', adminA, {}, 'application/x-www-form-urlencoded');
      expect(form.status).toBe(415);
      expect(await findClient('Xyzzy', viewerA)).toEqual([]);
    });
  });

  describe('GraphQL', () => {
    let csvConnection: string;
    let runA: string;

    beforeAll(async () => {
      const { json } = await upload('fullName,email\nGql Person,gql.person@example.com\n', adminA);
      runA = json.syncRun!.id;
      const res = await server.gql(CrmConnectionsDocument, {}, adminA);
      csvConnection = res.data!.crmConnections.nodes.find((c) => c.provider === 'CSV')!.id;
    });

    it('lists connections (no credentials in the schema) and runs, newest first', async () => {
      const res = await server.gql(CrmConnectionsDocument, {}, viewerA);
      const csv = res.data!.crmConnections.nodes.find((c) => c.id === csvConnection)!;
      expect(csv).toMatchObject({ provider: 'CSV', status: 'CONNECTED' });
      expect(csv.health.lastSuccessAt).not.toBeNull();
      expect(csv.fieldMappings.length).toBeGreaterThan(0);
      const runs = await server.gql(SyncRunsPageDocument, { filter: { modes: ['IMPORT'] }, first: 3 }, viewerA);
      expect(runs.data!.syncRuns.nodes[0].id).toBe(runA);
      expect(runs.data!.syncRuns.nodes[0]).toMatchObject({ direction: 'INBOUND', provider: 'CSV' });
    });

    it('keeps tenants apart: another tenant’s runs and connections are invisible or NOT_FOUND', async () => {
      expect((await server.gql(SyncRunByIdDocument, { id: runA }, adminB)).data!.syncRun).toBeNull();
      const runsB = await server.gql(SyncRunsPageDocument, {}, adminB);
      expect(runsB.data!.syncRuns.totalCount).toBe(0);
      expect((await server.gql(CrmConnectionsDocument, {}, adminB)).data!.crmConnections.nodes).toEqual([]);
      const cancel = await server.gql(CancelSyncDocument, { input: { id: runA } }, adminB);
      expect(cancel.errors![0].extensions!.code).toBe('NOT_FOUND');
      const disconnect = await server.gql(DisconnectCrmDocument, { input: { id: csvConnection } }, adminB);
      expect(disconnect.errors![0].extensions!.code).toBe('NOT_FOUND');
      const map = await server.gql(
        UpdateFieldMappingsDocument,
        { input: { connectionId: csvConnection, objectType: 'CONTACT', mappings: [] } },
        adminB,
      );
      expect(map.errors![0].extensions!.code).toBe('NOT_FOUND');
      const start = await server.gql(
        StartSyncDocument,
        { input: { connectionId: csvConnection, mode: 'BACKFILL' } },
        adminB,
      );
      expect(start.errors![0].extensions!.code).toBe('NOT_FOUND');
      const still = await server.gql(CrmConnectionsDocument, {}, adminA);
      expect(still.data!.crmConnections.nodes.find((c) => c.id === csvConnection)!.status).toBe('CONNECTED');
    });

    it('refuses VIEWERs and AGENTs: startSync, cancelSync, updateFieldMappings, disconnectCrm', async () => {
      for (const token of [viewerA, agentA]) {
        const start = await server.gql(
          StartSyncDocument,
          { input: { connectionId: csvConnection, mode: 'BACKFILL' } },
          token,
        );
        expect(start.errors![0].extensions!.code).toBe('FORBIDDEN');
        const cancel = await server.gql(CancelSyncDocument, { input: { id: runA } }, token);
        expect(cancel.errors![0].extensions!.code).toBe('FORBIDDEN');
        const map = await server.gql(
          UpdateFieldMappingsDocument,
          { input: { connectionId: csvConnection, objectType: 'CONTACT', mappings: [] } },
          token,
        );
        expect(map.errors![0].extensions!.code).toBe('FORBIDDEN');
        const disconnect = await server.gql(DisconnectCrmDocument, { input: { id: csvConnection } }, token);
        expect(disconnect.errors![0].extensions!.code).toBe('FORBIDDEN');
      }
    });

    it('startSync validates: a CSV connection only imports files, and cannot PUSH', async () => {
      const before = (await server.gql(SyncRunsPageDocument, {}, adminA)).data!.syncRuns.totalCount;
      const res = await server.gql(
        StartSyncDocument,
        { input: { connectionId: csvConnection, mode: 'BACKFILL' } },
        managerA,
      );
      expect(res.data!.startSync.userErrors.map((e) => e.code)).toEqual(['NOT_SUPPORTED']);
      const imp = await server.gql(
        StartSyncDocument,
        { input: { connectionId: csvConnection, mode: 'IMPORT' } },
        managerA,
      );
      expect(imp.data!.startSync.userErrors.map((e) => e.code)).toEqual(['USE_IMPORTS_ENDPOINT']);
      const push = await server.gql(
        StartSyncDocument,
        { input: { connectionId: csvConnection, mode: 'PUSH' } },
        managerA,
      );
      expect(push.data!.startSync).toMatchObject({
        syncRun: null,
        userErrors: [{ field: ['input', 'mode'], code: 'PUSH_NOT_SUPPORTED' }],
      });
      expect(push.data!.startSync.userErrors[0].message).toMatch(/CSV connection cannot push/);
      expect((await server.gql(SyncRunsPageDocument, {}, adminA)).data!.syncRuns.totalCount).toBe(before);
    });

    it('cancelSync leaves a finished run as it is', async () => {
      const res = await server.gql(CancelSyncDocument, { input: { id: runA } }, managerA);
      expect(res.data!.cancelSync.syncRun).toMatchObject({ id: runA, status: 'SUCCEEDED' });
    });

    it('updateFieldMappings: unknown fields are userErrors (nothing changed); a custom column then imports', async () => {
      const bad = await server.gql(
        UpdateFieldMappingsDocument,
        {
          input: {
            connectionId: csvConnection,
            objectType: 'CONTACT',
            mappings: [
              { externalField: 'Mobile', localField: 'mobileNumber' },
              { externalField: 'E-mail', localField: 'email' },
              { externalField: 'Mail', localField: 'email' },
            ],
          },
        },
        managerA,
      );
      expect(bad.data!.updateFieldMappings.userErrors.map((e) => e.code)).toEqual(['UNKNOWN_FIELD', 'DUPLICATE']);
      const before = await server.gql(CrmConnectionsDocument, {}, adminA);
      const mappings = before.data!.crmConnections.nodes.find((c) => c.id === csvConnection)!.fieldMappings;
      expect(mappings.some((m) => m.externalField === 'E-mail')).toBe(false);

      const ok = await server.gql(
        UpdateFieldMappingsDocument,
        {
          input: {
            connectionId: csvConnection,
            objectType: 'CONTACT',
            mappings: [
              { externalField: 'Name', localField: 'fullName' },
              { externalField: 'Mobile', localField: 'phone' },
              { externalField: 'E-mail', localField: 'email' },
            ],
          },
        },
        managerA,
      );
      expect(ok.data!.updateFieldMappings.userErrors).toEqual([]);
      expect(ok.data!.updateFieldMappings.fieldMappings).toHaveLength(3);
      // A header naming a Meridian field keeps the file recognisable; the custom columns map through.
      const { json } = await upload(
        'fullName,E-mail,Mobile\nMapped Person,mapped@example.com,+6281100000999\n',
        adminA,
      );
      expect(json.syncRun).toMatchObject({ created: 1 });
      expect((await findClient('mapped@example.com', adminA))[0].phone).toBe('+6281100000999');
    });

    it('disconnectCrm disconnects the connection', async () => {
      const res = await server.gql(DisconnectCrmDocument, { input: { id: csvConnection } }, adminA);
      expect(res.data!.disconnectCrm.crmConnection).toMatchObject({ id: csvConnection, status: 'DISCONNECTED' });
      const start = await server.gql(
        StartSyncDocument,
        { input: { connectionId: csvConnection, mode: 'DELTA' } },
        adminA,
      );
      expect(start.data!.startSync.userErrors.map((e) => e.code)).toContain('NOT_CONNECTED');
    });
  });

  describe('syncProgress over WebSocket', () => {
    it('delivers a finished run’s final state at once', async () => {
      const { json } = await upload('fullName\nWs Final\n', adminB);
      const client = server.ws({ authorization: `Bearer ${adminB}` });
      const sub = nextResults<SyncProgressSubscription>(client, SyncProgressDocument, { runId: json.syncRun!.id }, 1);
      const [first] = await sub.results;
      expect(first.syncProgress).toMatchObject({ id: json.syncRun!.id, status: 'SUCCEEDED', created: 1 });
    });

    it('streams the tenant’s runs as they move, ending with the final state, and never another tenant’s', async () => {
      const rows = Array.from({ length: 30 }, (_, i) => `Stream Person ${i},stream${i}@example.com`);
      const clientB = server.ws({ authorization: `Bearer ${adminB}` });
      const clientA = server.ws({ authorization: `Bearer ${adminA}` });
      // Tenant B listens to all its runs: it must receive nothing while A imports.
      const subB = nextResults<SyncProgressSubscription>(clientB, SyncProgressDocument, {}, 1, 4000);
      const collected: SyncProgressSubscription[] = [];
      const unsubscribe = clientA.subscribe<SyncProgressSubscription>(
        { query: 'subscription { syncProgress { id status processed } }' },
        {
          next: (v) => collected.push(v.data as SyncProgressSubscription),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      const subA = nextResults<SyncProgressSubscription>(clientA, SyncProgressDocument, {}, 1000, 30_000);
      void subA.results.catch(() => undefined);
      await subA.ready;
      await subB.ready;
      const { json } = await upload(['fullName,email', ...rows].join('\n'), adminA);
      expect(json.syncRun!.status).toBe('SUCCEEDED');
      // The final state follows within the throttle interval.
      for (let i = 0; i < 50 && !collected.some((c) => c.syncProgress.status === 'SUCCEEDED'); i++)
        await new Promise((r) => setTimeout(r, 100));
      unsubscribe();
      subA.dispose();
      const mine = collected.filter((c) => c.syncProgress.id === json.syncRun!.id);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(mine.at(-1)!.syncProgress).toMatchObject({ status: 'SUCCEEDED', processed: 30 });
      const processed = mine.map((c) => c.syncProgress.processed);
      expect(processed).toEqual([...processed].sort((x, y) => x - y));
      await expect(subB.results).rejects.toThrow(/timed out/);
    });

    it('refuses another tenant’s run id with NOT_FOUND', async () => {
      const { json } = await upload('fullName\nWs Foreign\n', adminA);
      const client = server.ws({ authorization: `Bearer ${adminB}` });
      const sub = nextResults<SyncProgressSubscription>(client, SyncProgressDocument, { runId: json.syncRun!.id }, 1);
      await expect(sub.results).rejects.toThrow(/NOT_FOUND|not found/);
    });
  });
});
