import type { Config } from '../config.js';
import { AnthropicExtractor } from './anthropic.js';
import type { Extractor } from './extractor.js';
import { HeuristicExtractor } from './heuristic/index.js';

/** Claude when ANTHROPIC_API_KEY is set, else the offline heuristic extractor. */
export function createExtractor(config: Config): Extractor {
  if (!config.ANTHROPIC_API_KEY) return new HeuristicExtractor();
  return new AnthropicExtractor({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.ANTHROPIC_MODEL,
    baseURL: config.ANTHROPIC_BASE_URL,
    timeoutMs: config.ANTHROPIC_TIMEOUT_MS,
    maxRetries: config.ANTHROPIC_MAX_RETRIES,
  });
}
