import type { UserErrorShape } from './errors.js';
import { DomainError, ValidationFailed } from './errors.js';

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const PHONE = /^\+?[0-9][0-9 ()-]{5,24}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

/** Invisible characters: format (zero-width space/joiners, BOM, soft hyphen, bidi marks) and control. */
const INVISIBLE = /[\p{Cf}\p{Cc}]/gu;

/**
 * The one form of an email address that is stored and compared: Unicode NFKC (fullwidth
 * `ｊｏｈｎ＠…` becomes `john@…`, a decomposed `é` the composed one), invisible characters removed,
 * trimmed, lower-cased. Look-alikes of one address thus meet as one client or member.
 */
export function normalizeEmail(value: string): string {
  return value.normalize('NFKC').replace(INVISIBLE, '').trim().toLowerCase();
}

/** Whether a normalised email looks like an address (`local@domain.tld`, at most 320 characters). */
export function isEmail(normalized: string): boolean {
  return EMAIL.test(normalized) && normalized.length <= 320;
}

/**
 * Collects every problem with a mutation's input, then throws them together as
 * {@link ValidationFailed} (which mutation resolvers turn into `userErrors`). Field paths are
 * relative to `input`. Each check returns the cleaned value (or undefined when invalid).
 */
export class Checks {
  readonly errors: UserErrorShape[] = [];

  /** Records a problem on `field`. */
  add(field: string | string[], code: string, message: string): void {
    this.errors.push({ field: ['input', ...(Array.isArray(field) ? field : [field])], code, message });
  }

  /** Trimmed text of `min`–`max` characters; empty optional text becomes null. */
  text(
    field: string,
    value: string | null | undefined,
    max: number,
    { min = 0, required = false } = {},
  ): string | null | undefined {
    if (value === undefined || value === null) {
      if (required) this.add(field, 'REQUIRED', `${field} is required`);
      return value;
    }
    const v = value.trim();
    if (!v && !required && min === 0) return null;
    if (v.length < Math.max(min, required ? 1 : 0) || v.length > max) {
      this.add(field, 'INVALID_LENGTH', `${field} must be ${Math.max(min, 1)}–${max} characters`);
      return undefined;
    }
    return v;
  }

  /** An email address in its normalised form ({@link normalizeEmail}), or null to clear. */
  email(field: string, value: string | null | undefined): string | null | undefined {
    if (value === undefined || value === null) return value;
    const v = normalizeEmail(value);
    if (!v) return null;
    if (!isEmail(v)) {
      this.add(field, 'INVALID_EMAIL', `"${value}" is not a valid email address`);
      return undefined;
    }
    return v;
  }

  /** A phone number, normalised to `+` and digits; or null to clear. */
  phone(field: string, value: string | null | undefined): string | null | undefined {
    if (value === undefined || value === null) return value;
    const v = value.trim();
    if (!v) return null;
    if (!PHONE.test(v)) {
      this.add(field, 'INVALID_PHONE', `"${value}" is not a valid phone number (digits, optionally starting with +)`);
      return undefined;
    }
    const digits = v.replace(/[^0-9]/g, '');
    return v.startsWith('+') ? `+${digits}` : digits.startsWith('0') ? `+62${digits.slice(1)}` : `+${digits}`;
  }

  /** An integer in [min, max]. */
  int(field: string, value: number | null | undefined, min: number, max: number): number | null | undefined {
    if (value === undefined || value === null) return value;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.add(field, 'OUT_OF_RANGE', `${field} must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** A calendar date `YYYY-MM-DD` that exists (year 0001 on: PostgreSQL has no year 0000). */
  date(field: string, value: string | null | undefined): string | null | undefined {
    if (value === undefined || value === null) return value;
    const d = new Date(`${value}T00:00:00Z`);
    if (
      !DATE.test(value) ||
      value.startsWith('0000') ||
      Number.isNaN(d.getTime()) ||
      d.toISOString().slice(0, 10) !== value
    ) {
      this.add(field, 'INVALID_DATE', `${field} must be a date like 2026-12-31`);
      return undefined;
    }
    return value;
  }

  /** Money ≥ 0 with a 3-letter currency (default `currency`). */
  money(
    field: string,
    value: { amount: string; currency?: string | null } | null | undefined,
    defaultCurrency: string,
  ): { amount: string; currency: string } | null | undefined {
    if (value === undefined || value === null) return value;
    const currency = (value.currency ?? defaultCurrency).trim().toUpperCase();
    let ok = true;
    if (Number(value.amount) < 0 || Number.isNaN(Number(value.amount))) {
      this.add([field, 'amount'], 'NEGATIVE_AMOUNT', `${field} must not be negative`);
      ok = false;
    }
    if (!CURRENCY.test(currency)) {
      this.add([field, 'currency'], 'INVALID_CURRENCY', `${field}.currency must be a 3-letter ISO 4217 code`);
      ok = false;
    }
    return ok ? { amount: twoDecimals(value.amount), currency } : undefined;
  }

  /**
   * Throws one BAD_USER_INPUT naming `arg` when any date of a query filter is impossible
   * (2026-02-30): filters are arguments, not payloads, so they have no userErrors.
   */
  static assertFilterDates(arg: string, dates: Record<string, string | null | undefined>): void {
    const checks = new Checks();
    for (const [field, value] of Object.entries(dates)) checks.date(field, value);
    if (checks.errors.length) throw DomainError.badInput(checks.errors.map((e) => e.message).join('; '), arg);
  }

  /** An http(s) URL. */
  url(field: string, value: string | null | undefined): string | null | undefined {
    if (value === undefined || value === null) return value;
    try {
      const u = new URL(value);
      if (u.protocol === 'http:' || u.protocol === 'https:') return value;
    } catch {
      /* fall through */
    }
    this.add(field, 'INVALID_URL', `${field} must be an http(s) URL`);
    return undefined;
  }

  /** Up to `maxItems` trimmed, distinct, non-empty strings of at most `maxLength`. */
  list(field: string, value: string[] | null | undefined, maxItems: number, maxLength: number): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    const cleaned = [...new Set(value.map((v) => v.trim()).filter(Boolean))];
    if (cleaned.length > maxItems || cleaned.some((v) => v.length > maxLength)) {
      this.add(field, 'INVALID_LIST', `${field} takes at most ${maxItems} items of at most ${maxLength} characters`);
      return undefined;
    }
    return cleaned;
  }

  /** Throws the collected problems, if any. */
  throwIfAny(): void {
    if (this.errors.length) throw new ValidationFailed(this.errors);
  }
}

/** "12" → "12.00", "12.5" → "12.50": amounts read back exactly as the numeric(…, 2) column returns them. */
function twoDecimals(amount: string): string {
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(amount.trim());
  return m ? `${BigInt(m[1]).toString()}.${(m[2] ?? '').padEnd(2, '0')}` : amount;
}
