/**
 * Extraction quality on the labelled conversations of test/fixtures/extraction/*.json: precision,
 * recall and F1 per client field and for the practice type, plus the micro-average.
 *
 *   npm run eval:extraction -- [--threshold 0.5] [--verbose] [--extractor heuristic|anthropic] [--fixtures dir]
 *
 * A prediction counts only when its confidence is at least the threshold. Values are compared
 * normalised (case- and whitespace-insensitive; phone numbers by their digits; companies without
 * dots and commas). A wrong value is
 * both a false positive and a false negative. The Anthropic extractor is used when
 * ANTHROPIC_API_KEY is set (unless `--extractor heuristic`); the heuristic one otherwise.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { ConversationMessage, ExtractionInput, ExtractionResult, Extractor } from './extractor.js';
import { HeuristicExtractor } from './heuristic/index.js';

export const FIELDS = ['fullName', 'email', 'phone', 'nationality', 'company', 'practiceTypeCode'] as const;
export type Field = (typeof FIELDS)[number];

export interface LabelledConversation {
  id: string;
  language: string;
  messages: ConversationMessage[];
  userEmail?: string | null;
  /** Defaults to {@link DEFAULT_PRACTICE_TYPES}. */
  practiceTypes?: ExtractionInput['practiceTypes'];
  /** Absent = nothing should be extracted. */
  expected: Partial<Record<Field, string>>;
}

/** The practice types every tenant starts with (mirrors src/modules/tenancy/tenant-defaults.ts). */
export const DEFAULT_PRACTICE_TYPES: ExtractionInput['practiceTypes'] = [
  { code: 'KITAS', name: 'KITAS (limited stay permit)' },
  { code: 'KITAP', name: 'KITAP (permanent stay permit)' },
  { code: 'PT_PMA', name: 'PT PMA (foreign-owned company)' },
  { code: 'INVESTOR_KITAS', name: 'Investor KITAS' },
  { code: 'RETIREMENT_KITAS', name: 'Retirement KITAS' },
  { code: 'NPWP', name: 'NPWP (tax number)' },
  { code: 'BPJS', name: 'BPJS (national health insurance)' },
];

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface Scores extends Counts {
  precision: number;
  recall: number;
  f1: number;
}

export function normalise(field: Field, value: string): string {
  if (field === 'phone') return value.replace(/\D/g, '');
  // "Ltd." = "Ltd", "S.r.l." = "Srl": legal-form punctuation is not an extraction error.
  if (field === 'company') value = value.replace(/[.,]/g, '');
  return value
    .normalize('NFC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s,;:]+$/, '');
}

/** The predicted value of a field, or undefined when absent or below the threshold. */
export function predicted(result: ExtractionResult, field: Field, threshold: number): string | undefined {
  const x = field === 'practiceTypeCode' ? result.practice : result.client[field];
  return x && x.confidence >= threshold ? x.value : undefined;
}

export function scores({ tp, fp, fn }: Counts): Scores {
  const precision = tp + fp ? tp / (tp + fp) : tp + fn ? 0 : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/** Loads every *.json under `dir` (each an array of conversations, or `{ conversations: [...] }`). */
export function loadFixtures(dir: string): LabelledConversation[] {
  const files = statSync(dir).isDirectory()
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(dir, f))
    : [dir];
  const out: LabelledConversation[] = [];
  for (const file of files) {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const items = Array.isArray(data) ? data : (data as { conversations?: unknown }).conversations;
    if (!Array.isArray(items)) throw new Error(`${file}: expected an array of conversations`);
    for (const item of items as LabelledConversation[]) {
      if (!item.id || !Array.isArray(item.messages) || typeof item.expected !== 'object') {
        throw new Error(`${file}: conversation ${JSON.stringify(item.id)} lacks id, messages or expected`);
      }
      out.push(item);
    }
  }
  return out;
}

interface Options {
  threshold: number;
  verbose: boolean;
  fixtures: string;
  extractor: 'heuristic' | 'anthropic';
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    threshold: 0.5,
    verbose: false,
    fixtures: resolve(process.cwd(), 'test/fixtures/extraction'),
    extractor: process.env.ANTHROPIC_API_KEY ? 'anthropic' : 'heuristic',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--threshold') {
      opts.threshold = Number(value());
      if (!Number.isFinite(opts.threshold) || opts.threshold < 0 || opts.threshold > 1) {
        throw new Error('--threshold must be a number between 0 and 1');
      }
    } else if (flag === '--verbose' || flag === '-v') opts.verbose = true;
    else if (flag === '--fixtures') opts.fixtures = resolve(process.cwd(), value());
    else if (flag === '--extractor') {
      const v = value();
      if (v !== 'heuristic' && v !== 'anthropic') throw new Error('--extractor must be heuristic or anthropic');
      opts.extractor = v;
    } else throw new Error(`Unknown argument ${argv[i]}`);
  }
  return opts;
}

