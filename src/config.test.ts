import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 4000,
      embedded: true,
      DEMO_SEED: true,
      GRAPHQL_INTROSPECTION: true,
      PLAYGROUND: true,
      GRAPHQL_MAX_PAGE_SIZE: 100,
      JOBS: 'inline',
      RENEWAL_TICK_SECONDS: 60,
      REDIS_PREFIX: 'meridian',
    });
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
    ['GRAPHQL_INTROSPECTION', 'maybe'],
    ['JOBS', 'sometimes'],
    ['RENEWAL_TICK_SECONDS', '0'],
    ['DRAIN_SECONDS', '-1'],
    ['DRAIN_SECONDS', '301'],
    ['DRAIN_SECONDS', '2.5'],
    ['REDIS_PREFIX', 'has space'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'http://localhost:5173,app.example.com'],
    ['CORS_ORIGINS', '*'],
  ])('names %s when its value %p is bad', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('requires JWT_SECRET in production and turns introspection and the playground off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(c.GRAPHQL_INTROSPECTION).toBe(false);
    expect(c.PLAYGROUND).toBe(false);
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
});
