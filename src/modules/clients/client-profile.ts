import type { EntityManager } from '@mikro-orm/core';

import { resolveRef } from '../../platform/db/refs.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Money } from '../../platform/graphql/money.js';
import { Checks } from '../../platform/validation.js';
import { Address, type AddressInput } from './address.js';
import { Client } from './client.entity.js';
import { ClientKind, LifecycleStage } from './client.enums.js';
import type { ClientProfileInput } from './client.input.js';
import { DEFAULT_LEAD_SCORE_WEIGHTS, hasBant, leadScore, type LeadScoreWeights } from './lead-score.rules.js';
import { LeadScoring } from './lead-scoring.entity.js';

/** Stages at which BANT answers may be written: the lead stages. */
export const LEAD_STAGES: readonly LifecycleStage[] = [LifecycleStage.LEAD, LifecycleStage.PROSPECT];

const ORGANIZATION_ONLY = [
  'industry',
  'territory',
  'address',
  'annualRevenue',
  'employees',
  'parentOrganizationId',
  'primaryContactId',
] as const;
const PERSON_ONLY = ['jobTitle', 'mobile', 'reportsToId'] as const;
const COUNTRY = /^[A-Z]{2}$/;
/** How far up a chain (parent organisations, reports-to) a cycle is looked for. */
const MAX_CHAIN = 100;

/** A checked change of a client's BANT, organisation and person fields (undefined: unchanged). */
export type ProfilePatch = Partial<
  Pick<
    Client,
    | 'budget'
    | 'authority'
    | 'need'
    | 'needNotes'
    | 'timeframe'
    | 'industry'
    | 'territory'
    | 'address'
    | 'annualRevenue'
    | 'employees'
    | 'parentOrganization'
    | 'primaryContact'
    | 'jobTitle'
    | 'mobile'
    | 'reportsTo'
  >
>;

/** The tenant's lead score weights (the defaults until an ADMIN changes them). */
export async function leadScoreWeights(em: EntityManager): Promise<LeadScoreWeights> {
  const row = await em.findOne(LeadScoring, {});
  return row
    ? {
        budgetWeight: row.budgetWeight,
        authorityWeight: row.authorityWeight,
        needWeight: row.needWeight,
        timelineWeight: row.timelineWeight,
      }
    : { ...DEFAULT_LEAD_SCORE_WEIGHTS };
}

/**
 * Checks the BANT, organisation and person fields of a createClient/updateClient input for a
 * client that will be of `kind` at `stage` (`self`: the client being changed, null when creating);
 * problems go to `checks`, the clean change is returned.
 */
export async function checkProfile(
  em: EntityManager,
  checks: Checks,
  input: ClientProfileInput,
  target: { self: Client | null; kind: ClientKind; stage: LifecycleStage; currency: string },
): Promise<ProfilePatch> {
  const patch: ProfilePatch = {};
  const given = input as Record<string, unknown>;
  const isOrg = target.kind === ClientKind.ORGANIZATION;
  for (const field of isOrg ? PERSON_ONLY : ORGANIZATION_ONLY) {
    if (given[field] != null)
      checks.add(
        field,
        isOrg ? 'PERSON_ONLY' : 'ORGANIZATION_ONLY',
        `${field} is for ${isOrg ? 'people' : 'organisations'} only`,
      );
  }
  const bant = input.bant;
  if (bant === null)
    Object.assign(patch, { budget: null, authority: null, need: null, needNotes: null, timeframe: null });
  else if (bant) {
    if (!LEAD_STAGES.includes(target.stage))
      checks.add('bant', 'NOT_A_LEAD', `BANT is for leads (LEAD or PROSPECT); the client is ${target.stage}`);
    nested(checks, 'bant', (sub) => {
      const budget = sub.money('budget', bant.budget, target.currency);
      if (budget !== undefined) patch.budget = budget ? new Money(budget.amount, budget.currency) : null;
      const notes = sub.text('needNotes', bant.needNotes, 2000);
      if (notes !== undefined) patch.needNotes = notes;
    });
    if (bant.authority !== undefined) patch.authority = bant.authority;
    if (bant.need !== undefined) patch.need = bant.need;
    if (bant.timeframe !== undefined) patch.timeframe = bant.timeframe;
  }
  setText(patch, 'industry', checks.text('industry', input.industry, 100));
  setText(patch, 'territory', checks.text('territory', input.territory, 100));
  setText(patch, 'jobTitle', checks.text('jobTitle', input.jobTitle, 100));
  const mobile = checks.phone('mobile', input.mobile);
  if (mobile !== undefined) patch.mobile = mobile;
  const employees = checks.int('employees', input.employees, 0, 10_000_000);
  if (employees !== undefined) patch.employees = employees;
  const revenue = checks.money('annualRevenue', input.annualRevenue, target.currency);
  if (revenue !== undefined) patch.annualRevenue = revenue ? new Money(revenue.amount, revenue.currency) : null;
  if (input.address !== undefined) {
    const address = nested(checks, 'address', (sub) => checkAddress(sub, input.address!));
    if (address !== undefined) patch.address = address;
  }

  const parent = await resolveRef(em, checks, 'parentOrganizationId', Client, input.parentOrganizationId);
  if (parent) {
    if (parent.kind !== ClientKind.ORGANIZATION)
      checks.add('parentOrganizationId', 'NOT_AN_ORGANIZATION', `${parent.fullName} is not an organisation`);
    else if (target.self && (await reaches(em, parent, target.self.id, 'parentOrganization')))
      checks.add('parentOrganizationId', 'CYCLE', 'An organisation cannot be its own parent, directly or not');
  }
  if (input.parentOrganizationId !== undefined && parent !== undefined) patch.parentOrganization = parent as never;

  const boss = await resolveRef(em, checks, 'reportsToId', Client, input.reportsToId);
  if (boss) {
    if (boss.kind !== ClientKind.PERSON) checks.add('reportsToId', 'NOT_A_PERSON', `${boss.fullName} is not a person`);
    else if (target.self && (await reaches(em, boss, target.self.id, 'reportsTo')))
      checks.add('reportsToId', 'CYCLE', 'A person cannot report to themselves, directly or not');
  }
  if (input.reportsToId !== undefined && boss !== undefined) patch.reportsTo = boss as never;

  const contact = await resolveRef(em, checks, 'primaryContactId', Client, input.primaryContactId);
  if (contact && (!target.self || refId(contact.organization) !== target.self.id))
    checks.add('primaryContactId', 'NOT_A_MEMBER', `${contact.fullName} is not a person of this organisation`);
  if (input.primaryContactId !== undefined && contact !== undefined) patch.primaryContact = contact as never;
  return patch;
}

