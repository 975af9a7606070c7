import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseSecretsKey, SecretBox } from './secrets.js';

describe('SecretBox (AES-256-GCM)', () => {
  const box = SecretBox.withKey(randomBytes(32));

  it('opens what it sealed, and never shows the plaintext in the sealed value', () => {
    const sealed = box.seal('refresh-token-123', 'crm-connection:1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('refresh-token-123');
    expect(box.open(sealed, 'crm-connection:1')).toBe('refresh-token-123');
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses an altered value, another context and another key', () => {
    const sealed = box.seal('secret', 'crm-connection:1');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1.${raw.toString('base64url')}`, 'crm-connection:1')).toThrow();
    expect(() => box.open(sealed, 'crm-connection:2')).toThrow();
    expect(() => SecretBox.withKey(randomBytes(32)).open(sealed, 'crm-connection:1')).toThrow();
  });

  it('takes SECRETS_KEY as 64 hex digits or base64 of 32 bytes', () => {
    const key = randomBytes(32);
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretsKey(randomBytes(16).toString('base64'))).toBeNull();
  });

  it('without SECRETS_KEY, generates a key once into DATA_DIR with mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    const a = SecretBox.fromConfig(undefined, dir);
    const file = join(dir, 'secrets-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = readFileSync(file, 'utf8');
    const b = SecretBox.fromConfig(undefined, dir);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(b.open(a.seal('x', 'c'), 'c')).toBe('x');
  });
});
