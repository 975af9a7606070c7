import { createHash, randomBytes } from 'node:crypto';

/** A newly generated API key: the secret (shown once) and what is stored. */
export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** Generates a key `mk_<prefix>_<secret>` with 256 bits of randomness. */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `mk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/**
 * SHA-256 of the key. Keys carry 256 random bits, so a fast hash is safe here (no dictionary to
 * attack) and lets the key be looked up by an indexed equality.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
