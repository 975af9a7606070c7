import { ConfigError, loadConfig, parseByteSize } from './config.js';

describe('loadConfig', () => {
  it('applies defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 4000,
      embedded: true,
      DEMO_SEED: true,
      GRAPHQL_INTROSPECTION: true,
      PLAYGROUND: true,
      DASHBOARD_ENABLED: true,
      GRAPHQL_MAX_PAGE_SIZE: 100,
      JOBS: 'inline',
      RENEWAL_TICK_SECONDS: 60,
      TASK_DUE_TICK_SECONDS: 30,
      REDIS_PREFIX: 'meridian',
      IDEMPOTENCY_TTL_HOURS: 24,
      WS_MAX_PENDING_PER_ADDRESS: 16,
    });
  });

  it('reads rate-limit budgets as points per seconds, on by default', () => {
    expect(loadConfig({})).toMatchObject({
      RATE_LIMITS: true,
      RATE_LIMIT_OPERATIONS: { points: 600, seconds: 60 },
      RATE_LIMIT_MUTATIONS: { points: 120, seconds: 60 },
      RATE_LIMIT_EXPENSIVE: { points: 30, seconds: 60 },
    });
    const c = loadConfig({ RATE_LIMITS: 'false', RATE_LIMIT_MUTATIONS: '5/10' });
    expect(c.RATE_LIMITS).toBe(false);
    expect(c.RATE_LIMIT_MUTATIONS).toEqual({ points: 5, seconds: 10 });
  });

  it('drains 5 s before stopping in production, not at all elsewhere, unless DRAIN_SECONDS says', () => {
    expect(loadConfig({}).DRAIN_SECONDS).toBe(0);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).DRAIN_SECONDS).toBe(5);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DRAIN_SECONDS: '0' }).DRAIN_SECONDS).toBe(
      0,
    );
    expect(loadConfig({ DRAIN_SECONDS: '3' }).DRAIN_SECONDS).toBe(3);
  });

  it('runs jobs on workers when Redis is configured, and refuses workers without Redis', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).JOBS).toBe('worker');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', JOBS: 'inline' }).JOBS).toBe('inline');
    expect(() => loadConfig({ JOBS: 'worker' })).toThrow(/JOBS: .*REDIS_URL/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_SECRET', 'short'],
    ['SECRETS_KEY', 'short'],
    ['SECRETS_KEY', 'ab'.repeat(31)],
    ['SYNC_IMPORT_MAX_BYTES', 'lots'],
    ['SYNC_PAGE_SIZE', '0'],
    ['SYNC_STALE_SECONDS', '1'],
    ['GRAPHQL_INTROSPECTION', 'maybe'],
    ['JOBS', 'sometimes'],
    ['RENEWAL_TICK_SECONDS', '0'],
    ['TASK_DUE_TICK_SECONDS', '0'],
    ['TASK_DUE_TICK_SECONDS', '3601'],
    ['IDEMPOTENCY_TTL_HOURS', '0'],
    ['IDEMPOTENCY_TTL_HOURS', '721'],
    ['WS_MAX_PENDING_PER_ADDRESS', '0'],
    ['WS_MAX_PENDING_PER_ADDRESS', 'many'],
    ['DRAIN_SECONDS', '-1'],
    ['DRAIN_SECONDS', '301'],
    ['DRAIN_SECONDS', '2.5'],
    ['REDIS_PREFIX', 'has space'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'http://localhost:5173,app.example.com'],
    ['CORS_ORIGINS', '*'],
    ['METRICS_TOKEN', 'short'],
    ['METRICS_PORT', '0'],
    ['CONVERSATION_MAX_CHARS', '0'],
    ['CONVERSATION_MAX_MESSAGES', 'many'],
    ['JWT_TTL', '91d'],
    ['JWT_TTL', '13w'],
    ['RATE_LIMITS', 'sometimes'],
    ['RATE_LIMIT_OPERATIONS', '600'],
    ['RATE_LIMIT_MUTATIONS', '0/60'],
    ['RATE_LIMIT_EXPENSIVE', '10/0'],
    ['RATE_LIMIT_EXPENSIVE', '-1/60'],
  ])('names %s when its value %p is bad', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('listens on 127.0.0.1 outside production and on every interface in production, unless HOST is set', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).HOST).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('bounds conversations by default and checks the limits against each other', () => {
    expect(loadConfig({})).toMatchObject({
      CONVERSATION_MAX_MESSAGE_CHARS: 20_000,
      CONVERSATION_MAX_MESSAGES: 500,
      CONVERSATION_MAX_CHARS: 100_000,
    });
    expect(() => loadConfig({ CONVERSATION_MAX_MESSAGE_CHARS: '5000', CONVERSATION_MAX_CHARS: '1000' })).toThrow(
      /CONVERSATION_MAX_MESSAGE_CHARS: must not exceed CONVERSATION_MAX_CHARS/,
    );
  });

  it('refuses METRICS_PORT equal to PORT', () => {
    expect(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'a'.repeat(16) })).toMatchObject({
      METRICS_PORT: 9464,
      METRICS_TOKEN: 'a'.repeat(16),
    });
  });

  it('requires JWT_SECRET in production and turns introspection and the playground off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(c.GRAPHQL_INTROSPECTION).toBe(false);
    expect(c.PLAYGROUND).toBe(false);
    expect(c.DASHBOARD_ENABLED).toBe(false);
    expect(
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DASHBOARD_ENABLED: 'true' }).DASHBOARD_ENABLED,
    ).toBe(true);
    expect(() => loadConfig({ DASHBOARD_ENABLED: 'maybe' })).toThrow(/DASHBOARD_ENABLED/);
    expect(
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), GRAPHQL_INTROSPECTION: 'true' })
        .GRAPHQL_INTROSPECTION,
    ).toBe(true);
  });

  it('allows local dev servers by default outside production, nothing in production', () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);
    expect(loadConfig({ NODE_ENV: 'test' }).CORS_ORIGINS).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).CORS_ORIGINS).toEqual([]);
  });

  it('reads CORS_ORIGINS as a list of normalized origins', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      CORS_ORIGINS: ' https://App.Example.com , http://localhost:5173,https://crm.example.com:443,http://[::1]:*',
    });
    expect(c.CORS_ORIGINS).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'https://crm.example.com',
      'http://[::1]:*',
    ]);
  });

  it.each([
    'https://app.example.com/',
    'https://app.example.com?x=1',
    'https://user:pw@app.example.com',
    'ftp://files.example.com',
    'http://localhost:5173:*',
    'null',
  ])('refuses %p as a CORS origin, naming the variable and the entry', (entry) => {
    expect(() => loadConfig({ CORS_ORIGINS: `http://localhost:5173,${entry}` })).toThrow(
      `CORS_ORIGINS: "${entry}" is not an origin`,
    );
  });

  it('reads BODY_LIMIT sizes in bytes, as Express does (WebSocket messages are capped at it)', () => {
    expect([parseByteSize('1mb'), parseByteSize('512KB'), parseByteSize('100b')]).toEqual([1_048_576, 524_288, 100]);
  });
});
