import { ClientKind, ClientSource, LifecycleStage } from '../clients/client.enums.js';
import { DealStatus, StageKind } from '../deals/deal.enums.js';
import { Direction, InteractionKind, Sentiment } from '../interactions/interaction.enums.js';
import { PaymentStatus, PracticeStatus } from '../practices/practice.enums.js';
import { Channel } from '../shared/channel.js';
import { Role } from '../tenancy/role.js';
import { TicketPriority, TicketStatus } from '../tickets/ticket.enums.js';

/**
 * The catalogue of the criteria language: for each record kind, the fields a filter may name,
 * their type and column, and the relations a path may follow. It is written by hand (not read
 * from the ORM metadata) so that what is filterable is a deliberate, documented choice, and so
 * the compiler only ever puts identifiers from this file into SQL.
 */

/** The record kinds a criteria tree can select (the roots), as GraphQL enum values. */
export const CRITERIA_ENTITIES = ['CLIENT', 'PRACTICE', 'DEAL', 'TICKET', 'INTERACTION'] as const;
/** A record kind a criteria tree selects. */
export type CriteriaEntityName = (typeof CRITERIA_ENTITIES)[number];

/** Every table a path can reach: the roots and the records they point at. */
export type CriteriaTable = CriteriaEntityName | 'TEAM_MEMBER' | 'PRACTICE_TYPE' | 'PIPELINE' | 'PIPELINE_STAGE';

/** The value types of fields; each accepts the operators in {@link OPERATORS_BY_TYPE}. */
export type CriteriaFieldType =
  'STRING' | 'INTEGER' | 'DECIMAL' | 'DATE' | 'DATETIME' | 'ENUM' | 'ID' | 'BOOLEAN' | 'TAGS';

/** The operators of the criteria language. */
export const CRITERIA_OPERATORS = [
  'EQ',
  'NEQ',
  'IN',
  'NOT_IN',
  'CONTAINS',
  'STARTS_WITH',
  'ENDS_WITH',
  'GT',
  'GTE',
  'LT',
  'LTE',
  'BETWEEN',
  'BEFORE',
  'AFTER',
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'IS_SET',
  'IS_NOT_SET',
] as const;
/** One operator of the criteria language. */
export type CriteriaOperatorName = (typeof CRITERIA_OPERATORS)[number];

const ORDERED = ['EQ', 'NEQ', 'IN', 'NOT_IN', 'GT', 'GTE', 'LT', 'LTE', 'BETWEEN', 'IS_SET', 'IS_NOT_SET'] as const;
const TEMPORAL = [
  'EQ',
  'NEQ',
  'GT',
  'GTE',
  'LT',
  'LTE',
  'BETWEEN',
  'BEFORE',
  'AFTER',
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'IS_SET',
  'IS_NOT_SET',
] as const;

/** Which operators each field type accepts. */
export const OPERATORS_BY_TYPE: Record<CriteriaFieldType, readonly CriteriaOperatorName[]> = {
  STRING: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'CONTAINS', 'STARTS_WITH', 'ENDS_WITH', 'IS_SET', 'IS_NOT_SET'],
  INTEGER: ORDERED,
  DECIMAL: ORDERED,
  DATE: TEMPORAL,
  DATETIME: TEMPORAL,
  ENUM: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'IS_SET', 'IS_NOT_SET'],
  ID: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'IS_SET', 'IS_NOT_SET'],
  BOOLEAN: ['EQ', 'NEQ'],
  // CONTAINS: has this tag; IN: has any of these tags; IS_SET: has at least one tag.
  TAGS: ['CONTAINS', 'IN', 'NOT_IN', 'IS_SET', 'IS_NOT_SET'],
};

/** A filterable column of a table. */
export interface FieldDef {
  type: CriteriaFieldType;
  /** The SQL column (an identifier from this file, never from input). */
  column: string;
  /** Whether the column can be null (IS_SET / IS_NOT_SET make sense). */
  nullable?: boolean;
  /** For ENUM: the accepted values. */
  values?: readonly string[];
  /** For ID: the GraphQL type whose global IDs are accepted. */
  idType?: string;
  /** Human description, shown by `criteriaFields`. */
  description: string;
}

/** A relation a path may follow from a table. */
export interface RelationDef {
  target: CriteriaTable;
  /**
   * `one`: this table's `column` holds the target's id. `many`: the target's `column` holds this
   * table's id ("any of" semantics: EXISTS).
   */
  kind: 'one' | 'many';
  column: string;
  description: string;
}

/** A table of the catalogue. */
export interface TableDef {
  table: string;
  /** The GraphQL type name of its rows (for IDs). */
  typeName: string;
  fields: Record<string, FieldDef>;
  relations: Record<string, RelationDef>;
}

