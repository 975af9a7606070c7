import type { EntityManager } from '@mikro-orm/core';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';

import { generateApiKey } from '../../platform/auth/api-keys.js';
import type { TokenService } from '../../platform/auth/jwt.js';
import type { Principal } from '../../platform/auth/principal.js';
import { escapeLike } from '../../platform/db/like.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { isEmail, normalizeEmail } from '../../platform/validation.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { ApiKey } from './api-key.entity.js';
import { Role } from './role.js';
import { TeamMember } from './team-member.entity.js';
import { Tenant } from './tenant.entity.js';

/** A member after a change, and the API keys the change revoked (theirs, when deactivated). */
export interface MemberChange {
  member: TeamMember;
  /** The same member, under the payload's name. */
  teamMember: TeamMember;
  revokedApiKeys: ApiKey[];
}

/** Runs inside the transaction that creates a tenant, to seed its defaults. */
export type TenantInitializer = (em: EntityManager, tenant: Tenant) => Promise<void>;

/** The fields of a member a TEAM_MEMBER_UPDATED event records. */
function memberFields(member: TeamMember): { name: string; role: Role } {
  return { name: member.name, role: member.role };
}

/**
 * Records TEAM_MEMBER_UPDATED when a member's name or role differs from `before` (segments on
 * `owner.name` / `owner.role` / `assignee.*` are re-checked on it); nothing when neither changed.
 */
function recordMemberUpdate(
  em: EntityManager,
  actor: Principal | null,
  member: TeamMember,
  before: { name: string; role: Role },
): void {
  const change = diff(before, memberFields(member));
  if (!change) return;
  recordEvent(em, actor, {
    type: TimelineEventType.TEAM_MEMBER_UPDATED,
    subject: member,
    summary: `${member.name} updated: ${Object.keys(change.after).join(', ')}`,
    data: change,
  });
}

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
      const before = memberFields(member);
      member.role = input.role;
      recordMemberUpdate(em, null, member, before);
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

  /**
   * Changes a member's name, role or active flag, in one transaction. A change of the active flag
   * is {@link setActive}'s (its rules, events and revoked keys); the tenant's last active ADMIN
   * cannot be demoted. `actor` (who asks) is the events' actor; none: the system.
   */
  async updateMember(
    em: EntityManager,
    id: string,
    patch: { name?: string | null; role?: Role | null; active?: boolean | null },
    actor: Principal | null = null,
  ): Promise<MemberChange> {
    const member = await em.findOne(TeamMember, { id });
    if (!member) throw DomainError.notFound('TeamMember', id);
    let name: string | undefined;
    if (patch.name != null) {
      name = patch.name.trim();
      if (!name || name.length > 200)
        throw ValidationFailed.of('name', 'INVALID_LENGTH', 'Name must be 1–200 characters');
    }
    return em.transactional(async (tx) => {
      const activeChange =
        patch.active != null && patch.active !== member.active
          ? await this.applyActive(tx, actor, member, patch.active)
          : [];
      if (patch.role != null && patch.role !== member.role && member.role === Role.ADMIN && member.active)
        await this.assertOtherAdmin(tx, member, 'role', 'demote');
      const before = memberFields(member);
      if (name) member.name = name;
      if (patch.role != null) member.role = patch.role;
      tx.persist(member);
      recordMemberUpdate(tx, actor, member, before);
      return { member, teamMember: member, revokedApiKeys: activeChange };
    });
  }

  /**
   * Deactivates (`active` false) or reactivates a member. A deactivated member's tokens stop
   * authenticating at once (every request re-reads the member) and the API keys they created are
   * revoked; the caller announces both to open WebSockets. Refused (user errors): deactivating
   * yourself, the tenant's last active ADMIN, or a member already in that state.
   */
  async setActive(em: EntityManager, actor: Principal, id: string, active: boolean): Promise<MemberChange> {
    const member = await em.findOne(TeamMember, { id });
    if (!member) throw DomainError.notFound('TeamMember', id);
    if (member.active === active)
      throw ValidationFailed.of(
        'id',
        active ? 'ALREADY_ACTIVE' : 'ALREADY_INACTIVE',
        `${member.name} is already ${active ? 'active' : 'inactive'}`,
      );
    return em.transactional(async (tx) => {
      const revokedApiKeys = await this.applyActive(tx, actor, member, active);
      return { member, teamMember: member, revokedApiKeys };
    });
  }

  /** Sets the active flag inside `tx`, with its checks, revocations and event; returns the revoked keys. */
  private async applyActive(
    tx: EntityManager,
    actor: Principal | null,
    member: TeamMember,
    active: boolean,
  ): Promise<ApiKey[]> {
    let revoked: ApiKey[] = [];
    if (!active) {
      if (actor?.memberId === member.id)
        throw ValidationFailed.of('id', 'CANNOT_DEACTIVATE_SELF', 'You cannot deactivate yourself');
      if (member.role === Role.ADMIN) await this.assertOtherAdmin(tx, member, 'id', 'deactivate');
      revoked = await tx.find(ApiKey, { createdBy: member.id, revokedAt: null });
      const now = new Date();
      for (const key of revoked) key.revokedAt = now;
    }
    member.active = active;
    tx.persist([member, ...revoked]);
    recordEvent(
      tx,
      actor,
      active
        ? {
            type: TimelineEventType.TEAM_MEMBER_REACTIVATED,
            subject: member,
            summary: `${member.name} reactivated`,
            data: { before: { active: false }, after: { active: true } },
          }
        : {
            type: TimelineEventType.TEAM_MEMBER_DEACTIVATED,
            subject: member,
            summary: `${member.name} deactivated${revoked.length ? `; ${revoked.length} API key(s) revoked` : ''}`,
            data: {
              before: { active: true },
              after: { active: false },
              revokedApiKeys: revoked.map((k) => k.nodeId),
            },
          },
    );
    return revoked;
  }

  /**
   * Refuses (user error LAST_ADMIN) to take away the tenant's last active ADMIN. The active ADMIN
   * rows stay locked until the transaction ends, so two admins removing each other at once cannot
   * both succeed.
   */
  private async assertOtherAdmin(tx: EntityManager, member: TeamMember, field: string, what: string): Promise<void> {
    const admins = await tx.find(
      TeamMember,
      { role: Role.ADMIN, active: true },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    if (!admins.some((a) => a.id !== member.id))
      throw ValidationFailed.of(
        field,
        'LAST_ADMIN',
        `You cannot ${what} ${member.name}: the tenant's last active ADMIN`,
      );
  }

  /** Creates an API key; returns the entity and the key, which is never shown again. */
  async createApiKey(
    em: EntityManager,
    input: { name: string; role: Role },
    createdBy?: string | null,
  ): Promise<{ apiKey: ApiKey; key: string }> {
    const name = input.name.trim();
    if (!name || name.length > 200)
      throw ValidationFailed.of('name', 'INVALID_LENGTH', 'Name must be 1–200 characters');
    const generated = generateApiKey();
    const apiKey = em.create(ApiKey, {
      name,
      role: input.role,
      prefix: generated.prefix,
      keyHash: generated.hash,
      createdBy: createdBy ? em.getReference(TeamMember, createdBy) : null,
    });
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
