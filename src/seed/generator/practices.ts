/** Practices of a generated client: status by lifecycle stage, prices, payments and dates. */
import { randomUUID } from 'node:crypto';

import { LifecycleStage } from '../../modules/clients/client.enums.js';
import { Practice } from '../../modules/practices/practice.entity.js';
import { PaymentStatus, PracticeStatus } from '../../modules/practices/practice.enums.js';
import { practiceCreatedPayload } from '../../modules/practices/practice.payloads.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import { type Batch, type ClientCtx, type Row, SEED_SOURCE, type SeedContext, type TypeInfo } from './context.js';
import { addMonths, DAY, isoDate, roundTo, SEED_ANCHOR } from './util.js';

/** A few practices for the client, more for customers than for leads. */
export function generatePractices(g: SeedContext, b: Batch, c: ClientCtx): void {
  const f = g.f;
  if (!g.types.length) return;
  const [min, max] = {
    LEAD: [0, 1],
    PROSPECT: [0, 2],
    CUSTOMER: [1, 3],
    INACTIVE: [1, 2],
    CHURNED: [0, 2],
  }[c.stage];
  const n = f.number.int({ min: min, max: max });
  for (let i = 0; i < n; i++) {
    const type = g.pickType(c.isOrg);
    const status = practiceStatus(g, c.stage);
    const createdAt = g.between(c.createdAt, SEED_ANCHOR);
    const dates = practiceDates(g, type, status);
    const quoted = type.price ? roundTo(type.price * f.number.float({ min: 0.9, max: 1.2 }), 100_000) : null;
    const started = !(
      [PracticeStatus.INQUIRY, PracticeStatus.QUOTATION_SENT, PracticeStatus.PAYMENT_PENDING] as string[]
    ).includes(status);
    const payment = paymentStatus(g, status);
    const actual = quoted && started ? (f.number.float() < 0.2 ? roundTo(quoted * 0.9, 100_000) : quoted) : null;
    const paid =
      payment === PaymentStatus.PAID
        ? (actual ?? quoted)
        : payment === PaymentStatus.PARTIAL && (actual ?? quoted)
          ? roundTo((actual ?? quoted)! / 2, 100_000)
          : null;
    const id = randomUUID();
    const practice: Row<Practice> = {
      id,
      tenant: g.tenantId,
      client: c.id,
      type: type.id,
      status,
      quotedPrice: quoted === null || status === PracticeStatus.INQUIRY ? null : g.money(quoted, type.currency),
      actualPrice: actual === null ? null : g.money(actual, type.currency),
      paymentStatus: payment,
      amountPaid: paid === null ? null : g.money(paid, type.currency),
      ...dates,
      assignedTo: c.owner?.id ?? null,
      notes: null,
      renewalOf: null,
      createdAt,
      updatedAt: createdAt,
    };
    b.practices.push(practice);
    c.practices.push({ id, label: type.label });
    b.events.push(
      g.event(
        TimelineEventType.PRACTICE_CREATED,
        Practice.name,
        id,
        c.id,
        createdAt,
        `Practice ${type.label} opened for ${c.fullName}`,
        practiceCreatedPayload(practice, type.code, SEED_SOURCE),
      ),
    );
  }
}

/** A practice status that fits the client's lifecycle stage. */
function practiceStatus(g: SeedContext, stage: LifecycleStage): PracticeStatus {
  const f = g.f;
  switch (stage) {
    case LifecycleStage.LEAD:
      return f.helpers.weightedArrayElement([
        { weight: 6, value: PracticeStatus.INQUIRY },
        { weight: 3, value: PracticeStatus.QUOTATION_SENT },
        { weight: 1, value: PracticeStatus.CANCELLED },
      ]);
    case LifecycleStage.PROSPECT:
      return f.helpers.weightedArrayElement([
        { weight: 3, value: PracticeStatus.INQUIRY },
        { weight: 4, value: PracticeStatus.QUOTATION_SENT },
        { weight: 3, value: PracticeStatus.PAYMENT_PENDING },
        { weight: 1, value: PracticeStatus.CANCELLED },
      ]);
    case LifecycleStage.INACTIVE:
    case LifecycleStage.CHURNED:
      return f.helpers.weightedArrayElement([
        { weight: 6, value: PracticeStatus.COMPLETED },
        { weight: 2, value: PracticeStatus.CANCELLED },
        { weight: 1, value: PracticeStatus.REJECTED },
      ]);
    default:
      return f.helpers.weightedArrayElement([
        { weight: 3, value: PracticeStatus.PAYMENT_PENDING },
        { weight: 6, value: PracticeStatus.IN_PROGRESS },
        { weight: 4, value: PracticeStatus.WAITING_DOCUMENTS },
        { weight: 4, value: PracticeStatus.SUBMITTED },
        { weight: 3, value: PracticeStatus.APPROVED },
        { weight: 20, value: PracticeStatus.COMPLETED },
        { weight: 1, value: PracticeStatus.REJECTED },
        { weight: 1, value: PracticeStatus.CANCELLED },
      ]);
  }
}