const enumValues = (e: Record<string, string>) => Object.values(e);
const id = (typeName: string): FieldDef => ({
  type: 'ID',
  column: 'id',
  idType: typeName,
  description: `The ${typeName}'s ID.`,
});
const timestamps = {
  createdAt: { type: 'DATETIME', column: 'created_at', description: 'When the record was created.' },
  updatedAt: { type: 'DATETIME', column: 'updated_at', description: 'When the record last changed.' },
} satisfies Record<string, FieldDef>;
const one = (target: CriteriaTable, column: string, description: string): RelationDef => ({
  target,
  kind: 'one',
  column,
  description,
});
const many = (target: CriteriaTable, column: string, description: string): RelationDef => ({
  target,
  kind: 'many',
  column,
  description,
});

/** The catalogue: every table a criteria path can reach. */
export const CRITERIA_TABLES: Record<CriteriaTable, TableDef> = {
  CLIENT: {
    table: 'client',
    typeName: 'Client',
    fields: {
      id: id('Client'),
      kind: { type: 'ENUM', column: 'kind', values: enumValues(ClientKind), description: 'Person or organisation.' },
      fullName: { type: 'STRING', column: 'full_name', description: 'Full or legal name.' },
      email: { type: 'STRING', column: 'email', nullable: true, description: 'Email address.' },
      phone: { type: 'STRING', column: 'phone', nullable: true, description: 'Phone number (+62…).' },
      nationality: { type: 'STRING', column: 'nationality', nullable: true, description: 'Nationality.' },
      lifecycleStage: {
        type: 'ENUM',
        column: 'lifecycle_stage',
        values: enumValues(LifecycleStage),
        description: 'Lifecycle stage.',
      },
      leadScore: { type: 'INTEGER', column: 'lead_score', description: 'Lead score 0–100.' },
      source: { type: 'ENUM', column: 'source', values: enumValues(ClientSource), description: 'First source.' },
      tags: { type: 'TAGS', column: 'tags', description: 'Tags.' },
      notes: { type: 'STRING', column: 'notes', nullable: true, description: 'Notes.' },
      archivedAt: { type: 'DATETIME', column: 'archived_at', nullable: true, description: 'When archived.' },
      ...timestamps,
    },
    relations: {
      owner: one('TEAM_MEMBER', 'owner_id', 'The team member responsible for the client.'),
      organization: one('CLIENT', 'organization_id', 'The organisation a person belongs to.'),
      practices: many('PRACTICE', 'client_id', "The client's practices (any of them)."),
      deals: many('DEAL', 'client_id', "The client's deals (any of them)."),
      tickets: many('TICKET', 'client_id', "The client's tickets (any of them)."),
      interactions: many('INTERACTION', 'client_id', "The client's interactions (any of them)."),
    },
  },
  PRACTICE: {
    table: 'practice',
    typeName: 'Practice',
    fields: {
      id: id('Practice'),
      status: { type: 'ENUM', column: 'status', values: enumValues(PracticeStatus), description: 'Status.' },
      paymentStatus: {
        type: 'ENUM',
        column: 'payment_status',
        values: enumValues(PaymentStatus),
        description: 'Payment status.',
      },
      quotedPrice: {
        type: 'DECIMAL',
        column: 'quoted_price_amount',
        nullable: true,
        description: 'Quoted price amount.',
      },
      actualPrice: {
        type: 'DECIMAL',
        column: 'actual_price_amount',
        nullable: true,
        description: 'Actual price amount.',
      },
      startDate: { type: 'DATE', column: 'start_date', nullable: true, description: 'Start date.' },
      completionDate: { type: 'DATE', column: 'completion_date', nullable: true, description: 'Completion date.' },
      expiryDate: { type: 'DATE', column: 'expiry_date', nullable: true, description: 'When the permit expires.' },
      notes: { type: 'STRING', column: 'notes', nullable: true, description: 'Notes.' },
      renewedAt: { type: 'DATETIME', column: 'renewed_at', nullable: true, description: 'When renewed.' },
      ...timestamps,
    },
    relations: {
      client: one('CLIENT', 'client_id', 'The client.'),
      type: one('PRACTICE_TYPE', 'type_id', 'The practice type (KITAS, PT_PMA, …).'),
      assignedTo: one('TEAM_MEMBER', 'assigned_to_id', 'The team member working on it.'),
      tickets: many('TICKET', 'practice_id', "The practice's tickets (any of them)."),
      interactions: many('INTERACTION', 'practice_id', "The practice's interactions (any of them)."),
    },
  },
  DEAL: {
    table: 'deal',
    typeName: 'Deal',
    fields: {
      id: id('Deal'),
      title: { type: 'STRING', column: 'title', description: 'Title.' },
      status: { type: 'ENUM', column: 'status', values: enumValues(DealStatus), description: 'Open, won or lost.' },
      amount: { type: 'DECIMAL', column: 'amount_amount', nullable: true, description: 'Amount.' },
      probability: { type: 'INTEGER', column: 'probability', description: 'Win probability 0–100.' },
      expectedCloseDate: {
        type: 'DATE',
        column: 'expected_close_date',
        nullable: true,
        description: 'Expected close date.',
      },
      closedAt: { type: 'DATETIME', column: 'closed_at', nullable: true, description: 'When won or lost.' },
      lostReason: { type: 'STRING', column: 'lost_reason', nullable: true, description: 'Why it was lost.' },
      ...timestamps,
    },
    relations: {
      client: one('CLIENT', 'client_id', 'The client.'),
      owner: one('TEAM_MEMBER', 'owner_id', 'The team member owning the deal.'),
      stage: one('PIPELINE_STAGE', 'stage_id', 'The current stage.'),
      pipeline: one('PIPELINE', 'pipeline_id', 'The pipeline.'),
      tickets: many('TICKET', 'deal_id', "The deal's tickets (any of them)."),
    },
  },
  TICKET: {
    table: 'ticket',
    typeName: 'Ticket',
    fields: {
      id: id('Ticket'),
      number: { type: 'INTEGER', column: 'number', description: 'Ticket number.' },
      subject: { type: 'STRING', column: 'subject', description: 'Subject.' },
      description: { type: 'STRING', column: 'description', nullable: true, description: 'Description.' },
      status: { type: 'ENUM', column: 'status', values: enumValues(TicketStatus), description: 'Status.' },
      priority: { type: 'ENUM', column: 'priority', values: enumValues(TicketPriority), description: 'Priority.' },
      channel: { type: 'ENUM', column: 'channel', values: enumValues(Channel), description: 'Channel.' },
      resolvedAt: { type: 'DATETIME', column: 'resolved_at', nullable: true, description: 'When resolved.' },
      ...timestamps,
    },
    relations: {
      client: one('CLIENT', 'client_id', 'The client.'),
      deal: one('DEAL', 'deal_id', 'The deal.'),
      practice: one('PRACTICE', 'practice_id', 'The practice.'),
      assignee: one('TEAM_MEMBER', 'assignee_id', 'The team member assigned.'),
    },
  },
  INTERACTION: {
    table: 'interaction',
    typeName: 'Interaction',
    fields: {
      id: id('Interaction'),
      kind: { type: 'ENUM', column: 'kind', values: enumValues(InteractionKind), description: 'Call, chat, …' },
      direction: {
        type: 'ENUM',
        column: 'direction',
        values: enumValues(Direction),
        description: 'Inbound or outbound.',
      },
      summary: { type: 'STRING', column: 'summary', description: 'Summary.' },
      sentiment: {
        type: 'ENUM',
        column: 'sentiment',
        nullable: true,
        values: enumValues(Sentiment),
        description: 'Sentiment.',
      },
      actionItems: { type: 'TAGS', column: 'action_items', description: 'Action items.' },
      occurredAt: { type: 'DATETIME', column: 'occurred_at', description: 'When it happened.' },
      ...timestamps,
    },
    relations: {
      client: one('CLIENT', 'client_id', 'The client.'),
      practice: one('PRACTICE', 'practice_id', 'The practice.'),
      teamMember: one('TEAM_MEMBER', 'team_member_id', 'The team member involved.'),
    },
  },
  TEAM_MEMBER: {
    table: 'team_member',
    typeName: 'TeamMember',
    fields: {
      id: id('TeamMember'),
      email: { type: 'STRING', column: 'email', description: 'Email address.' },
      name: { type: 'STRING', column: 'name', description: 'Name.' },
      role: { type: 'ENUM', column: 'role', values: enumValues(Role), description: 'Role.' },
      active: { type: 'BOOLEAN', column: 'active', description: 'Whether the member is active.' },
    },
    relations: {},
  },
  PRACTICE_TYPE: {
    table: 'practice_type',
    typeName: 'PracticeType',
    fields: {
      id: id('PracticeType'),
      code: { type: 'STRING', column: 'code', description: 'Code, e.g. KITAS.' },
      name: { type: 'STRING', column: 'name', description: 'Name.' },
      renewable: { type: 'BOOLEAN', column: 'renewable', description: 'Whether it must be renewed.' },
    },
    relations: {},
  },
  PIPELINE: {
    table: 'pipeline',
    typeName: 'Pipeline',
    fields: { id: id('Pipeline'), name: { type: 'STRING', column: 'name', description: 'Name.' } },
    relations: {},
  },
  PIPELINE_STAGE: {
    table: 'pipeline_stage',
    typeName: 'PipelineStage',
    fields: {
      id: id('PipelineStage'),
      name: { type: 'STRING', column: 'name', description: 'Name.' },
      kind: { type: 'ENUM', column: 'kind', values: enumValues(StageKind), description: 'Open, won or lost.' },
      probability: { type: 'INTEGER', column: 'probability', description: 'Probability 0–100.' },
    },
    relations: {},
  },
};

