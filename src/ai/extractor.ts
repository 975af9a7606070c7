/**
 * The extractor: turns a conversation into CRM facts (who the client is, what they want), each with
 * a confidence and the quoted span of the conversation that supports it. Two implementations:
 * Anthropic Claude (a forced tool call) when ANTHROPIC_API_KEY is set, and a heuristic one
 * (regular expressions and word lists) otherwise — the API says which produced each extraction.
 */

/** One message of a conversation. */
export interface ConversationMessage {
  /** `user` (the prospect or client), `assistant` / `agent` (our side), `system`. */
  role: string;
  content: string;
}

/** What an extractor is given. */
export interface ExtractionInput {
  messages: ConversationMessage[];
  /** The prospect's email as known to the channel (e.g. a logged-in chat user), if any. */
  userEmail?: string | null;
  /** The tenant's practice types: the only codes a practice intent may name. */
  practiceTypes: { code: string; name: string }[];
}

/** An extracted value with how sure the extractor is (0–1) and the quote that supports it. */
export interface Extracted<T = string> {
  value: T;
  confidence: number;
  /** The span of the conversation the value comes from, quoted verbatim (null when inferred). */
  evidence: string | null;
}

export type ExtractedSentiment = 'POSITIVE' | 'NEUTRAL' | 'NEGATIVE';
export type ExtractedUrgency = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';

/** The facts extracted from one conversation. Absent fields were not found. */
export interface ExtractionResult {
  client: {
    fullName?: Extracted;
    email?: Extracted;
    /** E.164 when the number can be normalised (+62…), else as written. */
    phone?: Extracted;
    nationality?: Extracted;
    company?: Extracted;
  };
  /** The service the client wants, as one of the tenant's practice type codes. */
  practice?: (Extracted & { details: string | null }) | null;
  sentiment: ExtractedSentiment;
  urgency: ExtractedUrgency;
  actionItems: string[];
  /** One line. */
  summary: string;
}

/** How an extraction was made. */
export interface ExtractionMeta {
  extractor: 'ANTHROPIC' | 'HEURISTIC';
  model: string | null;
  latencyMs: number;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Estimated cost in USD from the model's list prices (null for the heuristic extractor). */
  costUsd: number | null;
}

/** An extraction that failed; `retryable` when trying again later may succeed (429, 5xx, timeout). */
export class ExtractionError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly meta?: Partial<ExtractionMeta>,
  ) {
    super(message);
    this.name = 'ExtractionError';
  }
}

/** Turns a conversation into an {@link ExtractionResult}; throws {@link ExtractionError} on failure. */
export interface Extractor {
  readonly kind: ExtractionMeta['extractor'];
  extract(input: ExtractionInput): Promise<{ result: ExtractionResult; meta: ExtractionMeta }>;
}
