import type { EntityManager } from '@mikro-orm/core';

import { hashApiKey } from '../../platform/auth/api-keys.js';
import type { TokenService } from '../../platform/auth/jwt.js';
import type { Credentials, Principal, UnconfirmedPrincipal } from '../../platform/auth/principal.js';
import { readRowsInPrepared } from '../../platform/db/read-model.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { ApiKey } from './api-key.entity.js';
import { TeamMember } from './team-member.entity.js';

/** How often (at most) an API key's lastUsedAt is written. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Turns credentials into a {@link Principal}. */
export class AuthService {
  constructor(private readonly tokens: TokenService) {}

  /**
   * Returns the principal for the credentials, null when none were sent, and throws
   * UNAUTHENTICATED when they were sent but are invalid, expired, revoked or of an inactive member.
   * `root` is an unscoped EntityManager (credentials are looked up before the tenant is known).
   */
  async authenticate(root: EntityManager, credentials: Credentials): Promise<Principal | null> {
    const found = await this.authenticateLater(root, credentials);
    return found && 'confirm' in found ? found.confirm() : found;
  }

  /**
   * {@link authenticate}, except that for a token the member's row is not read yet: its principal
   * as the claims describe it, with the check to make (see {@link UnconfirmedPrincipal}).
   */
  async authenticateLater(
    root: EntityManager,
    credentials: Credentials,
  ): Promise<Principal | UnconfirmedPrincipal | null> {
    const apiKey = credentials.apiKey?.trim();
    if (apiKey) {
      const em = root.fork();
      const key = await em.findOne(ApiKey, { keyHash: hashApiKey(apiKey) }, { filters: false });
      if (!key || key.revokedAt) throw DomainError.unauthenticated('Invalid or revoked API key');
      if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date() }, { filters: false });
      }
      return {
        kind: 'apiKey',
        tenantId: key.tenant.id,
        role: key.role,
        apiKeyId: key.id,
        label: `API key "${key.name}"`,
      };
    }
    const header = credentials.authorization?.trim();
    if (!header) return null;
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) throw DomainError.unauthenticated('Authorization must be "Bearer <token>"');
    const claims = await this.tokens.verify(match[1]);
    if (!claims) throw DomainError.unauthenticated('Invalid or expired token');
    const expiresAt = claims.exp !== undefined ? { expiresAt: claims.exp * 1000 } : {};
    return {
      principal: {
        kind: 'member',
        tenantId: claims.tid,
        role: claims.role,
        memberId: claims.sub,
        label: claims.sub,
        ...expiresAt,
      },
      check: { entity: TeamMember, where: { id: claims.sub, active: true, role: claims.role } },
      // Checked on every request, so deactivating a member locks their tokens out at once.
      confirm: async () => {
        const [member] = await readRowsInPrepared(forkForTenant(root, claims.tid), TeamMember, 'id', [claims.sub]);
        if (!member || !member.active)
          throw DomainError.unauthenticated('Token does not belong to an active team member');
        return {
          kind: 'member',
          tenantId: claims.tid,
          role: member.role,
          memberId: member.id,
          label: member.name,
          ...expiresAt,
        };
      },
    };
  }
}
