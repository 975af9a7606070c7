/**
 * Ingestion throughput (issue: AI extraction): conversations per second through
 * `ingestConversation`, with the Anthropic extractor pointed at a local Messages API server that
 * answers every call after 100 ms (BENCH_MODEL_MS), for `wait: true` (extract and file before
 * answering) and `wait: false` (answer at once; extraction in the background job runner).
 * BENCH_CONVERSATIONS (default 300) conversations, BENCH_CONCURRENCY (default 20) clients at once.
 */
import { delay, fromRequest, startFakeAnthropic, toolUse } from '../test/helpers/fake-anthropic.js';
import { freshDatabase, gql, percentile, startBenchApp } from './lib.js';

const N = Number(process.env.BENCH_CONVERSATIONS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const MODEL_MS = Number(process.env.BENCH_MODEL_MS ?? 100);

const INGEST = `mutation($i: IngestConversationInput!) {
  ingestConversation(input: $i) { extraction { id status decision } userErrors { code } }
}`;

function answer(i: number) {
  return {
    client: {
      fullName: { value: `Client ${i}`, confidence: 0.95, evidence: `my name is Client ${i}` },
      email: { value: `client${i}@bench.test`, confidence: 0.98, evidence: `client${i}@bench.test` },
      phone: null,
      nationality: null,
      company: null,
    },
    practice: { value: 'KITAS', confidence: 0.9, details: 'KITAS', evidence: 'I need a KITAS' },
    sentiment: 'NEUTRAL',
    urgency: 'NORMAL',
    actionItems: [],
    summary: 'Prospect wants a KITAS.',
  };
}

/** Runs `n` tasks with `concurrency` in flight; returns each task's duration (ms). */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await task(i);
        durations.push(performance.now() - s);
      }
    }),
  );
  return durations;
}

export async function runExtractionBench(): Promise<Record<string, unknown>> {
  const fake = await startFakeAnthropic({ record: false });
  // Every call answered after MODEL_MS with the client named in its conversation: each one files a new client.
  fake.setDefault(
    delay(
      MODEL_MS,
      fromRequest((req) =>
        toolUse(answer(Number(/Client (\d+)/.exec(JSON.stringify(req.body))?.[1] ?? 0)), {
          input_tokens: 800,
          output_tokens: 250,
        }),
      ),
    ),
  );
  const db = await freshDatabase();
  const app = await startBenchApp(db.url, {
    ANTHROPIC_API_KEY: 'bench-key',
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_MAX_RETRIES: '0',
    JOBS: 'off',
    REDIS_URL: '',
  });
  try {
    const { token } = await app.services.tenancy.mintToken(app.db.orm.em, {
      email: 'bench@bench.test',
      tenant: 'bench',
    });
    const ingest = (i: number, wait: boolean) =>
      gql(app.url, token, INGEST, {
        i: {
          sessionId: `${wait ? 'sync' : 'async'}-${i}`,
          wait,
          messages: [
            { role: 'user', content: `Hello, my name is Client ${i}, client${i}@bench.test. I need a KITAS.` },
          ],
        },
      });

    // wait: true — each answer includes the extraction and the filing.
    let t0 = performance.now();
    const syncLatencies = await pool(N, CONCURRENCY, async (i) => {
      const r = await ingest(i, true);
      if (r.ingestConversation.extraction.status !== 'SUCCEEDED') throw new Error(JSON.stringify(r));
    });
    const syncSeconds = (performance.now() - t0) / 1000;

    // wait: false — answers at once; count until every extraction has completed.
    t0 = performance.now();
    const asyncLatencies = await pool(N, CONCURRENCY, async (i) => {
      const r = await ingest(i, false);
      if (r.ingestConversation.extraction.status !== 'PENDING') throw new Error(JSON.stringify(r));
    });
    const acceptedSeconds = (performance.now() - t0) / 1000;
    const em = app.db.orm.em.fork();
    for (;;) {
      const [row] = await em
        .getConnection()
        .execute<{ n: string }[]>(`select count(*) as n from extraction where status = 'PENDING'`);
      if (Number(row.n) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const completedSeconds = (performance.now() - t0) / 1000;
    const [failed] = await em
      .getConnection()
      .execute<{ n: string }[]>(`select count(*) as n from extraction where status <> 'SUCCEEDED'`);
    if (Number(failed.n) !== 0) throw new Error(`${failed.n} extractions did not succeed`);

    return {
      conversations: N,
      concurrency: CONCURRENCY,
      modelMs: MODEL_MS,
      backgroundConcurrency: 8,
      waitTrue: {
        seconds: syncSeconds,
        conversationsPerSecond: N / syncSeconds,
        latencyMs: { p50: percentile(syncLatencies, 50), p99: percentile(syncLatencies, 99) },
      },
      waitFalse: {
        acceptedPerSecond: N / acceptedSeconds,
        latencyMs: { p50: percentile(asyncLatencies, 50), p99: percentile(asyncLatencies, 99) },
        completedPerSecond: N / completedSeconds,
        secondsUntilAllCompleted: completedSeconds,
      },
      modelCalls: fake.count,
      peakModelCallsInFlight: fake.peakInFlight,
    };
  } finally {
    await app.close();
    await db.drop();
    await fake.close();
  }
}
