import { DomainError } from '../errors.js';
import { Role, WRITER_ROLES } from './role.js';

/** Who is calling: a team member (JWT) or a program (API key), always within one tenant. */
export interface Principal {
  kind: 'member' | 'apiKey';
  tenantId: string;
  role: Role;
  /** Team member id, for `kind: 'member'`. */
  memberId?: string;
  /** API key id, for `kind: 'apiKey'`. */
  apiKeyId?: string;
  /** Who this is, in words, for the audit trail: a member's name or `API key "<name>"`. */
  label: string;
  /**
   * When the credentials stop being valid (a token's `exp`, in ms since the epoch); absent when they
   * do not expire (API keys). A WebSocket authenticated with them is closed then.
   */
  expiresAt?: number;
}

/** Credentials as they arrive on HTTP headers or graphql-ws connectionParams. */
export interface Credentials {
  /** `Bearer <JWT>`. */
  authorization?: string | null;
  /** An API key. */
  apiKey?: string | null;
}

/**
 * Turns credentials into a principal: null when none were sent; throws a {@link DomainError}
 * (UNAUTHENTICATED) when they were sent but are not valid. The composition root supplies it.
 */
export type Authenticate = (credentials: Credentials) => Promise<Principal | null>;

/**
 * A team member's principal as a verified token's claims describe it, not yet checked against the
 * member's row (active, role). {@link confirm} reads the row; the fast read path instead folds
 * {@link check} into its own statement (one statement per request), and confirms only when it fails.
 */
export interface UnconfirmedPrincipal {
  /** The principal the claims describe (the token's tenant, member and role). */
  principal: Principal;
  /**
   * The rows of `entity` (tenant-scoped) matching `where` exist exactly when the claims still hold
   * (the member is active and has the token's role).
   */
  check: { entity: { name: string }; where: Record<string, unknown> };
  /** Reads the member's row: the principal as it makes it, or throws UNAUTHENTICATED (a DomainError). */
  confirm(): Promise<Principal>;
}

/**
 * {@link Authenticate} that leaves a token's member check for later: a principal (API key), an
 * {@link UnconfirmedPrincipal} (token) or null (no credentials); throws as {@link Authenticate} for
 * credentials it can refuse without reading the member (bad signature, expired, revoked API key).
 */
export type AuthenticateLater = (credentials: Credentials) => Promise<Principal | UnconfirmedPrincipal | null>;

/** Returns the principal or throws UNAUTHENTICATED. */
export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw DomainError.unauthenticated();
  return principal;
}

/** Throws FORBIDDEN unless the principal's role is one of `roles`. */
export function requireRole(principal: Principal | null, roles: readonly Role[]): Principal {
  const p = requirePrincipal(principal);
  if (!roles.includes(p.role)) {
    throw DomainError.forbidden(`This operation needs one of the roles ${roles.join(', ')}; you are ${p.role}`);
  }
  return p;
}

/** Throws FORBIDDEN for VIEWERs: every mutation that changes CRM data calls this. */
export function requireWriter(principal: Principal | null): Principal {
  return requireRole(principal, WRITER_ROLES);
}
