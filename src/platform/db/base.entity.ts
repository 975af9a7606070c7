import { randomUUID } from 'node:crypto';

import { OptionalProps } from '@mikro-orm/core';
import { PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { toGlobalId } from '../graphql/global-id.js';

/** Properties of every entity that have defaults. */
export type BaseOptionalProps = 'id' | 'createdAt' | 'updatedAt' | 'nodeId';

/** Columns every table has: a UUID primary key and creation/update timestamps. */
@ObjectType()
export abstract class BaseEntity<Optional extends string = never> {
  /** Properties `em.create` may omit; subclasses name theirs in the type parameter. */
  [OptionalProps]?: BaseOptionalProps | Optional;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  @Field(() => Date, { description: 'When the record was created (UTC).' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  @Field(() => Date, { description: 'When the record last changed (UTC).' })
  updatedAt: Date = new Date();

  /** Global ID for GraphQL (`Node.id`): the class name and the row id, opaque to clients. */
  get nodeId(): string {
    return toGlobalId(this.constructor.name, this.id);
  }
}
