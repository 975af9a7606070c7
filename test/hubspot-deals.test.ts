import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

import { fromGlobalId } from '../src/platform/graphql/global-id.js';
import {
  ClientsDocument,
  ConnectHubspotPrivateAppDocument,
  CreatePipelineDocument,
  HubspotDealsDocument,
  MoveDealStageDocument,
  PipelinesDocument,
  SyncRunByIdDocument,
  SyncTimelineDocument,
  UpdateDealDocument,
} from './generated/graphql.js';
import {
  type FakeHubspot,
  type FakePipeline,
  hubspotEnv,
  pipelineStage,
  startFakeHubspot,
} from './helpers/hubspot-server.js';
import { startTestServer, type TestServer, uniq, usingPostgres } from './helpers/server.js';
import { syncRuns } from './helpers/sync.js';

const redisUrl = process.env.REDIS_URL;
/** One credentials key for both app instances of the shared-bucket test (each has its own DATA_DIR). */
const secretsKey = randomBytes(32).toString('hex');

const stage = pipelineStage;

describe('HubSpot deals: backfill, stage mapping, conflicts, stage push, OAuth state, shared token bucket', () => {
  let server: TestServer;
  let hubspot: FakeHubspot;
  const tenantA = uniq('hsd-a');
  const tenantB = uniq('hsd-b');
  const tenantC = uniq('hsd-c');
  let adminA: string;
  let managerA: string;
  let adminB: string;
  let connectionId: string;
  const redisPrefix = uniq('hsd-redis');
  const marker = uniq('hsd')
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    hubspot = await startFakeHubspot();
    server = await startTestServer({
      ...hubspotEnv(hubspot),
      HUBSPOT_RETRY_BASE_MS: '5',
      // A budget no test run exhausts (the shared-bucket test pins the Redis window open).
      HUBSPOT_RATE_LIMIT_PER_10S: '100000',
      REDIS_PREFIX: redisPrefix,
      SECRETS_KEY: secretsKey,
    });
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    managerA = await server.tokenFor(tenantA, 'MANAGER');
    adminB = await server.tokenFor(tenantB, 'ADMIN');

    // HubSpot's pipelines: the default one with two extra stages, and a "Renewals" pipeline.
    const sales = hubspot.pipelines[0];
    sales.stages.push(stage('qualified-x', 'Qualified', 7, '0.3'), stage('negotiation-x', 'Negotiation', 8, '0.7'));
    const renewals: FakePipeline = {
      id: '777',
      label: 'Renewals',
      displayOrder: 1,
      archived: false,
      stages: [
        stage('renewal-due', 'Renewal due', 0, '0.5'),
        stage('renewed', 'Renewed', 1, '1.0', true),
        stage('churned', 'Churned', 2, '0.0', true),
      ],
    };
    hubspot.pipelines.push(renewals);
    // Meridian's "renewals" pipeline (names compared ignoring case): its LOST stage is "Lost".
    const created = await server.gql(
      CreatePipelineDocument,
      {
        input: {
          name: 'renewals',
          stages: [
            { name: 'Renewal Due', kind: 'OPEN' },
            { name: 'Renewed', kind: 'WON' },
            { name: 'Lost', kind: 'LOST' },
          ],
        },
      },
      adminA,
    );
    expect(created.data?.createPipeline.userErrors).toEqual([]);

    const acme = hubspot.add('companies', { name: `Acme ${marker}` });
    const c0 = hubspot.add('contacts', { firstname: 'C0', lastname: marker, email: `c0.${marker}@example.com` }, [
      `companies:${acme.id}`,
    ]);
    const c1 = hubspot.add('contacts', { firstname: 'C1', lastname: marker, email: `c1.${marker}@example.com` });
    Object.assign(ids, { acme: acme.id, c0: c0.id, c1: c1.id });
    const deal = (name: string, properties: Record<string, string>, associations: string[]) =>
      (ids[name] = hubspot.add('deals', { dealname: `${name} ${marker}`, ...properties }, associations).id);
    deal(
      'D1',
      {
        amount: '1000',
        deal_currency_code: 'EUR',
        closedate: '2026-03-31T00:00:00.000Z',
        pipeline: 'default',
        dealstage: 'qualified-x',
      },
      [`contacts:${c0.id}`, `companies:${acme.id}`],
    );
    deal('D2', { amount: '500', pipeline: 'default', dealstage: 'closedwon' }, [`companies:${acme.id}`]);
    deal('D3', { pipeline: '777', dealstage: 'churned', closed_lost_reason: 'Budget cut' }, [`contacts:${c1.id}`]);
    deal('D4', { pipeline: 'default', dealstage: 'appointmentscheduled' }, [`contacts:${c1.id}`]);
    deal('D5', { pipeline: 'default', dealstage: 'qualified-x' }, []);

    const connected = await server.gql(
      ConnectHubspotPrivateAppDocument,
      { input: { token: hubspot.privateAppToken() } },
      adminA,
    );
    connectionId = connected.data!.connectHubspotPrivateApp.crmConnection!.id;
  });
  afterAll(async () => {
    await server.close();
    await hubspot.close();
  });

  const { sync } = syncRuns({ server: () => server, connectionId: () => connectionId, token: () => managerA });
  const deals = async (token = adminA) => {
    const list = (await server.gql(HubspotDealsDocument, { search: marker }, token)).data!.deals;
    return { totalCount: list.totalCount, byName: (n: string) => list.nodes.find((d) => d.title.startsWith(n))! };
  };
  const sourceOf = (d: { fieldSources: { field: string; source: string }[] }, field: string) =>
    d.fieldSources.find((s) => s.field === field)?.source;
  const stageId = async (pipeline: string, name: string) => {
    const pipelines = (await server.gql(PipelinesDocument, {}, adminA)).data!.pipelines;
    const p = pipelines.find((x) => (pipeline === 'default' ? x.isDefault : x.name === pipeline))!;
    return p.stages.find((s) => s.name === name)!.id;
  };
  let firstRunId: string;

  it('backfills deals onto the clients of their associated contact (else company), mapping stages by label', async () => {
    const run = await sync('BACKFILL');
    firstRunId = run.id;
    // 1 company + 2 contacts + 3 deals created; D4 (no matching stage) and D5 (nobody synced) fail.
    expect(run).toMatchObject({ status: 'SUCCEEDED', processed: 8, created: 6, failed: 2 });
    const errors = run.logs.nodes.filter((l) => l.level === 'ERROR');
    expect(errors.find((l) => l.externalId === ids.D4)?.message).toMatch(/Appointment Scheduled.*matches no stage/);
    expect(errors.find((l) => l.externalId === ids.D5)?.message).toMatch(/none of the contacts or companies/);
    expect(hubspot.requests).toContain('GET /crm/v3/pipelines/deals');

    const list = await deals();
    expect(list.totalCount).toBe(3);
    const d1 = list.byName('D1');
    expect(d1).toMatchObject({
      status: 'OPEN',
      stage: { name: 'Qualified', kind: 'OPEN' },
      client: { fullName: `C0 ${marker}` },
      amount: { currency: 'EUR' },
      expectedCloseDate: '2026-03-31',
    });
    expect(Number(d1.amount!.amount)).toBe(1000);
    for (const field of ['title', 'amount', 'stage', 'expectedCloseDate'])
      expect(d1.fieldSources.find((s) => s.field === field)).toMatchObject({ source: 'PROVIDER', provider: 'HUBSPOT' });
    // Written through the deal service: timeline events with the provider as actor.
    const events = (await server.gql(SyncTimelineDocument, { filter: { dealId: d1.id } }, adminA)).data!.timeline.nodes;
    expect(events.find((e) => e.type === 'DEAL_CREATED')?.actorLabel).toBe('HUBSPOT sync');
    // "Closed Won" matches no name: the first WON stage of the pipeline.
    expect(list.byName('D2')).toMatchObject({
      status: 'WON',
      stage: { kind: 'WON' },
      client: { fullName: `Acme ${marker}` },
    });
    // HubSpot's "Renewals" pipeline is Meridian's "renewals"; "Churned" closes lost: its LOST stage.
    expect(list.byName('D3')).toMatchObject({
      status: 'LOST',
      lostReason: 'Budget cut',
      pipeline: { name: 'renewals' },
      stage: { name: 'Lost' },
      client: { fullName: `C1 ${marker}` },
    });
  });

  it('a re-run creates no duplicate deals', async () => {
    const run = await sync('BACKFILL');
    expect(run).toMatchObject({ status: 'SUCCEEDED', created: 0, updated: 0 });
    expect((await deals()).totalCount).toBe(3);
  });

  it('a deal changed here since the last sync and at HubSpot keeps the local value, logged as a CONFLICT', async () => {
    const d1 = (await deals()).byName('D1');
    const updated = await server.gql(
      UpdateDealDocument,
      { input: { id: d1.id, title: `D1 local ${marker}` } },
      managerA,
    );
    expect(updated.data?.updateDeal.userErrors).toEqual([]);
    const moved = await server.gql(
      MoveDealStageDocument,
      { input: { id: d1.id, stageId: await stageId('default', 'Negotiation') } },
      managerA,
    );
    expect(moved.data?.moveDealStage.userErrors).toEqual([]);
    const local = (await deals()).byName('D1');
    expect(sourceOf(local, 'title')).toBe('MERIDIAN');
    expect(sourceOf(local, 'stage')).toBe('MERIDIAN');

    // HubSpot changes the name (a conflict) and the amount (only HubSpot changed it); not the stage.
    hubspot.update('deals', ids.D1, { dealname: `D1 remote ${marker}`, amount: '2000' }, hubspot.tick(60_000));
    const run = await sync('DELTA');
    expect(run).toMatchObject({ status: 'SUCCEEDED', updated: 1 });
    const conflicts = run.logs.nodes.filter((l) => l.level === 'CONFLICT');
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ externalId: ids.D1, objectType: 'DEAL' });
    expect(conflicts[0].message).toMatch(/kept Meridian's newer title/);
    expect(conflicts[0].message).not.toMatch(/stage/);

    const after = (await deals()).byName('D1');
    expect(after.title).toBe(`D1 local ${marker}`);
    expect(Number(after.amount!.amount)).toBe(2000);
    expect(after.stage.name).toBe('Negotiation');
    expect(sourceOf(after, 'title')).toBe('MERIDIAN');
    expect(sourceOf(after, 'stage')).toBe('MERIDIAN');
    expect(sourceOf(after, 'amount')).toBe('PROVIDER');
  });

  it('PUSH sends a stage moved here to HubSpot (PATCH dealstage) once; a stage HubSpot lacks fails', async () => {
    const run = await sync('PUSH');
    expect(run).toMatchObject({ status: 'SUCCEEDED', updated: 1, failed: 0 });
    expect(hubspot.patches).toEqual([
      { object: `deals:${ids.D1}`, properties: { pipeline: 'default', dealstage: 'negotiation-x' } },
    ]);
    expect(hubspot.objects.deals.get(ids.D1)!.properties.dealstage).toBe('negotiation-x');

    const again = await sync('PUSH');
    expect(again).toMatchObject({ status: 'SUCCEEDED', updated: 0, skipped: 1 });
    expect(hubspot.patches).toHaveLength(1);

    // The PATCH moved HubSpot's modification time: the delta reads D1 back, with no conflict.
    const delta = await sync('DELTA');
    expect(delta.status).toBe('SUCCEEDED');
    expect(delta.logs.nodes.filter((l) => l.level === 'CONFLICT')).toEqual([]);
    expect((await deals()).byName('D1').stage.name).toBe('Negotiation');

    // "Proposal sent" has no HubSpot stage of that name (nor id), and is OPEN: refused, no PATCH.
    const d2 = (await deals()).byName('D2');
    const moved = await server.gql(
      MoveDealStageDocument,
      { input: { id: d2.id, stageId: await stageId('default', 'Proposal sent') } },
      managerA,
    );
    expect(moved.data?.moveDealStage.userErrors).toEqual([]);
    const refused = await sync('PUSH');
    expect(refused).toMatchObject({ status: 'SUCCEEDED', failed: 1, updated: 0 });
    expect(hubspot.patches).toHaveLength(1);
  });

  it('when the change at HubSpot is the newer one it wins over a local edit, logged as a CONFLICT all the same', async () => {
    const d3 = (await deals()).byName('D3');
    const updated = await server.gql(
      UpdateDealDocument,
      { input: { id: d3.id, title: `D3 local ${marker}` } },
      managerA,
    );
    expect(updated.data?.updateDeal.userErrors).toEqual([]);
    // HubSpot's clock a year ahead of this one: its change is later than the local edit.
    hubspot.update('deals', ids.D3, { dealname: `D3 remote ${marker}` }, hubspot.tick(400 * 24 * 3600_000));
    const run = await sync('DELTA');
    expect(run).toMatchObject({ status: 'SUCCEEDED', updated: 1 });
    const conflicts = run.logs.nodes.filter((l) => l.level === 'CONFLICT');
    expect(conflicts.map((c) => c.externalId)).toEqual([ids.D3]);
    expect(conflicts[0].message).toMatch(/HUBSPOT's newer title replaced/);
    const after = (await deals()).byName('D3');
    expect(after.title).toBe(`D3 remote ${marker}`);
    expect(sourceOf(after, 'title')).toBe('PROVIDER');
  });

  /** The DEAL_UPDATED events of a deal, newest first. */
  const dealUpdates = async (dealId: string) =>
    (await server.gql(SyncTimelineDocument, { filter: { dealId, types: ['DEAL_UPDATED'] } }, adminA)).data!.timeline
      .nodes;

  it("a deal's client follows its associations at HubSpot (delta and backfill), through the deal service", async () => {
    const before = (await deals()).byName('D2');
    expect(before.client.fullName).toBe(`Acme ${marker}`);
    const acmeId = before.client.id;
    const updatesBefore = (await dealUpdates(before.id)).length;

    // A contact associated at HubSpot: the first synced contact wins over the company.
    hubspot.associate(`deals:${ids.D2}`, `contacts:${ids.c1}`);
    hubspot.update('deals', ids.D2, {});
    const run = await sync('DELTA');
    expect(run).toMatchObject({ status: 'SUCCEEDED', failed: 0 });
    expect(run.logs.nodes.filter((l) => l.level === 'CONFLICT')).toEqual([]);
    const moved = (await deals()).byName('D2');
    expect(moved.client.fullName).toBe(`C1 ${marker}`);
    expect(moved.fieldSources.find((f) => f.field === 'client')).toMatchObject({
      source: 'PROVIDER',
      provider: 'HUBSPOT',
    });
    const [event] = await dealUpdates(before.id);
    expect(event).toMatchObject({
      actorLabel: 'HUBSPOT sync',
      data: { before: { client: acmeId }, after: { client: moved.client.id } },
      // On the client the deal left (the new one's segments are reached through the deal).
      client: { id: acmeId },
    });

    // The contact dissociated again: the company is the client again, on a backfill re-run.
    hubspot.dissociate(`deals:${ids.D2}`, `contacts:${ids.c1}`);
    hubspot.update('deals', ids.D2, {});
    const backfill = await sync('BACKFILL');
    expect(backfill).toMatchObject({ status: 'SUCCEEDED', created: 0 });
    expect((await deals()).byName('D2').client.id).toBe(acmeId);
    expect(await dealUpdates(before.id)).toHaveLength(updatesBefore + 2);
  });

  it('a client changed here since the last sync is kept over an older association change at HubSpot, logged as a CONFLICT', async () => {
    const d1 = (await deals()).byName('D1');
    const c1Id = (await deals()).byName('D3').client.id;
    const updated = await server.gql(UpdateDealDocument, { input: { id: d1.id, clientId: c1Id } }, managerA);
    expect(updated.data?.updateDeal.userErrors).toEqual([]);
    expect(sourceOf((await deals()).byName('D1'), 'client')).toBe('MERIDIAN');

    // HubSpot drops D1's contact (its client would be the company), at a time before the local edit.
    hubspot.dissociate(`deals:${ids.D1}`, `contacts:${ids.c0}`);
    hubspot.update('deals', ids.D1, {}, new Date(Date.now() - 3600_000));
    const run = await sync('BACKFILL');
    expect(run.status).toBe('SUCCEEDED');
    const conflicts = run.logs.nodes.filter((l) => l.level === 'CONFLICT');
    expect(conflicts.map((c) => c.externalId)).toEqual([ids.D1]);
    expect(conflicts[0].message).toMatch(/kept Meridian's newer client/);
    const after = (await deals()).byName('D1');
    expect(after.client.id).toBe(c1Id);
    expect(sourceOf(after, 'client')).toBe('MERIDIAN');
  });

  it('a lost reason changed alone at HubSpot goes through the deal service (event, provenance)', async () => {
    const d3 = (await deals()).byName('D3');
    expect(d3.lostReason).toBe('Budget cut');
    hubspot.update('deals', ids.D3, { closed_lost_reason: 'Went with a competitor' }, hubspot.tick(60_000));
    const run = await sync('DELTA');
    expect(run).toMatchObject({ status: 'SUCCEEDED', updated: 1, failed: 0 });
    const after = (await deals()).byName('D3');
    expect(after.lostReason).toBe('Went with a competitor');
    expect(sourceOf(after, 'lostReason')).toBe('PROVIDER');
    const [event] = await dealUpdates(d3.id);
    expect(event).toMatchObject({
      actorLabel: 'HUBSPOT sync',
      data: { before: { lostReason: 'Budget cut' }, after: { lostReason: 'Went with a competitor' } },
    });
  });

  it('another tenant sees neither the deals nor the run', async () => {
    expect((await deals(adminB)).totalCount).toBe(0);
    const other = await server.gql(SyncRunByIdDocument, { id: firstRunId, first: 1 }, adminB);
    expect(other.data?.syncRun ?? null).toBeNull();
  });

  (usingPostgres && redisUrl ? it : it.skip)(
    'with REDIS_URL two app instances draw on one token bucket per connection in Redis',
    async () => {
      const second = await startTestServer(
        {
          ...hubspotEnv(hubspot),
          HUBSPOT_RATE_LIMIT_PER_10S: '100000',
          REDIS_PREFIX: redisPrefix,
          SECRETS_KEY: secretsKey,
        },
        { shareWith: server },
      );
      const redis = new Redis(redisUrl!);
      try {
        const key = `${redisPrefix}:hubspot:burst:${fromGlobalId(connectionId)!.id}`;
        // The window is pinned open for the test (the bucket's script keeps an existing TTL), so
        // the count cannot roll over between the two runs however slow the machine is.
        await redis.set(key, '0', 'PX', 600_000);
        const apiCalls = () =>
          hubspot.requests.filter(
            (r) => r.startsWith('GET /crm/') || r.startsWith('POST /crm/') || r.startsWith('PATCH /crm/'),
          ).length;
        const before = apiCalls();
        expect((await sync('DELTA', server)).status).toBe('SUCCEEDED');
        const afterFirst = apiCalls() - before;
        expect(afterFirst).toBeGreaterThan(0);
        expect(Number(await redis.get(key))).toBe(afterFirst);
        const other = await sync('DELTA', second);
        expect([other.status, other.error]).toEqual(['SUCCEEDED', null]);
        // Both instances' calls are counted in the one shared bucket.
        expect(Number(await redis.get(key))).toBe(apiCalls() - before);
        expect(apiCalls() - before).toBeGreaterThan(afterFirst);
        // …and under one key: none per instance (other connections' keys, e.g. the other tenant's, aside).
        const connectionKeys = (await redis.keys(`${redisPrefix}:hubspot:burst:*`)).filter((k) =>
          k.includes(fromGlobalId(connectionId)!.id),
        );
        expect(connectionKeys).toEqual([key]);
      } finally {
        redis.disconnect();
        await second.close();
      }
    },
  );

  it('an OAuth callback replayed with the same state is refused (STATE_USED), HubSpot not asked again', async () => {
    const started = await fetch(`${server.url}/oauth/hubspot/start`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${adminB}` },
    });
    expect(started.status).toBe(302);
    const approved = await fetch(new URL(started.headers.get('location')!), { redirect: 'manual' });
    const callback = approved.headers.get('location')!;
    const first = await fetch(callback);
    expect(first.status).toBe(200);
    const exchanges = hubspot.requests.filter((r) => r === 'POST /oauth/v1/token').length;
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'STATE_USED',
    );
    expect(hubspot.requests.filter((r) => r === 'POST /oauth/v1/token').length).toBe(exchanges);
  });

  it("a contact synced only by another tenant's connection never becomes the client", async () => {
    // A contact HubSpot modified long ago: this tenant's delta does not read it; tenant C's backfill does.
    const x = hubspot.add('contacts', { firstname: 'X', lastname: marker, email: `x.${marker}@example.com` });
    hubspot.update('contacts', x.id, {}, new Date('2020-01-01T00:00:00Z'));
    const adminC = await server.tokenFor(tenantC, 'ADMIN');
    const connectedC = await server.gql(
      ConnectHubspotPrivateAppDocument,
      { input: { token: hubspot.privateAppToken() } },
      adminC,
    );
    const connectionC = connectedC.data!.connectHubspotPrivateApp.crmConnection!.id;
    const runC = await syncRuns({ server: () => server, connectionId: () => connectionC, token: () => adminC }).sync(
      'BACKFILL',
    );
    expect(runC.status).toBe('SUCCEEDED');
    const inC = await server.gql(ClientsDocument, { first: 5, filter: { search: `x.${marker}` } }, adminC);
    expect(inC.data!.clients.totalCount).toBe(1);

    const d2 = (await deals()).byName('D2');
    const updates = (await dealUpdates(d2.id)).length;
    hubspot.associate(`deals:${ids.D2}`, `contacts:${x.id}`);
    hubspot.update('deals', ids.D2, {});
    const run = await sync('DELTA');
    expect(run).toMatchObject({ status: 'SUCCEEDED', failed: 0 });
    expect(run.logs.nodes.some((l) => l.externalId === x.id)).toBe(false);
    const after = (await deals()).byName('D2');
    expect(after.client.id).toBe(d2.client.id);
    expect(await dealUpdates(d2.id)).toHaveLength(updates);
  });
});
