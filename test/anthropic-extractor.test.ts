import { expect } from '@jest/globals';

import { AnthropicExtractor, estimateCostUsd } from '../src/ai/anthropic.js';
import { ExtractionError, type ExtractionInput } from '../src/ai/extractor.js';
import {
  apiKeyOf,
  delay,
  type FakeAnthropic,
  startFakeAnthropic,
  status,
  text,
  toolUse,
} from './helpers/fake-anthropic.js';

const MODEL = 'claude-haiku-4-5';

/** The parts of a recorded Messages API request body these tests read. */
interface MessagesRequest {
  model: string;
  max_tokens: number;
  tool_choice: unknown;
  system: string;
  messages: { content: string }[];
  tools: {
    name: string;
    input_schema: {
      required: string[];
      properties: {
        practice: { anyOf: { properties: { value: { enum: string[] } } }[] };
        urgency: { enum: string[] };
      };
    };
  }[];
}

const input: ExtractionInput = {
  messages: [
    {
      role: 'user',
      content: 'Buongiorno, mi chiamo Marco Rossi, sono italiano. Mi serve un KITAS investitore entro marzo.',
    },
    { role: 'agent', content: 'Certo! Can you send me your email?' },
    { role: 'user', content: 'marco.rossi@example.it — grazie mille!' },
  ],
  userEmail: 'marco@chat.example',
  practiceTypes: [
    { code: 'KITAS', name: 'KITAS (limited stay permit)' },
    { code: 'PT_PMA', name: 'PT PMA company formation' },
  ],
};

const goodInput = () => ({
  client: {
    fullName: { value: 'Marco Rossi', confidence: 0.95, evidence: 'mi chiamo Marco Rossi' },
    email: { value: 'marco.rossi@example.it', confidence: 0.98, evidence: 'marco.rossi@example.it' },
    phone: null,
    nationality: { value: 'Italian', confidence: 0.9, evidence: 'sono italiano' },
    company: null,
  },
  practice: {
    value: 'KITAS',
    confidence: 0.9,
    details: 'Investor KITAS, needed by March',
    evidence: 'Mi serve un KITAS investitore entro marzo',
  },
  sentiment: 'POSITIVE',
  urgency: 'HIGH',
  actionItems: ['Send the investor KITAS document checklist'],
  summary: 'Italian prospect wants an investor KITAS by March.',
});

