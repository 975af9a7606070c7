/**
 * The dashboard page (/dashboard) in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (never a downloaded browser). The page shows the numbers the API answers, then
 * changes when data changes through the API, by its subscriptions (no polling), without console
 * errors; also served from another origin (a separate static server), where it asks for a token.
 * Skips, saying so, where `chromium` is not installed (`apt-get install chromium`; .ci/run does).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { type Browser, chromium, type Page } from 'playwright-core';

import { dashboardBuildDir } from '../src/platform/http/dashboard.js';
import { closeServer, listen } from '../src/platform/http/server.js';
import { seedDemo } from '../src/seed/demo.js';
import {
  ClientsDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  DashboardKpisDocument,
  DashboardTestTeamDocument,
  PipelineFunnelDocument,
  PracticeTypesDocument,
  RenewalAlertsDocument,
  RunRenewalScanDocument,
  SyncRunByIdDocument,
  UpcomingRenewalsDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Where the screenshots and measured figures go (git-ignored). */
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/** The Chromium Debian installs (`which chromium`), or undefined. */
function findChromium(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.warn('test/dashboard.test.ts SKIPPED: no `chromium` on PATH (install it: apt-get install -y chromium)');
}
const describeWithChromium = CHROMIUM ? describe : describe.skip;

/** Generous: the machine running the suite may be loaded. The page's own budget (2 s) is measured, not asserted. */
const WAIT_MS = 20_000;

/** What a page did: console errors, GraphQL requests over HTTP, WebSocket frames received. */
interface Watched {
  errors: string[];
  requests: { url: string; at: number }[];
  frames: string[];
}

function watch(page: Page): Watched {
  const w: Watched = { errors: [], requests: [], frames: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(String(e)));
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/graphql')
      w.requests.push({ url: r.url(), at: Date.now() });
  });
  page.on('websocket', (ws) => ws.on('framereceived', (f) => w.frames.push(String(f.payload))));
  return w;
}

const text = (page: Page, testId: string) => page.getByTestId(testId).first().innerText();

