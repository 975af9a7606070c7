import { registerEnumType } from 'type-graphql';

/** Where a renewal alert stands. */
export enum RenewalAlertStatus {
  /** Raised, not yet seen live by anyone. */
  PENDING = 'PENDING',
  /** Delivered live to at least one `renewalAlertRaised` subscriber. */
  NOTIFIED = 'NOTIFIED',
  /** Someone took it in hand. */
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  /** Put aside until `snoozedUntil`; the scan on that day reopens it (back to PENDING). */
  SNOOZED = 'SNOOZED',
  /** Closed without renewing. */
  DISMISSED = 'DISMISSED',
  /** Closed because the practice was renewed (`renewPractice`). */
  RESOLVED = 'RESOLVED',
}

registerEnumType(RenewalAlertStatus, { name: 'RenewalAlertStatus', description: 'Where a renewal alert stands.' });

/** Statuses an alert can leave by each user action; anything else is a userError naming these. */
export const ALERT_ACTIONS = {
  acknowledge: [RenewalAlertStatus.PENDING, RenewalAlertStatus.NOTIFIED, RenewalAlertStatus.SNOOZED],
  snooze: [RenewalAlertStatus.PENDING, RenewalAlertStatus.NOTIFIED, RenewalAlertStatus.ACKNOWLEDGED],
  dismiss: [
    RenewalAlertStatus.PENDING,
    RenewalAlertStatus.NOTIFIED,
    RenewalAlertStatus.ACKNOWLEDGED,
    RenewalAlertStatus.SNOOZED,
  ],
} as const satisfies Record<string, readonly RenewalAlertStatus[]>;

/** Statuses of alerts still asking for attention (renewing the practice resolves them). */
export const OPEN_ALERT_STATUSES: readonly RenewalAlertStatus[] = [
  RenewalAlertStatus.PENDING,
  RenewalAlertStatus.NOTIFIED,
  RenewalAlertStatus.ACKNOWLEDGED,
  RenewalAlertStatus.SNOOZED,
];

/** What started a renewal scan. */
export enum RenewalScanTrigger {
  SCHEDULED = 'SCHEDULED',
  MANUAL = 'MANUAL',
}

registerEnumType(RenewalScanTrigger, { name: 'RenewalScanTrigger', description: 'What started a renewal scan.' });
