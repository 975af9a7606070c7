import { Field, ObjectType } from 'type-graphql';

import { type UserErrorShape, ValidationFailed } from '../errors.js';

/** A problem with a mutation's input. The mutation changed nothing. */
@ObjectType({ description: 'A problem with the input of a mutation. When present, the mutation changed nothing.' })
export class UserError implements UserErrorShape {
  @Field(() => [String], { nullable: true, description: 'Path to the input field, e.g. ["input", "email"].' })
  field!: string[] | null;

  @Field({ description: 'Human-readable explanation.' })
  message!: string;

  @Field({ description: 'Stable machine-readable code, e.g. INVALID_EMAIL, TAKEN, ILLEGAL_TRANSITION.' })
  code!: string;
}

/**
 * Runs a mutation body and shapes its payload: the body's result with `userErrors: []`, or, when
 * it throws {@link ValidationFailed}, the user errors and nothing else.
 */
export async function withUserErrors<T extends object>(
  body: () => Promise<T>,
): Promise<Partial<T> & { userErrors: UserErrorShape[] }> {
  try {
    return { ...(await body()), userErrors: [] };
  } catch (err) {
    if (err instanceof ValidationFailed)
      return { userErrors: err.userErrors } as Partial<T> & { userErrors: UserErrorShape[] };
    throw err;
  }
}
