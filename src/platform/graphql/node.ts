import { Field, ID, InterfaceType } from 'type-graphql';

/** The GraphQL `Node` interface: every entity has a global `id`. */
@InterfaceType('Node', {
  description: 'An object with a globally unique, opaque ID. Fetch any Node with `node(id:)`.',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Globally unique opaque ID.' })
  nodeId!: string;
}
