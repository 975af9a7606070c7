import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of an AES-256 key. */
const KEY_BYTES = 32;
/** Bytes of a GCM nonce (96 bits, as NIST recommends). */
const IV_BYTES = 12;
/** Bytes of a GCM authentication tag. */
const TAG_BYTES = 16;
/** Version prefix of a sealed value, so the format can change without guessing. */
const PREFIX = 'v1.';

/**
 * Decodes SECRETS_KEY: 64 hex digits, or base64 (standard or url-safe) of exactly 32 bytes.
 * Returns null when it is neither.
 */
export function parseSecretsKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return null;
  const bytes = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : null;
}

/**
 * Encrypts small secrets (provider tokens, API keys) for storage: AES-256-GCM with a random
 * 96-bit nonce per value, so a sealed value is confidential and any change to it (or a wrong key)
 * fails to open instead of yielding garbage. `context` (e.g. the connection id) is bound as
 * additional authenticated data: a sealed value copied onto another row does not open.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`secrets key must be ${KEY_BYTES} bytes`);
  }

  /** A box over a 32-byte key. */
  static withKey(key: Buffer): SecretBox {
    return new SecretBox(Buffer.from(key));
  }

  /**
   * The box of the configuration: SECRETS_KEY (already validated by the config), or, when unset,
   * a key generated once into `DATA_DIR/secrets-key` (mode 0600), like the JWT secret.
   */
  static fromConfig(secretsKey: string | undefined, dataDir: string): SecretBox {
    if (secretsKey) {
      const key = parseSecretsKey(secretsKey);
      if (!key) throw new Error('SECRETS_KEY: must be 32 bytes as 64 hex digits or base64');
      return new SecretBox(key);
    }
    return new SecretBox(dataDirKey(dataDir));
  }

  /** Encrypts `plaintext`; the result is `v1.` + base64url(nonce ‖ tag ‖ ciphertext). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Decrypts what {@link seal} made with the same key and context; throws if it was altered. */
  open(sealed: string, context: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed secret');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

/** The embedded default's key: read from `DATA_DIR/secrets-key`, or generated there (0600) once. */
function dataDirKey(dataDir: string): Buffer {
  const file = join(dataDir, 'secrets-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(KEY_BYTES).toString('base64'), { flag: 'wx', mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (err) {
      // Another process of this data directory made it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const key = parseSecretsKey(readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file}: not a 32-byte base64 key`);
  return key;
}
