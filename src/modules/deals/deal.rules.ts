import { DealStatus, StageKind } from './deal.enums.js';

/** The status of a deal in a stage of this kind: a WON or LOST stage closes the deal, an OPEN one keeps it open. */
export function dealStatusFor(kind: StageKind): DealStatus {
  return kind === StageKind.WON ? DealStatus.WON : kind === StageKind.LOST ? DealStatus.LOST : DealStatus.OPEN;
}
