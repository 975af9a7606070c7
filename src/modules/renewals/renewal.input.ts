import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

import { MoneyInput } from '../../platform/graphql/money.js';
import { DateScalar } from '../../platform/graphql/scalars.js';
import { RenewalAlertStatus } from './renewal.enums.js';

@ObjectType({ description: "The tenant's renewal schedule." })
export class RenewalSettings {
  @Field(() => [Int], {
    description: 'Days before expiry at which alerts are raised, largest first (default 90, 60, 30, 7).',
  })
  alertOffsetsDays!: number[];

  @Field({ description: 'Local time of the daily scan, HH:MM (default 07:00).' })
  scanTime!: string;

  @Field({ description: 'IANA time zone of the schedule and of "today" (default Asia/Makassar).' })
  timeZone!: string;
}

@InputType({ description: 'Changes to the renewal schedule; omitted fields keep their value.' })
export class UpdateRenewalSettingsInput {
  @Field(() => [Int], { nullable: true, description: '1 to 10 distinct offsets, each 1–3650 days.' })
  alertOffsetsDays?: number[] | null;

  @Field(() => String, { nullable: true, description: 'HH:MM, 24-hour.' })
  scanTime?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Asia/Makassar.' })
  timeZone?: string | null;
}

@InputType({ description: 'Which renewal alerts to list.' })
export class RenewalAlertFilter {
  @Field(() => [RenewalAlertStatus], { nullable: true, description: 'Any of these statuses.' })
  statuses?: RenewalAlertStatus[] | null;

  @Field(() => RenewalAlertStatus, { nullable: true, description: 'Shorthand for statuses: [status].' })
  status?: RenewalAlertStatus | null;

  @Field(() => ID, { nullable: true, description: 'Alerts of practices assigned to this team member.' })
  assignedToId?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Alerts due on or before this date.' })
  dueBefore?: string | null;

  @Field(() => ID, { nullable: true })
  clientId?: string | null;

  @Field(() => ID, { nullable: true })
  practiceId?: string | null;
}

@InputType({ description: 'Identifies the renewal alert to act on.' })
export class RenewalAlertInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'Snoozes a renewal alert until a date; it reopens on that day.' })
export class SnoozeRenewalAlertInput {
  @Field(() => ID)
  id!: string;

  @Field(() => DateScalar, { description: "The day it reopens: after today, not after the practice's expiry." })
  until!: string;
}

@InputType({ description: 'The follow-up practice of one that expires; omitted fields default from the old one.' })
export class RenewPracticeInput {
  @Field(() => ID, { description: 'The practice being renewed.' })
  id!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Expiry of the renewed permit, if known.' })
  expiryDate?: string | null;

  @Field(() => DateScalar, { nullable: true })
  startDate?: string | null;

  @Field(() => MoneyInput, { nullable: true, description: "Default: the type's default price." })
  quotedPrice?: MoneyInput | null;

  @Field(() => ID, { nullable: true, description: "Default: the old practice's assignee." })
  assignedToId?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}
