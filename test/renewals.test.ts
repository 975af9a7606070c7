/**
 * Renewal alerts through the real GraphQL endpoint and WebSocket, on the embedded default and
 * (with DATABASE_URL/REDIS_URL) on PostgreSQL and Redis. The app clock is moved to make days pass.
 */
import { expect } from '@jest/globals';

import {
  AcknowledgeRenewalAlertDocument,
  ClientUpcomingRenewalsDocument,
  CreateClientDocument,
  CreatePracticeDocument,
  DismissRenewalAlertDocument,
  PracticeRenewalAlertsDocument,
  RenewalAlertRaisedDocument,
  RenewalAlertsDocument,
  RenewalSettingsDocument,
  RenewPracticeDocument,
  RunRenewalScanDocument,
  SnoozeRenewalAlertDocument,
  TimelineDocument,
  TransitionPracticeDocument,
  UpcomingRenewalsDocument,
  UpdateRenewalSettingsDocument,
  ViewerDocument,
} from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

/** `YYYY-MM-DD` plus days. */
function plus(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Noon in Asia/Makassar (UTC+8, the default tenant time zone) of a local date. */
const makassarNoon = (date: string) => `${date}T04:00:00Z`;

describe('Renewal alerts', () => {
  let server: TestServer;
  const TODAY = '2027-03-01';

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  beforeEach(() => server.app.services.clock.set(makassarNoon(TODAY)));

  /** A fresh tenant with an admin, an agent and helpers bound to it. */
  async function tenant(prefix: string) {
    const slug = uniq(prefix);
    const admin = await server.tokenFor(slug, 'ADMIN');
    const agent = await server.tokenFor(slug, 'AGENT');
    const agentId = (await server.gql(ViewerDocument, {}, agent)).data!.viewer!.id;
    const client = async (fullName: string) => {
      const r = await server.gql(CreateClientDocument, { input: { fullName } }, admin);
      expect(r.data?.createClient.userErrors).toEqual([]);
      return r.data!.createClient.client!.id;
    };
    const practice = async (
      clientId: string,
      expiryDate: string | null,
      practiceTypeCode = 'KITAS',
      assignedToId?: string,
    ) => {
      const r = await server.gql(
        CreatePracticeDocument,
        { input: { clientId, practiceTypeCode, expiryDate, assignedToId } },
        admin,
      );
      expect(r.data?.createPractice.userErrors).toEqual([]);
      return r.data!.createPractice.practice!.id;
    };
    const scan = async (token = admin) => {
      const r = await server.gql(RunRenewalScanDocument, {}, token);
      expect(r.errors).toBeUndefined();
      return r.data!.runRenewalScan;
    };
    const alertsOf = async (practiceId: string) => {
      const r = await server.gql(PracticeRenewalAlertsDocument, { id: practiceId }, admin);
      return r.data!.practice!.renewalAlerts;
    };
    return { slug, admin, agent, agentId, client, practice, scan, alertsOf };
  }

  describe('settings', () => {
    it('defaults to 90/60/30/7 days at 07:00 Asia/Makassar; only an ADMIN changes them, with validation', async () => {
      const t = await tenant('settings');
      const read = await server.gql(RenewalSettingsDocument, {}, t.agent);
      expect(read.data!.renewalSettings).toEqual({
        alertOffsetsDays: [90, 60, 30, 7],
        scanTime: '07:00',
        timeZone: 'Asia/Makassar',
      });
      const forbidden = await server.gql(UpdateRenewalSettingsDocument, { input: { scanTime: '09:00' } }, t.agent);
      expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const bad = await server.gql(
        UpdateRenewalSettingsDocument,
        { input: { alertOffsetsDays: [30, 30], scanTime: '25:00', timeZone: 'Mars/Olympus' } },
        t.admin,
      );
      expect(bad.data!.updateRenewalSettings.userErrors.map((e) => [e.field, e.code])).toEqual([
        [['input', 'alertOffsetsDays'], 'DUPLICATE'],
        [['input', 'scanTime'], 'INVALID_TIME'],
        [['input', 'timeZone'], 'INVALID_TIME_ZONE'],
      ]);
      const range = await server.gql(UpdateRenewalSettingsDocument, { input: { alertOffsetsDays: [0] } }, t.admin);
      expect(range.data!.updateRenewalSettings.userErrors[0].code).toBe('OUT_OF_RANGE');
      const empty = await server.gql(UpdateRenewalSettingsDocument, { input: { alertOffsetsDays: [] } }, t.admin);
      expect(empty.data!.updateRenewalSettings.userErrors[0].code).toBe('INVALID_LENGTH');
      expect((await server.gql(RenewalSettingsDocument, {}, t.admin)).data!.renewalSettings.scanTime).toBe('07:00');

      const ok = await server.gql(
        UpdateRenewalSettingsDocument,
        { input: { alertOffsetsDays: [14, 45], scanTime: '06:30', timeZone: 'Europe/Rome' } },
        t.admin,
      );
      expect(ok.data!.updateRenewalSettings).toEqual({
        settings: { alertOffsetsDays: [45, 14], scanTime: '06:30', timeZone: 'Europe/Rome' },
        userErrors: [],
      });
      const events = await server.gql(
        TimelineDocument,
        { first: 5, filter: { types: ['RENEWAL_SETTINGS_UPDATED'] } },
        t.admin,
      );
      expect(events.data!.timeline.edges).toHaveLength(1);
      expect(events.data!.timeline.edges[0].node.data).toMatchObject({
        before: { scanTime: '07:00' },
        after: { scanTime: '06:30', alertOffsetsDays: [45, 14] },
      });
    });

    it('raises alerts at the tenant offsets', async () => {
      const t = await tenant('offsets');
      await server.gql(UpdateRenewalSettingsDocument, { input: { alertOffsetsDays: [14, 45] } }, t.admin);
      const c = await t.client('Offset Client');
      const in40 = await t.practice(c, plus(TODAY, 40));
      const in10 = await t.practice(c, plus(TODAY, 10));
      expect((await t.scan()).raised).toBe(2);
      expect((await t.alertsOf(in40)).map((a) => a.daysBefore)).toEqual([45]);
      expect((await t.alertsOf(in10)).map((a) => a.daysBefore)).toEqual([14]);
    });
  });

  describe('the scan', () => {
    it('gives a KITAS expiring in 20 days exactly one alert, the 30-day one; the 7-day one follows on its day', async () => {
      const t = await tenant('kitas20');
      const c = await t.client('Kitas Twenty');
      const expiry = plus(TODAY, 20);
      const kitas = await t.practice(c, expiry, 'KITAS', t.agentId);

      expect(await t.scan()).toEqual({ raised: 1, reopened: 0, asOf: TODAY });
      const [alert] = await t.alertsOf(kitas);
      expect(await t.alertsOf(kitas)).toHaveLength(1);
      expect(alert).toMatchObject({
        daysBefore: 30,
        expiryDate: expiry,
        dueDate: plus(expiry, -30),
        status: 'PENDING',
        client: { id: c },
        practice: { id: kitas },
        assignedTo: { id: t.agentId },
      });
      expect((await t.scan()).raised).toBe(0); // a rerun raises nothing

      server.app.services.clock.set(makassarNoon(plus(expiry, -8)));
      expect((await t.scan()).raised).toBe(0); // 8 days before: still only the 30-day alert
      server.app.services.clock.set(makassarNoon(plus(expiry, -7)));
      expect(await t.scan()).toEqual({ raised: 1, reopened: 0, asOf: plus(expiry, -7) });
      expect((await t.alertsOf(kitas)).map((a) => [a.daysBefore, a.dueDate])).toEqual([
        [30, plus(expiry, -30)],
        [7, plus(expiry, -7)],
      ]);
      server.app.services.clock.set(makassarNoon(plus(expiry, -1)));
      expect((await t.scan()).raised).toBe(0);

      const timeline = await server.gql(
        TimelineDocument,
        { first: 10, filter: { clientId: c, types: ['RENEWAL_ALERT_RAISED'] } },
        t.admin,
      );
      const events = timeline.data!.timeline.edges.map((e) => e.node);
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ actorLabel: expect.any(String), subject: { __typename: 'RenewalAlert' } });
      expect(events[0].summary).toContain('7-day renewal alert');
      expect(events[1].data).toMatchObject({ after: { daysBefore: 30, practiceType: 'KITAS', expiryDate: expiry } });
    });

    it('raises nothing for far, expired, cancelled, non-renewable or undated practices, and counts days in the tenant time zone', async () => {
      const t = await tenant('skip');
      const c = await t.client('Skip Client');
      const far = await t.practice(c, plus(TODAY, 91));
      const expired = await t.practice(c, plus(TODAY, -1));
      const cancelled = await t.practice(c, plus(TODAY, 5));
      await server.gql(TransitionPracticeDocument, { input: { id: cancelled, status: 'CANCELLED' } }, t.admin);
      const npwp = await t.practice(c, plus(TODAY, 5), 'NPWP');
      const undated = await t.practice(c, null);
      const onTheDay = await t.practice(c, TODAY);
      expect((await t.scan()).raised).toBe(1);
      for (const p of [far, expired, cancelled, npwp, undated]) expect(await t.alertsOf(p)).toEqual([]);
      expect((await t.alertsOf(onTheDay)).map((a) => a.daysBefore)).toEqual([7]);

      // 2027-03-01 23:30 in UTC is already 2 March in Makassar: the 91-day practice is 90 days away there.
      server.app.services.clock.set(`${TODAY}T23:30:00Z`);
      expect(await t.scan()).toMatchObject({ raised: 1, asOf: plus(TODAY, 1) });
      expect((await t.alertsOf(far)).map((a) => a.daysBefore)).toEqual([90]);
    });

    it('raises each alert once when scans run concurrently', async () => {
      const t = await tenant('concurrent');
      const c = await t.client('Many Practices');
      const days = [1, 3, 8, 15, 29, 31, 45, 59, 61, 75, 89, 90, 95, 120];
      for (const d of days) await t.practice(c, plus(TODAY, d));
      const expected = days.filter((d) => d <= 90).length;
      const results = await Promise.all([t.scan(), t.scan(), t.scan(), t.scan()]);
      expect(results.reduce((n, r) => n + r.raised, 0)).toBe(expected);
      const all = await server.gql(RenewalAlertsDocument, { first: 100 }, t.admin);
      expect(all.data!.renewalAlerts.totalCount).toBe(expected);
      const keys = all.data!.renewalAlerts.nodes.map((a) => `${a.practice!.id}:${a.daysBefore}`);
      expect(new Set(keys).size).toBe(expected);
      const events = await server.gql(
        TimelineDocument,
        { first: 100, filter: { types: ['RENEWAL_ALERT_RAISED'] } },
        t.admin,
      );
      expect(events.data!.timeline.totalCount).toBe(expected);
      expect((await t.scan()).raised).toBe(0);
    });

    it('is for ADMINs, and never touches another tenant', async () => {
      const a = await tenant('scan-a');
      const b = await tenant('scan-b');
      const c = await a.client('Tenant A Client');
      const p = await a.practice(c, plus(TODAY, 10));
      const forbidden = await server.gql(RunRenewalScanDocument, {}, a.agent);
      expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await b.scan()).raised).toBe(0);
      expect(await a.alertsOf(p)).toEqual([]);
      expect((await a.scan()).raised).toBe(1);
      const [alert] = await a.alertsOf(p);
      const seenByB = await server.gql(RenewalAlertsDocument, { first: 10 }, b.admin);
      expect(seenByB.data!.renewalAlerts.totalCount).toBe(0);
      const ack = await server.gql(AcknowledgeRenewalAlertDocument, { input: { id: alert.id } }, b.admin);
      expect(ack.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const renew = await server.gql(RenewPracticeDocument, { input: { id: p } }, b.admin);
      expect(renew.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const upcoming = await server.gql(UpcomingRenewalsDocument, { first: 10 }, b.admin);
      expect(upcoming.data!.upcomingRenewals.totalCount).toBe(0);
    });
  });

  describe('live', () => {
    it('delivers each raised alert, filters assignedToMe and withinDays, and never crosses tenants', async () => {
      const a = await tenant('live-a');
      const b = await tenant('live-b');
      const c = await a.client('Live Renewal');
      const mine = await a.practice(c, plus(TODAY, 5), 'KITAS', a.agentId);
      const others = await a.practice(c, plus(TODAY, 50), 'KITAP');
      const ws = (token: string) => server.ws({ authorization: `Bearer ${token}` });
      const all = nextResults(ws(a.admin), RenewalAlertRaisedDocument, {}, 2);
      const assigned = nextResults(ws(a.agent), RenewalAlertRaisedDocument, { assignedToMe: true }, 2, 2500);
      const soon = nextResults(ws(a.admin), RenewalAlertRaisedDocument, { withinDays: 10 }, 2, 2500);
      const otherTenant = nextResults(ws(b.admin), RenewalAlertRaisedDocument, {}, 1, 2500);
      await Promise.all([all.ready, assigned.ready, soon.ready, otherTenant.ready]);
      expect((await a.scan()).raised).toBe(2);

      const got = (await all.results).map((r) => r.renewalAlertRaised);
      expect(got.map((x) => x.practice!.id).sort()).toEqual([mine, others].sort());
      expect(got.every((x) => x.status === 'NOTIFIED')).toBe(true);
      await expect(assigned.results).rejects.toThrow(/got 1/);
      await expect(soon.results).rejects.toThrow(/got 1/);
      await expect(otherTenant.results).rejects.toThrow(/got 0/);
      const stored = await server.gql(RenewalAlertsDocument, { first: 10, filter: { status: 'NOTIFIED' } }, a.admin);
      expect(stored.data!.renewalAlerts.totalCount).toBe(2);
    });

    it('delivers only the assignee its alerts with assignedToMe', async () => {
      const a = await tenant('live-me');
      const c = await a.client('Assigned Renewal');
      const mine = await a.practice(c, plus(TODAY, 5), 'KITAS', a.agentId);
      await a.practice(c, plus(TODAY, 6), 'KITAS');
      const assigned = nextResults(
        server.ws({ authorization: `Bearer ${a.agent}` }),
        RenewalAlertRaisedDocument,
        { assignedToMe: true },
        1,
      );
      await assigned.ready;
      await a.scan();
      const [only] = await assigned.results;
      expect(only.renewalAlertRaised).toMatchObject({ practice: { id: mine }, assignedTo: { id: a.agentId } });
    });
  });

  describe('workflow', () => {
    it('acknowledges, snoozes, reopens and dismisses along the allowed transitions', async () => {
      const t = await tenant('flow');
      const c = await t.client('Flow Client');
      const expiry = plus(TODAY, 25);
      const p = await t.practice(c, expiry);
      await t.scan();
      const [alert] = await t.alertsOf(p);
      const id = alert.id;

      const ack = await server.gql(AcknowledgeRenewalAlertDocument, { input: { id } }, t.agent);
      expect(ack.data!.acknowledgeRenewalAlert).toMatchObject({
        renewalAlert: { status: 'ACKNOWLEDGED' },
        userErrors: [],
      });
      const again = await server.gql(AcknowledgeRenewalAlertDocument, { input: { id } }, t.agent);
      expect(again.data!.acknowledgeRenewalAlert.renewalAlert).toBeNull();
      expect(again.data!.acknowledgeRenewalAlert.userErrors[0]).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      expect(again.data!.acknowledgeRenewalAlert.userErrors[0].message).toMatch(/allowed: snooze, dismiss/);

      const past = await server.gql(SnoozeRenewalAlertDocument, { input: { id, until: TODAY } }, t.agent);
      expect(past.data!.snoozeRenewalAlert.userErrors[0]).toMatchObject({
        field: ['input', 'until'],
        code: 'NOT_IN_FUTURE',
      });
      const late = await server.gql(SnoozeRenewalAlertDocument, { input: { id, until: plus(expiry, 1) } }, t.agent);
      expect(late.data!.snoozeRenewalAlert.userErrors[0].code).toBe('AFTER_EXPIRY');
      const impossible = await server.gql(SnoozeRenewalAlertDocument, { input: { id, until: '2027-02-30' } }, t.agent);
      expect(impossible.data!.snoozeRenewalAlert.userErrors[0].code).toBe('INVALID_DATE');
      const viewer = await server.tokenFor(t.slug, 'VIEWER');
      const denied = await server.gql(SnoozeRenewalAlertDocument, { input: { id, until: plus(TODAY, 3) } }, viewer);
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      const snoozed = await server.gql(SnoozeRenewalAlertDocument, { input: { id, until: plus(TODAY, 3) } }, t.agent);
      expect(snoozed.data!.snoozeRenewalAlert.renewalAlert).toMatchObject({
        status: 'SNOOZED',
        snoozedUntil: plus(TODAY, 3),
      });
      server.app.services.clock.set(makassarNoon(plus(TODAY, 2)));
      expect((await t.scan()).reopened).toBe(0);
      server.app.services.clock.set(makassarNoon(plus(TODAY, 3)));
      expect(await t.scan()).toMatchObject({ raised: 0, reopened: 1 });
      expect((await t.alertsOf(p))[0]).toMatchObject({ status: 'PENDING', snoozedUntil: null });

      const dismissed = await server.gql(DismissRenewalAlertDocument, { input: { id } }, t.agent);
      expect(dismissed.data!.dismissRenewalAlert.renewalAlert).toMatchObject({ status: 'DISMISSED' });
      expect(dismissed.data!.dismissRenewalAlert.renewalAlert!.closedAt).toBeTruthy();
      const final = await server.gql(DismissRenewalAlertDocument, { input: { id } }, t.agent);
      expect(final.data!.dismissRenewalAlert.userErrors[0].message).toMatch(/none \(final state\)/);

      const types = await server.gql(TimelineDocument, { first: 20, filter: { clientId: c } }, t.admin);
      expect(types.data!.timeline.edges.map((e) => e.node.type).filter((x) => x.startsWith('RENEWAL_'))).toEqual([
        'RENEWAL_ALERT_DISMISSED',
        'RENEWAL_ALERT_REOPENED',
        'RENEWAL_ALERT_SNOOZED',
        'RENEWAL_ALERT_ACKNOWLEDGED',
        'RENEWAL_ALERT_RAISED',
      ]);
    });

    it('renews a practice: a linked follow-up, open alerts resolved, no more alerts for the old one', async () => {
      const t = await tenant('renew');
      const c = await t.client('Renew Client');
      const expiry = plus(TODAY, 6);
      const old = await t.practice(c, expiry, 'KITAS', t.agentId);
      await t.scan();
      expect((await t.alertsOf(old)).map((a) => a.status)).toEqual(['PENDING']);

      const renewed = await server.gql(
        RenewPracticeDocument,
        { input: { id: old, expiryDate: plus(expiry, 365) } },
        t.agent,
      );
      const payload = renewed.data!.renewPractice;
      expect(payload.userErrors).toEqual([]);
      expect(payload.practice).toMatchObject({
        status: 'INQUIRY',
        expiryDate: plus(expiry, 365),
        renewalOf: { id: old },
        client: { id: c },
        type: { code: 'KITAS' },
        assignedTo: { id: t.agentId },
      });
      expect(payload.renewed).toMatchObject({ id: old, renewedAt: expect.any(String) });
      expect((await t.alertsOf(old)).map((a) => [a.status, Boolean(a.closedAt)])).toEqual([['RESOLVED', true]]);

      const twice = await server.gql(RenewPracticeDocument, { input: { id: old } }, t.agent);
      expect(twice.data!.renewPractice.userErrors[0]).toMatchObject({
        field: ['input', 'id'],
        code: 'ALREADY_RENEWED',
      });
      const npwp = await t.practice(c, plus(TODAY, 3), 'NPWP');
      const notRenewable = await server.gql(RenewPracticeDocument, { input: { id: npwp } }, t.agent);
      expect(notRenewable.data!.renewPractice.userErrors[0].code).toBe('NOT_RENEWABLE');

      server.app.services.clock.set(makassarNoon(plus(expiry, -1)));
      expect((await t.scan()).raised).toBe(0);
      const upcoming = await server.gql(UpcomingRenewalsDocument, { withinDays: 30, first: 10 }, t.admin);
      expect(upcoming.data!.upcomingRenewals.nodes.map((n) => n.id)).not.toContain(old);

      const types = await server.gql(TimelineDocument, { first: 10, filter: { clientId: c } }, t.admin);
      expect(types.data!.timeline.edges.map((e) => e.node.type).slice(1, 4)).toEqual([
        'RENEWAL_ALERT_RESOLVED',
        'PRACTICE_RENEWED',
        'PRACTICE_CREATED',
      ]);
    });
  });

  describe('upcoming renewals', () => {
    it('lists renewable live practices in the window, soonest first, filtered by assignee and type', async () => {
      const t = await tenant('upcoming');
      const c1 = await t.client('Upcoming One');
      const c2 = await t.client('Upcoming Two');
      const p40 = await t.practice(c1, plus(TODAY, 40), 'KITAP');
      const p5 = await t.practice(c2, plus(TODAY, 5), 'KITAS', t.agentId);
      const p20 = await t.practice(c1, plus(TODAY, 20), 'KITAS', t.agentId);
      await t.practice(c1, plus(TODAY, 61), 'KITAS');
      await t.practice(c1, plus(TODAY, 10), 'PT_PMA');
      await t.practice(c1, plus(TODAY, -3), 'KITAS');

      const list = async (vars: Record<string, unknown>) => {
        const r = await server.gql(UpcomingRenewalsDocument, { first: 50, ...vars }, t.admin);
        expect(r.errors).toBeUndefined();
        return r.data!.upcomingRenewals.nodes.map((n) => n.id);
      };
      expect(await list({})).toEqual([p5, p20, p40]);
      expect(await list({ withinDays: 20 })).toEqual([p5, p20]);
      expect(await list({ assignedTo: [t.agentId] })).toEqual([p5, p20]);
      expect(await list({ practiceTypeCodes: ['kitap'] })).toEqual([p40]);
      const bad = await server.gql(UpcomingRenewalsDocument, { withinDays: -1 }, t.admin);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

      const perClient = await server.gql(ClientUpcomingRenewalsDocument, { id: c1, withinDays: 30 }, t.admin);
      expect(perClient.data!.client!.upcomingRenewals.map((p) => p.id)).toEqual([p20]);
    });

    it('filters alerts by status, assignee and due date', async () => {
      const t = await tenant('alert-filter');
      const c = await t.client('Alert Filter');
      await t.practice(c, plus(TODAY, 5), 'KITAS', t.agentId);
      await t.practice(c, plus(TODAY, 80), 'KITAS');
      await t.scan();
      const list = async (filter: Record<string, unknown>) => {
        const r = await server.gql(RenewalAlertsDocument, { first: 10, filter }, t.admin);
        expect(r.errors).toBeUndefined();
        return r.data!.renewalAlerts.nodes.map((a) => a.daysBefore);
      };
      expect(await list({})).toEqual([90, 7]); // due TODAY-10, then TODAY-2
      expect(await list({ assignedToId: t.agentId })).toEqual([7]);
      expect(await list({ dueBefore: plus(TODAY, -5) })).toEqual([90]);
      expect(await list({ statuses: ['DISMISSED'] })).toEqual([]);
      const bad = await server.gql(RenewalAlertsDocument, { first: 5, filter: { dueBefore: '2027-02-30' } }, t.admin);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
});
