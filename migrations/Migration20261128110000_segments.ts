import { Migration } from '@mikro-orm/migrations';

/**
 * Segments (`segment`), their stored membership (`segment_member`), the log of records entering
 * and leaving them (`segment_change`) and the membership processor's checkpoint on the timeline.
 */
export class Migration20261128110000_segments extends Migration {
  override name = 'Migration20261128110000_segments';

  override up(): void {
    this.addSql(`create table "segment_checkpoint" ("name" varchar(50) not null, "position" bigint not null, primary key ("name"));`);
    this.addSql(`create table "segment" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "name" varchar(200) not null, "entity" text not null, "criteria" jsonb not null, "time_relative" boolean not null default false, "rechecked_on" date null, "created_by_id" uuid null, "deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "segment_tenant_id_index" on "segment" ("tenant_id");`);
    this.addSql(`create index "segment_tenant_id_name_index" on "segment" ("tenant_id", "name");`);
    this.addSql(`create index "segment_tenant_id_entity_index" on "segment" ("tenant_id", "entity");`);
    this.addSql(`create table "segment_member" ("segment_id" uuid not null, "record_id" uuid not null, "entered_at" timestamptz not null default now(), primary key ("segment_id", "record_id"));`);
    this.addSql(`create table "segment_change" ("position" bigserial primary key, "tenant_id" uuid not null, "segment_id" uuid not null, "record_id" uuid not null, "change" text not null, "at" timestamptz not null default now());`);
    this.addSql(`create index "segment_change_tenant_id_index" on "segment_change" ("tenant_id");`);
    this.addSql(`create index "segment_change_segment_id_position_index" on "segment_change" ("segment_id", "position");`);
    this.addSql(`alter table "segment" add constraint "segment_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "segment" add constraint "segment_created_by_id_foreign" foreign key ("created_by_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "segment" add constraint "segment_entity_check" check ("entity" in ('CLIENT', 'PRACTICE', 'DEAL', 'TICKET', 'INTERACTION'));`);
    this.addSql(`alter table "segment_member" add constraint "segment_member_segment_id_foreign" foreign key ("segment_id") references "segment" ("id") on delete cascade;`);
    this.addSql(`alter table "segment_change" add constraint "segment_change_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "segment_change" add constraint "segment_change_segment_id_foreign" foreign key ("segment_id") references "segment" ("id") on delete cascade;`);
    this.addSql(`alter table "segment_change" add constraint "segment_change_change_check" check ("change" in ('ENTERED', 'LEFT'));`);
  }

  override down(): void {
    this.addSql(`drop table if exists "segment_change" cascade;`);
    this.addSql(`drop table if exists "segment_member" cascade;`);
    this.addSql(`drop table if exists "segment" cascade;`);
    this.addSql(`drop table if exists "segment_checkpoint" cascade;`);
  }
}
