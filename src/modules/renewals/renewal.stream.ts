import { requirePrincipal } from '../../platform/auth/principal.js';
import { addDays } from '../../platform/clock.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { liveSubjectIds } from '../timeline/timeline.stream.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { RenewalAlertStatus } from './renewal.enums.js';
import { RenewalAlert } from './renewal-alert.entity.js';

/** Arguments of `renewalAlertRaised`. */
export interface RenewalStreamArgs {
  assignedToMe?: boolean | null;
  withinDays?: number | null;
}

/**
 * Alerts of the subscriber's tenant as they are raised. Fed by the timeline outbox (each raised
 * alert commits a RENEWAL_ALERT_RAISED event), so an alert raised by a worker reaches subscribers
 * on every API instance, and an alert committed while Redis was down arrives when it returns.
 * A delivered PENDING alert becomes NOTIFIED.
 */
export async function renewalStream(
  ctx: GraphQLContext,
  args: RenewalStreamArgs,
): Promise<AsyncIterableIterator<RenewalAlert>> {
  const principal = requirePrincipal(ctx.principal);
  if (args.assignedToMe && !principal.memberId)
    throw DomainError.badInput('assignedToMe needs a team member: API keys are assigned nothing', 'assignedToMe');
  if (args.withinDays != null && (args.withinDays < 0 || args.withinDays > 3650))
    throw DomainError.badInput('withinDays must be 0–3650', 'withinDays');
  const raised = await liveSubjectIds(ctx, TimelineEventType.RENEWAL_ALERT_RAISED, 'RenewalAlert');

  async function* alerts(): AsyncGenerator<RenewalAlert> {
    for await (const id of raised) {
      const em = forkForTenant(ctx.em, principal.tenantId);
      const alert = await em.findOne(RenewalAlert, { id });
      if (!alert) continue;
      if (args.assignedToMe && alert.assignedTo?.id !== principal.memberId) continue;
      if (args.withinDays != null) {
        const tenant = await em.findOneOrFail(Tenant, { id: principal.tenantId });
        const today = ctx.services.renewals.today(tenant);
        if (alert.expiryDate > addDays(today, args.withinDays)) continue;
      }
      if (alert.status === RenewalAlertStatus.PENDING) {
        await em.nativeUpdate(
          RenewalAlert,
          { id: alert.id, status: RenewalAlertStatus.PENDING },
          { status: RenewalAlertStatus.NOTIFIED },
        );
        alert.status = RenewalAlertStatus.NOTIFIED;
      }
      yield alert;
    }
  }
  return endSourceOnReturn(alerts(), raised);
}
