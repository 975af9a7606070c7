import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import type { Criteria, CriteriaFilter } from '../criteria/criteria.tree.js';
import type { AskVocabulary } from './ask.interpreter.js';

const PLURAL: Record<CriteriaEntityName, string> = {
  CLIENT: 'Clients',
  PRACTICE: 'Practices',
  DEAL: 'Deals',
  TICKET: 'Tickets',
  INTERACTION: 'Interactions',
};

/** How a team-member path reads ("assigned to Maria"). */
const MEMBER_VERBS: Record<string, string> = {
  assignedTo: 'assigned to',
  assignee: 'assigned to',
  owner: 'owned by',
  teamMember: 'handled by',
};

/** How a field path reads in a sentence. */
const LABELS: Record<string, string> = {
  'type.code': 'of type',
  'practices.type.code': 'with a practice of type',
  'practice.type.code': 'about a practice of type',
  expiryDate: 'expiring',
  'practices.expiryDate': 'with a practice expiring',
  'practice.expiryDate': 'about a practice expiring',
  occurredAt: '',
  createdAt: 'created',
  expectedCloseDate: 'expected to close',
  nationality: 'of nationality',
  'client.nationality': 'of clients of nationality',
  lifecycleStage: 'with lifecycle stage',
  paymentStatus: 'with payment',
};

const words = (v: unknown) => String(v).toLowerCase().replaceAll('_', ' ');

function list(values: string[], conjunction: string): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} ${conjunction} ${values.at(-1)}`;
}

/** One filter as a phrase ("with status in progress", "assigned to Maria Rossi", "today"). */
function phrase(f: CriteriaFilter, vocabulary: AskVocabulary): string {
  const parts = f.field.split('.');
  const memberVerb = parts.length === 2 && parts[1] === 'email' ? MEMBER_VERBS[parts[0]] : undefined;
  const display = (v: unknown) => {
    if (memberVerb) return vocabulary.members.find((m) => m.email === v)?.name ?? String(v);
    if (f.field.endsWith('type.code')) return String(v);
    return typeof v === 'string' && /^[A-Z_]+$/.test(v) ? words(v) : JSON.stringify(v).replace(/^"|"$/g, '');
  };
  const label = memberVerb ?? LABELS[f.field] ?? `with ${f.field.split('.').map(words).join(' ')}`;
  const values = Array.isArray(f.value) ? f.value : [f.value];
  const shown = values.map(display);
  const lead = label ? `${label} ` : '';
  switch (f.operator) {
    case 'EQ':
      return `${lead}${shown[0]}`;
    case 'IN':
      return `${lead}${list(shown, 'or')}`;
    case 'NEQ':
    case 'NOT_IN':
      return `${lead}other than ${list(shown, 'or')}`;
    case 'CONTAINS':
      return `${lead}containing "${shown[0]}"`;
    case 'STARTS_WITH':
      return `${lead}starting with "${shown[0]}"`;
    case 'ENDS_WITH':
      return `${lead}ending with "${shown[0]}"`;
    case 'LAST_N_DAYS':
      return values[0] === 0 ? `${lead}today` : `${lead}in the last ${String(values[0])} days`;
    case 'NEXT_N_DAYS':
      return values[0] === 0 ? `${lead}today` : `${lead}in the next ${String(values[0])} days`;
    case 'BETWEEN':
      return shown[0] === shown[1] ? `${lead}on ${shown[0]}` : `${lead}between ${shown[0]} and ${shown[1]}`;
    case 'BEFORE':
    case 'LT':
      return `${lead}before ${shown[0]}`;
    case 'AFTER':
    case 'GT':
      return `${lead}after ${shown[0]}`;
    case 'GTE':
      return `${lead}of at least ${shown[0]}`;
    case 'LTE':
      return `${lead}of at most ${shown[0]}`;
    case 'IS_SET':
      return `${lead}set`;
    case 'IS_NOT_SET':
      return `${lead}not set`;
    default:
      return `${lead}${f.operator} ${shown.join(', ')}`;
  }
}

function describeCriteria(c: Criteria, vocabulary: AskVocabulary): string {
  const groups = c.groups.map((g) => {
    const parts = (g.filters ?? []).map((f) => phrase(f, vocabulary));
    for (const nested of g.anyOf ?? []) parts.push(`either ${describeCriteria(nested, vocabulary)}`);
    return parts.join(', ');
  });
  return groups.filter(Boolean).join('; or ');
}

/**
 * One plain sentence for what a tree selects, e.g. "Practices with status other than completed,
 * rejected or cancelled, assigned to Marco Bianchi." Team members are named, enum values read as
 * words.
 */
export function describe(entity: CriteriaEntityName, criteria: Criteria, vocabulary: AskVocabulary): string {
  const body = describeCriteria(criteria, vocabulary);
  return body ? `${PLURAL[entity]} ${body}.` : `All ${PLURAL[entity].toLowerCase()}.`;
}
