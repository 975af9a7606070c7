import { registerEnumType } from 'type-graphql';

/** The other CRM (or file format) a connection talks to. */
export enum CrmProvider {
  HUBSPOT = 'HUBSPOT',
  ZOHO = 'ZOHO',
  ODOO = 'ODOO',
  CSV = 'CSV',
}

/** Whether a connection can be used. */
export enum CrmConnectionStatus {
  CONNECTED = 'CONNECTED',
  NEEDS_REAUTH = 'NEEDS_REAUTH',
  DISCONNECTED = 'DISCONNECTED',
}

/** The kinds of record a sync moves, named as the other CRMs name them. */
export enum SyncObjectType {
  /** A person: a Meridian `Client` of kind PERSON. */
  CONTACT = 'CONTACT',
  /** A company: a Meridian `Client` of kind ORGANIZATION. */
  COMPANY = 'COMPANY',
  /** A deal: a Meridian `Deal`. */
  DEAL = 'DEAL',
}

/** What a run does. */
export enum SyncMode {
  /** Reads every record of the chosen objects from the provider. */
  BACKFILL = 'BACKFILL',
  /** Reads the records changed since the connection's last delta cursor. */
  DELTA = 'DELTA',
  /** Sends Meridian's activities and deal stage changes out to the provider. */
  PUSH = 'PUSH',
  /** Reads an uploaded CSV file. */
  IMPORT = 'IMPORT',
}

/** Where a run is in its life. */
export enum SyncRunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

/** The way records move in a run. */
export enum SyncDirection {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
}

/** How serious a run log entry is. */
export enum SyncLogLevel {
  INFO = 'INFO',
  WARNING = 'WARNING',
  /** A newer local change kept over the provider's value (deals merge conservatively). */
  CONFLICT = 'CONFLICT',
  ERROR = 'ERROR',
}

/** Who set a field's current value. */
export enum FieldSourceKind {
  PROVIDER = 'PROVIDER',
  MERIDIAN = 'MERIDIAN',
}

registerEnumType(CrmProvider, {
  name: 'CrmProvider',
  description: 'Another CRM Meridian syncs with (HUBSPOT, ZOHO, ODOO) or a CSV file import (CSV).',
});
registerEnumType(CrmConnectionStatus, {
  name: 'CrmConnectionStatus',
  description:
    'CONNECTED (usable), NEEDS_REAUTH (the provider refused our credentials: connect again), DISCONNECTED (credentials deleted).',
});
registerEnumType(SyncObjectType, {
  name: 'SyncObjectType',
  description: 'CONTACT (a person client), COMPANY (an organisation client) or DEAL.',
});
registerEnumType(SyncMode, {
  name: 'SyncMode',
  description:
    'BACKFILL (every record), DELTA (changes since the last cursor), PUSH (Meridian activities out), IMPORT (a CSV file).',
});
registerEnumType(SyncRunStatus, {
  name: 'SyncRunStatus',
  description: 'QUEUED, RUNNING, then SUCCEEDED, FAILED or CANCELLED.',
});
registerEnumType(SyncDirection, {
  name: 'SyncDirection',
  description: 'INBOUND (into Meridian) or OUTBOUND (from Meridian to the provider).',
});
registerEnumType(SyncLogLevel, {
  name: 'SyncLogLevel',
  description: 'INFO, WARNING, CONFLICT (a newer local change was kept over the provider’s value) or ERROR.',
});
registerEnumType(FieldSourceKind, {
  name: 'FieldSourceKind',
  description: 'PROVIDER (set by a sync from another CRM or a file) or MERIDIAN (set in Meridian).',
});