/** The ExtractionError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<ExtractionError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ExtractionError);
    return err as ExtractionError;
  }
  throw new Error('expected an ExtractionError');
}

describe('AnthropicExtractor (against a fake Messages API)', () => {
  let fake: FakeAnthropic;
  const extractor = (opts: { timeoutMs?: number; maxRetries?: number } = {}) =>
    new AnthropicExtractor({ apiKey: 'sk-ant-test', model: MODEL, baseURL: fake.url, ...opts });

  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('maps a good tool call to a result, with model, tokens, cost and latency', async () => {
    fake.enqueue(
      toolUse(goodInput(), { input_tokens: 1200, output_tokens: 300 }, { model: 'claude-haiku-4-5-20251001' }),
    );
    const { result, meta } = await extractor().extract(input);
    expect(result).toEqual({
      client: {
        fullName: { value: 'Marco Rossi', confidence: 0.95, evidence: 'mi chiamo Marco Rossi' },
        email: { value: 'marco.rossi@example.it', confidence: 0.98, evidence: 'marco.rossi@example.it' },
        nationality: { value: 'Italian', confidence: 0.9, evidence: 'sono italiano' },
      },
      practice: {
        value: 'KITAS',
        confidence: 0.9,
        details: 'Investor KITAS, needed by March',
        evidence: 'Mi serve un KITAS investitore entro marzo',
      },
      sentiment: 'POSITIVE',
      urgency: 'HIGH',
      actionItems: ['Send the investor KITAS document checklist'],
      summary: 'Italian prospect wants an investor KITAS by March.',
    });
    expect(result.client).not.toHaveProperty('phone');
    expect(result.client).not.toHaveProperty('company');
    expect(meta).toEqual({
      extractor: 'ANTHROPIC',
      model: 'claude-haiku-4-5-20251001',
      latencyMs: expect.any(Number),
      inputTokens: 1200,
      outputTokens: 300,
      costUsd: expect.closeTo(0.0027, 10),
    });
    expect(meta.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('forces the record_extraction tool, with the tenant practice codes as the enum', async () => {
    fake.enqueue(toolUse(goodInput()));
    await extractor().extract(input);
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0];
    const body = req.body as MessagesRequest;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/messages');
    // SDK 1.12 sends the key as `authorization: Bearer …` (older ones used `x-api-key`).
    expect(apiKeyOf(req)).toBe('sk-ant-test');
    expect(req.headers['anthropic-version']).toEqual(expect.any(String));
    expect(body.model).toBe(MODEL);
    expect(body.max_tokens).toBeGreaterThan(0);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'record_extraction' });
    expect(body.tools).toHaveLength(1);
    const tool = body.tools[0];
    expect(tool.name).toBe('record_extraction');
    expect(tool.input_schema.required).toEqual(
      expect.arrayContaining(['client', 'practice', 'sentiment', 'urgency', 'actionItems', 'summary']),
    );
    const practice = tool.input_schema.properties.practice.anyOf[0];
    expect(practice.properties.value.enum).toEqual(['KITAS', 'PT_PMA']);
    expect(tool.input_schema.properties.urgency.enum).toEqual(['LOW', 'NORMAL', 'HIGH', 'URGENT']);
    expect(body.system).toMatch(/KITAS/);
    const prompt: string = body.messages[0].content;
    expect(body.messages).toHaveLength(1);
    expect(prompt).toContain('PT_PMA: PT PMA company formation');
    expect(prompt).toContain('[user] marco.rossi@example.it');
    expect(prompt).toContain('marco@chat.example');
  });

  it('asks for a null practice when the tenant has no practice types', async () => {
    fake.enqueue(toolUse({ ...goodInput(), practice: null }));
    const { result } = await extractor().extract({ ...input, practiceTypes: [] });
    expect(result).not.toHaveProperty('practice');
    expect((fake.requests[0].body as MessagesRequest).tools[0].input_schema.properties.practice).toMatchObject({
      type: 'null',
    });
  });

  it('retries a 429 (SDK retry) and succeeds', async () => {
    fake.enqueue(status(429, undefined, { 'retry-after-ms': '1' }), toolUse(goodInput()));
    const { result } = await extractor().extract(input);
    expect(result.practice?.value).toBe('KITAS');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].headers['x-stainless-retry-count']).toBe('1');
  });

  it('gives a retryable error for a 500 once the SDK retries are spent', async () => {
    fake.enqueue(status(500), status(500), status(500));
    const err = await failure(extractor({ maxRetries: 2 }).extract(input));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/HTTP 500.*after 3 attempts/);
    expect(err.meta).toMatchObject({ extractor: 'ANTHROPIC', model: MODEL, latencyMs: expect.any(Number) });
    expect(fake.requests).toHaveLength(3);
  });

  it('gives a retryable error for 529 overloaded', async () => {
    fake.enqueue(status(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    const err = await failure(extractor({ maxRetries: 0 }).extract(input));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/overloaded \(HTTP 529.*\): Overloaded/);
  });

  it('gives a retryable error when Claude is slower than the timeout', async () => {
    fake.enqueue(delay(3000, toolUse(goodInput())));
    // The fake answers after 3 s: an extraction, not this error, if the 300 ms timeout were not applied.
    const err = await failure(extractor({ timeoutMs: 300, maxRetries: 0 }).extract(input));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/did not answer within 300 ms/);
    expect(err.meta?.latencyMs).toBeGreaterThanOrEqual(250);
  });

  it('gives a retryable error when the API cannot be reached', async () => {
    const gone = await startFakeAnthropic();
    const url = gone.url;
    await gone.close();
    const err = await failure(
      new AnthropicExtractor({ apiKey: 'k', model: MODEL, baseURL: url, maxRetries: 0 }).extract(input),
    );
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/Could not connect/);
  });

  it('gives a non-retryable error for 401 without retrying', async () => {
    fake.enqueue(status(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
    const err = await failure(extractor().extract(input));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/API key \(HTTP 401.*\): invalid x-api-key/);
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a tool input that fails validation, naming the field (not retryable)', async () => {
    const bad = goodInput();
    bad.client.email.confidence = 1.5;
    fake.enqueue(toolUse(bad, { input_tokens: 900, output_tokens: 200 }));
    const err = await failure(extractor().extract(input));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^Claude's extraction failed validation: client\.email\.confidence: /);
    expect(err.meta).toMatchObject({ model: MODEL, inputTokens: 900, outputTokens: 200 });
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a practice code outside the tenant list', async () => {
    fake.enqueue(toolUse({ ...goodInput(), practice: { ...goodInput().practice, value: 'KITAP' } }));
    const err = await failure(extractor().extract(input));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/failed validation: practice\.value: .*"KITAS"\|"PT_PMA"/);
  });

  it('refuses text instead of a tool call (not retryable)', async () => {
    fake.enqueue(text('Sure! Marco Rossi wants a KITAS.'));
    const err = await failure(extractor().extract(input));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^Claude answered with text instead of the record_extraction tool call/);
    expect(err.meta).toMatchObject({ inputTokens: 1200, outputTokens: 300 });
  });

  it('estimates cost per model family', () => {
    expect(estimateCostUsd('claude-haiku-4-5-20251001', 1_000_000, 0)).toBe(1);
    expect(estimateCostUsd('claude-sonnet-4-5', 1_000_000, 1_000_000)).toBe(18);
    expect(estimateCostUsd('claude-opus-4-1', 0, 1_000_000)).toBe(75);
    expect(estimateCostUsd('claude-3-haiku-20240307', 1000, 1000)).toBeNull();
  });
});
