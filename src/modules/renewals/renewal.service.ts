import { type EntityManager, type FilterQuery, LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import { addDays, type Clock, isTimeZone, localDateTime } from '../../platform/clock.js';
import { filterIds } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, toGlobalId } from '../../platform/graphql/global-id.js';
import { Checks } from '../../platform/validation.js';
import { Practice } from '../practices/practice.entity.js';
import { PracticeStatus } from '../practices/practice.enums.js';
import type { PracticeService } from '../practices/practice.service.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { ALERT_ACTIONS, OPEN_ALERT_STATUSES, RenewalAlertStatus, RenewalScanTrigger } from './renewal.enums.js';
import type {
  RenewalAlertFilter,
  RenewalSettings,
  RenewPracticeInput,
  UpdateRenewalSettingsInput,
} from './renewal.input.js';
import { RenewalAlert } from './renewal-alert.entity.js';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Practices in these statuses never expire into a renewal. */
const DEAD_STATUSES = [PracticeStatus.CANCELLED, PracticeStatus.REJECTED];

/** What one scan did. */
export interface ScanResult {
  /** Alerts raised by this run (0 for a rerun). */
  raised: number;
  /** Snoozed alerts whose day came and that were reopened. */
  reopened: number;
  /** The tenant's local date the scan counted from. */
  asOf: string;
}

/**
 * Renewal alerts: the scan that raises them (set-based SQL, idempotent through the unique key
 * (practice, daysBefore)), the daily schedule, the alert workflow and renewing a practice.
 */
export class RenewalService {
  constructor(
    readonly clock: Clock,
    private readonly practices: PracticeService,
  ) {}

  /** The tenant's local date today. */
  today(tenant: Tenant): string {
    return localDateTime(this.clock.now(), tenant.timeZone).date;
  }

  settings(tenant: Tenant): RenewalSettings {
    return { alertOffsetsDays: tenant.renewalOffsets, scanTime: tenant.renewalScanTime, timeZone: tenant.timeZone };
  }