/** Waits until the page shows exactly `expected` in the element `testId`; returns how long it took (ms). */
async function waitForText(page: Page, testId: string, expected: string): Promise<number> {
  const start = Date.now();
  const exactly = new RegExp(`^\\s*${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  await page.getByTestId(testId).filter({ hasText: exactly }).first().waitFor({ timeout: WAIT_MS });
  return Date.now() - start;
}

/** Waits until the element `testId` carries `data-value="value"`; returns how long it took (ms). */
async function waitForValue(page: Page, testId: string, value: string | number): Promise<number> {
  const start = Date.now();
  await page.waitForSelector(`[data-testid="${testId}"][data-value="${value}"]`, { timeout: WAIT_MS });
  return Date.now() - start;
}

/** `data-value` of the element `testId`. */
const valueOf = (page: Page, testId: string) => page.getByTestId(testId).first().getAttribute('data-value');

/** A money list as the page writes it in `data-value`. */
const moneyValue = (list: { amount: string; currency: string }[]) =>
  list.map((m) => `${m.amount} ${m.currency}`).join(', ');

async function waitReady(page: Page) {
  await page.waitForSelector('[data-testid="dashboard"][data-ready="true"]', { timeout: WAIT_MS });
  await page.waitForSelector('[data-testid="live-indicator"][data-live="true"]', { timeout: WAIT_MS });
  await page.waitForSelector('[data-loading="true"]', { state: 'detached', timeout: WAIT_MS });
}

/** An ISO date `days` from today (UTC). */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describeWithChromium('dashboard page in Chromium', () => {
  let server: TestServer;
  let token: string;
  let browser: Browser;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    // The demo admin's token, as main.ts gives it in development (known once the demo is seeded).
    const demo: { token?: string } = {};
    server = await startTestServer({}, { app: { dashboardToken: () => Promise.resolve(demo.token) } });
    ({ token } = await seedDemo(server.app.db.orm.em, server.app.services, server.app.logger));
    demo.token = token;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (Object.keys(measured).length)
      writeFileSync(join(ARTIFACTS, 'dashboard-timings.json'), JSON.stringify(measured, null, 2));
  });

  /** The API's own answers for what the renewals panel shows. */
  async function renewalNumbers() {
    const due = await server.gql(UpcomingRenewalsDocument, { withinDays: 30, first: 1 }, token);
    const open = await server.gql(
      RenewalAlertsDocument,
      { filter: { statuses: ['PENDING', 'NOTIFIED'] }, first: 1 },
      token,
    );
    return { due: due.data!.upcomingRenewals.totalCount, open: open.data!.renewalAlerts.totalCount };
  }

  /** The API's own answers for the analytics panels, over the window the page shows. */
  async function analytics(from: string | undefined, pipelineId: string) {
    const kpis = (await server.gql(DashboardKpisDocument, { from }, token)).data!.dashboardKpis;
    const funnel = (await server.gql(PipelineFunnelDocument, { pipelineId, from }, token)).data!.pipelineFunnel;
    const team = (await server.gql(DashboardTestTeamDocument, {}, token)).data!.teamOverview;
    return { kpis, funnel, team };
  }

  it('serves the page with a strict CSP, the token only to loopback, and its assets', async () => {
    const res = await fetch(`${server.url}/dashboard`, { headers: { origin: 'http://localhost:5173' } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // The page holds a token: never readable by another origin, never cached.
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain(JSON.stringify({ token }));
    // Nothing from the internet: every script and stylesheet is a path on this server (the icon is empty).
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u !== 'data:,');
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toMatch(/^\/dashboard\/assets\//);
    const asset = await fetch(`${server.url}${urls[0]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('shows the API numbers, then the renewals panel changes through subscriptions, not polling', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const w = watch(page);
    await page.goto(`${server.url}/dashboard`);
    await waitReady(page);

    const main = page.getByTestId('dashboard');
    const from = (await main.getAttribute('data-from')) || undefined;
    const pipelineId = (await main.getAttribute('data-pipeline'))!;
    const seeded = await analytics(from, pipelineId);
    // The header's KPIs are the API's (and the seed's: there is something to show).
    expect(seeded.kpis.clients).toBeGreaterThan(0);
    expect(seeded.funnel.deals).toBeGreaterThan(0);
    expect(await valueOf(page, 'kpi-clients')).toBe(String(seeded.kpis.clients));
    expect(await valueOf(page, 'kpi-active-practices')).toBe(String(seeded.kpis.activePractices));
    expect(await valueOf(page, 'kpi-open-deals')).toBe(String(seeded.kpis.openDeals));
    expect(await valueOf(page, 'kpi-won')).toBe(String(seeded.kpis.dealsWon));
    expect(await valueOf(page, 'kpi-renewals-due')).toBe(String(seeded.kpis.renewalsDue));
    expect(await valueOf(page, 'kpi-pipeline-value')).toBe(moneyValue(seeded.kpis.pipelineValue));
    // The funnel, stage by stage, and each member's open deals.
    for (const s of seeded.funnel.stages)
      expect(await valueOf(page, `funnel-entered-${s.stage.id}`)).toBe(String(s.entered));
    for (const r of seeded.team)
      expect(await valueOf(page, `team-deals-${r.teamMember?.id ?? 'none'}`)).toBe(String(r.openDeals));
    // The charts were drawn with those numbers.
    for (const chart of ['funnel-chart', 'reps-chart', 'team-chart'])
      expect(Number(await page.getByTestId(chart).getAttribute('data-points'))).toBeGreaterThan(0);

    const before = await renewalNumbers();
    expect(await text(page, 'renewals-due-count')).toBe(String(before.due));
    expect(await text(page, 'renewal-alerts-count')).toBe(String(before.open));
    // The live timeline shows the seeded events.
    expect(await page.getByTestId('timeline-events').locator('li[data-type]').count()).toBeGreaterThan(0);

    // Quiet data, quiet page: no request while nothing changes (so no polling).
    const settled = w.requests.length;
    await page.waitForTimeout(2500);
    expect(w.requests.length).toBe(settled);

    // A deal, created through the API, enters the funnel's first stage.
    const client = (await server.gql(ClientsDocument, { first: 1 }, token)).data!.clients.edges[0].node;
    const deal = await server.gql(
      CreateDealDocument,
      { input: { clientId: client.id, title: 'Dashboard test deal' } },
      token,
    );
    expect(deal.data?.createDeal.userErrors).toEqual([]);
    const dealt = await analytics(from, pipelineId);
    const first = seeded.funnel.stages[0];
    const firstAfter = dealt.funnel.stages.find((s) => s.stage.id === first.stage.id)!;
    expect(firstAfter.entered).toBe(first.entered + 1);
    expect(dealt.kpis.openDeals).toBe(seeded.kpis.openDeals + 1);
    measured.funnelMs = await waitForValue(page, `funnel-entered-${first.stage.id}`, firstAfter.entered);
    measured.kpiMs = await waitForValue(page, 'kpi-open-deals', dealt.kpis.openDeals);
    expect(w.frames.some((f) => f.includes('DEAL_CREATED'))).toBe(true);
    const afterDeal = w.requests.length;
    expect(afterDeal).toBeGreaterThan(settled);

    // A practice that expires in 20 days, created through the API.
    const type = (await server.gql(PracticeTypesDocument, {}, token)).data!.practiceTypes.find((t) => t.renewable)!;
    const created = await server.gql(
      CreatePracticeDocument,
      { input: { clientId: client.id, practiceTypeCode: type.code, expiryDate: inDays(20) } },
      token,
    );
    expect(created.data?.createPractice.userErrors).toEqual([]);
    const practiceId = created.data!.createPractice.practice!.id;
    const after = await renewalNumbers();
    expect(after.due).toBe(before.due + 1);
    measured.renewalsDueMs = await waitForText(page, 'renewals-due-count', String(after.due));
    await page.waitForSelector(`[data-testid="renewals-due"] li[data-id="${practiceId}"]`, { timeout: WAIT_MS });
    // It came over the WebSocket (the PRACTICE_CREATED event), and only then did the page re-read.
    expect(w.frames.some((f) => f.includes('PRACTICE_CREATED'))).toBe(true);
    expect(w.requests.length).toBeGreaterThan(afterDeal);
    await waitForValue(page, 'kpi-renewals-due', (await analytics(from, pipelineId)).kpis.renewalsDue);

    // The scan raises the alert: renewalAlertRaised puts it in the panel at once.
    const scan = await server.gql(RunRenewalScanDocument, {}, token);
    expect(scan.data!.runRenewalScan.raised).toBeGreaterThan(0);
    const alerts = await server.gql(RenewalAlertsDocument, { filter: { practiceId }, first: 5 }, token);
    const alertId = alerts.data!.renewalAlerts.nodes[0].id;
    const start = Date.now();
    await page.waitForSelector(`[data-testid="renewal-alert"][data-id="${alertId}"]`, { timeout: WAIT_MS });
    measured.renewalAlertMs = Date.now() - start;
    expect(w.frames.some((f) => f.includes('renewalAlertRaised') && f.includes(alertId))).toBe(true);
    const scanned = await renewalNumbers();
    await waitForText(page, 'renewal-alerts-count', String(scanned.open));
    expect(scanned.open).toBeGreaterThan(before.open);

    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(w.errors).toEqual([]);
    await page.close();
  });

  it('shows a CSV import in the sync panel: its progress bar and final state, from syncProgress', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const w = watch(page);
    await page.goto(`${server.url}/dashboard`);
    await waitReady(page);
    await page.getByTestId('panel-sync').waitFor({ timeout: WAIT_MS });
    // Every width the page gives a run's bar, in order (to see it only ever grows).
    // (Browser code, as text: this file is type-checked without the DOM's types.)
    await page.evaluate(`
      window.barValues = {};
      new MutationObserver(() => {
        for (const run of document.querySelectorAll('[data-testid="sync-run"]')) {
          const bar = run.querySelector('[data-testid="sync-progress"]');
          const list = (window.barValues[run.getAttribute('data-id')] ??= []);
          const value = Number(bar?.getAttribute('aria-valuenow') ?? -1);
          if (list[list.length - 1] !== value) list.push(value);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    `);

    const rows = 60;
    const csv = [
      'fullName,email',
      ...Array.from({ length: rows }, (_, i) => `Panel Import ${i},panel.import.${i}@example.com`),
    ].join('\n');
    const start = Date.now();
    const res = await fetch(`${server.url}/imports?fileName=panel.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
      body: csv,
    });
    expect([200, 202]).toContain(res.status);
    const { syncRun } = (await res.json()) as { syncRun: { id: string } };
    const row = `[data-testid="sync-run"][data-id="${syncRun.id}"]`;
    await page.waitForSelector(row, { timeout: WAIT_MS });
    // The run finishes at the server's pace (slow on a loaded machine); the page must follow it.
    const readRun = async () =>
      (await server.gql(SyncRunByIdDocument, { id: syncRun.id, first: 1 }, token)).data!.syncRun!;
    let run = await readRun();
    for (const deadline = Date.now() + 120_000; run.status !== 'SUCCEEDED' && Date.now() < deadline;)
      run = await new Promise<typeof run>((resolve) => setTimeout(() => resolve(readRun()), 100));
    const finished = Date.now();
    await page.waitForSelector(`${row}[data-status="SUCCEEDED"]`, { timeout: WAIT_MS });
    measured.syncFinalMs = Date.now() - start;
    measured.syncFinalAfterApiMs = Date.now() - finished;

    // The panel shows the run as the API has it: final state, every row processed, a full bar.
    expect(run).toMatchObject({ status: 'SUCCEEDED', processed: rows, created: rows, failed: 0 });
    const bar = page.locator(`${row} [data-testid="sync-progress"]`);
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await bar.getAttribute('data-processed')).toBe(String(rows));
    expect(await page.locator(row).innerText()).toContain('panel.csv');
    const values = await page.evaluate<number[]>(`window.barValues[${JSON.stringify(syncRun.id)}]`);
    expect(values[values.length - 1]).toBe(100);
    values.slice(1).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(values[i]));
    // It came over the WebSocket, as syncProgress events of that run.
    expect(w.frames.some((f) => f.includes('syncProgress') && f.includes(syncRun.id) && f.includes('SUCCEEDED'))).toBe(
      true,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sync.png'), fullPage: true });
    expect(w.errors).toEqual([]);
    await page.close();
  });

  describe('from another origin', () => {
    let statik: Server;
    let staticUrl: string;

    beforeAll(async () => {
      // As a front end in development would be: the built page on its own server and port.
      const app = express();
      app.use('/dashboard', express.static(dashboardBuildDir()));
      statik = (await import('node:http')).createServer(app);
      const port = await listen(statik, 0, '127.0.0.1');
      staticUrl = `http://localhost:${port}`;
    });

    afterAll(async () => {
      if (statik) await closeServer(statik);
    });

    it('asks for a token, keeps it in session storage only, and shows the numbers over CORS', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const w = watch(page);
      await page.goto(`${staticUrl}/dashboard/?api=${encodeURIComponent(server.url)}`);
      const form = page.getByTestId('token-form');
      await form.waitFor({ timeout: WAIT_MS });

      await form.locator('input[name="token"]').fill('not-a-token');
      await form.locator('button[type="submit"]').click();
      await form.getByRole('alert').waitFor({ timeout: WAIT_MS });

      await form.locator('input[name="token"]').fill(token);
      await form.locator('button[type="submit"]').click();
      await waitReady(page);
      const numbers = await renewalNumbers();
      expect(await text(page, 'renewals-due-count')).toBe(String(numbers.due));
      // Every GraphQL request went to the API's origin, not the page's.
      expect(w.requests.length).toBeGreaterThan(0);
      for (const r of w.requests) expect(new URL(r.url).origin).toBe(new URL(server.url).origin);
      const storage = await page.evaluate(() => ({
        session: Object.values(sessionStorage),
        local: Object.values(localStorage),
      }));
      expect(storage.session).toContain(token);
      expect(storage.local).not.toContain(token);

      // A new tab (a new session) asks again.
      const other = await context.newPage();
      await other.goto(`${staticUrl}/dashboard/?api=${encodeURIComponent(server.url)}`);
      await other.getByTestId('token-form').waitFor({ timeout: WAIT_MS });
      // The refused token's 401 is the only console error, and it is the page's own answer.
      expect(w.errors.filter((e) => !/401/.test(e))).toEqual([]);
      await context.close();
    });
  });

  describe('in production (DASHBOARD_ENABLED=true)', () => {
    let prod: TestServer;

    beforeAll(async () => {
      prod = await startTestServer(
        { NODE_ENV: 'production', DASHBOARD_ENABLED: 'true' },
        { app: { dashboardToken: () => Promise.resolve(token) } },
      );
    });

    afterAll(async () => {
      await prod?.close();
    });

    it('never puts a token in the page: it asks, even on loopback', async () => {
      const html = await (await fetch(`${prod.url}/dashboard`)).text();
      expect(html).toContain('id="meridian-config"');
      expect(html).not.toContain(token);
      const page = await browser.newPage();
      const w = watch(page);
      await page.goto(`${prod.url}/dashboard`);
      const form = page.getByTestId('token-form');
      await form.waitFor({ timeout: WAIT_MS });
      const prodToken = await prod.tokenFor('dash-prod');
      await form.locator('input[name="token"]').fill(prodToken);
      await form.locator('button[type="submit"]').click();
      await waitReady(page);
      expect(await valueOf(page, 'kpi-clients')).toBe('0');
      expect(w.errors).toEqual([]);
      await page.close();
    });
  });
});
