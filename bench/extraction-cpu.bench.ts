/**
 * The heuristic extractor's CPU on large conversations (issue 12): milliseconds per extraction of
 * 1 MB of user text — the repeated introduction of the report (48 messages of 20,000 characters) and
 * single 1 MB messages built to make regular expressions backtrack — and of the largest conversation
 * the default input limits accept. No database, no server: the extractor alone, best and median of
 * BENCH_REPEAT (default 5) runs after one warm-up.
 */
import { DEFAULT_PRACTICE_TYPES } from '../src/ai/eval.js';
import { HeuristicExtractor } from '../src/ai/heuristic/index.js';
import { loadConfig } from '../src/config.js';
import { percentile } from './lib.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);

const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

export function runExtractionCpuBench(): Promise<Record<string, unknown>> {
  const extractor = new HeuristicExtractor();
  const config = loadConfig({});
  const intro = 'my name is John Smith and I want a KITAS ';
  const perMessage = config.CONVERSATION_MAX_MESSAGE_CHARS;
  const cases: Record<string, string[]> = {
    'introduction 48 x 20,000 chars (1 MB)': Array.from({ length: 48 }, () => fill(intro, 20_000)),
    [`introduction at the default limits (${config.CONVERSATION_MAX_CHARS} chars)`]: Array.from(
      { length: Math.floor(config.CONVERSATION_MAX_CHARS / perMessage) },
      () => fill(intro, perMessage),
    ),
    'letters, no @ (1 MB)': [fill('a', 1_000_000)],
    'dots before a letter (1 MB)': [fill('.', 1_000_000)],
    'phone numbers on one line (1 MB)': [fill('call 0812 3456 7890 ', 1_000_000)],
    'practice named again and again (1 MB)': [fill('KITAS ', 1_000_000)],
  };
  const out: Record<string, unknown> = { repeat: REPEAT };
  for (const [name, messages] of Object.entries(cases)) {
    const input = {
      messages: messages.map((content) => ({ role: 'user', content })),
      practiceTypes: DEFAULT_PRACTICE_TYPES,
    };
    extractor.extractSync(input);
    const ms: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      extractor.extractSync(input);
      ms.push(performance.now() - t);
    }
    out[name] = {
      chars: messages.reduce((n, m) => n + m.length, 0),
      bestMs: Math.min(...ms),
      medianMs: percentile(ms, 50),
    };
  }
  return Promise.resolve(out);
}
