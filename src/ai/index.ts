import type { Config } from '../config.js';
import type { Extractor } from './extractor.js';
import { HeuristicExtractor } from './heuristic/index.js';

/**
 * Claude when ANTHROPIC_API_KEY is set, else the offline heuristic extractor. The Anthropic SDK
 * (1.5 MB of JavaScript) is imported only then, so processes and test files without a key never load it.
 */
export async function createExtractor(config: Config): Promise<Extractor> {
  if (!config.ANTHROPIC_API_KEY) return new HeuristicExtractor();
  const { AnthropicExtractor } = await import('./anthropic.js');
  return new AnthropicExtractor({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.ANTHROPIC_MODEL,
    baseURL: config.ANTHROPIC_BASE_URL,
    timeoutMs: config.ANTHROPIC_TIMEOUT_MS,
    maxRetries: config.ANTHROPIC_MAX_RETRIES,
  });
}
