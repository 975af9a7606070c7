/** Texts and weights of the generated records: tags, notes, ticket subjects, interaction summaries. */
import { Direction, InteractionKind } from '../../../modules/interactions/interaction.enums.js';

/** Tags of generated clients. */
export const TAGS = [
  'vip',
  'retiree',
  'investor',
  'digital-nomad',
  'family',
  'bali',
  'jakarta',
  'lombok',
  'newsletter',
  'referral-partner',
  'repeat-customer',
  'price-sensitive',
  'speaks-indonesian',
];

/** How often people need each practice type (unknown types: 5). */
export const PERSON_TYPE_WEIGHTS: Partial<Record<string, number>> = {
  KITAS: 30,
  RETIREMENT_KITAS: 12,
  INVESTOR_KITAS: 10,
  KITAP: 6,
  NPWP: 12,
  BPJS: 10,
  PT_PMA: 6,
};
/** Practice types of organisations. */
export const ORG_TYPE_WEIGHTS: Partial<Record<string, number>> = { PT_PMA: 5, NPWP: 3, BPJS: 2 };

/** Why lost deals were lost. */
export const LOST_REASONS = [
  'Price too high',
  'Chose another agent',
  'Plans changed',
  'No response after proposal',
  'Did not meet the visa requirements',
  'Postponed to next year',
  'Handled it themselves',
];

/** Descriptions of generated tickets. */
export const TICKET_DESCRIPTIONS = [
  'Could you please check and let me know?',
  'I sent the documents last week but have not heard back.',
  'Please call me back when you have an update.',
  'This is urgent: my current permit expires soon.',
  'My agent at the office said you would send it by email.',
  'Thank you for your help so far!',
];

/** Subjects of generated tickets (`{type}`: a practice type). */
export const TICKET_SUBJECTS = [
  'Question about {type} requirements',
  'When will my {type} be ready?',
  'Passport return after {type}',
  'Request for an invoice copy',
  'Change of address for {type}',
  'Payment confirmation not received',
  'Documents uploaded for {type}',
  'Immigration office appointment',
  'Sponsor letter needs correction',
  'Renewal reminder for {type}',
  'Add a family member to {type}',
  'Refund request',
];

/** What an interaction was about, and which way it went (`{type}`: a practice type). */
export const INTERACTION_SUMMARIES: Record<InteractionKind, readonly [string, Direction][]> = {
  CHAT: [
    ['Asked about {type} processing times', Direction.INBOUND],
    ['Asked how much {type} costs', Direction.INBOUND],
    ['Sent the document checklist for {type}', Direction.OUTBOUND],
  ],
  EMAIL: [
    ['Sent the quotation for {type}', Direction.OUTBOUND],
    ['Received the signed sponsor letter', Direction.INBOUND],
    ['Emailed the list of documents for {type}', Direction.OUTBOUND],
    ['Asked for an update on {type}', Direction.INBOUND],
  ],
  CALL: [
    ['Called to check the status of {type}', Direction.INBOUND],
    ['Explained the {type} renewal process', Direction.OUTBOUND],
    ['Follow-up call after the proposal', Direction.OUTBOUND],
  ],
  WHATSAPP: [
    ['Asked when to visit the immigration office', Direction.INBOUND],
    ['Confirmed the payment for {type}', Direction.INBOUND],
    ['Reminded about the {type} expiry date', Direction.OUTBOUND],
    ['Shared new passport photos', Direction.INBOUND],
  ],
  MEETING: [
    ['Meeting at the office about {type}', Direction.OUTBOUND],
    ['Video call to plan the company setup', Direction.OUTBOUND],
    ['Met to sign the {type} documents', Direction.INBOUND],
  ],
  NOTE: [
    ['Prefers contact in the morning', Direction.INTERNAL],
    ['Client is moving to Lombok next year', Direction.INTERNAL],
    ['Wants a discount for the family', Direction.INTERNAL],
    ['Passport expires soon: check before submitting {type}', Direction.INTERNAL],
  ],
  VISIT: [
    ['Visited the client at their villa to collect documents for {type}', Direction.OUTBOUND],
    ['Client came to the office to sign the {type} forms', Direction.INBOUND],
    ['Site visit at the new company premises', Direction.OUTBOUND],
  ],
  TASK: [
    ['Translated the documents for {type}', Direction.INTERNAL],
    ['Submitted the {type} application online', Direction.INTERNAL],
  ],
};

/** Notes on generated clients. */
export const CLIENT_NOTES = [
  'Prefers WhatsApp over email',
  'Referred by an existing client',
  'Spends half the year in Bali',
  'Needs an English-speaking notary',
  'Family of four: spouse and two children',
];

/** Action items of generated interactions. */
export const ACTION_ITEMS = [
  'Send the quotation',
  'Request a passport copy',
  'Book the immigration appointment',
  'Chase the payment',
  'Prepare the sponsor letter',
  'Call back next week',
  'Check the expiry date',
];
