import { registerEnumType } from 'type-graphql';

/**
 * The way a client reached us or we reached them. Shared by tickets (where a request came in),
 * interactions (mapped from their kind) and the timeline (the channel of an event).
 */
export enum Channel {
  EMAIL = 'EMAIL',
  CHAT = 'CHAT',
  WHATSAPP = 'WHATSAPP',
  PHONE = 'PHONE',
  WEB = 'WEB',
}

registerEnumType(Channel, {
  name: 'Channel',
  description: 'How a client and the team were in touch: email, chat, WhatsApp, phone or the web.',
  valuesConfig: {
    EMAIL: { description: 'Email.' },
    CHAT: { description: 'A chat (website widget or messaging app other than WhatsApp).' },
    WHATSAPP: { description: 'WhatsApp.' },
    PHONE: { description: 'A phone call.' },
    WEB: { description: 'A web form or the client portal.' },
  },
});
