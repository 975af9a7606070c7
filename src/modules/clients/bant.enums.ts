import { registerEnumType } from 'type-graphql';

/** BANT Authority: the lead's power over the buying decision. */
export enum BantAuthority {
  DECISION_MAKER = 'DECISION_MAKER',
  INFLUENCER = 'INFLUENCER',
  GATEKEEPER = 'GATEKEEPER',
  NONE = 'NONE',
}

/** BANT Need: how badly the lead needs what the business sells. */
export enum BantNeed {
  CRITICAL = 'CRITICAL',
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
  NONE = 'NONE',
}

/** BANT Timeline: when the lead means to buy. */
export enum BantTimeframe {
  WITHIN_MONTH = 'WITHIN_MONTH',
  WITHIN_QUARTER = 'WITHIN_QUARTER',
  WITHIN_HALF_YEAR = 'WITHIN_HALF_YEAR',
  WITHIN_YEAR = 'WITHIN_YEAR',
  LATER = 'LATER',
}

registerEnumType(BantAuthority, {
  name: 'BantAuthority',
  description: "BANT Authority: the lead's power over the buying decision.",
  valuesConfig: {
    DECISION_MAKER: { description: 'Decides (signs, pays).' },
    INFLUENCER: { description: 'Shapes the decision but does not take it.' },
    GATEKEEPER: { description: 'Controls access to the decision maker.' },
    NONE: { description: 'No say in the decision.' },
  },
});
registerEnumType(BantNeed, {
  name: 'BantNeed',
  description: 'BANT Need: how badly the lead needs the service, from CRITICAL to NONE.',
});
registerEnumType(BantTimeframe, {
  name: 'BantTimeframe',
  description: 'BANT Timeline: when the lead means to buy, from WITHIN_MONTH to LATER (over a year).',
});