/** The operators a field accepts: those of its type; IS_SET / IS_NOT_SET only where it can be empty. */
export function operatorsOf(field: FieldDef): readonly CriteriaOperatorName[] {
  const all = OPERATORS_BY_TYPE[field.type];
  if (field.nullable || field.type === 'TAGS') return all;
  return all.filter((op) => op !== 'IS_SET' && op !== 'IS_NOT_SET');
}

/** A path resolved against the catalogue: the relations followed, then the field (or none). */
export interface ResolvedPath {
  /** Relations followed from the root, in order (at most {@link MAX_HOPS}). */
  hops: { name: string; from: CriteriaTable; relation: RelationDef }[];
  /** The field at the end; null when the path ends at a to-many relation (IS_SET / IS_NOT_SET on it). */
  field: FieldDef | null;
  /** The canonical path (without a leading root name). */
  path: string;
}

/** Relations a path may follow: `practice.client.nationality` from a ticket is two. */
export const MAX_HOPS = 2;

/**
 * Resolves `path` (dot-separated; a leading root name such as `client.` on a client criteria is
 * allowed and dropped) from `root`; null when it names no field, or follows more than
 * {@link MAX_HOPS} relations.
 */
export function resolvePath(root: CriteriaEntityName, path: string): ResolvedPath | null {
  const parts = path.split('.');
  if (parts.length > 1 && parts[0] === root.toLowerCase() && !(parts[0] in CRITERIA_TABLES[root].relations))
    parts.shift();
  let table: CriteriaTable = root;
  const hops: ResolvedPath['hops'] = [];
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    const def: TableDef = CRITERIA_TABLES[table];
    const last = i === parts.length - 1;
    if (last && Object.hasOwn(def.fields, name)) return { hops, field: def.fields[name], path: parts.join('.') };
    if (!Object.hasOwn(def.relations, name) || hops.length >= MAX_HOPS) return null;
    const relation: RelationDef = def.relations[name];
    hops.push({ name, from: table, relation });
    if (last) return relation.kind === 'many' ? { hops, field: null, path: parts.join('.') } : null;
    table = relation.target;
  }
  return null;
}

