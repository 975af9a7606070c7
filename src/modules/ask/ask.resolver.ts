import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';

import type { KeysetOrder } from '../../platform/db/read-model.js';
import { ConnectionArgs, pageRequest, paginate } from '../../platform/graphql/connection.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { Client } from '../clients/client.entity.js';
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import type { AskOutcome } from './ask.service.js';
import { AskAnswer, AskResultConnection } from './ask.types.js';

/** The entity class and list order of each criteria root (interactions by when they happened). */
const LISTS: Record<CriteriaEntityName, { entity: new () => object; order: KeysetOrder<object> }> = {
  CLIENT: { entity: Client, order: [{ createdAt: 'desc' }, { id: 'desc' }] as KeysetOrder<object> },
  PRACTICE: { entity: Practice, order: [{ createdAt: 'desc' }, { id: 'desc' }] as KeysetOrder<object> },
  DEAL: { entity: Deal, order: [{ createdAt: 'desc' }, { id: 'desc' }] as KeysetOrder<object> },
  TICKET: { entity: Ticket, order: [{ createdAt: 'desc' }, { id: 'desc' }] as KeysetOrder<object> },
  INTERACTION: { entity: Interaction, order: [{ occurredAt: 'desc' }, { id: 'desc' }] as KeysetOrder<object> },
};

/** Questions in plain language. */
@Resolver(() => AskAnswer)
export class AskResolver {
  @Authorized()
  @Query(() => AskAnswer, {
    description:
      'Answers a question in plain language (English, Italian, Indonesian), e.g. "active practices of Marco", "clienti con KITAS in scadenza", "siapa yang bertanya tentang PT PMA hari ini": the criteria tree it was read as, one sentence saying so, the parts not used, and the records (`results`). Read by Claude when ANTHROPIC_API_KEY is set, else by a heuristic parser (see `AskInterpreter`). A question it cannot read is an answer with `code: NOT_UNDERSTOOD`; a question of more than 500 characters is BAD_USER_INPUT (reason QUESTION_TOO_LONG).',
  })
  ask(@Arg('question') question: string, @Ctx() ctx: GraphQLContext): Promise<AskOutcome> {
    return ctx.services.ask.ask(ctx.em, question);
  }

  @FieldResolver(() => AskResultConnection, {
    nullable: true,
    description:
      'The records the criteria select, as the list query with this `where` would (newest first; interactions by when they happened); null when not understood.',
  })
  results(@Root() answer: AskOutcome, @Args() args: ConnectionArgs, @Ctx() ctx: GraphQLContext) {
    if (!answer.entity || !answer.criteria) return null;
    const list = LISTS[answer.entity];
    const where = ctx.services.criteria.andWhere(ctx.em, answer.entity, {}, answer.criteria, ['criteria']);
    return paginate(ctx.em, list.entity, AskResultConnection, where, list.order, pageRequest(args));
  }
}
