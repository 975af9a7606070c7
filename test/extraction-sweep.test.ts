/**
 * An extraction left PENDING by a crash is run again: the server is killed (SIGKILL) while a
 * background extraction waits on the Claude API, then started again; its sweep finds the extraction
 * and runs it (here with the heuristic extractor, as the restarted server has no API key).
 * Separate OS processes on the built code and an embedded database on disk, as an operator runs it.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expect } from '@jest/globals';

import { delay, type FakeAnthropic, startFakeAnthropic, toolUse } from './helpers/fake-anthropic.js';
import { freePort, startProcess, stopProcess } from './helpers/process.js';

const run = promisify(execFile);

describe('Extractions left PENDING by a crash', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-sweep-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DEMO_SEED: 'false',
    JWT_SECRET: 'sweep-test-secret-sweep-test-secret-0123',
    RATE_LIMITS: 'false',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  let anthropic: FakeAnthropic;
  let server: ChildProcess | undefined;
  let port: number;

  async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  beforeAll(async () => {
    // Claude answers only after ten minutes: the extraction is in flight when the server dies.
    anthropic = await startFakeAnthropic({ default: delay(600_000, toolUse({})) });
  });
  afterAll(async () => {
    if (server) await stopProcess(server);
    await anthropic?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs it again after a restart', async () => {
    port = await freePort();
    server = await startProcess(
      { ...env, ANTHROPIC_API_KEY: 'sk-fake', ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_TIMEOUT_MS: '600000' },
      port,
    );
    const { stdout } = await run(process.execPath, ['dist/src/cli/token.js', '--email', 'ops@sweep.test'], {
      env,
      timeout: 120_000,
    });
    const token = stdout.trim();
    interface Ingested {
      ingestConversation: {
        conversation: { id: string };
        extraction: { id: string; status: string };
        userErrors: { code: string }[];
      };
    }
    const ingested = await gql<Ingested>(
      token,
      `mutation ($input: IngestConversationInput!) {
        ingestConversation(input: $input) { conversation { id } extraction { id status } userErrors { code } }
      }`,
      {
        input: {
          sessionId: 'sweep-1',
          wait: false,
          messages: [{ role: 'user', content: 'Hi, my name is Maria Rossi, I need a KITAS. maria.rossi@example.com' }],
        },
      },
    );
    const { conversation, extraction, userErrors } = ingested.ingestConversation;
    expect(userErrors).toEqual([]);
    expect(extraction.status).toBe('PENDING');
    for (let i = 0; i < 200 && anthropic.count === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(anthropic.count).toBe(1); // the extraction is waiting on Claude

    server.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    server = undefined;

    server = await startProcess({ ...env, EXTRACTION_STALE_SECONDS: '1' }, port);
    type Extraction = { id: string; status: string; clientName: string | null };
    const status = async () =>
      (
        await gql<{ conversation: { extraction: Extraction } }>(
          token,
          `query ($id: ID!) { conversation(id: $id) { extraction { id status clientName } } }`,
          {
            id: conversation.id,
          },
        )
      ).conversation.extraction;
    let after = await status();
    for (let i = 0; i < 150 && after.status === 'PENDING'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await status();
    }
    expect(after).toEqual({ id: extraction.id, status: 'SUCCEEDED', clientName: 'Maria Rossi' });
    expect(anthropic.count).toBe(1); // the restarted server has no API key: the heuristic ran it
  }, 300_000);
});
