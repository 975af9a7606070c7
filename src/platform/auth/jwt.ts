import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';

import { parseRole, type Role } from './role.js';

/** Claims of a Meridian token (see api.md). */
export interface TokenClaims {
  /** Team member id. */
  sub: string;
  /** Tenant id. */
  tid: string;
  role: Role;
}

/** Claims of a verified token, with its expiry (`exp`, seconds since the epoch) when it has one. */
export interface VerifiedClaims extends TokenClaims {
  exp?: number;
}

/**
 * The longest a token may live (`exp - iat`), in seconds: 90 days. A token without `exp` or `iat`,
 * or one made to live longer (by anyone holding the secret), is refused.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600;

/**
 * Signs and verifies HS256 JWTs. The secret is the configured one, or (outside production) a
 * random secret generated once and kept in `<dataDir>/jwt-secret`, so tokens survive restarts.
 */
export class TokenService {
  private readonly key: Uint8Array;
  /**
   * Tokens whose signature and claims were verified, until they expire: a dashboard sends the same
   * token on every request, and the HMAC check (WebCrypto, asynchronous) was ~7% of a small
   * request's CPU. Only valid tokens are kept; whether the member is still active is checked on
   * every request by the caller.
   */
  private readonly verified = new LRUCache<string, { claims: VerifiedClaims; expiresAt: number }>({ max: 10_000 });

  constructor(
    secret: string,
    private readonly ttl: string,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * Builds the service with `secret`, or, when it is undefined, with the secret kept in
   * `<dataDir>/jwt-secret` (created on first use). `ttl` is a token's lifetime, e.g. `12h`.
   */
  static withSecretOrDataDir(secret: string | undefined, dataDir: string, ttl: string): TokenService {
    return new TokenService(secret ?? dataDirSecret(dataDir), ttl);
  }

  /**
   * A 32-byte key for another purpose (e.g. sealing resume cursors), derived from the secret with
   * HKDF-SHA256: the same on every instance sharing JWT_SECRET, and useless for signing tokens.
   */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, 'meridian', purpose, 32));
  }

  /** Signs a token for a team member. */
  async sign(claims: TokenClaims): Promise<string> {
    return new SignJWT({ tid: claims.tid, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer('meridian')
      .setIssuedAt()
      .setExpirationTime(this.ttl)
      .sign(this.key);
  }

  /** Verifies a token; returns its claims (and `exp`), or null when invalid, expired or malformed. */
  async verify(token: string): Promise<VerifiedClaims | null> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expiresAt > Date.now()) return hit.claims;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: 'meridian',
        requiredClaims: ['exp', 'iat'],
      });
      if (payload.exp! - payload.iat! > MAX_TOKEN_LIFETIME_SECONDS) return null;
      const role = typeof payload.role === 'string' ? parseRole(payload.role) : undefined;
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || !role) return null;
      const claims: VerifiedClaims = { sub: payload.sub, tid: payload.tid, role, exp: payload.exp! };
      this.verified.set(token, { claims, expiresAt: payload.exp! * 1000 });
      return claims;
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }
}

function dataDirSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