/** Applies a checked patch and recomputes the lead score when the client has BANT answers. */
export function applyProfile(client: Client, patch: ProfilePatch, weights: LeadScoreWeights): void {
  Object.assign(client, patch);
  if (hasBant(client)) client.leadScore = leadScore(client, weights);
}

/** Whether the client's BANT (after `patch`) makes its lead score computed. */
export function bantAfter(client: Client | null, patch: ProfilePatch): boolean {
  return hasBant({
    budget: 'budget' in patch ? patch.budget : client?.budget,
    authority: 'authority' in patch ? patch.authority : client?.authority,
    need: 'need' in patch ? patch.need : client?.need,
    timeframe: 'timeframe' in patch ? patch.timeframe : client?.timeframe,
  });
}

function setText<K extends 'industry' | 'territory' | 'jobTitle'>(
  patch: ProfilePatch,
  key: K,
  value: string | null | undefined,
): void {
  if (value !== undefined) patch[key] = value;
}

function checkAddress(checks: Checks, input: AddressInput | null): Address | null | undefined {
  if (input === null) return null;
  const parts = {
    street: checks.text('street', input.street, 300),
    city: checks.text('city', input.city, 100),
    region: checks.text('region', input.region, 100),
    postalCode: checks.text('postalCode', input.postalCode, 20),
    country: input.country?.trim().toUpperCase() || null,
  };
  if (parts.country && !COUNTRY.test(parts.country)) {
    checks.add('country', 'INVALID_COUNTRY', 'country must be an ISO 3166-1 alpha-2 code such as ID');
    return undefined;
  }
  if (Object.values(parts).some((v) => v === undefined)) return undefined;
  if (Object.values(parts).every((v) => v == null)) return null;
  const address = new Address();
  Object.assign(address, {
    street: parts.street ?? null,
    city: parts.city ?? null,
    region: parts.region ?? null,
    postalCode: parts.postalCode ?? null,
    country: parts.country,
  });
  return address;
}

/** Runs checks of a nested input object, their field paths under `field`; undefined when any failed. */
export function nested<T>(checks: Checks, field: string, run: (sub: Checks) => T): T | undefined {
  const sub = new Checks();
  const value = run(sub);
  for (const e of sub.errors) checks.errors.push({ ...e, field: ['input', field, ...(e.field ?? []).slice(1)] });
  return sub.errors.length ? undefined : value;
}

/** {@link nested} for checks that read the database. */
export async function nestedAsync<T>(
  checks: Checks,
  field: string,
  run: (sub: Checks) => Promise<T>,
): Promise<T | undefined> {
  const sub = new Checks();
  const value = await run(sub);
  for (const e of sub.errors) checks.errors.push({ ...e, field: ['input', field, ...(e.field ?? []).slice(1)] });
  return sub.errors.length ? undefined : value;
}

/** Whether following `via` up from `start` reaches the client `id`. */
async function reaches(
  em: EntityManager,
  start: Client,
  id: string,
  via: 'parentOrganization' | 'reportsTo',
): Promise<boolean> {
  let current: Client | null = start;
  for (let i = 0; current && i < MAX_CHAIN; i++) {
    if (current.id === id) return true;
    const next = refId(current[via]);
    current = next ? await em.findOne(Client, { id: next }) : null;
  }
  return false;
}