async function makeExtractor(kind: Options['extractor']): Promise<Extractor> {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (kind === 'anthropic' && apiKey) {
    try {
      // Imported lazily so that the heuristic evaluation never depends on the SDK.
      const url = pathToFileURL(resolve(import.meta.dirname, 'anthropic.js')).href;
      const mod = (await import(url)) as {
        AnthropicExtractor?: new (o: { apiKey: string; model: string; baseURL?: string }) => Extractor;
      };
      if (mod.AnthropicExtractor) {
        return new mod.AnthropicExtractor({
          apiKey,
          model: process.env.ANTHROPIC_MODEL || 'claude-haiku-4-5',
          baseURL: process.env.ANTHROPIC_BASE_URL || undefined,
        });
      }
    } catch (err) {
      console.error(`Anthropic extractor unavailable (${(err as Error).message}); using the heuristic one.`);
    }
  } else if (kind === 'anthropic') {
    console.error('ANTHROPIC_API_KEY is not set; using the heuristic extractor.');
  }
  return new HeuristicExtractor();
}

const pct = (x: number) => (x * 100).toFixed(1).padStart(6);

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const opts = parseArgs(argv);
  const conversations = loadFixtures(opts.fixtures);
  const extractor = await makeExtractor(opts.extractor);
  const counts = Object.fromEntries(FIELDS.map((f) => [f, { tp: 0, fp: 0, fn: 0 }])) as Record<Field, Counts>;
  const errors: string[] = [];
  let failed = 0;
  let latency = 0;
  let cost = 0;

  for (const conv of conversations) {
    let result: ExtractionResult | null = null;
    try {
      const out = await extractor.extract({
        messages: conv.messages,
        userEmail: conv.userEmail ?? null,
        practiceTypes: conv.practiceTypes ?? DEFAULT_PRACTICE_TYPES,
      });
      result = out.result;
      latency += out.meta.latencyMs;
      cost += out.meta.costUsd ?? 0;
    } catch (err) {
      failed++;
      errors.push(`${conv.id}: extraction failed: ${(err as Error).message}`);
    }
    const lines: string[] = [];
    for (const field of FIELDS) {
      const want = conv.expected[field];
      const got = result ? predicted(result, field, opts.threshold) : undefined;
      const c = counts[field];
      if (want !== undefined && got !== undefined && normalise(field, want) === normalise(field, got)) c.tp++;
      else {
        if (got !== undefined) c.fp++;
        if (want !== undefined) c.fn++;
        if (got !== undefined || want !== undefined) {
          const x = result && (field === 'practiceTypeCode' ? result.practice : result.client[field]);
          const conf = x ? ` (${x.confidence.toFixed(2)})` : '';
          const seen = got ?? (x ? `below threshold: ${JSON.stringify(x.value)}` : 'nothing');
          lines.push(`  ${field}: expected ${JSON.stringify(want ?? null)}, got ${JSON.stringify(seen)}${conf}`);
        }
      }
    }
    if (lines.length) errors.push(`${conv.id} [${conv.language}]\n${lines.join('\n')}`);
  }

  const total = FIELDS.reduce(
    (a, f) => ({ tp: a.tp + counts[f].tp, fp: a.fp + counts[f].fp, fn: a.fn + counts[f].fn }),
    { tp: 0, fp: 0, fn: 0 },
  );
  const byLang = [...new Set(conversations.map((c) => c.language))]
    .map((l) => `${l} ${conversations.filter((c) => c.language === l).length}`)
    .join(', ');
  console.log(
    `Extractor ${extractor.kind} on ${conversations.length} conversations (${byLang}), threshold ${opts.threshold}` +
      (failed ? `, ${failed} failed` : ''),
  );
  console.log('');
  console.log(
    `${'field'.padEnd(18)} ${'TP'.padStart(4)} ${'FP'.padStart(4)} ${'FN'.padStart(4)}  precision  recall      F1`,
  );
  const row = (name: string, c: Counts) => {
    const s = scores(c);
    console.log(
      `${name.padEnd(18)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}     ${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f1)}`,
    );
  };
  for (const f of FIELDS) row(f, counts[f]);
  console.log('-'.repeat(66));
  row('micro-average', total);
  console.log('');
  console.log(
    `Mean latency ${(latency / Math.max(1, conversations.length - failed)).toFixed(1)} ms` +
      (cost ? `, total cost $${cost.toFixed(4)}` : ''),
  );
  if (opts.verbose) {
    console.log('');
    console.log(errors.length ? `Conversations with errors (${errors.length}):` : 'No errors.');
    for (const e of errors) console.log(e);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
