import type { EntityManager } from '@mikro-orm/core';

import { Money } from '../../platform/graphql/money.js';
import { StageKind } from '../deals/deal.enums.js';
import { Pipeline, PipelineStage } from '../deals/pipeline.entity.js';
import { PracticeType } from '../practices/practice-type.entity.js';
import type { Tenant } from './tenant.entity.js';

/** The practice types every tenant starts with (api.md). Prices in IDR. */
export const DEFAULT_PRACTICE_TYPES = [
  {
    code: 'KITAS',
    name: 'KITAS (limited stay permit)',
    renewable: true,
    renewalPeriodDays: 365,
    price: '15000000',
    docs: ['PASSPORT', 'PHOTO', 'SPONSOR_LETTER'],
  },
  {
    code: 'KITAP',
    name: 'KITAP (permanent stay permit)',
    renewable: true,
    renewalPeriodDays: 1825,
    price: '25000000',
    docs: ['PASSPORT', 'PHOTO', 'KITAS', 'SPONSOR_LETTER'],
  },
  {
    code: 'PT_PMA',
    name: 'PT PMA (foreign-owned company)',
    renewable: false,
    renewalPeriodDays: null,
    price: '45000000',
    docs: ['PASSPORT', 'BUSINESS_PLAN', 'SHAREHOLDER_LIST'],
  },
  {
    code: 'INVESTOR_KITAS',
    name: 'Investor KITAS',
    renewable: true,
    renewalPeriodDays: 730,
    price: '20000000',
    docs: ['PASSPORT', 'PHOTO', 'COMPANY_DEED'],
  },
  {
    code: 'RETIREMENT_KITAS',
    name: 'Retirement KITAS',
    renewable: true,
    renewalPeriodDays: 365,
    price: '12000000',
    docs: ['PASSPORT', 'PHOTO', 'PENSION_PROOF', 'INSURANCE'],
  },
  {
    code: 'NPWP',
    name: 'NPWP (tax number)',
    renewable: false,
    renewalPeriodDays: null,
    price: '1500000',
    docs: ['PASSPORT', 'KITAS'],
  },
  {
    code: 'BPJS',
    name: 'BPJS (national health insurance)',
    renewable: true,
    renewalPeriodDays: 365,
    price: '2000000',
    docs: ['PASSPORT', 'KITAS', 'FAMILY_CARD'],
  },
] as const;

/** Stages of the default sales pipeline. */
export const DEFAULT_STAGES = [
  { name: 'New lead', probability: 10, kind: StageKind.OPEN },
  { name: 'Qualified', probability: 25, kind: StageKind.OPEN },
  { name: 'Proposal sent', probability: 50, kind: StageKind.OPEN },
  { name: 'Negotiation', probability: 75, kind: StageKind.OPEN },
  { name: 'Won', probability: 100, kind: StageKind.WON },
  { name: 'Lost', probability: 0, kind: StageKind.LOST },
] as const;

/**
 * Seeds a tenant's practice types and default pipeline; idempotent (adds only what is missing), so
 * it also brings older tenants up to date. `em` is scoped to the tenant.
 */
export async function ensureTenantDefaults(em: EntityManager, tenant: Tenant): Promise<void> {
  const existing = new Set((await em.find(PracticeType, {})).map((t) => t.code));
  for (const t of DEFAULT_PRACTICE_TYPES) {
    if (existing.has(t.code)) continue;
    em.create(PracticeType, {
      code: t.code,
      name: t.name,
      renewable: t.renewable,
      renewalPeriodDays: t.renewalPeriodDays,
      defaultPrice: new Money(t.price, tenant.currency),
      requiredDocuments: [...t.docs],
    });
  }
  if (!(await em.count(Pipeline, {}))) {
    const pipeline = em.create(Pipeline, { name: 'Sales', isDefault: true });
    DEFAULT_STAGES.forEach((s, position) =>
      em.create(PipelineStage, { pipeline, name: s.name, position, probability: s.probability, kind: s.kind }),
    );
  }
  await em.flush();
}
