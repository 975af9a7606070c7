import { ClientKind, LifecycleStage } from '../clients/client.enums.js';
import { type ExternalRecord, type FieldMappingRule, LOCAL_FIELDS } from './provider.js';
import { SyncObjectType } from './sync.enums.js';

/**
 * The CSV connection's default mappings: HubSpot's export column labels. Meridian's own format
 * needs none (its columns are named as the Meridian fields and map onto themselves).
 */
export const CSV_DEFAULT_MAPPINGS: FieldMappingRule[] = [
  { objectType: SyncObjectType.CONTACT, externalField: 'First Name', localField: 'firstName' },
  { objectType: SyncObjectType.CONTACT, externalField: 'Last Name', localField: 'lastName' },
  { objectType: SyncObjectType.CONTACT, externalField: 'Email', localField: 'email' },
  { objectType: SyncObjectType.CONTACT, externalField: 'Phone Number', localField: 'phone' },
  { objectType: SyncObjectType.CONTACT, externalField: 'Lifecycle Stage', localField: 'lifecycleStage' },
  { objectType: SyncObjectType.CONTACT, externalField: 'Country/Region', localField: 'nationality' },
  { objectType: SyncObjectType.CONTACT, externalField: 'Company Name', localField: 'companyName' },
  { objectType: SyncObjectType.COMPANY, externalField: 'Company name', localField: 'fullName' },
  { objectType: SyncObjectType.COMPANY, externalField: 'Phone Number', localField: 'phone' },
  { objectType: SyncObjectType.COMPANY, externalField: 'Country/Region', localField: 'nationality' },
];

/** Mapped values of a contact or company, as Meridian names them (strings, before validation). */
export type LocalValues = Partial<Record<string, string>>;

/**
 * A record's values under a connection's mappings: each mapped provider field that has a value;
 * properties already named as a Meridian field (Meridian's CSV format) map onto themselves;
 * `firstName` + `lastName` make `fullName` when it has no value of its own.
 */
export function mapRecord(record: ExternalRecord, mappings: readonly FieldMappingRule[]): LocalValues {
  const values: LocalValues = {};
  const allowed = new Set<string>(LOCAL_FIELDS[record.objectType]);
  for (const [key, value] of Object.entries(record.properties)) {
    if (value != null && allowed.has(key)) values[key] = value;
  }
  for (const m of mappings) {
    if (m.objectType !== record.objectType) continue;
    const value = record.properties[m.externalField];
    if (value != null && value !== '' && values[m.localField] === undefined) values[m.localField] = value;
  }
  if (!values.fullName && (values.firstName || values.lastName))
    values.fullName = [values.firstName, values.lastName].filter(Boolean).join(' ');
  delete values.firstName;
  delete values.lastName;
  return values;
}

/** HubSpot's lifecycle stages (internal names and labels) in Meridian's terms. */
const LIFECYCLE: Record<string, LifecycleStage> = {
  subscriber: LifecycleStage.LEAD,
  lead: LifecycleStage.LEAD,
  marketingqualifiedlead: LifecycleStage.LEAD,
  'marketing qualified lead': LifecycleStage.LEAD,
  salesqualifiedlead: LifecycleStage.PROSPECT,
  'sales qualified lead': LifecycleStage.PROSPECT,
  opportunity: LifecycleStage.PROSPECT,
  prospect: LifecycleStage.PROSPECT,
  customer: LifecycleStage.CUSTOMER,
  evangelist: LifecycleStage.CUSTOMER,
  inactive: LifecycleStage.INACTIVE,
  churned: LifecycleStage.CHURNED,
};

/** A lifecycle stage given as text (Meridian's names or HubSpot's), or undefined when unknown. */
export function lifecycleStageOf(value: string): LifecycleStage | undefined {
  return LIFECYCLE[value.trim().toLowerCase()];
}

/** The client kind of an object type. */
export function kindOf(objectType: SyncObjectType): ClientKind {
  return objectType === SyncObjectType.COMPANY ? ClientKind.ORGANIZATION : ClientKind.PERSON;
}
