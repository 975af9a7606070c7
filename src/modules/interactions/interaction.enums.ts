import { registerEnumType } from 'type-graphql';

export enum InteractionKind {
  CHAT = 'CHAT',
  EMAIL = 'EMAIL',
  CALL = 'CALL',
  WHATSAPP = 'WHATSAPP',
  MEETING = 'MEETING',
  NOTE = 'NOTE',
  VISIT = 'VISIT',
  TASK = 'TASK',
}

export enum Direction {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
  INTERNAL = 'INTERNAL',
}

export enum Sentiment {
  POSITIVE = 'POSITIVE',
  NEUTRAL = 'NEUTRAL',
  NEGATIVE = 'NEGATIVE',
}

registerEnumType(InteractionKind, {
  name: 'InteractionKind',
  description:
    'What kind of contact an interaction was: a chat, an email, a call, a WhatsApp conversation, a meeting, an internal note, a visit (to or from the client, often with a location) or a task done for the client (with its outcome).',
});
registerEnumType(Direction, {
  name: 'Direction',
  description: 'INBOUND from the client, OUTBOUND to the client, INTERNAL (notes).',
});
registerEnumType(Sentiment, {
  name: 'Sentiment',
  description: 'The mood of the client in an interaction or conversation.',
});
