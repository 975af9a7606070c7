import { print } from 'graphql';

import {
  ConnectHubspotPrivateAppDocument,
  CrmConnectionsDocument,
  HubspotClientsDocument,
  LogInteractionDocument,
  SyncProgressDocument,
  type SyncProgressSubscription,
  SyncRunByIdDocument,
  SyncRunsPageDocument,
} from './generated/graphql.js';
import { type FakeHubspot, hubspotEnv, signWebhook, startFakeHubspot } from './helpers/hubspot-server.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';
import { FINISHED, syncRuns } from './helpers/sync.js';

describe('HubSpot: OAuth, backfill, delta, rate limits, webhooks (local HubSpot server)', () => {
  let server: TestServer;
  let hubspot: FakeHubspot;
  const tenantA = uniq('hs-a');
  const tenantB = uniq('hs-b');
  let adminA: string;
  let managerA: string;
  let viewerA: string;
  let adminB: string;
  let connectionId: string;
  const marker = uniq('hsx')
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase();

  beforeAll(async () => {
    hubspot = await startFakeHubspot();
    server = await startTestServer({
      ...hubspotEnv(hubspot),
      HUBSPOT_RETRY_BASE_MS: '5',
    });
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    managerA = await server.tokenFor(tenantA, 'MANAGER');
    viewerA = await server.tokenFor(tenantA, 'VIEWER');
    adminB = await server.tokenFor(tenantB, 'ADMIN');
    // HubSpot's data: two companies, 25 contacts (three list pages), a deal.
    const acme = hubspot.add('companies', { name: `Acme ${marker}`, country: 'Italy' });
    hubspot.add('companies', { name: `Globex ${marker}` });
    for (let i = 0; i < 25; i++)
      hubspot.add(
        'contacts',
        { firstname: `C${i}`, lastname: marker, email: `c${i}.${marker}@example.com` },
        i < 3 ? [`companies:${acme.id}`] : [],
      );
    hubspot.add('deals', { dealname: `Deal ${marker}`, amount: '1000', dealstage: 'appointmentscheduled' });
  });
  afterAll(async () => {
    await server.close();
    await hubspot.close();
  });

  const { runToEnd, start, sync } = syncRuns({
    server: () => server,
    connectionId: () => connectionId,
    token: () => managerA,
  });
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const connectionOf = async (token: string) =>
    (await server.gql(CrmConnectionsDocument, {}, token)).data!.crmConnections.nodes.find(
      (c) => c.provider === 'HUBSPOT',
    );

  describe('OAuth', () => {
    it('refuses to start without ADMIN', async () => {
      const none = await fetch(`${server.url}/oauth/hubspot/start`, { redirect: 'manual' });
      expect(none.status).toBe(401);
      const manager = await fetch(`${server.url}/oauth/hubspot/start`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${managerA}` },
      });
      expect(manager.status).toBe(403);
    });

    it('connects end to end: start → HubSpot authorize → callback → CONNECTED with encrypted tokens', async () => {
      const started = await fetch(`${server.url}/oauth/hubspot/start`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${adminA}` },
      });
      expect(started.status).toBe(302);
      const authorize = new URL(started.headers.get('location')!);
      expect(authorize.origin).toBe(hubspot.url);
      expect(authorize.searchParams.get('client_id')).toBe(hubspot.clientId);
      expect(authorize.searchParams.get('state')).toBeTruthy();
      const approved = await fetch(authorize, { redirect: 'manual' });
      const callback = approved.headers.get('location')!;
      expect(callback.startsWith(`${server.url}/oauth/hubspot/callback`)).toBe(true);
      // A forged state is refused.
      const forged = new URL(callback);
      forged.searchParams.set('state', `${forged.searchParams.get('state')!.slice(0, -2)}xx`);
      expect((await fetch(forged)).status).toBe(400);
      const res = await fetch(callback);
      const json = (await res.json()) as { crmConnection: { id: string; status: string; accountId: string } };
      expect(res.status).toBe(200);
      expect(json.crmConnection.status).toBe('CONNECTED');
      expect(json.crmConnection.accountId).toBe(String(hubspot.portalId));
      connectionId = json.crmConnection.id;
      const listed = await connectionOf(adminA);
      expect(listed?.id).toBe(connectionId);
      expect(listed?.scopes).toContain('crm.objects.contacts.read');
      expect(JSON.stringify(listed)).not.toMatch(/at-|rt-/);
      // Tenant B sees nothing of it.
      expect(await connectionOf(adminB)).toBeUndefined();
    });
  });

  describe('backfill and delta', () => {
    it('VIEWER cannot start a sync', async () => {
      const res = await start('BACKFILL', viewerA);
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });

    it('backfills companies and contacts over several pages, with their associations', async () => {
      const run = await sync('BACKFILL');
      expect(run.status).toBe('SUCCEEDED');
      expect(run.created).toBe(27);
      expect(run.processed).toBe(28);
      expect(hubspot.requests.filter((r) => r === 'GET /crm/v3/objects/contacts').length).toBe(3);
      const clients = (await server.gql(HubspotClientsDocument, { search: marker }, adminA)).data!.clients;
      expect(clients.totalCount).toBe(27);
      const organizationOf = async (email: string) =>
        (await server.gql(HubspotClientsDocument, { search: email }, adminA)).data!.clients.nodes[0].organization;
      for (const i of [0, 1, 2])
        expect(await organizationOf(`c${i}.${marker}@example.com`)).toMatchObject({ fullName: `Acme ${marker}` });
      expect(await organizationOf(`c3.${marker}@example.com`)).toBeNull();
    });

    it('a re-run creates no duplicates', async () => {
      const run = await sync('BACKFILL');
      expect(run).toMatchObject({ status: 'SUCCEEDED', created: 0, updated: 0 });
      expect((await server.gql(HubspotClientsDocument, { search: marker }, adminA)).data!.clients.totalCount).toBe(27);
    });

    it('delta picks up only the records modified since the last delta', async () => {
      const first = await sync('DELTA');
      expect(first).toMatchObject({ status: 'SUCCEEDED', created: 0, updated: 0 });
      const c5 = [...hubspot.objects.contacts.values()].find((c) => c.properties.firstname === 'C5')!;
      hubspot.update('contacts', c5.id, { firstname: 'Renamed' }, hubspot.tick(60_000));
      hubspot.add('contacts', { firstname: 'New', lastname: marker, email: `new.${marker}@example.com` });
      const second = await sync('DELTA');
      expect(second).toMatchObject({ status: 'SUCCEEDED', processed: 2, created: 1, updated: 1 });
      const find = async (name: string) =>
        (await server.gql(HubspotClientsDocument, { search: name }, adminA)).data!.clients.nodes.map((c) => c.fullName);
      expect(await find(`Renamed ${marker}`)).toEqual([`Renamed ${marker}`]);
      expect(await find(`New ${marker}`)).toEqual([`New ${marker}`]);
    });

    it('recovers from 429 (Retry-After) and 5xx', async () => {
      const before = await metric('meridian_sync_provider_rate_limited_total', 'provider="HUBSPOT"');
      hubspot.failNext(1, 429, { retryAfter: 0, pathPrefix: '/crm/v3/objects/companies' });
      hubspot.failNext(2, 503, { pathPrefix: '/crm/v3/objects/contacts' });
      const run = await sync('BACKFILL');
      expect(run).toMatchObject({ status: 'SUCCEEDED', created: 0 });
      expect(await metric('meridian_sync_provider_rate_limited_total', 'provider="HUBSPOT"')).toBe(before + 1);
      expect(await metric('meridian_sync_provider_api_calls_total', 'status="503"')).toBeGreaterThanOrEqual(2);
    });

    it('keeps publishing syncProgress while HubSpot makes the run wait (Retry-After), not only per page', async () => {
      // The first page waits 3 s for HubSpot's Retry-After: subscribers still see the run during it.
      hubspot.failNext(1, 429, { retryAfter: 3, pathPrefix: '/crm/v3/objects/companies' });
      const res = await start('BACKFILL');
      const runId = res.data!.startSync.syncRun!.id;
      const client = server.ws({ authorization: `Bearer ${managerA}` });
      const seen: { status: string; processed: number }[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe<SyncProgressSubscription>(
          { query: print(SyncProgressDocument), variables: { runId } },
          {
            next: (v) => {
              if (!v.data) return reject(new Error(JSON.stringify(v.errors)));
              seen.push(v.data.syncProgress);
              if (FINISHED.includes(v.data.syncProgress.status)) resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        );
      });
      expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED' });
      // Before the first page committed: the state at subscription, then the run again while it waited.
      expect(seen.filter((s) => s.status === 'RUNNING' && s.processed === 0).length).toBeGreaterThanOrEqual(3);
    });

    it('refreshes an expired access token', async () => {
      const refreshes = hubspot.requests.filter((r) => r === 'POST /oauth/v1/token').length;
      hubspot.expireAccessTokens();
      const run = await sync('DELTA');
      expect(run.status).toBe('SUCCEEDED');
      expect(hubspot.requests.filter((r) => r === 'POST /oauth/v1/token').length).toBe(refreshes + 1);
    });
  });

  describe('push', () => {
    it('pushes calls and notes of linked clients as engagements on the contact, once', async () => {
      const client = (await server.gql(HubspotClientsDocument, { search: `c4.${marker}@example.com` }, adminA)).data!
        .clients.nodes[0];
      for (const [kind, summary] of [
        ['CALL', 'Called about the renewal'],
        ['NOTE', 'Prefers email'],
        ['EMAIL', 'Not pushed: an email'],
      ] as const) {
        const res = await server.gql(LogInteractionDocument, { input: { clientId: client.id, kind, summary } }, adminA);
        expect(res.errors).toBeUndefined();
      }
      const contact = [...hubspot.objects.contacts.values()].find((c) => c.properties.firstname === 'C4')!;
      const first = await sync('PUSH');
      expect(first).toMatchObject({ status: 'SUCCEEDED', created: 2, skipped: 0 });
      const call = [...hubspot.objects.calls.values()][0];
      expect(call.properties.hs_call_body).toBe('Called about the renewal');
      expect(call.associations).toEqual(new Set([`contacts:${contact.id}`]));
      expect([...hubspot.objects.notes.values()].map((n) => n.properties.hs_note_body)).toEqual(['Prefers email']);
      const again = await sync('PUSH');
      expect(again).toMatchObject({ status: 'SUCCEEDED', created: 0, updated: 0, skipped: 2 });
      expect(hubspot.objects.calls.size + hubspot.objects.notes.size).toBe(2);
    });
  });

  describe('webhooks', () => {
    const uri = () => `${server.url}/webhooks/hubspot`;
    const send = (body: string, headers: Record<string, string>) =>
      fetch(uri(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const event = (eventId: number) =>
      JSON.stringify([
        {
          eventId,
          subscriptionId: 1,
          portalId: hubspot.portalId,
          appId: 1,
          occurredAt: Date.now(),
          subscriptionType: 'contact.propertyChange',
          attemptNumber: 0,
          objectId: 1001,
          propertyName: 'firstname',
          propertyValue: 'X',
          changeSource: 'CRM',
        },
      ]);
    const deltaRuns = async () =>
      (await server.gql(SyncRunsPageDocument, { filter: { modes: ['DELTA'] }, first: 100 }, adminA)).data!.syncRuns
        .totalCount;

    it('refuses a bad signature and an old timestamp with 401, storing nothing', async () => {
      const runs = await deltaRuns();
      const rejected = await metric('meridian_sync_webhook_events_total', 'outcome="rejected"');
      const body = event(1);
      const bad = signWebhook('not-the-secret', { method: 'POST', uri: uri(), body });
      expect((await send(body, bad)).status).toBe(401);
      const old = signWebhook(hubspot.clientSecret, {
        method: 'POST',
        uri: uri(),
        body,
        timestamp: Date.now() - 6 * 60_000,
      });
      expect((await send(body, old)).status).toBe(401);
      expect((await send(body, {})).status).toBe(401);
      expect(await metric('meridian_sync_webhook_events_total', 'outcome="rejected"')).toBe(rejected + 3);
      expect(await deltaRuns()).toBe(runs);
    });

    it('stores a valid event, queues a delta once, and applies a replay once', async () => {
      const deltas = async () =>
        (await server.gql(SyncRunsPageDocument, { filter: { modes: ['DELTA'] }, first: 100 }, adminA)).data!.syncRuns
          .nodes;
      const before = new Set((await deltas()).map((r) => r.id));
      const runs = before.size;
      const body = event(987654);
      const res = await send(body, signWebhook(hubspot.clientSecret, { method: 'POST', uri: uri(), body }));
      expect(res.status).toBe(204);
      // The delta the event queued runs in the background: wait for that run (by id, not by the count,
      // which a run committed between the page and its count can satisfy early) to finish.
      let queued;
      for (;;) {
        queued = (await deltas()).find((r) => !before.has(r.id));
        if (queued && FINISHED.includes(queued.status)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const replay = await send(body, signWebhook(hubspot.clientSecret, { method: 'POST', uri: uri(), body }));
      expect(replay.status).toBe(204);
      expect(await metric('meridian_sync_webhook_events_total', 'outcome="duplicate"')).toBe(1);
      // Let a wrongly queued job show up before counting.
      await runToEnd(queued.id);
      expect(await deltaRuns()).toBe(runs + 1);
    });
  });

  describe('tenancy and private apps', () => {
    it('another tenant sees neither the connection nor its runs', async () => {
      const runs = (await server.gql(SyncRunsPageDocument, { first: 5 }, adminA)).data!.syncRuns.nodes;
      const other = await server.gql(SyncRunByIdDocument, { id: runs[0].id, first: 1 }, adminB);
      expect(other.data?.syncRun ?? null).toBeNull();
      const foreign = await start('DELTA', adminB);
      expect(foreign.errors?.[0]?.extensions?.code ?? foreign.data?.startSync.userErrors[0]?.code).toBe('NOT_FOUND');
      expect((await server.gql(SyncRunsPageDocument, { first: 5 }, adminB)).data!.syncRuns.totalCount).toBe(0);
    });

    it('connects with a private-app token (ADMIN only; a refused token is a userError)', async () => {
      const viewer = await server.gql(ConnectHubspotPrivateAppDocument, { input: { token: 'x' } }, viewerA);
      expect(viewer.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const refused = await server.gql(ConnectHubspotPrivateAppDocument, { input: { token: 'pat-wrong' } }, adminB);
      expect(refused.data!.connectHubspotPrivateApp.userErrors[0]).toMatchObject({
        field: ['input', 'token'],
        code: 'REFUSED',
      });
      const ok = await server.gql(
        ConnectHubspotPrivateAppDocument,
        { input: { token: hubspot.privateAppToken() } },
        adminB,
      );
      expect(ok.data!.connectHubspotPrivateApp.crmConnection).toMatchObject({
        provider: 'HUBSPOT',
        status: 'CONNECTED',
      });
      expect(ok.data!.connectHubspotPrivateApp.crmConnection!.id).not.toBe(connectionId);
    });

    it('a refused refresh sets NEEDS_REAUTH with the error in its health', async () => {
      hubspot.expireAccessTokens();
      hubspot.revokeRefreshTokens();
      const run = await sync('DELTA');
      expect(run.status).toBe('FAILED');
      const c = await connectionOf(adminA);
      expect(c?.status).toBe('NEEDS_REAUTH');
      expect(c?.health.lastError).toMatch(/refused/i);
      const again = await start('DELTA');
      expect(again.data?.startSync.userErrors[0]?.code).toBe('NOT_CONNECTED');
    });
  });
});
