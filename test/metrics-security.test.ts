/**
 * Issue 12: `/metrics` stays bounded whatever operation names clients send, and is not public in
 * production (METRICS_TOKEN on the main port, or the loopback-only METRICS_PORT listener).
 */
import { expect } from '@jest/globals';

import { freePort } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The distinct `operation` label values of the operation-duration histogram. */
function operationLabels(metrics: string): string[] {
  const labels = new Set<string>();
  for (const m of metrics.matchAll(/^meridian_graphql_operation_duration_seconds_count\{operation="([^"]*)"/gm))
    labels.add(m[1]);
  return [...labels];
}

describe('/metrics with many operation names', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('keeps at most 200 operation names, long or odd names under "other", and stays small', async () => {
    const long = (i: number) => `Op${i}_${'x'.repeat(100_000)}`;
    for (let i = 0; i < 300; i++) {
      // Every tenth a 100 kB name; the others distinct plain names.
      const name = i % 10 === 0 ? long(i) : `Op${i}`;
      const res = await server.post({ query: `query ${name} { __typename }` });
      expect(res.status).toBe(200);
    }
    // A name given only in operationName (no such operation in the document).
    await server.post({ query: 'query Known { __typename }', operationName: 'y'.repeat(100_000) });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const labels = operationLabels(text);
    expect(labels.filter((l) => l !== 'other' && l !== 'anonymous')).toHaveLength(200);
    expect(labels).toContain('other');
    expect(Math.max(...labels.map((l) => l.length))).toBeLessThanOrEqual(64);
    expect(labels).toContain('Op1');
    expect(labels).not.toContain('Op299');
    expect(text.length).toBeLessThan(1_000_000);
  });

  it('exports the event-loop lag', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^meridian_nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^meridian_nodejs_eventloop_lag_p99_seconds \d/m);
  });
});

describe('/metrics in production', () => {
  it('is not served on the main port without METRICS_TOKEN', async () => {
    const server = await startTestServer({ NODE_ENV: 'production' });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('answers 401 without the METRICS_TOKEN bearer token, the metrics with it, and serves the loopback METRICS_PORT without a token', async () => {
    const token = 'metrics-token-0123456789';
    const metricsPort = await freePort();
    const server = await startTestServer({
      NODE_ENV: 'production',
      METRICS_TOKEN: token,
      METRICS_PORT: String(metricsPort),
    });
    try {
      const none = await fetch(`${server.url}/metrics`);
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({
        errors: [{ message: 'Send the metrics token as a bearer token', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('meridian_http_request_duration_seconds');
      const local = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(local.status).toBe(200);
      expect(await local.text()).toContain('meridian_http_request_duration_seconds');
    } finally {
      await server.close();
    }
    // Closed with the app.
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });
});
