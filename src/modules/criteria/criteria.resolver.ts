import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';

import type { GraphQLContext } from '../../platform/graphql/context.js';
import type { CriteriaEntityName } from './criteria.fields.js';
import { CriteriaEntity, CriteriaField } from './criteria.input.js';

/** Introspection of the criteria language. */
@Resolver()
export class CriteriaResolver {
  @Authorized()
  @Query(() => [CriteriaField], {
    description:
      'The fields a criteria tree on `entity` can name (its own, and through one or two relations), with their types and accepted operators: enough to build a filter UI.',
  })
  criteriaFields(
    @Arg('entity', () => CriteriaEntity) entity: CriteriaEntityName,
    @Ctx() ctx: GraphQLContext,
  ): CriteriaField[] {
    return ctx.services.criteria.fields(entity).map((f) => ({
      path: f.path,
      type: f.type as CriteriaField['type'],
      operators: [...f.operators],
      enumValues: f.values ? [...f.values] : null,
      idType: f.idType,
      anyOf: f.anyOf,
      description: f.description,
    }));
  }
}
