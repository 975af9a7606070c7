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
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_SECRET', 'short'],
    ['GRAPHQL_INTROSPECTION', 'maybe'],
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
});
