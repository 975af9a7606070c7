import { createUnionType, Field, Int, ObjectType, registerEnumType } from 'type-graphql';

import { PageInfo } from '../../platform/graphql/connection.js';
import { Client } from '../clients/client.entity.js';
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import { CriteriaEntity, CriteriaNode } from '../criteria/criteria.input.js';
import type { Criteria } from '../criteria/criteria.tree.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import type { AskInterpreterKind } from './ask.interpreter.js';

/** GraphQL `AskInterpreter`. */
export const AskInterpreterEnum = { ANTHROPIC: 'ANTHROPIC', HEURISTIC: 'HEURISTIC' } as const;
registerEnumType(AskInterpreterEnum, {
  name: 'AskInterpreter',
  description:
    'Who read the question. ANTHROPIC: Claude (when ANTHROPIC_API_KEY is set), through a forced tool call whose input is a criteria tree. HEURISTIC: the offline parser — a heuristic of word lists (English, Italian, Indonesian) and the tenant’s team members’ first names, practice types, statuses, nationalities and relative dates; it can misread, which is why the criteria and `understood` are returned.',
});

/** The record an answer lists. */
export const AskRecord = createUnionType({
  name: 'AskRecord',
  description: 'A record an answer lists (of the answer’s `entity`).',
  types: () => [Client, Practice, Deal, Ticket, Interaction] as const,
  resolveType: (value) => value.constructor.name,
});

@ObjectType({ description: 'An edge of an answer’s results.' })
export class AskResultEdge {
  @Field()
  cursor!: string;

  @Field(() => AskRecord)
  node!: object;
}

@ObjectType({ description: 'The records an answer selects, newest first.' })
export class AskResultConnection {
  @Field(() => [AskResultEdge])
  edges!: AskResultEdge[];

  @Field(() => [AskRecord])
  nodes!: object[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  count!: () => Promise<number>;

  @Field(() => Int, { description: 'Number of records selected (all pages).' })
  totalCount(): Promise<number> {
    return this.count();
  }
}

@ObjectType({
  description:
    'The answer to a question: who read it, what it understood (a criteria tree on an entity, and one plain sentence), the parts it could not use, and the records. A question it could not read has `understood: false`, `code: NOT_UNDERSTOOD`, no criteria and no results — never a broad query.',
})
export class AskAnswer {
  @Field({ description: 'The question as asked.' })
  question!: string;

  @Field(() => AskInterpreterEnum)
  interpreter!: AskInterpreterKind;

  @Field(() => String, {
    nullable: true,
    description: 'Why the heuristic answered although Claude is configured (Claude failed or built an invalid tree).',
  })
  fallbackReason!: string | null;

  @Field({ description: 'Whether the question was turned into criteria.' })
  understood!: boolean;

  @Field(() => String, { nullable: true, description: 'NOT_UNDERSTOOD when `understood` is false.' })
  code!: 'NOT_UNDERSTOOD' | null;

  @Field({
    description:
      'One plain sentence: what was asked of the database ("Practices assigned to Maria Rossi with status in progress."), or why the question was not understood.',
  })
  summary!: string;

  @Field(() => CriteriaEntity, { nullable: true, description: 'The kind of record listed.' })
  entity!: CriteriaEntityName | null;

  @Field(() => CriteriaNode, {
    nullable: true,
    description: 'The criteria tree built: pass it as `where` to the list query, or save it.',
  })
  criteria!: Criteria | null;

  @Field(() => [String], { description: 'Parts of the question that shaped nothing in the criteria.' })
  unused!: string[];
}
