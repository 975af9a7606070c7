/** Deals of a generated client, each with its stage history entry; the stage's kind decides the status. */
import { randomUUID } from 'node:crypto';

import { Deal } from '../../modules/deals/deal.entity.js';
import { DealStatus, StageKind } from '../../modules/deals/deal.enums.js';
import { dealCreatedPayload } from '../../modules/deals/deal.payloads.js';
import { dealStatusFor } from '../../modules/deals/deal.rules.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import type { Batch, ClientCtx, Row, SeedContext } from './context.js';
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
      updatedAt: closedAt ?? createdAt,
    };
    b.deals.push(deal);
    b.histories.push({
      id: randomUUID(),
      tenant: g.tenantId,
      deal: id,
      stage: stage.id,
      enteredAt: closedAt ?? g.between(createdAt, SEED_ANCHOR),
      leftAt: null,
      movedBy: owner.id,
      createdAt,
      updatedAt: createdAt,
    });
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
