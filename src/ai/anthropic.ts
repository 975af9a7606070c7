/**
 * The Claude extractor: one Messages API call with a forced `record_extraction` tool call whose JSON
 * schema is the extraction (the tenant's practice type codes as an enum), validated with zod and
 * mapped to an {@link ExtractionResult}. Transport failures become {@link ExtractionError}s that say
 * whether trying again later may help (rate limits, overload, 5xx, timeouts) — after the SDK's own
 * retries (`maxRetries`, exponential backoff honouring `retry-after`) are spent.
 */
import Anthropic, {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { z } from 'zod';

import {
  type Extracted,
  ExtractionError,
  type ExtractionInput,
  type ExtractionMeta,
  type ExtractionResult,
  type Extractor,
} from './extractor.js';

export const EXTRACTION_TOOL_NAME = 'record_extraction';

export interface AnthropicExtractorOptions {
  apiKey: string;
  /** e.g. `claude-haiku-4-5`. */
  model: string;
  /** Default https://api.anthropic.com (tests point it at a local server). */
  baseURL?: string;
  /** Per attempt (the SDK arms it around each HTTP request, retries included). Default 20 s. */
  timeoutMs?: number;
  /** Retries by the SDK on 408/409/429/5xx and connection errors/timeouts. Default 2. */
  maxRetries?: number;
  /** Upper bound of the answer; the extraction is a few hundred tokens. Default 2048. */
  maxTokens?: number;
}

/** USD per million tokens, by model family (list prices; cache and batch discounts ignored). */
const PRICES: { pattern: RegExp; input: number; output: number }[] = [
  { pattern: /haiku-4[-.]5/, input: 1, output: 5 },
  { pattern: /sonnet-4/, input: 3, output: 15 },
  { pattern: /opus-4-[5-9]/, input: 5, output: 25 },
  { pattern: /opus-4/, input: 15, output: 75 },
];

/** Estimated cost of a call in USD from {@link PRICES}; null for a model not in the table. */
export function estimateCostUsd(model: string, inputTokens: number, outputTokens: number): number | null {
  const price = PRICES.find((p) => p.pattern.test(model));
  if (!price) return null;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

const SYSTEM_PROMPT = `You extract CRM facts from customer conversations for a service business in Indonesia that helps foreigners with immigration and business set-up: visas and stay permits (visit visas, KITAS, KITAP), company formation (PT PMA), and related legal and administrative services. Conversations come from chat, email and messaging apps and may be in English, Italian or Indonesian, sometimes mixed.

Record your findings by calling the ${EXTRACTION_TOOL_NAME} tool exactly once.

Rules:
- Extract facts about the client (the "user" side of the conversation), never about our own staff ("agent"/"assistant").
- Never invent or guess. A fact not stated in the conversation is null.
- "evidence" is a verbatim quote copied exactly from the conversation (same language, spelling and punctuation): the shortest span that supports the value. Do not translate or paraphrase it.
- "confidence" is between 0 and 1: about 0.9 or more when stated explicitly, 0.5–0.8 when clearly implied; below that, prefer null.
- phone: the value in E.164 (+62…) when it can be normalised, otherwise as written.
- nationality: in English (e.g. "Italian"), only when stated or unambiguous.
- practice: the one service the client wants, as one of the tenant's practice type codes listed in the request; "details" gives the specifics in English (visa type, duration, dates, number of people…) or null. Null when no service is requested or none of the codes fits.
- sentiment: the client's attitude towards us. urgency: URGENT when a deadline is days away or a permit has expired or is about to; HIGH when weeks away; LOW when the client is only exploring; otherwise NORMAL.
- actionItems: concrete next steps for our team, short, in English (empty when there are none).
- summary: one line in English.`;

/** The JSON schema of `{ value, confidence, evidence }` or null, for the tool. */
function extractedSchema(description: string, value: Record<string, unknown> = { type: 'string' }) {
  return {
    anyOf: [
      {
        type: 'object',
        description,
        properties: {
          value,
          confidence: { type: 'number', minimum: 0, maximum: 1 },
          evidence: { type: ['string', 'null'], description: 'Verbatim quote from the conversation.' },
        },
        required: ['value', 'confidence', 'evidence'],
      },
      { type: 'null' },
    ],
  };
}

/** The `record_extraction` tool: its input schema is the extraction, the practice codes an enum. */
export function extractionTool(practiceCodes: string[]): Anthropic.Tool {
  const practice =
    practiceCodes.length === 0
      ? { type: 'null', description: 'The tenant has no practice types: always null.' }
      : {
          anyOf: [
            {
              type: 'object',
              description: 'The service the client wants.',
              properties: {
                value: { type: 'string', enum: practiceCodes, description: "One of the tenant's practice type codes." },
                confidence: { type: 'number', minimum: 0, maximum: 1 },
                details: { type: ['string', 'null'], description: 'Specifics of the request, in English.' },
                evidence: { type: ['string', 'null'], description: 'Verbatim quote from the conversation.' },
              },
              required: ['value', 'confidence', 'details', 'evidence'],
            },
            { type: 'null' },
          ],
        };
  return {
    name: EXTRACTION_TOOL_NAME,
    description: 'Records the CRM facts extracted from the conversation. Null for anything not stated.',
    input_schema: {
      type: 'object',
      properties: {
        client: {
          type: 'object',
          properties: {
            fullName: extractedSchema("The client's full name as they give it."),
            email: extractedSchema("The client's email address."),
            phone: extractedSchema("The client's phone number, E.164 (+62…) when it can be normalised."),
            nationality: extractedSchema("The client's nationality, in English."),
            company: extractedSchema("The client's company or employer."),
          },
          required: ['fullName', 'email', 'phone', 'nationality', 'company'],
        },
        practice,
        sentiment: { type: 'string', enum: ['POSITIVE', 'NEUTRAL', 'NEGATIVE'] },
        urgency: { type: 'string', enum: ['LOW', 'NORMAL', 'HIGH', 'URGENT'] },
        actionItems: { type: 'array', items: { type: 'string' }, description: 'Next steps for our team.' },
        summary: { type: 'string', description: 'One line.' },
      },
      required: ['client', 'practice', 'sentiment', 'urgency', 'actionItems', 'summary'],
    },
  };
}

const confidence = z.number().min(0).max(1);
const evidence = z.string().nullish();
const extracted = z.object({ value: z.string().trim().min(1), confidence, evidence }).nullish();

/** The validator of the tool input (absent optional fields count as null). */
function extractionSchema(practiceCodes: string[]) {
  const practice =
    practiceCodes.length === 0
      ? z.null().optional()
      : z
          .object({
            value: z.enum(practiceCodes as [string, ...string[]]),
            confidence,
            details: z.string().nullish(),
            evidence,
          })
          .nullish();
  return z.object({
    client: z
      .object({
        fullName: extracted,
        email: extracted,
        phone: extracted,
        nationality: extracted,
        company: extracted,
      })
      .nullish(),
    practice,
    sentiment: z.enum(['POSITIVE', 'NEUTRAL', 'NEGATIVE']),
    urgency: z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']),
    actionItems: z.array(z.string()),
    summary: z.string(),
  });
}

function toExtracted(e: z.infer<typeof extracted>): Extracted | undefined {
  return e ? { value: e.value, confidence: e.confidence, evidence: e.evidence ?? null } : undefined;
}

/** The user turn: the tenant's practice types, what the channel knows, and the transcript. */
function userPrompt(input: ExtractionInput): string {
  const practices = input.practiceTypes.length
    ? input.practiceTypes.map((p) => `- ${p.code}: ${p.name}`).join('\n')
    : '(none: practice must be null)';
  const transcript = input.messages.map((m) => `[${m.role}] ${m.content}`).join('\n\n');
  return [
    `Practice types of this business (code: name):\n${practices}`,
    input.userEmail
      ? `The channel knows the client's email as ${input.userEmail} (not part of the conversation: use it only if the conversation does not contradict it, with evidence null).`
      : null,
    `<conversation>\n${transcript}\n</conversation>`,
  ]
    .filter((s) => s !== null)
    .join('\n\n');
}

export class AnthropicExtractor implements Extractor {
  readonly kind = 'ANTHROPIC' as const;
  private readonly client: Anthropic;
  private readonly model: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxTokens: number;

  constructor({
    apiKey,
    model,
    baseURL,
    timeoutMs = 20_000,
    maxRetries = 2,
    maxTokens = 2048,
  }: AnthropicExtractorOptions) {
    this.model = model;
    this.timeoutMs = timeoutMs;
    this.maxRetries = maxRetries;
    this.maxTokens = maxTokens;
    // The key is passed explicitly, so the SDK reads no ANTHROPIC_* credential from the environment.
    this.client = new Anthropic({ apiKey, baseURL, timeout: timeoutMs, maxRetries });
  }

  async extract(input: ExtractionInput): Promise<{ result: ExtractionResult; meta: ExtractionMeta }> {
    const codes = [...new Set(input.practiceTypes.map((p) => p.code))];
    const started = performance.now();
    let response: Anthropic.Message;
    try {
      response = await this.client.messages.create({
        model: this.model,
        max_tokens: this.maxTokens,
        system: SYSTEM_PROMPT,
        messages: [{ role: 'user', content: userPrompt(input) }],
        tools: [extractionTool(codes)],
        tool_choice: { type: 'tool', name: EXTRACTION_TOOL_NAME },
      });
    } catch (err) {
      throw this.transportError(err, Math.round(performance.now() - started));
    }
    const meta: ExtractionMeta = {
      extractor: 'ANTHROPIC',
      model: response.model ?? this.model,
      latencyMs: Math.round(performance.now() - started),
      inputTokens: response.usage?.input_tokens ?? null,
      outputTokens: response.usage?.output_tokens ?? null,
      costUsd: null,
    };
    if (meta.inputTokens !== null && meta.outputTokens !== null)
      meta.costUsd = estimateCostUsd(meta.model ?? this.model, meta.inputTokens, meta.outputTokens);

    const call = response.content.find(
      (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === EXTRACTION_TOOL_NAME,
    );
    if (!call) {
      const why =
        response.stop_reason === 'refusal'
          ? 'Claude refused to extract from this conversation'
          : response.stop_reason === 'max_tokens'
            ? `Claude's answer was cut off at max_tokens (${this.maxTokens}) before the ${EXTRACTION_TOOL_NAME} tool call`
            : `Claude answered with text instead of the ${EXTRACTION_TOOL_NAME} tool call`;
      const text = response.content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text')
        .map((b) => b.text)
        .join(' ')
        .trim();
      throw new ExtractionError(text ? `${why}: "${truncate(text, 200)}"` : why, false, meta);
    }

    const parsed = extractionSchema(codes).safeParse(call.input);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`)
        .join('; ');
      const cutOff = response.stop_reason === 'max_tokens' ? ' (the answer was cut off at max_tokens)' : '';
      throw new ExtractionError(`Claude's extraction failed validation${cutOff}: ${issues}`, false, meta);
    }
    const x = parsed.data;

    const client: ExtractionResult['client'] = {};
    for (const key of ['fullName', 'email', 'phone', 'nationality', 'company'] as const) {
      const e = toExtracted(x.client?.[key]);
      if (e) client[key] = e;
    }
    const result: ExtractionResult = {
      client,
      sentiment: x.sentiment,
      urgency: x.urgency,
      actionItems: x.actionItems.map((a) => a.trim()).filter((a) => a.length > 0),
      summary: x.summary.trim(),
    };
    if (x.practice) {
      result.practice = {
        value: x.practice.value,
        confidence: x.practice.confidence,
        evidence: x.practice.evidence ?? null,
        details: x.practice.details ?? null,
      };
    }
    return { result, meta };
  }

  /** An SDK error (thrown once its retries are spent) as an {@link ExtractionError}. */
  private transportError(err: unknown, latencyMs: number): ExtractionError {
    const meta: Partial<ExtractionMeta> = { extractor: 'ANTHROPIC', model: this.model, latencyMs };
    const attempts = this.maxRetries > 0 ? ` (after ${this.maxRetries + 1} attempts)` : '';
    let error: ExtractionError;
    if (err instanceof APIUserAbortError) {
      error = new ExtractionError('The Anthropic request was aborted', false, meta);
    } else if (err instanceof APIConnectionTimeoutError) {
      error = new ExtractionError(`Claude did not answer within ${this.timeoutMs} ms${attempts}`, true, meta);
    } else if (err instanceof APIConnectionError) {
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      error = new ExtractionError(`Could not connect to the Anthropic API${attempts}${cause}`, true, meta);
    } else if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      const detail = err.apiMessage ?? err.message;
      const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
      const what =
        status === 429
          ? 'Anthropic rate limit reached'
          : status === 529
            ? 'Anthropic API overloaded'
            : status >= 500
              ? 'Anthropic API error'
              : status === 401
                ? 'Anthropic rejected the API key'
                : status === 403
                  ? 'Anthropic refused the request (permission)'
                  : status === 404
                    ? `Anthropic API: not found (is the model "${this.model}" right?)`
                    : 'Anthropic rejected the request';
      error = new ExtractionError(
        `${what} (HTTP ${status}${err.requestID ? `, request ${err.requestID}` : ''})${retryable ? attempts : ''}: ${detail}`,
        retryable,
        meta,
      );
    } else if (err instanceof AnthropicError) {
      error = new ExtractionError(`Anthropic SDK error: ${err.message}`, false, meta);
    } else {
      error = new ExtractionError(
        `Anthropic extraction failed: ${err instanceof Error ? err.message : String(err)}`,
        false,
        meta,
      );
    }
    error.cause = err;
    return error;
  }
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
