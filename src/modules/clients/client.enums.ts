import { registerEnumType } from 'type-graphql';

/** Person or company. */
export enum ClientKind {
  PERSON = 'PERSON',
  ORGANIZATION = 'ORGANIZATION',
}

/** Where a client is in the relationship, from first contact to customer and beyond. */
export enum LifecycleStage {
  LEAD = 'LEAD',
  PROSPECT = 'PROSPECT',
  CUSTOMER = 'CUSTOMER',
  INACTIVE = 'INACTIVE',
  CHURNED = 'CHURNED',
}

/** How the client first reached the business. */
export enum ClientSource {
  CHAT = 'CHAT',
  WEB = 'WEB',
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  WHATSAPP = 'WHATSAPP',
  REFERRAL = 'REFERRAL',
  WALK_IN = 'WALK_IN',
  IMPORT = 'IMPORT',
  OTHER = 'OTHER',
}

registerEnumType(ClientKind, { name: 'ClientKind', description: 'Person or organisation.' });
registerEnumType(LifecycleStage, {
  name: 'LifecycleStage',
  description: 'LEAD → PROSPECT → CUSTOMER, then INACTIVE or CHURNED.',
});
registerEnumType(ClientSource, { name: 'ClientSource', description: 'How the client first reached the business.' });
