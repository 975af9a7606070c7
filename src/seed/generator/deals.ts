/** Deals of a generated client, each with its path through the pipeline; the last stage's kind decides the status. */
import { randomUUID } from 'node:crypto';

import { Deal } from '../../modules/deals/deal.entity.js';
import { DealStatus, StageKind } from '../../modules/deals/deal.enums.js';
import { dealCreatedPayload } from '../../modules/deals/deal.payloads.js';
import { dealStatusFor } from '../../modules/deals/deal.rules.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import type { Batch, ClientCtx, Row, SeedContext, StageInfo } from './context.js';
import { LOST_REASONS } from './reference/records.js';
import { clip, DAY, isoDate, roundTo, SEED_ANCHOR } from './util.js';

/** Up to two deals for the client, in any stage of the default pipeline. */
export function generateDeals(g: SeedContext, b: Batch, c: ClientCtx): void {
  const f = g.f;
  if (!g.pipelineId || !g.stages.length || !g.types.length) return;
  const n = f.helpers.weightedArrayElement([
    { weight: 40, value: 0 },
    { weight: 45, value: 1 },
    { weight: 15, value: 2 },
  ]);
  for (let i = 0; i < n; i++) {
    const stage = f.helpers.weightedArrayElement(
      g.stages.map((s) => ({ weight: s.kind === StageKind.WON ? 25 : 15, value: s })),
    );
    const type = g.pickType(c.isOrg);
    const createdAt = g.between(c.createdAt, SEED_ANCHOR);
    const status = dealStatusFor(stage.kind);
    const closed = status !== DealStatus.OPEN;
    const closedAt = closed ? g.between(createdAt, new Date(createdAt.getTime() + 90 * DAY)) : null;
    const owner = c.owner ?? f.helpers.arrayElement(g.writers);
    const title = f.helpers.arrayElement([
      `${type.name} for ${c.fullName}`,
      `${type.label} – ${c.fullName}`,
      `${c.fullName}: ${type.name}`,
    ]);
    const id = randomUUID();
    const amount = roundTo((type.price ?? 10_000_000) * f.number.int({ min: 1, max: 3 }), 100_000);
    const deal: Row<Deal> = {
      id,
      tenant: g.tenantId,
      title: clip(title, 200),
      client: c.id,
      pipeline: g.pipelineId,
      stage: stage.id,
      amount: g.money(amount, type.currency),
      probability: stage.probability,
      expectedCloseDate: closedAt
        ? isoDate(closedAt.getTime())
        : isoDate(g.today + f.number.int({ min: 7, max: 120 }) * DAY),
      owner: owner.id,
      status,
      closedAt,
      lostReason: status === DealStatus.LOST ? f.helpers.arrayElement(LOST_REASONS) : null,
      createdAt,
      updatedAt: createdAt,
    };
    // The open deal's last move: drawn from `f`, after the deal's own fields, as before histories had paths.
    const end = closedAt ?? g.between(createdAt, SEED_ANCHOR);
    const path = stagePath(g, stage);
    const entered = entryTimes(g, createdAt, end, path.length);
    deal.updatedAt = entered[entered.length - 1];
    b.deals.push(deal);
    path.forEach((s, i) =>
      b.histories.push({
        id: randomUUID(),
        tenant: g.tenantId,
        deal: id,
        stage: s.id,
        enteredAt: entered[i],
        leftAt: entered[i + 1] ?? null,
        movedBy: owner.id,
        createdAt: entered[i],
        updatedAt: entered[i + 1] ?? entered[i],
      }),
    );
    c.deals.push(id);
    b.events.push(
      g.event(
        TimelineEventType.DEAL_CREATED,
        Deal.name,
        id,
        c.id,
        createdAt,
        `Deal "${title}" created`,
        dealCreatedPayload(deal, stage),
      ),
    );
  }
}

/**
 * The stages a deal in `stage` went through, in pipeline order: the open stages up to its own; a won
 * deal every open stage, then the won one; a lost deal the open stages up to where it dropped out
 * (any of them), then the lost one.
 */
function stagePath(g: SeedContext, stage: StageInfo): StageInfo[] {
  const open = g.stages.filter((s) => s.kind === StageKind.OPEN);
  if (stage.kind === StageKind.OPEN) return open.slice(0, open.indexOf(stage) + 1);
  if (stage.kind === StageKind.WON) return [...open, stage];
  return [...open.slice(0, g.history.number.int({ min: 1, max: Math.max(1, open.length) })), stage];
}

/** `n` ascending instants: the first `from` (the deal's creation), the last `to`, the others between. */
function entryTimes(g: SeedContext, from: Date, to: Date, n: number): Date[] {
  if (n === 1) return [from];
  const inner = Array.from({ length: n - 2 }, () => g.history.number.int({ min: from.getTime(), max: to.getTime() }));
  return [from.getTime(), ...inner.sort((x, y) => x - y), to.getTime()].map((ms) => new Date(ms));
}
