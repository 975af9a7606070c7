/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`), enough for `@anthropic-ai/sdk`:
 * each request takes the next scripted behaviour from a queue (else the default one) and is recorded
 * (headers, parsed body) for assertions. No jest dependency, so benchmarks can use it too.
 *
 *   const fake = await startFakeAnthropic();
 *   fake.enqueue(status(429), toolUse({ ... }));
 *   new AnthropicExtractor({ apiKey: 'test', model: 'claude-haiku-4-5', baseURL: fake.url });
 *
 * Note on retries: the SDK ignores `retry-after: 0` (it only honours a positive delay, else backs off
 * 0.5 s × 2^n with jitter), so error responses carry `retry-after-ms: 1` by default to keep tests fast.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
}

export type Behaviour =
  | { kind: 'toolUse'; input: unknown; usage?: FakeUsage; name?: string; model?: string }
  | { kind: 'text'; text: string; usage?: FakeUsage }
  | { kind: 'status'; code: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number; then: Behaviour }
  /** Computes the behaviour from the request (e.g. echo the model, answer by content). */
  | { kind: 'fn'; fn: (req: RecordedRequest) => Behaviour };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (`model`, `tools`, `tool_choice`, `messages`…); the raw text when not JSON. */
  body: unknown;
  receivedAt: number;
}

/** The API key a request carries: `x-api-key`, or `authorization: Bearer …` (what SDK 1.12 sends). */
export function apiKeyOf(req: RecordedRequest): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  return req.headers.authorization?.match(/^Bearer (.+)$/)?.[1] ?? null;
}

const DEFAULT_USAGE: FakeUsage = { input_tokens: 1200, output_tokens: 300 };

/** A message whose only content is a `tool_use` block (default name `record_extraction`). */
export function toolUse(input: unknown, usage?: FakeUsage, opts: { name?: string; model?: string } = {}): Behaviour {
  return { kind: 'toolUse', input, usage, ...opts };
}

/** A message with a text block and no tool call (`stop_reason: end_turn`). */
export function text(text: string, usage?: FakeUsage): Behaviour {
  return { kind: 'text', text, usage };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/**
 * An HTTP error. Without `body`, the Anthropic shape `{ type: 'error', error: { type, message } }`
 * for the status (`overloaded_error` for 529, `rate_limit_error` for 429…). 429 and 5xx carry
 * `retry-after-ms: 1` unless `headers` says otherwise.
 */
export function status(code: number, body?: unknown, headers?: Record<string, string>): Behaviour {
  return { kind: 'status', code, body, headers };
}

/** Waits `ms` before behaving as `then` (the client may time out and go away meanwhile). */
export function delay(ms: number, then: Behaviour): Behaviour {
  return { kind: 'delay', ms, then };
}

export function fromRequest(fn: (req: RecordedRequest) => Behaviour): Behaviour {
  return { kind: 'fn', fn };
}

export interface FakeAnthropic {
  /** Base URL for the SDK (`baseURL`). */
  url: string;
  /** Requests received, in order (not kept with `record: false`). */
  requests: RecordedRequest[];
  /** Requests received in total (also counted with `record: false`). */
  count: number;
  /** Requests being answered now, and the most at once so far (for throughput benchmarks). */
  inFlight: number;
  peakInFlight: number;
  /** Queues behaviours for the next requests, in order. */
  enqueue(...behaviours: Behaviour[]): void;
  /** The behaviour once the queue is empty. Initially a 400 saying nothing was scripted. */
  setDefault(behaviour: Behaviour): void;
  /** "Model" mode for benchmarks: every request (queue cleared) answers `toolUse(input)` after `ms`. */
  respondAfter(ms: number, input: unknown, usage?: FakeUsage): void;
  /** Forgets the recorded requests and queued behaviours (the default stays). */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  default?: Behaviour;
  /** The `model` of responses when a behaviour does not set one. Default: the request's model. */
  model?: string;
  /** Keep requests in `requests` (default true; turn off for long benchmarks). */
  record?: boolean;
}

let ids = 0;
const nextId = (prefix: string) => `${prefix}_fake${(++ids).toString().padStart(8, '0')}`;

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const record = options.record ?? true;
  const queue: Behaviour[] = [];
  let fallback: Behaviour =
    options.default ??
    status(400, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'fake-anthropic: no behaviour scripted for this request' },
    });
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed || res.writableEnded) return;
    const json = JSON.stringify(body);
    res.writeHead(code, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(json)),
      'request-id': nextId('req'),
      ...headers,
    });
    res.end(json);
  };

  const message = (req: RecordedRequest, content: unknown[], stopReason: string, usage: FakeUsage, model?: string) => ({
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model: model ?? options.model ?? requestedModel(req.body) ?? 'claude-fake',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      service_tier: 'standard',
      ...usage,
    },
  });

  const behave = (req: RecordedRequest, res: ServerResponse, b: Behaviour, done: () => void): void => {
    switch (b.kind) {
      case 'fn':
        return behave(req, res, b.fn(req), done);
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          behave(req, res, b.then, done);
        }, b.ms);
        timers.add(timer);
        res.on('close', () => {
          if (timers.delete(timer)) {
            clearTimeout(timer);
            done();
          }
        });
        return;
      }
      case 'toolUse':
        send(
          res,
          200,
          message(
            req,
            [{ type: 'tool_use', id: nextId('toolu'), name: b.name ?? 'record_extraction', input: b.input }],
            'tool_use',
            b.usage ?? DEFAULT_USAGE,
            b.model,
          ),
        );
        break;
      case 'text':
        send(res, 200, message(req, [{ type: 'text', text: b.text }], 'end_turn', b.usage ?? DEFAULT_USAGE));
        break;
      case 'status': {
        const body = b.body ?? {
          type: 'error',
          error: { type: ERROR_TYPES[b.code] ?? 'api_error', message: `fake-anthropic: HTTP ${b.code}` },
        };
        const retryHeaders: Record<string, string> = b.code === 429 || b.code >= 500 ? { 'retry-after-ms': '1' } : {};
        send(res, b.code, body, { ...retryHeaders, ...b.headers });
        break;
      }
    }
    done();
  };

  const fake: FakeAnthropic = {
    url: '',
    requests: [],
    count: 0,
    inFlight: 0,
    peakInFlight: 0,
    enqueue: (...behaviours) => void queue.push(...behaviours),
    setDefault: (behaviour) => void (fallback = behaviour),
    respondAfter: (ms, input, usage) => {
      queue.length = 0;
      fallback = delay(ms, toolUse(input, usage));
    },
    reset: () => {
      queue.length = 0;
      fake.requests.length = 0;
      fake.count = 0;
      fake.peakInFlight = fake.inFlight;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* keep the raw text */
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0],
        headers: req.headers,
        body,
        receivedAt: Date.now(),
      };
      fake.count++;
      if (record) fake.requests.push(recorded);
      if (recorded.method !== 'POST' || recorded.path !== '/v1/messages') {
        send(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `fake-anthropic: ${recorded.method} ${recorded.path}` },
        });
        return;
      }
      fake.inFlight++;
      fake.peakInFlight = Math.max(fake.peakInFlight, fake.inFlight);
      let finished = false;
      behave(recorded, res, queue.shift() ?? fallback, () => {
        if (!finished) {
          finished = true;
          fake.inFlight--;
        }
      });
    });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** The `model` a request body asks for, if it is a JSON object naming one. */
function requestedModel(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'model' in body && typeof body.model === 'string'
    ? body.model
    : undefined;
}
