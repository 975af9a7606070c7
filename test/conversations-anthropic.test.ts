/**
 * The Anthropic path of ingestConversation against a local server that speaks the Messages API
 * (the SDK's baseURL points at it): in every failure the conversation is saved, the extraction
 * ends SUCCEEDED or FAILED with a readable error, and the mutation never fails as a whole.
 */
import {
  CrmCountsDocument,
  ExtractionCompletedDocument,
  IngestConversationDocument,
  type IngestConversationInput,
} from './generated/graphql.js';
import { delay, type FakeAnthropic, startFakeAnthropic, status, text, toolUse } from './helpers/fake-anthropic.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

const MESSAGES = [
  { role: 'user', content: 'Buongiorno, mi chiamo Marco Rossi, sono italiano. Mi serve un KITAS entro marzo.' },
  { role: 'agent', content: 'Certo! Your email?' },
  { role: 'user', content: 'marco.rossi@example.it' },
];

const good = () => ({
  client: {
    fullName: { value: 'Marco Rossi', confidence: 0.95, evidence: 'mi chiamo Marco Rossi' },
    email: { value: 'marco.rossi@example.it', confidence: 0.98, evidence: 'marco.rossi@example.it' },
    phone: null,
    nationality: { value: 'Italian', confidence: 0.9, evidence: 'sono italiano' },
    company: null,
  },
  practice: { value: 'KITAS', confidence: 0.9, details: 'KITAS by March', evidence: 'Mi serve un KITAS entro marzo' },
  sentiment: 'POSITIVE',
  urgency: 'HIGH',
  actionItems: ['Send the KITAS checklist'],
  summary: 'Italian prospect wants a KITAS by March.',
});

describe('Conversations (Anthropic extractor against a local Messages API)', () => {
  let fake: FakeAnthropic;
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    server = await startTestServer({
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      ANTHROPIC_TIMEOUT_MS: '400',
      ANTHROPIC_MAX_RETRIES: '1',
    });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    token = await server.tokenFor(uniq('claude'), 'AGENT');
  });

  async function ingest(extra: Partial<IngestConversationInput> = {}) {
    const res = await server.gql(
      IngestConversationDocument,
      { input: { sessionId: uniq('s'), messages: MESSAGES, ...extra } },
      token,
    );
    expect(res.errors).toBeUndefined(); // never INTERNAL_SERVER_ERROR
    expect(res.data!.ingestConversation.userErrors).toEqual([]);
    expect(res.data!.ingestConversation.conversation!.messages).toHaveLength(MESSAGES.length); // saved
    return res.data!.ingestConversation;
  }

  const counts = async () => {
    const c = (await server.gql(CrmCountsDocument, {}, token)).data!;
    return {
      clients: c.clients.totalCount,
      practices: c.practices.totalCount,
      interactions: c.interactions.totalCount,
    };
  };

  it('files a good tool call and keeps model, latency, tokens and cost', async () => {
    fake.enqueue(toolUse(good(), { input_tokens: 1200, output_tokens: 300 }));
    const { extraction } = await ingest();
    expect(extraction).toMatchObject({
      status: 'SUCCEEDED',
      extractor: 'ANTHROPIC',
      model: 'claude-haiku-4-5',
      decision: 'APPLIED',
      inputTokens: 1200,
      outputTokens: 300,
      costUsd: 0.0027,
      attempts: 1,
      result: {
        clientCreated: true,
        client: { fullName: 'Marco Rossi', email: 'marco.rossi@example.it', nationality: 'Italian' },
        practice: { type: { code: 'KITAS' }, status: 'INQUIRY' },
      },
    });
    expect(extraction!.latencyMs).toBeGreaterThanOrEqual(0);
    const request = fake.requests[0].body as { tool_choice: unknown; tools: { input_schema: unknown }[] };
    expect(request.tool_choice).toEqual({ type: 'tool', name: 'record_extraction' });
    expect(JSON.stringify(request.tools[0].input_schema)).toContain('RETIREMENT_KITAS'); // the tenant's codes
    expect(await counts()).toEqual({ clients: 1, practices: 1, interactions: 1 });
  });

  it('succeeds after a 429 (the SDK retries)', async () => {
    fake.enqueue(status(429), toolUse(good()));
    const { extraction } = await ingest();
    expect(extraction).toMatchObject({ status: 'SUCCEEDED', decision: 'APPLIED' });
    expect(fake.count).toBe(2);
  });

  it.each([
    ['a 500', () => [status(500), status(500)], /HTTP 500/],
    ['a 529 overloaded', () => [status(529), status(529)], /overloaded/i],
    [
      'a response slower than the timeout',
      () => [delay(1500, toolUse(good())), delay(1500, toolUse(good()))],
      /did not answer within 400 ms/,
    ],
    [
      'a tool input that fails validation',
      () => [
        toolUse({ ...good(), client: { ...good().client, email: { value: 'x', confidence: 7, evidence: null } } }),
      ],
      /failed validation: client\.email\.confidence/,
    ],
    ['text instead of a tool call', () => [text('Sure! Marco wants a KITAS.')], /text instead of/],
  ])('saves the conversation and fails the extraction readably on %s', async (_name, behaviours, message) => {
    fake.enqueue(...behaviours());
    const { extraction, conversation } = await ingest();
    expect(extraction).toMatchObject({
      status: 'FAILED',
      decision: null,
      result: null,
      conversation: { id: conversation!.id },
    });
    expect(extraction!.error).toMatch(message);
    expect(await counts()).toEqual({ clients: 0, practices: 0, interactions: 0 });
  });

  it('with wait: false retries a retryable failure in the job engine until it succeeds', async () => {
    const sub = nextResults(
      server.ws({ authorization: `Bearer ${token}` }),
      ExtractionCompletedDocument,
      {},
      1,
      20_000,
    );
    await sub.ready;
    // Attempt 1: 500 and its SDK retry; the job engine retries; attempt 2 succeeds.
    fake.enqueue(status(500), status(500), toolUse(good()));
    const { extraction } = await ingest({ wait: false });
    expect(extraction!.status).toBe('PENDING');
    const [done] = await sub.results;
    expect(done.extractionCompleted).toMatchObject({ id: extraction!.id, status: 'SUCCEEDED', attempts: 2 });
    expect(fake.count).toBe(3);
  }, 30_000);

  it('with wait: false gives up after the last attempt and announces the failure', async () => {
    const sub = nextResults(
      server.ws({ authorization: `Bearer ${token}` }),
      ExtractionCompletedDocument,
      {},
      1,
      20_000,
    );
    await sub.ready;
    fake.setDefault(status(503));
    try {
      const { extraction } = await ingest({ wait: false });
      const [done] = await sub.results;
      expect(done.extractionCompleted).toMatchObject({ id: extraction!.id, status: 'FAILED', attempts: 3 });
      expect(done.extractionCompleted.error).toMatch(/HTTP 503/);
      expect(fake.count).toBe(6); // 3 job attempts × (1 call + 1 SDK retry)
    } finally {
      fake.setDefault(status(400));
    }
  }, 30_000);
});
