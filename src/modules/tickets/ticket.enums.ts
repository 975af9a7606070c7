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
