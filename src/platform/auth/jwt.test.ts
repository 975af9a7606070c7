import { SignJWT } from 'jose';

import { MAX_TOKEN_LIFETIME_SECONDS, TokenService } from './jwt.js';
import { Role } from './role.js';

describe('TokenService', () => {
  const claims = {
    sub: '6f1c1d4e-0000-4000-8000-000000000001',
    tid: '6f1c1d4e-0000-4000-8000-000000000002',
    role: Role.ADMIN,
  };

  it('verifies its own tokens, again from its cache, and refuses tampered ones', async () => {
    const tokens = new TokenService('unit-test-secret-unit-test-secret-0123', '1h');
    const token = await tokens.sign(claims);
    const verified = { ...claims, exp: expect.any(Number) as number };
    expect(await tokens.verify(token)).toEqual(verified);
    expect(await tokens.verify(token)).toEqual(verified);
    const [h, p, sig] = token.split('.');
    expect(await tokens.verify(`${h}.${p}.${sig.slice(0, -2)}xx`)).toBeNull();
    expect(await new TokenService('another-secret-another-secret-0123456', '1h').verify(token)).toBeNull();
  });

  it('stops accepting a cached token once it has expired', async () => {
    // `exp` has whole-second precision (iat is floored), so a 1 s token can already be expired
    // when verified a millisecond later; 2 s leaves at least one full second of validity.
    const tokens = new TokenService('unit-test-secret-unit-test-secret-0123', '2s');
    const token = await tokens.sign(claims);
    expect(await tokens.verify(token)).toMatchObject(claims);
    await new Promise((r) => setTimeout(r, 3100));
    expect(await tokens.verify(token)).toBeNull();
  });

  it('refuses tokens without exp or iat, and tokens made to live longer than the cap', async () => {
    const secret = 'unit-test-secret-unit-test-secret-0123';
    const tokens = new TokenService(secret, '1h');
    const key = new TextEncoder().encode(secret);
    const base = () =>
      new SignJWT({ tid: claims.tid, role: claims.role })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.sub)
        .setIssuer('meridian');
    const now = Math.floor(Date.now() / 1000);
    expect(await tokens.verify(await base().setIssuedAt().sign(key))).toBeNull(); // no exp
    expect(await tokens.verify(await base().setExpirationTime('1h').sign(key))).toBeNull(); // no iat
    const tooLong = await base()
      .setIssuedAt(now)
      .setExpirationTime(now + MAX_TOKEN_LIFETIME_SECONDS + 1)
      .sign(key);
    expect(await tokens.verify(tooLong)).toBeNull();
    const longest = await base()
      .setIssuedAt(now)
      .setExpirationTime(now + MAX_TOKEN_LIFETIME_SECONDS)
      .sign(key);
    expect(await tokens.verify(longest)).toMatchObject(claims);
  });
});
