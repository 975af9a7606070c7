import { registerEnumType } from 'type-graphql';

export enum TicketStatus {
  OPEN = 'OPEN',
  PENDING = 'PENDING',
  RESOLVED = 'RESOLVED',
  CLOSED = 'CLOSED',
}

export enum TicketPriority {
  LOW = 'LOW',
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
  URGENT = 'URGENT',
}

registerEnumType(TicketStatus, {
  name: 'TicketStatus',
  description: 'OPEN, PENDING (waiting on the client), RESOLVED (sets resolvedAt), CLOSED.',
});
registerEnumType(TicketPriority, {
  name: 'TicketPriority',
  description: 'How urgent a ticket is, from LOW to URGENT.',
});

/** The rule that matched a ticket's requester to a client (in order of trust). */
export enum TicketLinkRule {
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  ORGANIZATION_NAME = 'ORGANIZATION_NAME',
}

registerEnumType(TicketLinkRule, {
  name: 'TicketLinkRule',
  description: "The rule that matched a ticket's requester to a client, tried in this order.",
  valuesConfig: {
    EMAIL: { description: "The requester email is a client's email (confidence 1.0)." },
    PHONE: { description: 'The requester phone is the phone of exactly one client (confidence 0.9).' },
    ORGANIZATION_NAME: {
      description:
        'The requester company is the name of exactly one organisation, case and spacing ignored (confidence 0.6).',
    },
  },
});
