import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { Node } from '../../platform/graphql/node.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { CrmConnection } from './crm-connection.entity.js';
import { CrmProvider, SyncLogLevel, SyncMode, SyncObjectType, SyncRunStatus } from './sync.enums.js';

/**
 * Where a run stands, committed with each page: the index of the object type being read, the
 * provider's cursor within it (or, for a file, the number of data rows done) and the log sequence.
 */
export interface SyncCursor {
  objectIndex: number;
  cursor: string | null;
  rows: number;
  logSeq: number;
  /** Delta: highest modification time seen per object type (ISO). */
  watermarks?: Record<string, string>;
}

/** One run of a connection: a backfill, a delta, a push or a file import. */
@Entity({ tableName: 'sync_run' })
@Index({ properties: ['tenant', 'createdAt'] })
@Index({ properties: ['tenant', 'status'] })
@Index({ properties: ['tenant', 'connection'] })
@ObjectType({
  implements: Node,
  description:
    'One sync run: a backfill, delta, push or CSV import, with its counters; `syncProgress` streams it as it moves.',
})
export class SyncRun extends TenantScopedEntity<
  | 'status'
  | 'total'
  | 'processed'
  | 'created'
  | 'updated'
  | 'skipped'
  | 'failed'
  | 'dryRun'
  | 'cancelRequested'
  | 'attempts'
  | 'objects'
> {
  @ManyToOne(() => CrmConnection, { ref: true, deleteRule: 'cascade' })
  connection!: Ref<CrmConnection>;

  @Enum({ items: () => CrmProvider })
  @Field(() => CrmProvider)
  provider!: CrmProvider;

  @Enum({ items: () => SyncMode })
  @Field(() => SyncMode)
  mode!: SyncMode;

  @Enum({ items: () => SyncRunStatus })
  @Field(() => SyncRunStatus)
  status: SyncRunStatus = SyncRunStatus.QUEUED;

  @Enum({ items: () => SyncObjectType, array: true })
  @Field(() => [SyncObjectType], { description: 'The object types this run moves, in order.' })
  objects: SyncObjectType[] = [];

  @Property({ length: 100, nullable: true })
  @Field(() => String, {
    nullable: true,
    description: 'What the run is doing now, e.g. "CONTACT" (reading contacts) or "done".',
  })
  phase?: string | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Records to process, when known in advance.' })
  total?: number | null = null;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int)
  processed = 0;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int)
  created = 0;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int)
  updated = 0;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int, { description: 'Records unchanged since the last sync, or rows with nothing to do.' })
  skipped = 0;

  @Property({ type: 'integer', default: 0 })
  @Field(() => Int, { description: 'Records refused (invalid); each has an ERROR entry in `logs`.' })
  failed = 0;

  @Property({ type: 'boolean', default: false })
  @Field({ description: 'A dry run reports what it would create, update and skip, and changes nothing.' })
  dryRun: boolean = false;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  @Field(() => Date, { nullable: true })
  finishedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the run failed.' })
  error?: string | null;

  @Property({ length: 255, nullable: true })
  @Field(() => String, { nullable: true, description: 'The imported file’s name (IMPORT).' })
  fileName?: string | null;

  @Property({ length: 20, nullable: true })
  @Field(() => String, { nullable: true, description: 'The imported file’s encoding: utf8 or latin1 (IMPORT).' })
  encoding?: string | null;

  @ManyToOne(() => TeamMember, { ref: true, nullable: true, deleteRule: 'set null' })
  startedBy?: Ref<TeamMember> | null;

  /** Where the run stands (see {@link SyncCursor}), committed with each page. */
  @Property({ type: 'json', nullable: true })
  cursor?: SyncCursor | null;

  /** Set by `cancelSync`; the run stops after its current page. */
  @Property({ type: 'boolean', default: false })
  cancelRequested: boolean = false;

  /** How many times a worker took this run (a resumed run counts again). */
  @Property({ type: 'integer', default: 0 })
  attempts = 0;

  /** Last sign of life of the worker running it (a stale RUNNING run is resumed elsewhere). */
  @Property({ type: 'datetime', nullable: true })
  heartbeatAt?: Date | null;
}

/** A line of a run's log. */
@Entity({ tableName: 'sync_log_entry' })
@Index({ properties: ['tenant', 'run', 'seq'] })
@ObjectType({ description: 'A line of a sync run’s log: a refused row, a conflict, a skipped record.' })
export class SyncLogEntry extends TenantScopedEntity {
  @ManyToOne(() => SyncRun, { ref: true, deleteRule: 'cascade' })
  run!: Ref<SyncRun>;

  /** Order within the run. */
  @Property({ type: 'integer' })
  seq!: number;

  @Enum({ items: () => SyncLogLevel })
  @Field(() => SyncLogLevel)
  level!: SyncLogLevel;

  @Property({ length: 1000 })
  @Field()
  message!: string;

  @Enum({ items: () => SyncObjectType, nullable: true })
  @Field(() => SyncObjectType, { nullable: true })
  objectType?: SyncObjectType | null;

  @Property({ length: 255, nullable: true })
  @Field(() => String, { nullable: true, description: 'The record’s id at the provider.' })
  externalId?: string | null;

  /** Local record: its GraphQL type name and row id. */
  @Property({ length: 40, nullable: true })
  recordType?: string | null;

  @Property({ type: 'uuid', nullable: true })
  recordId?: string | null;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Line of the file where the row starts (IMPORT).' })
  line?: number | null;
}
