import { type Ref } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { Field, ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';
import { CrmConnection } from './crm-connection.entity.js';
import { CrmProvider, FieldSourceKind, SyncObjectType } from './sync.enums.js';

/** One provider field mapped onto one Meridian field, for a connection and object type. */
@Entity({ tableName: 'field_mapping' })
@Unique({ properties: ['tenant', 'connection', 'objectType', 'localField'] })
@ObjectType({ description: 'A provider field mapped onto a Meridian field for one object type of a connection.' })
export class FieldMapping extends TenantScopedEntity {
  @ManyToOne(() => CrmConnection, { ref: true, deleteRule: 'cascade' })
  connection!: Ref<CrmConnection>;

  @Enum({ items: () => SyncObjectType })
  @Field(() => SyncObjectType)
  objectType!: SyncObjectType;

  @Property({ length: 200 })
  @Field({ description: 'The provider’s field name (HubSpot `firstname`, a CSV column header).' })
  externalField!: string;

  @Property({ length: 60 })
  @Field({ description: 'The Meridian field, e.g. fullName, email, phone, title, amount.' })
  localField!: string;
}

/** Where the current value of one field of a client or deal came from. */
@Entity({ tableName: 'field_source' })
@Unique({ properties: ['tenant', 'recordType', 'recordId', 'field'] })
@ObjectType({ description: 'Where the current value of a field came from: a provider (by a sync) or Meridian.' })
export class FieldSource extends TenantScopedEntity {
  /** Entity class name: `Client` or `Deal`. */
  @Property({ length: 40 })
  recordType!: string;

  @Property({ type: 'uuid' })
  recordId!: string;

  @Property({ length: 60 })
  @Field({ description: 'The field, e.g. email.' })
  field!: string;

  @Enum({ items: () => FieldSourceKind })
  @Field(() => FieldSourceKind)
  source!: FieldSourceKind;

  @Enum({ items: () => CrmProvider, nullable: true })
  @Field(() => CrmProvider, { nullable: true, description: 'The provider, when source is PROVIDER.' })
  provider?: CrmProvider | null;

  @Property({ type: 'datetime' })
  @Field(() => Date, { description: 'When the value was set.' })
  at!: Date;
}

/** Uploaded file bytes of an IMPORT run, in order, so any worker can read the file. */
@Entity({ tableName: 'sync_file_chunk' })
@Unique({ properties: ['tenant', 'runId', 'seq'] })
export class SyncFileChunk extends TenantScopedEntity {
  @Property({ type: 'uuid' })
  runId!: string;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'blob' })
  data!: Buffer;
}
