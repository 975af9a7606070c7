import { Channel } from '../shared/channel.js';
import { InteractionKind } from './interaction.enums.js';

const CHANNEL_OF: Record<InteractionKind, Channel | null> = {
  [InteractionKind.CHAT]: Channel.CHAT,
  [InteractionKind.EMAIL]: Channel.EMAIL,
  [InteractionKind.CALL]: Channel.PHONE,
  [InteractionKind.WHATSAPP]: Channel.WHATSAPP,
  [InteractionKind.MEETING]: null,
  [InteractionKind.NOTE]: null,
  [InteractionKind.VISIT]: null,
  [InteractionKind.TASK]: null,
};

/** The timeline channel of an interaction of this kind (null for meetings, notes, visits and tasks). */
export function channelOfInteraction(kind: InteractionKind): Channel | null {
  return CHANNEL_OF[kind] ?? null;
}
