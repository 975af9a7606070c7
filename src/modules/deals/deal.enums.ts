import { registerEnumType } from 'type-graphql';

/** Whether a pipeline stage is still open, or closes the deal as won or lost. */
export enum StageKind {
  OPEN = 'OPEN',
  WON = 'WON',
  LOST = 'LOST',
}

/** Outcome of a deal. */
export enum DealStatus {
  OPEN = 'OPEN',
  WON = 'WON',
  LOST = 'LOST',
}

registerEnumType(StageKind, {
  name: 'StageKind',
  description: 'OPEN stages hold live deals; a WON or LOST stage closes the deal.',
});
registerEnumType(DealStatus, {
  name: 'DealStatus',
  description:
    'Whether a deal is OPEN (in progress), WON or LOST; moving to a WON or LOST stage, winDeal and loseDeal close it.',
});
