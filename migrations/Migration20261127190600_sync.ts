import { Migration } from '@mikro-orm/migrations';

export class Migration20261127190600_sync extends Migration {

  override name = 'Migration20261127190600_sync';

  override up(): void | Promise<void> {
    this.addSql(`create table "sync_file_chunk" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "run_id" uuid not null, "seq" int not null, "data" bytea not null, primary key ("id"));`);
    this.addSql(`create index "sync_file_chunk_tenant_id_index" on "sync_file_chunk" ("tenant_id");`);
    this.addSql(`alter table "sync_file_chunk" add constraint "sync_file_chunk_tenant_id_run_id_seq_unique" unique ("tenant_id", "run_id", "seq");`);
    this.addSql(`create table "field_source" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "record_type" varchar(40) not null, "record_id" uuid not null, "field" varchar(60) not null, "source" text not null, "provider" text null, "at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "field_source_tenant_id_index" on "field_source" ("tenant_id");`);
    this.addSql(`alter table "field_source" add constraint "field_source_tenant_id_record_type_record_id_field_unique" unique ("tenant_id", "record_type", "record_id", "field");`);
    this.addSql(`create table "crm_connection" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "provider" text not null, "status" text not null default 'CONNECTED', "account_name" varchar(200) null, "account_id" varchar(100) null, "scopes" text[] not null default '{}', "connected_at" timestamptz null, "last_sync_at" timestamptz null, "last_success_at" timestamptz null, "last_error" text null, "last_error_at" timestamptz null, "credentials" text null, "delta_cursors" jsonb not null default '{}', primary key ("id"));`);
    this.addSql(`create index "crm_connection_tenant_id_index" on "crm_connection" ("tenant_id");`);
    this.addSql(`create index "crm_connection_tenant_id_provider_index" on "crm_connection" ("tenant_id", "provider");`);
    this.addSql(`create table "sync_run" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "connection_id" uuid not null, "provider" text not null, "mode" text not null, "status" text not null default 'QUEUED', "objects" text[] not null, "phase" varchar(100) null, "total" int null, "processed" int not null default 0, "created" int not null default 0, "updated" int not null default 0, "skipped" int not null default 0, "failed" int not null default 0, "dry_run" boolean not null default false, "started_at" timestamptz null, "finished_at" timestamptz null, "error" text null, "file_name" varchar(255) null, "encoding" varchar(20) null, "started_by_id" uuid null, "cursor" jsonb null, "cancel_requested" boolean not null default false, "attempts" int not null default 0, "heartbeat_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "sync_run_tenant_id_index" on "sync_run" ("tenant_id");`);
    this.addSql(`create index "sync_run_tenant_id_connection_id_index" on "sync_run" ("tenant_id", "connection_id");`);
    this.addSql(`create index "sync_run_tenant_id_status_index" on "sync_run" ("tenant_id", "status");`);
    this.addSql(`create index "sync_run_tenant_id_created_at_index" on "sync_run" ("tenant_id", "created_at");`);
    this.addSql(`create table "sync_log_entry" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "run_id" uuid not null, "seq" int not null, "level" text not null, "message" varchar(1000) not null, "object_type" text null, "external_id" varchar(255) null, "record_type" varchar(40) null, "record_id" uuid null, "line" int null, primary key ("id"));`);
    this.addSql(`create index "sync_log_entry_tenant_id_index" on "sync_log_entry" ("tenant_id");`);
    this.addSql(`create index "sync_log_entry_tenant_id_run_id_seq_index" on "sync_log_entry" ("tenant_id", "run_id", "seq");`);
    this.addSql(`create table "field_mapping" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "connection_id" uuid not null, "object_type" text not null, "external_field" varchar(200) not null, "local_field" varchar(60) not null, primary key ("id"));`);
    this.addSql(`create index "field_mapping_tenant_id_index" on "field_mapping" ("tenant_id");`);
    this.addSql(`alter table "field_mapping" add constraint "field_mapping_tenant_id_connection_id_object_type_9e362_unique" unique ("tenant_id", "connection_id", "object_type", "local_field");`);
    this.addSql(`create table "entity_link" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "connection_id" uuid not null, "kind" varchar(40) not null, "external_id" varchar(255) not null, "local_type" varchar(40) not null, "local_id" uuid not null, "hash" varchar(64) not null, "synced_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "entity_link_tenant_id_index" on "entity_link" ("tenant_id");`);
    this.addSql(`create index "entity_link_tenant_id_local_type_local_id_index" on "entity_link" ("tenant_id", "local_type", "local_id");`);
    this.addSql(`alter table "entity_link" add constraint "entity_link_tenant_id_connection_id_kind_external_id_unique" unique ("tenant_id", "connection_id", "kind", "external_id");`);
    this.addSql(`alter table "sync_file_chunk" add constraint "sync_file_chunk_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "field_source" add constraint "field_source_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "field_source" add constraint "field_source_source_check" check ("source" in ('PROVIDER', 'MERIDIAN'));`);
    this.addSql(`alter table "field_source" add constraint "field_source_provider_check" check ("provider" in ('HUBSPOT', 'ZOHO', 'ODOO', 'CSV'));`);
    this.addSql(`alter table "crm_connection" add constraint "crm_connection_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "crm_connection" add constraint "crm_connection_provider_check" check ("provider" in ('HUBSPOT', 'ZOHO', 'ODOO', 'CSV'));`);
    this.addSql(`alter table "crm_connection" add constraint "crm_connection_status_check" check ("status" in ('CONNECTED', 'NEEDS_REAUTH', 'DISCONNECTED'));`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_connection_id_foreign" foreign key ("connection_id") references "crm_connection" ("id") on delete cascade;`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_started_by_id_foreign" foreign key ("started_by_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_provider_check" check ("provider" in ('HUBSPOT', 'ZOHO', 'ODOO', 'CSV'));`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_mode_check" check ("mode" in ('BACKFILL', 'DELTA', 'PUSH', 'IMPORT'));`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_status_check" check ("status" in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_objects_check" check ("objects" <@ array['CONTACT'::text, 'COMPANY'::text, 'DEAL'::text]);`);
    this.addSql(`alter table "sync_log_entry" add constraint "sync_log_entry_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "sync_log_entry" add constraint "sync_log_entry_run_id_foreign" foreign key ("run_id") references "sync_run" ("id") on delete cascade;`);
    this.addSql(`alter table "sync_log_entry" add constraint "sync_log_entry_level_check" check ("level" in ('INFO', 'WARNING', 'ERROR'));`);
    this.addSql(`alter table "sync_log_entry" add constraint "sync_log_entry_object_type_check" check ("object_type" in ('CONTACT', 'COMPANY', 'DEAL'));`);
    this.addSql(`alter table "field_mapping" add constraint "field_mapping_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "field_mapping" add constraint "field_mapping_connection_id_foreign" foreign key ("connection_id") references "crm_connection" ("id") on delete cascade;`);
    this.addSql(`alter table "field_mapping" add constraint "field_mapping_object_type_check" check ("object_type" in ('CONTACT', 'COMPANY', 'DEAL'));`);
    this.addSql(`alter table "entity_link" add constraint "entity_link_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "entity_link" add constraint "entity_link_connection_id_foreign" foreign key ("connection_id") references "crm_connection" ("id") on delete cascade;`);
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED', 'SYNC_STARTED', 'SYNC_FINISHED'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "entity_link" cascade;`);
    this.addSql(`drop table if exists "field_mapping" cascade;`);
    this.addSql(`drop table if exists "sync_log_entry" cascade;`);
    this.addSql(`drop table if exists "sync_run" cascade;`);
    this.addSql(`drop table if exists "crm_connection" cascade;`);
    this.addSql(`drop table if exists "field_source" cascade;`);
    this.addSql(`drop table if exists "sync_file_chunk" cascade;`);
  }

}
