/**
 * Lead qualification (BANT), organisation and person fields of generated clients (issue 17), from
 * the context's `extra` random source so the rest of a seed's records stay as they were.
 */
import { Address } from '../../modules/clients/address.js';
import { BantAuthority, BantNeed, BantTimeframe } from '../../modules/clients/bant.enums.js';
import type { Client } from '../../modules/clients/client.entity.js';
import { LifecycleStage } from '../../modules/clients/client.enums.js';
import { DEFAULT_LEAD_SCORE_WEIGHTS, hasBant, leadScore } from '../../modules/clients/lead-score.rules.js';
import type { Batch, Row, SeedContext } from './context.js';
import { ID_MOBILE_PREFIXES } from './reference/people.js';

const INDUSTRIES = ['Hospitality', 'Real estate', 'Food and beverage', 'Export', 'Education', 'Wellness', 'Consulting'];
const TERRITORIES = ['Bali', 'Jakarta', 'Lombok', 'Surabaya', 'Yogyakarta'];
const CITIES: [string, string, string][] = [
  ['Denpasar', 'Bali', '80111'],
  ['Ubud', 'Bali', '80571'],
  ['Canggu', 'Bali', '80351'],
  ['Jakarta Selatan', 'DKI Jakarta', '12190'],
  ['Mataram', 'Nusa Tenggara Barat', '83121'],
];
const JOB_TITLES = ['Director', 'Finance Manager', 'Operations Manager', 'HR Manager', 'Owner', 'General Manager'];

/** People of each generated organisation (ids), per context: reports-to and primary contacts come from them. */
const members = new WeakMap<SeedContext, Map<string, string[]>>();

/** Fills the BANT, organisation and person fields of a generated client row (before it is inserted). */
export function fillProfile(g: SeedContext, b: Batch, client: Row<Client>, isOrg: boolean): void {
  const x = g.extra;
  const stage = client.lifecycleStage as LifecycleStage;
  if ((stage === LifecycleStage.LEAD || stage === LifecycleStage.PROSPECT) && x.number.float() < 0.7) {
    const bant = {
      budget: x.datatype.boolean(0.8) ? g.money(x.number.int({ min: 5, max: 200 }) * 1_000_000, '') : null,
      authority: x.helpers.arrayElement([...Object.values(BantAuthority), null]),
      need: x.helpers.arrayElement([...Object.values(BantNeed), null]),
      needNotes: x.datatype.boolean(0.4) ? 'Wants everything done before the visa runs out' : null,
      timeframe: x.helpers.arrayElement([...Object.values(BantTimeframe), null]),
    };
    Object.assign(client, bant);
    if (hasBant(bant)) client.leadScore = leadScore(bant, DEFAULT_LEAD_SCORE_WEIGHTS);
  }
  if (isOrg) {
    const [city, region, postalCode] = x.helpers.arrayElement(CITIES);
    client.industry = x.helpers.arrayElement(INDUSTRIES);
    client.territory = x.helpers.arrayElement(TERRITORIES);
    client.address = Object.assign(new Address(), {
      street: `Jl. ${x.helpers.arrayElement(['Raya', 'Sunset Road', 'Bypass Ngurah Rai', 'Gatot Subroto'])} No. ${x.number.int({ min: 1, max: 300 })}`,
      city,
      region,
      postalCode,
      country: 'ID',
    });
    client.annualRevenue = g.money(x.number.int({ min: 1, max: 500 }) * 100_000_000, '');
    client.employees = x.number.int({ min: 2, max: 400 });
    const others = g.orgs.filter((o) => o.id !== client.id);
    if (others.length && x.number.float() < 0.2) client.parentOrganization = x.helpers.arrayElement(others).id;
    return;
  }
  client.jobTitle = client.organization ? x.helpers.arrayElement(JOB_TITLES) : null;
  client.mobile = x.datatype.boolean(0.3)
    ? `+62${x.helpers.arrayElement(ID_MOBILE_PREFIXES)}${x.string.numeric(8)}`
    : null;
  const org = client.organization as string | null;
  if (!org) return;
  let byOrg = members.get(g);
  if (!byOrg) members.set(g, (byOrg = new Map<string, string[]>()));
  const people = byOrg.get(org) ?? [];
  if (people.length) client.reportsTo = people[0];
  else {
    // The first person of an organisation generated in this batch becomes its primary contact.
    const orgRow = b.clients.find((c) => c.id === org);
    if (orgRow) orgRow.primaryContact = client.id;
  }
  byOrg.set(org, [...people, client.id as string]);
}
