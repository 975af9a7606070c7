import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { Money } from '../../platform/graphql/money.js';
import { Checks } from '../../platform/validation.js';
import { tenantCurrency } from '../tenancy/tenant.entity.js';
import type { PracticeTypeFields } from '../timeline/event-payloads.js';
import { payloadFields } from '../timeline/payload-fields.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { PracticeType } from './practice-type.entity.js';
import type { CreatePracticeTypeInput, UpdatePracticeTypeInput } from './practice-type.input.js';

const CODE = /^[A-Z][A-Z0-9_]{0,31}$/;

/** Fields of a practice type that events record. */
const TRACKED = [
  'code',
  'name',
  'description',
  'renewable',
  'renewalPeriodDays',
  'validityMonths',
  'defaultPrice',
  'requiredDocuments',
] as const;

function snapshot(t: PracticeType): PracticeTypeFields {
  return payloadFields(t, TRACKED) as PracticeTypeFields;
}

/** A document kind or code as stored: trimmed, upper-cased, spaces and dashes as underscores. */
function normalizeCode(value: string): string {
  return value
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}

/** The tenant's practice types: creation, changes and deactivation (ADMIN or MANAGER). */
export class PracticeTypeService {
  /** Creates a practice type; a code the tenant already uses is a user error (TAKEN). */
  async create(em: EntityManager, actor: Principal, input: CreatePracticeTypeInput): Promise<PracticeType> {
    const checks = new Checks();
    const code = normalizeCode(input.code ?? '');
    if (!CODE.test(code))
      checks.add(
        'code',
        'INVALID_CODE',
        'code must be 1–32 letters, digits or underscores, starting with a letter (e.g. GOLDEN_VISA)',
      );
    const name = checks.text('name', input.name, 200, { required: true, min: 1 });
    const terms = await this.terms(em, actor, checks, input, { renewable: false, days: null, months: null });
    if (CODE.test(code) && (await em.count(PracticeType, { code })))
      checks.add('code', 'TAKEN', `The practice type code ${code} is already used`);
    checks.throwIfAny();
    try {
      return await em.transactional((tx) => {
        const type = tx.create(PracticeType, {
          code,
          name: name!,
          description: terms.description ?? null,
          renewable: terms.renewable ?? false,
          renewalPeriodDays: terms.renewalPeriodDays ?? null,
          validityMonths: terms.validityMonths ?? null,
          defaultPrice: terms.defaultPrice ?? null,
          requiredDocuments: terms.requiredDocuments ?? [],
          active: true,
        });
        recordEvent(tx, actor, {
          type: TimelineEventType.PRACTICE_TYPE_CREATED,
          subject: type,
          summary: `Practice type ${code} (${type.name}) created`,
          data: { after: snapshot(type) },
        });
        return type;
      });
    } catch (err) {
      // Two creations of one code at once: the unique index decides, the loser gets the same user error.
      if (err instanceof UniqueConstraintViolationException)
        throw ValidationFailed.of('code', 'TAKEN', `The practice type code ${code} is already used`);
      throw err;
    }
  }

