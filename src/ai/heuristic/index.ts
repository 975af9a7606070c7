/**
 * The heuristic extractor: regular expressions and word lists in English, Italian and Indonesian.
 * No network, no cost, deterministic — the fallback when no LLM is configured. Confidences are meant
 * to be honest (an explicit "my name is" beats a sign-off, which beats a guess from an email address)
 * and every piece of evidence is a verbatim substring of one of the messages.
 *
 * One file per field: `names`, `contacts` (email, phone), `nationality`, `companies`, `practices`,
 * `tone` (sentiment, urgency, action items, summary); the word lists are under `lexicon/`.
 */
import type { ExtractionInput, ExtractionMeta, ExtractionResult, Extractor } from '../extractor.js';
import { extractCompany } from './companies.js';
import { extractEmail, extractPhone } from './contacts.js';
import { extractFullName } from './names.js';
import { extractNationality } from './nationality.js';
import { extractPractice } from './practices.js';
import { type UserText } from './text.js';
import { extractActionItems, extractSentiment, extractUrgency, summarise } from './tone.js';

export { languageOf, normalisePhone } from './contacts.js';
export { nameFromEmail } from './names.js';
export { sentences } from './text.js';

/** Options of {@link HeuristicExtractor}. */
export interface HeuristicExtractorOptions {
  /** The clock used to judge whether a date mentioned in the conversation is soon (tests). */
  now?: () => Date;
}

/** The offline extractor: rules and word lists, no network. */
export class HeuristicExtractor implements Extractor {
  readonly kind = 'HEURISTIC' as const;
  private readonly now: () => Date;

  constructor(options: HeuristicExtractorOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async extract(input: ExtractionInput): Promise<{ result: ExtractionResult; meta: ExtractionMeta }> {
    const started = performance.now();
    // A macrotask turn first, so a request that ingested a conversation does not hold the event loop
    // from its parse to the end of the extraction (other requests and timers run in between).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const result = this.extractSync(input);
    const meta: ExtractionMeta = {
      extractor: 'HEURISTIC',
      model: null,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
    };
    return { result, meta };
  }

  /** The extraction itself (synchronous; {@link extract} wraps it with the meta). */
  extractSync(input: ExtractionInput): ExtractionResult {
    const users: UserText[] = [];
    let base = 0;
    input.messages.forEach((m, i) => {
      if (m.role.toLowerCase() === 'user' && typeof m.content === 'string' && m.content.trim()) {
        users.push({ text: m.content, base, previous: input.messages[i - 1] });
        base += m.content.length + 1;
      }
    });

    const email = extractEmail(users, input.userEmail);
    const phone = extractPhone(users);
    const fullName = extractFullName(users, input.userEmail ?? email?.value ?? null);
    const nationality = extractNationality(users);
    const company = extractCompany(users);
    const practice = extractPractice(users, input.practiceTypes);
    const client: ExtractionResult['client'] = {};
    if (fullName) client.fullName = fullName;
    if (email) client.email = email;
    if (phone) client.phone = phone;
    if (nationality) client.nationality = nationality;
    if (company) client.company = company;

    const actionItems = extractActionItems(users);
    return {
      client,
      practice,
      sentiment: extractSentiment(users),
      urgency: extractUrgency(users, this.now()),
      actionItems,
      summary: summarise(users, fullName?.value, practice),
    };
  }
}
