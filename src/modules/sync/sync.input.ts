import { ArgsType, Field, ID, InputType } from 'type-graphql';

import { ChildConnectionArgs } from '../../platform/graphql/connection.js';
import { CrmProvider, SyncMode, SyncObjectType, SyncRunStatus } from './sync.enums.js';

@InputType({ description: 'A run to start on a connection.' })
export class StartSyncInput {
  @Field(() => ID)
  connectionId!: string;

  @Field(() => SyncMode, { description: 'BACKFILL, DELTA or PUSH (IMPORT runs come from POST /imports).' })
  mode!: SyncMode;

  @Field(() => [SyncObjectType], {
    nullable: true,
    description: 'Object types to sync, in order (default: every type the provider syncs).',
  })
  objects?: SyncObjectType[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Report what would change without changing anything.' })
  dryRun?: boolean | null;
}

@InputType({ description: 'Filters on sync runs; all given fields must match.' })
export class SyncRunFilter {
  @Field(() => ID, { nullable: true })
  connectionId?: string;

  @Field(() => [SyncRunStatus], { nullable: true })
  statuses?: SyncRunStatus[];

  @Field(() => [SyncMode], { nullable: true })
  modes?: SyncMode[];

  @Field(() => [CrmProvider], { nullable: true })
  providers?: CrmProvider[];
}

@InputType({ description: 'One provider field mapped onto one Meridian field.' })
export class FieldMappingInput {
  @Field({ description: 'The provider’s field name (or CSV column header).' })
  externalField!: string;

  @Field({ description: 'The Meridian field (see the SyncObjectType’s fields in the README).' })
  localField!: string;
}

@InputType({ description: 'Replaces the mappings of one object type of a connection.' })
export class UpdateFieldMappingsInput {
  @Field(() => ID)
  connectionId!: string;

  @Field(() => SyncObjectType)
  objectType!: SyncObjectType;

  @Field(() => [FieldMappingInput])
  mappings!: FieldMappingInput[];
}

@InputType({ description: 'The connection to act on.' })
export class ConnectionIdInput {
  @Field(() => ID)
  id!: string;
}

@InputType({ description: 'The run to act on.' })
export class SyncRunIdInput {
  @Field(() => ID)
  id!: string;
}

/** Arguments of `SyncRun.logs`. */
@ArgsType()
export class SyncLogArgs extends ChildConnectionArgs {}