  /** Changes the tenant's offsets, scan time or time zone (ADMIN). */
  async updateSettings(em: EntityManager, actor: Principal, input: UpdateRenewalSettingsInput): Promise<Tenant> {
    const checks = new Checks();
    const offsets = input.alertOffsetsDays;
    if (offsets) {
      if (!offsets.length || offsets.length > 10)
        checks.add('alertOffsetsDays', 'INVALID_LENGTH', 'Give 1 to 10 offsets');
      else if (offsets.some((o) => !Number.isInteger(o) || o < 1 || o > 3650))
        checks.add('alertOffsetsDays', 'OUT_OF_RANGE', 'Each offset must be 1–3650 days');
      else if (new Set(offsets).size !== offsets.length)
        checks.add('alertOffsetsDays', 'DUPLICATE', 'Offsets must be distinct');
    }
    const scanTime = input.scanTime?.trim();
    if (scanTime !== undefined && !HH_MM.test(scanTime))
      checks.add('scanTime', 'INVALID_TIME', `scanTime must be HH:MM (24-hour); got "${input.scanTime}"`);
    const timeZone = input.timeZone?.trim();
    if (timeZone !== undefined && !isTimeZone(timeZone))
      checks.add('timeZone', 'INVALID_TIME_ZONE', `"${input.timeZone}" is not an IANA time zone such as Asia/Makassar`);
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const tenant = await tx.findOneOrFail(Tenant, { id: actor.tenantId });
      const before = this.settings(tenant);
      if (offsets) tenant.renewalOffsets = [...offsets].sort((a, b) => b - a);
      if (scanTime) tenant.renewalScanTime = scanTime;
      if (timeZone) tenant.timeZone = timeZone;
      const change = diff(before, this.settings(tenant));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.RENEWAL_SETTINGS_UPDATED,
          subject: tenant,
          summary: `Renewal schedule changed: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      return tenant;
    });
  }

  /**
   * Raises the tenant's due alerts as of its local today, in one transaction: for every renewable,
   * live, not yet renewed practice expiring within the largest offset, the smallest offset not
   * below its days to expiry — so a practice found late raises only the nearest offset already
   * passed, never a burst of stale ones — unless an alert for that or a smaller offset exists. Each
   * alert gets a RENEWAL_ALERT_RAISED event in the same statement. Snoozed alerts whose day has come
   * are reopened. A scheduled scan first claims (tenant, local day): a second scheduled scan of the
   * same day, on any worker, does nothing and returns null.
   */
  async scan(
    root: EntityManager,
    tenantId: string,
    opts: { trigger: RenewalScanTrigger; actor?: Principal | null },
  ): Promise<ScanResult | null> {
    const em = forkForTenant(root, tenantId) as SqlEntityManager;
    const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
    const asOf = this.today(tenant);
    const offsets = [...tenant.renewalOffsets].sort((a, b) => a - b);
    const actorId = opts.actor?.memberId ?? null;
    const actorLabel = opts.actor?.label ?? 'system';
    return em.transactional(async (tx) => {
      const t = tx;
      // The planner overestimates the event join and would JIT-compile every scan (~0.7 s at 1M practices).
      await t.execute('set local jit = off');
      const claimed = await t.execute<{ id: string }[]>(
        `insert into renewal_scan (id, tenant_id, trigger, scheduled_for, as_of)
         values (gen_random_uuid(), ?, ?, ?, ?)
         on conflict (tenant_id, scheduled_for) do nothing returning id`,
        [tenantId, opts.trigger, opts.trigger === RenewalScanTrigger.SCHEDULED ? asOf : null, asOf],
      );
      if (!claimed.length) return null;
      const [reopened] = await t.execute<{ n: string }[]>(
        `with reopened as (
           update renewal_alert set status = 'PENDING', snoozed_until = null, updated_at = now()
            where tenant_id = ? and status = 'SNOOZED' and snoozed_until <= ?::date
           returning id, client_id, practice_id, expiry_date
         ), events as (
           insert into timeline_event (id, tenant_id, type, actor_id, actor_label, subject_type, subject_id, client_id, summary, data)
           select gen_random_uuid(), ?, 'RENEWAL_ALERT_REOPENED', ?, ?, 'RenewalAlert', r.id, r.client_id,
                  'Snoozed renewal alert reopened (expiry ' || r.expiry_date || ')',
                  jsonb_build_object('before', jsonb_build_object('status', 'SNOOZED'), 'after', jsonb_build_object('status', 'PENDING'))
             from reopened r
           returning 1
         )
         select count(*) as n from events`,
        [tenantId, asOf, tenantId, actorId, actorLabel],
      );
      const [raised] = await t.execute<{ n: string }[]>(
        `with candidates as (
           select p.id as practice_id, p.client_id, p.assigned_to_id, p.expiry_date, pt.code,
                  (select min(o) from unnest(?::int[]) o where o >= p.expiry_date - ?::date) as days_before
             from practice p
             join practice_type pt on pt.id = p.type_id and pt.renewable
            where p.tenant_id = ? and p.expiry_date >= ?::date and p.expiry_date <= ?::date + ?::int
              and p.renewed_at is null and p.status not in (?, ?)
         ), raised as (
           insert into renewal_alert (id, tenant_id, practice_id, client_id, expiry_date, days_before, due_date, status, assigned_to_id)
           select gen_random_uuid(), ?, c.practice_id, c.client_id, c.expiry_date, c.days_before,
                  c.expiry_date - c.days_before, 'PENDING', c.assigned_to_id
             from candidates c
            where c.days_before is not null
              and not exists (select 1 from renewal_alert a where a.practice_id = c.practice_id and a.days_before <= c.days_before)
           on conflict (practice_id, days_before) do nothing
           returning id, practice_id, client_id, expiry_date, days_before
         ), events as (
           insert into timeline_event (id, tenant_id, type, actor_id, actor_label, subject_type, subject_id, client_id, summary, data)
           select gen_random_uuid(), ?, 'RENEWAL_ALERT_RAISED', ?, ?, 'RenewalAlert', r.id, r.client_id,
                  c.code || ' of ' || cl.full_name || ' expires on ' || r.expiry_date || ': ' || r.days_before || '-day renewal alert',
                  jsonb_build_object('after', jsonb_build_object('status', 'PENDING', 'practiceType', c.code,
                    'expiryDate', r.expiry_date, 'daysBefore', r.days_before, 'asOf', ?::date))
             from raised r
             join candidates c on c.practice_id = r.practice_id
             join client cl on cl.id = r.client_id
           returning 1
         )
         select count(*) as n from events`,
        [
          `{${offsets.join(',')}}`,
          asOf,
          tenantId,
          asOf,
          asOf,
          offsets.at(-1) ?? 0,
          ...DEAD_STATUSES,
          tenantId,
          tenantId,
          actorId,
          actorLabel,
          asOf,
        ],
      );
      const result = { raised: Number(raised.n), reopened: Number(reopened.n), asOf };
      await t.execute('update renewal_scan set finished_at = now(), raised = ? where id = ?', [
        result.raised,
        claimed[0].id,
      ]);
      return result;
    });
  }

  /**
   * The schedule's heartbeat: scans every tenant whose local scan time has passed today and that
   * has no scheduled scan for its local today yet. Safe on any number of workers at once (each
   * (tenant, day) is claimed once). Returns the tenants scanned by this call.
   */
  async tick(root: EntityManager): Promise<number> {
    const now = this.clock.now().toISOString();
    const due = await (root.fork() as SqlEntityManager).execute<{ id: string }[]>(
      `select t.id from tenant t
        where to_char(?::timestamptz at time zone t.time_zone, 'HH24:MI') >= t.renewal_scan_time
          and not exists (select 1 from renewal_scan s
                           where s.tenant_id = t.id and s.scheduled_for = (?::timestamptz at time zone t.time_zone)::date)`,
      [now, now],
    );
    let scanned = 0;
    for (const { id } of due) {
      if (await this.scan(root, id, { trigger: RenewalScanTrigger.SCHEDULED })) scanned++;
    }
    return scanned;
  }

  /** Acknowledges, snoozes or dismisses an alert, along the allowed transitions. */
  async act(
    em: EntityManager,
    actor: Principal,
    globalId: string,
    action: keyof typeof ALERT_ACTIONS,
    until?: string,
  ): Promise<RenewalAlert> {
    const checks = new Checks();
    const untilDate = action === 'snooze' ? checks.date('until', until) : undefined;
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const alert = await tx.findOne(
        RenewalAlert,
        { id: expectGlobalId(globalId, 'RenewalAlert') },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!alert) throw DomainError.notFound('RenewalAlert', globalId);
      const from = alert.status;
      if (!(ALERT_ACTIONS[action] as readonly RenewalAlertStatus[]).includes(from)) {
        const possible = (Object.keys(ALERT_ACTIONS) as (keyof typeof ALERT_ACTIONS)[]).filter((a) =>
          (ALERT_ACTIONS[a] as readonly RenewalAlertStatus[]).includes(from),
        );
        throw ValidationFailed.of(
          'id',
          'ILLEGAL_TRANSITION',
          `An alert in ${from} cannot be ${action === 'snooze' ? 'snoozed' : `${action}d`}; allowed: ${possible.length ? possible.join(', ') : 'none (final state)'}`,
        );
      }
      if (action === 'snooze') {
        const tenant = await tx.findOneOrFail(Tenant, { id: actor.tenantId });
        const today = this.today(tenant);
        if (untilDate! <= today)
          throw ValidationFailed.of('until', 'NOT_IN_FUTURE', `until must be after today (${today})`);
        if (untilDate! > alert.expiryDate)
          throw ValidationFailed.of(
            'until',
            'AFTER_EXPIRY',
            `until must not be after the expiry date ${alert.expiryDate}`,
          );
        alert.status = RenewalAlertStatus.SNOOZED;
        alert.snoozedUntil = untilDate!;
      } else {
        alert.status = action === 'acknowledge' ? RenewalAlertStatus.ACKNOWLEDGED : RenewalAlertStatus.DISMISSED;
        alert.snoozedUntil = null;
        alert.closedAt = new Date();
      }
      const event = {
        subject: alert,
        client: alert.client,
        summary: `Renewal alert (${alert.daysBefore} days, expiry ${alert.expiryDate}) ${alert.status.toLowerCase()}${untilDate ? ` until ${untilDate}` : ''}`,
      };
      const before = { status: from };
      recordEvent(
        tx,
        actor,
        action === 'snooze'
          ? {
              ...event,
              type: TimelineEventType.RENEWAL_ALERT_SNOOZED,
              data: { before, after: { status: RenewalAlertStatus.SNOOZED, snoozedUntil: untilDate! } },
            }
          : {
              ...event,
              type:
                action === 'acknowledge'
                  ? TimelineEventType.RENEWAL_ALERT_ACKNOWLEDGED
                  : TimelineEventType.RENEWAL_ALERT_DISMISSED,
              data: { before, after: { status: alert.status } },
            },
      );
      return alert;
    });
  }

  /**
   * Creates the follow-up practice of an expiring one (through the practices' one creation path:
   * same client and type, status INQUIRY, `renewalOf` the old one; assignee kept unless given),
   * marks the old one renewed and resolves its open alerts.
   */
  async renew(
    em: EntityManager,
    actor: Principal,
    input: RenewPracticeInput,
  ): Promise<{ practice: Practice; renewed: Practice }> {
    return em.transactional(async (tx) => {
      const old = await tx.findOne(
        Practice,
        { id: expectGlobalId(input.id, 'Practice') },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!old) throw DomainError.notFound('Practice', input.id);
      await tx.populate(old, ['type', 'client'] as const);
      const type = old.type.unwrap();
      if (!type.renewable)
        throw ValidationFailed.of('id', 'NOT_RENEWABLE', `Practices of type ${type.code} are not renewable`);
      if (old.renewedAt) throw ValidationFailed.of('id', 'ALREADY_RENEWED', 'This practice has already been renewed');
      if (DEAD_STATUSES.includes(old.status))
        throw ValidationFailed.of('id', 'NOT_RENEWABLE', `A ${old.status} practice cannot be renewed`);
      const client = old.client.unwrap();
      const practice = await this.practices.create(tx, actor, {
        clientId: client.nodeId,
        practiceTypeCode: type.code,
        status: PracticeStatus.INQUIRY,
        quotedPrice: input.quotedPrice,
        startDate: input.startDate,
        expiryDate: input.expiryDate,
        assignedToId:
          input.assignedToId !== undefined
            ? input.assignedToId
            : old.assignedTo
              ? toGlobalId('TeamMember', old.assignedTo.id)
              : null,
        notes: input.notes,
        renewalOf: old,
      });
      old.renewedAt = new Date();
      recordEvent(tx, actor, {
        type: TimelineEventType.PRACTICE_RENEWED,
        subject: old,
        client,
        summary: `Practice ${type.code} of ${client.fullName} renewed`,
        data: { after: { renewedBy: practice.nodeId } },
      });
      const open = await tx.find(RenewalAlert, { practice: old, status: { $in: [...OPEN_ALERT_STATUSES] } });
      for (const alert of open) {
        const from = alert.status;
        alert.status = RenewalAlertStatus.RESOLVED;
        alert.snoozedUntil = null;
        alert.closedAt = new Date();
        recordEvent(tx, actor, {
          type: TimelineEventType.RENEWAL_ALERT_RESOLVED,
          subject: alert,
          client,
          summary: `Renewal alert (${alert.daysBefore} days) resolved: practice renewed`,
          data: { before: { status: from }, after: { status: alert.status } },
        });
      }
      return { practice, renewed: old };
    });
  }

  /** Where clause of `upcomingRenewals`: live, renewable, not renewed practices expiring in the window. */
  upcomingWhere(
    today: string,
    withinDays: number,
    assignedToIds?: string[] | null,
    typeCodes?: string[] | null,
  ): FilterQuery<Practice> {
    if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > 3650)
      throw DomainError.badInput('withinDays must be 0–3650', 'withinDays');
    return {
      expiryDate: { $gte: today, $lte: addDays(today, withinDays) },
      renewedAt: null,
      status: { $nin: DEAD_STATUSES },
      type: {
        renewable: true,
        ...(typeCodes?.length ? { code: { $in: typeCodes.map((c) => c.trim().toUpperCase()) } } : {}),
      },
      ...(assignedToIds?.length ? { assignedTo: { $in: filterIds(assignedToIds, 'TeamMember') } } : {}),
    };
  }

  /** Where clause of `renewalAlerts`. */
  alertWhere(filter: RenewalAlertFilter | null | undefined): FilterQuery<RenewalAlert> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    const statuses = [...(f.statuses ?? []), ...(f.status ? [f.status] : [])];
    if (statuses.length) where.status = { $in: statuses };
    if (f.assignedToId) where.assignedTo = filterIds([f.assignedToId], 'TeamMember')![0];
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    if (f.practiceId) where.practice = filterIds([f.practiceId], 'Practice')![0];
    if (f.dueBefore) {
      Checks.assertFilterDates('filter', { dueBefore: f.dueBefore });
      where.dueDate = { $lte: f.dueBefore };
    }
    return where;
  }
}