/** One entry of {@link listFields}. */
export interface FieldListing {
  path: string;
  type: CriteriaFieldType | 'RELATION';
  operators: readonly CriteriaOperatorName[];
  values: readonly string[] | null;
  idType: string | null;
  /** Whether the path goes through a to-many relation ("any of" semantics). */
  anyOf: boolean;
  description: string;
}

/**
 * Every path a criteria tree on `root` may name: its own fields, then the fields reached through
 * one and two relations (a path never comes straight back the way it went, e.g.
 * `practices.client`).
 */
export function listFields(root: CriteriaEntityName): FieldListing[] {
  const out: FieldListing[] = [];
  const walk = (table: CriteriaTable, prefix: string, depth: number, anyOf: boolean, back: CriteriaTable | null) => {
    const def = CRITERIA_TABLES[table];
    for (const [name, f] of Object.entries(def.fields)) {
      out.push({
        path: prefix + name,
        type: f.type,
        operators: operatorsOf(f),
        values: f.values ?? null,
        idType: f.idType ?? null,
        anyOf,
        description: f.description,
      });
    }
    if (depth >= MAX_HOPS) return;
    for (const [name, r] of Object.entries(def.relations)) {
      if (back && r.target === back && depth > 0) continue;
      if (r.kind === 'many')
        out.push({
          path: prefix + name,
          type: 'RELATION',
          operators: ['IS_SET', 'IS_NOT_SET'],
          values: null,
          idType: null,
          anyOf: true,
          description: `${r.description} IS_SET: has at least one; IS_NOT_SET: has none.`,
        });
      walk(r.target, `${prefix}${name}.`, depth + 1, anyOf || r.kind === 'many', table);
    }
  };
  walk(root, '', 0, false, null);
  return out;
}