/** A payment status that fits the practice status. */
function paymentStatus(g: SeedContext, status: PracticeStatus): PaymentStatus {
  const f = g.f;
  switch (status) {
    case PracticeStatus.INQUIRY:
    case PracticeStatus.QUOTATION_SENT:
      return PaymentStatus.UNPAID;
    case PracticeStatus.PAYMENT_PENDING:
      return f.number.float() < 0.3 ? PaymentStatus.PARTIAL : PaymentStatus.UNPAID;
    case PracticeStatus.COMPLETED:
    case PracticeStatus.APPROVED:
      return PaymentStatus.PAID;
    case PracticeStatus.CANCELLED:
      return f.number.float() < 0.2 ? PaymentStatus.REFUNDED : PaymentStatus.UNPAID;
    case PracticeStatus.REJECTED:
      return f.number.float() < 0.5 ? PaymentStatus.REFUNDED : PaymentStatus.PAID;
    default:
      return f.number.float() < 0.7 ? PaymentStatus.PAID : PaymentStatus.PARTIAL;
  }
}

/**
 * Start, completion and expiry dates. Completed renewable practices expire between six months
 * ago and eighteen months from today, so renewal alerts always have something to show.
 */
function practiceDates(
  g: SeedContext,
  type: TypeInfo,
  status: PracticeStatus,
): { startDate: string | null; completionDate: string | null; expiryDate: string | null } {
  const f = g.f;
  const today = g.today;
  switch (status) {
    case PracticeStatus.INQUIRY:
    case PracticeStatus.QUOTATION_SENT:
    case PracticeStatus.PAYMENT_PENDING:
      return { startDate: null, completionDate: null, expiryDate: null };
    case PracticeStatus.COMPLETED: {
      if (type.renewable) {
        const from = addMonths(today, -6);
        const to = addMonths(today, 18);
        const expiry = from + f.number.int({ min: 0, max: Math.round((to - from) / DAY) }) * DAY;
        const validity = (type.renewalPeriodDays ?? 365) * DAY;
        const completion = Math.min(expiry - validity, today - f.number.int({ min: 1, max: 30 }) * DAY);
        const start = completion - f.number.int({ min: 14, max: 75 }) * DAY;
        return { startDate: isoDate(start), completionDate: isoDate(completion), expiryDate: isoDate(expiry) };
      }
      const completion = today - f.number.int({ min: 7, max: 700 }) * DAY;
      const start = completion - f.number.int({ min: 14, max: 90 }) * DAY;
      return { startDate: isoDate(start), completionDate: isoDate(completion), expiryDate: null };
    }
    case PracticeStatus.CANCELLED:
      return {
        startDate: f.datatype.boolean() ? isoDate(today - f.number.int({ min: 30, max: 600 }) * DAY) : null,
        completionDate: null,
        expiryDate: null,
      };
    case PracticeStatus.REJECTED:
      return {
        startDate: isoDate(today - f.number.int({ min: 30, max: 500 }) * DAY),
        completionDate: null,
        expiryDate: null,
      };
    default:
      return {
        startDate: isoDate(today - f.number.int({ min: 3, max: 120 }) * DAY),
        completionDate: null,
        expiryDate: null,
      };
  }
}
