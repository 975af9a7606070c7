import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';

import { generateApiKey } from '../../platform/auth/api-keys.js';
import type { TokenService } from '../../platform/auth/jwt.js';
import { escapeLike } from '../../platform/db/like.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { isEmail, normalizeEmail } from '../../platform/validation.js';
import { ApiKey } from './api-key.entity.js';
import { Role } from './role.js';
import { TeamMember } from './team-member.entity.js';
import { Tenant } from './tenant.entity.js';

/** Runs inside the transaction that creates a tenant, to seed its defaults. */
export type TenantInitializer = (em: EntityManager, tenant: Tenant) => Promise<void>;

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Tenants, team members and API keys. */
export class TenancyService {
  constructor(
    private readonly tokens: TokenService,
    private readonly initializers: TenantInitializer[] = [],
  ) {}

  /**
   * Finds the tenant with `slug` or creates it (running every {@link TenantInitializer} in the
   * same transaction). `root` is an unscoped EntityManager.
   */
  async ensureTenant(root: EntityManager, slug: string, name?: string): Promise<{ tenant: Tenant; created: boolean }> {
    if (!SLUG.test(slug))
      throw ValidationFailed.of('tenant', 'INVALID_SLUG', 'Tenant slug must be lowercase letters, digits and dashes');
    const existing = await root.fork().findOne(Tenant, { slug });
    if (existing) return { tenant: existing, created: false };
    try {
      const tenant = await root.fork().transactional(async (tx) => {
        const t = tx.create(Tenant, { slug, name: name ?? slug });
        await tx.flush();
        const scoped = forkForTenant(tx, t.id);
        for (const init of this.initializers) await init(scoped, t);
        await scoped.flush();
        return t;
      });
      return { tenant, created: true };
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        const raced = await root.fork().findOneOrFail(Tenant, { slug });
        return { tenant: raced, created: false };
      }
      throw err;
    }
  }

  /** Finds the member by email (case-insensitive) in the scoped `em`, or creates it with `role`. */
  async ensureMember(em: EntityManager, email: string, role: Role, name?: string): Promise<TeamMember> {
    const existing = await this.findMemberByEmail(em, email);
    if (existing) return existing;
    return this.createMember(em, { email, role, name });
  }

  /** Mints a token for a member, creating tenant and member if missing (the `token` CLI). */
  async mintToken(
    root: EntityManager,
    input: { email: string; tenant: string; role?: Role },
  ): Promise<{ token: string; member: TeamMember; tenant: Tenant }> {
    const { tenant } = await this.ensureTenant(root, input.tenant);
    const em = forkForTenant(root, tenant.id);
    const member = await this.ensureMember(em, input.email, input.role ?? Role.ADMIN);
    if (input.role && member.role !== input.role) {
      member.role = input.role;
      await em.flush();
    }
    const token = await this.tokens.sign({ sub: member.id, tid: tenant.id, role: member.role });
    return { token, member, tenant };
  }

  findMemberByEmail(em: EntityManager, email: string): Promise<TeamMember | null> {
    return em.findOne(TeamMember, { email: { $ilike: escapeLike(normalizeEmail(email)) } });
  }

  /** Creates a team member; a taken email is a user error. */
  async createMember(
    em: EntityManager,
    input: { email: string; role: Role; name?: string | null },
  ): Promise<TeamMember> {
    const email = normalizeEmail(input.email);
    if (!isEmail(email))
      throw ValidationFailed.of('email', 'INVALID_EMAIL', `"${input.email}" is not a valid email address`);
    const name = (input.name ?? email.split('@')[0]).trim();
    if (!name || name.length > 200)
      throw ValidationFailed.of('name', 'INVALID_LENGTH', 'Name must be 1–200 characters');
    const taken = await this.findMemberByEmail(em, email);
    if (taken) throw ValidationFailed.of('email', 'TAKEN', `A team member with email ${taken.email} already exists`);
    const member = em.create(TeamMember, { email, name, role: input.role, active: true });
    await em.flush();
    return member;
  }

  /** Changes a member's name, role or active flag. */
  async updateMember(
    em: EntityManager,
    id: string,
    patch: { name?: string | null; role?: Role | null; active?: boolean | null },
  ): Promise<TeamMember> {
    const member = await em.findOne(TeamMember, { id });
    if (!member) throw DomainError.notFound('TeamMember', id);
    if (patch.name != null) {
      const name = patch.name.trim();
      if (!name || name.length > 200)
        throw ValidationFailed.of('name', 'INVALID_LENGTH', 'Name must be 1–200 characters');
      member.name = name;
    }
    if (patch.role != null) member.role = patch.role;
    if (patch.active != null) member.active = patch.active;
    await em.flush();
    return member;
  }

  /** Creates an API key; returns the entity and the key, which is never shown again. */
  async createApiKey(em: EntityManager, input: { name: string; role: Role }): Promise<{ apiKey: ApiKey; key: string }> {
    const name = input.name.trim();
    if (!name || name.length > 200)
      throw ValidationFailed.of('name', 'INVALID_LENGTH', 'Name must be 1–200 characters');
    const generated = generateApiKey();
    const apiKey = em.create(ApiKey, { name, role: input.role, prefix: generated.prefix, keyHash: generated.hash });
    await em.flush();
    return { apiKey, key: generated.key };
  }

  /** Revokes an API key (idempotent). */
  async revokeApiKey(em: EntityManager, id: string): Promise<ApiKey> {
    const apiKey = await em.findOne(ApiKey, { id });
    if (!apiKey) throw DomainError.notFound('ApiKey', id);
    apiKey.revokedAt ??= new Date();
    await em.flush();
    return apiKey;
  }
}