  /** Changes a practice type's name, description, renewal terms, default price or required documents. */
  async update(em: EntityManager, actor: Principal, input: UpdatePracticeTypeInput): Promise<PracticeType> {
    const type = await this.get(em, input.id);
    const checks = new Checks();
    const name = checks.text('name', input.name, 200, { min: 1 });
    if (input.name === null) checks.add('name', 'REQUIRED', 'name cannot be cleared');
    const terms = await this.terms(em, actor, checks, input, {
      renewable: type.renewable,
      days: type.renewalPeriodDays ?? null,
      months: type.validityMonths ?? null,
    });
    checks.throwIfAny();
    return em.transactional((tx) => {
      const before = snapshot(type);
      if (name) type.name = name;
      for (const k of ['description', 'renewable', 'renewalPeriodDays', 'validityMonths', 'requiredDocuments'] as const)
        if (terms[k] !== undefined) Object.assign(type, { [k]: terms[k] });
      if (terms.defaultPrice !== undefined) type.defaultPrice = terms.defaultPrice;
      tx.persist(type);
      const change = diff(before, snapshot(type));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.PRACTICE_TYPE_UPDATED,
          subject: type,
          summary: `Practice type ${type.code} updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      return type;
    });
  }

  /**
   * Deactivates a practice type: it is no longer offered for new practices (createPractice refuses
   * it; conversations no longer suggest it), while existing practices keep it. Deactivating an
   * inactive type is a user error (ALREADY_INACTIVE).
   */
  async deactivate(em: EntityManager, actor: Principal, globalId: string): Promise<PracticeType> {
    const type = await this.get(em, globalId);
    if (!type.active)
      throw ValidationFailed.of('id', 'ALREADY_INACTIVE', `The practice type ${type.code} is already inactive`);
    return em.transactional((tx) => {
      type.active = false;
      tx.persist(type);
      recordEvent(tx, actor, {
        type: TimelineEventType.PRACTICE_TYPE_DEACTIVATED,
        subject: type,
        summary: `Practice type ${type.code} deactivated`,
        data: { before: { active: true }, after: { active: false } },
      });
      return type;
    });
  }

  /** The practice type with a global ID in the caller's tenant, or NOT_FOUND. */
  async get(em: EntityManager, globalId: string): Promise<PracticeType> {
    const type = await em.findOne(PracticeType, { id: expectGlobalId(globalId, 'PracticeType') });
    if (!type) throw DomainError.notFound('PracticeType', globalId);
    return type;
  }

  /**
   * The checked terms of a create or update input (undefined: not given). A renewable type needs a
   * validity, in days or in months; giving one clears the other.
   */
  private async terms(
    em: EntityManager,
    actor: Principal,
    checks: Checks,
    input: CreatePracticeTypeInput | UpdatePracticeTypeInput,
    current: { renewable: boolean; days: number | null; months: number | null },
  ) {
    const description = checks.text('description', input.description, 2000);
    const days = checks.int('renewalPeriodDays', input.renewalPeriodDays, 1, 3650);
    const months = checks.int('validityMonths', input.validityMonths, 1, 120);
    if (input.renewalPeriodDays != null && input.validityMonths != null)
      checks.add('validityMonths', 'VALIDITY_CONFLICT', 'Give the validity in days or in months, not both');
    const price = checks.money('defaultPrice', input.defaultPrice, await tenantCurrency(em, actor.tenantId));
    let requiredDocuments = checks.list('requiredDocuments', input.requiredDocuments, 30, 64);
    if (requiredDocuments) requiredDocuments = [...new Set(requiredDocuments.map(normalizeCode))];
    if (input.renewable === null) checks.add('renewable', 'REQUIRED', 'renewable cannot be cleared');
    let renewalPeriodDays = days;
    let validityMonths = months;
    if (days != null && input.validityMonths === undefined) validityMonths = null;
    if (months != null && input.renewalPeriodDays === undefined) renewalPeriodDays = null;
    const renewable = input.renewable ?? current.renewable;
    const hasValidity =
      (renewalPeriodDays === undefined ? current.days : renewalPeriodDays) != null ||
      (validityMonths === undefined ? current.months : validityMonths) != null;
    const invalid =
      (input.renewalPeriodDays != null && days === undefined) || (input.validityMonths != null && months === undefined);
    if (renewable && !hasValidity && !invalid)
      checks.add(
        'renewable',
        'VALIDITY_REQUIRED',
        'A renewable practice type needs a validity: renewalPeriodDays or validityMonths',
      );
    return {
      description,
      renewable: input.renewable ?? undefined,
      renewalPeriodDays,
      validityMonths,
      defaultPrice: price === undefined ? undefined : price ? new Money(price.amount, price.currency) : null,
      requiredDocuments,
    };
  }
}
