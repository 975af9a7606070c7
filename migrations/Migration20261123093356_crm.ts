import { Migration } from '@mikro-orm/migrations';

export class Migration20261123093356_crm extends Migration {

  override name = 'Migration20261123093356_crm';

  override up(): void | Promise<void> {
    this.addSql(`create table "practice_type" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "code" varchar(32) not null, "name" varchar(200) not null, "description" text null, "renewable" boolean not null default false, "renewal_period_days" int null, "default_price_amount" numeric(14,2) null, "default_price_currency" varchar(3) null, "required_documents" text[] not null default '{}', primary key ("id"));`);
    this.addSql(`create index "practice_type_tenant_id_index" on "practice_type" ("tenant_id");`);
    this.addSql(`alter table "practice_type" add constraint "practice_type_tenant_id_code_unique" unique ("tenant_id", "code");`);

    this.addSql(`create table "pipeline" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "name" varchar(200) not null, "is_default" boolean not null default false, primary key ("id"));`);
    this.addSql(`create index "pipeline_tenant_id_index" on "pipeline" ("tenant_id");`);

    this.addSql(`create table "pipeline_stage" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "pipeline_id" uuid not null, "name" varchar(200) not null, "position" int not null, "probability" int not null, "kind" text not null default 'OPEN', primary key ("id"));`);
    this.addSql(`create index "pipeline_stage_tenant_id_index" on "pipeline_stage" ("tenant_id");`);
    this.addSql(`create index "pipeline_stage_pipeline_id_index" on "pipeline_stage" ("pipeline_id");`);

    this.addSql(`create table "client" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "kind" text not null default 'PERSON', "full_name" varchar(200) not null, "email" varchar(320) null, "phone" varchar(32) null, "nationality" varchar(64) null, "lifecycle_stage" text not null default 'LEAD', "lead_score" int not null default 0, "source" text not null default 'OTHER', "tags" text[] not null default '{}', "owner_id" uuid null, "organization_id" uuid null, "notes" text null, "archived_at" timestamptz null, "merged_into_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "client_tenant_id_index" on "client" ("tenant_id");`);
    this.addSql(`create unique index "client_tenant_email_uq" on "client" ("tenant_id", lower("email")) where "email" is not null;`);
    this.addSql(`create index "client_tenant_id_owner_id_index" on "client" ("tenant_id", "owner_id");`);
    this.addSql(`create index "client_tenant_id_created_at_id_index" on "client" ("tenant_id", "created_at", "id");`);

    this.addSql(`create table "practice" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "client_id" uuid not null, "type_id" uuid not null, "status" text not null default 'INQUIRY', "quoted_price_amount" numeric(14,2) null, "quoted_price_currency" varchar(3) null, "actual_price_amount" numeric(14,2) null, "actual_price_currency" varchar(3) null, "payment_status" text not null default 'UNPAID', "amount_paid_amount" numeric(14,2) null, "amount_paid_currency" varchar(3) null, "start_date" date null, "completion_date" date null, "expiry_date" date null, "assigned_to_id" uuid null, "notes" text null, "renewal_of_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "practice_tenant_id_index" on "practice" ("tenant_id");`);
    this.addSql(`create index "practice_tenant_id_status_created_at_index" on "practice" ("tenant_id", "status", "created_at");`);
    this.addSql(`create index "practice_tenant_id_expiry_date_id_index" on "practice" ("tenant_id", "expiry_date", "id");`);
    this.addSql(`create index "practice_tenant_id_client_id_index" on "practice" ("tenant_id", "client_id");`);

    this.addSql(`create table "document" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "practice_id" uuid not null, "name" varchar(200) not null, "kind" varchar(64) not null, "url" varchar(2048) null, "status" text not null default 'REQUESTED', primary key ("id"));`);
    this.addSql(`create index "document_tenant_id_index" on "document" ("tenant_id");`);
    this.addSql(`create index "document_practice_id_index" on "document" ("practice_id");`);

    this.addSql(`create table "interaction" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "client_id" uuid not null, "practice_id" uuid null, "kind" text not null, "direction" text not null default 'INBOUND', "summary" text not null, "sentiment" text null, "action_items" text[] not null default '{}', "occurred_at" timestamptz not null, "team_member_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "interaction_tenant_id_index" on "interaction" ("tenant_id");`);
    this.addSql(`create index "interaction_tenant_id_client_id_occurred_at_index" on "interaction" ("tenant_id", "client_id", "occurred_at");`);

    this.addSql(`create table "deal" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "title" varchar(200) not null, "client_id" uuid not null, "pipeline_id" uuid not null, "stage_id" uuid not null, "amount_amount" numeric(14,2) null, "amount_currency" varchar(3) null, "probability" int not null, "expected_close_date" date null, "owner_id" uuid null, "status" text not null default 'OPEN', "closed_at" timestamptz null, "lost_reason" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "deal_tenant_id_index" on "deal" ("tenant_id");`);
    this.addSql(`create index "deal_tenant_id_created_at_id_index" on "deal" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "deal_tenant_id_stage_id_index" on "deal" ("tenant_id", "stage_id");`);
    this.addSql(`create index "deal_tenant_id_client_id_index" on "deal" ("tenant_id", "client_id");`);

    this.addSql(`create table "deal_stage_history" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "deal_id" uuid not null, "stage_id" uuid not null, "entered_at" timestamptz not null, "left_at" timestamptz null, "moved_by_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "deal_stage_history_tenant_id_index" on "deal_stage_history" ("tenant_id");`);
    this.addSql(`create index "deal_stage_history_deal_id_index" on "deal_stage_history" ("deal_id");`);

    this.addSql(`create table "client_merge" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "survivor_id" uuid not null, "merged_id" uuid not null, "merged_snapshot" jsonb not null, "moved" jsonb not null, "merged_by_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "client_merge_tenant_id_index" on "client_merge" ("tenant_id");`);

    this.addSql(`create table "tenant_counter" ("tenant_id" uuid not null, "name" varchar(32) not null, "value" bigint not null default '0', primary key ("tenant_id", "name"));`);

    this.addSql(`create table "ticket" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "number" int not null, "subject" varchar(300) not null, "description" text null, "status" text not null default 'OPEN', "priority" text not null default 'NORMAL', "channel" text not null default 'WEB', "client_id" uuid null, "deal_id" uuid null, "practice_id" uuid null, "assignee_id" uuid null, "resolved_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "ticket_tenant_id_index" on "ticket" ("tenant_id");`);
    this.addSql(`create index "ticket_deal_id_index" on "ticket" ("deal_id");`);
    this.addSql(`create index "ticket_practice_id_index" on "ticket" ("practice_id");`);
    this.addSql(`create index "ticket_tenant_id_status_created_at_index" on "ticket" ("tenant_id", "status", "created_at");`);
    this.addSql(`create index "ticket_tenant_id_client_id_status_index" on "ticket" ("tenant_id", "client_id", "status");`);
    this.addSql(`alter table "ticket" add constraint "ticket_tenant_id_number_unique" unique ("tenant_id", "number");`);

    this.addSql(`create table "timeline_event" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "seq" bigserial, "type" text not null, "occurred_at" timestamptz not null default now(), "actor_id" uuid null, "actor_label" varchar(200) not null, "subject_type" varchar(32) not null, "subject_id" uuid not null, "client_id" uuid null, "channel" text null, "summary" varchar(500) not null, "data" jsonb not null default '{}', "published_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "timeline_event_tenant_id_index" on "timeline_event" ("tenant_id");`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_seq_unique" unique ("seq");`);
    this.addSql(`create index "timeline_event_published_at_index" on "timeline_event" ("published_at");`);
    this.addSql(`create index "timeline_event_tenant_id_seq_index" on "timeline_event" ("tenant_id", "seq");`);
    this.addSql(`create index "timeline_event_tenant_id_subject_type_subject_id_seq_index" on "timeline_event" ("tenant_id", "subject_type", "subject_id", "seq");`);
    this.addSql(`create index "timeline_event_tenant_id_client_id_seq_index" on "timeline_event" ("tenant_id", "client_id", "seq");`);

    this.addSql(`alter table "practice_type" add constraint "practice_type_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);

    this.addSql(`alter table "pipeline" add constraint "pipeline_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);

    this.addSql(`alter table "pipeline_stage" add constraint "pipeline_stage_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "pipeline_stage" add constraint "pipeline_stage_pipeline_id_foreign" foreign key ("pipeline_id") references "pipeline" ("id") on delete cascade;`);
    this.addSql(`alter table "pipeline_stage" add constraint "pipeline_stage_kind_check" check ("kind" in ('OPEN', 'WON', 'LOST'));`);

    this.addSql(`alter table "client" add constraint "client_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "client" add constraint "client_owner_id_foreign" foreign key ("owner_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "client" add constraint "client_organization_id_foreign" foreign key ("organization_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "client" add constraint "client_merged_into_id_foreign" foreign key ("merged_into_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "client" add constraint "client_kind_check" check ("kind" in ('PERSON', 'ORGANIZATION'));`);
    this.addSql(`alter table "client" add constraint "client_lifecycle_stage_check" check ("lifecycle_stage" in ('LEAD', 'PROSPECT', 'CUSTOMER', 'INACTIVE', 'CHURNED'));`);
    this.addSql(`alter table "client" add constraint "client_source_check" check ("source" in ('CHAT', 'WEB', 'EMAIL', 'PHONE', 'WHATSAPP', 'REFERRAL', 'WALK_IN', 'IMPORT', 'OTHER'));`);

    this.addSql(`alter table "practice" add constraint "practice_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "practice" add constraint "practice_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "practice" add constraint "practice_type_id_foreign" foreign key ("type_id") references "practice_type" ("id");`);
    this.addSql(`alter table "practice" add constraint "practice_assigned_to_id_foreign" foreign key ("assigned_to_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "practice" add constraint "practice_renewal_of_id_foreign" foreign key ("renewal_of_id") references "practice" ("id") on delete set null;`);
    this.addSql(`alter table "practice" add constraint "practice_status_check" check ("status" in ('INQUIRY', 'QUOTATION_SENT', 'PAYMENT_PENDING', 'IN_PROGRESS', 'WAITING_DOCUMENTS', 'SUBMITTED', 'APPROVED', 'COMPLETED', 'REJECTED', 'CANCELLED'));`);
    this.addSql(`alter table "practice" add constraint "practice_payment_status_check" check ("payment_status" in ('UNPAID', 'PARTIAL', 'PAID', 'REFUNDED'));`);

    this.addSql(`alter table "document" add constraint "document_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "document" add constraint "document_practice_id_foreign" foreign key ("practice_id") references "practice" ("id") on delete cascade;`);
    this.addSql(`alter table "document" add constraint "document_status_check" check ("status" in ('REQUESTED', 'RECEIVED', 'VERIFIED', 'REJECTED'));`);

    this.addSql(`alter table "interaction" add constraint "interaction_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "interaction" add constraint "interaction_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "interaction" add constraint "interaction_practice_id_foreign" foreign key ("practice_id") references "practice" ("id") on delete set null;`);
    this.addSql(`alter table "interaction" add constraint "interaction_team_member_id_foreign" foreign key ("team_member_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "interaction" add constraint "interaction_kind_check" check ("kind" in ('CHAT', 'EMAIL', 'CALL', 'WHATSAPP', 'MEETING', 'NOTE'));`);
    this.addSql(`alter table "interaction" add constraint "interaction_direction_check" check ("direction" in ('INBOUND', 'OUTBOUND', 'INTERNAL'));`);
    this.addSql(`alter table "interaction" add constraint "interaction_sentiment_check" check ("sentiment" in ('POSITIVE', 'NEUTRAL', 'NEGATIVE'));`);

    this.addSql(`alter table "deal" add constraint "deal_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "deal" add constraint "deal_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "deal" add constraint "deal_pipeline_id_foreign" foreign key ("pipeline_id") references "pipeline" ("id");`);
    this.addSql(`alter table "deal" add constraint "deal_stage_id_foreign" foreign key ("stage_id") references "pipeline_stage" ("id");`);
    this.addSql(`alter table "deal" add constraint "deal_owner_id_foreign" foreign key ("owner_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "deal" add constraint "deal_status_check" check ("status" in ('OPEN', 'WON', 'LOST'));`);

    this.addSql(`alter table "deal_stage_history" add constraint "deal_stage_history_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "deal_stage_history" add constraint "deal_stage_history_deal_id_foreign" foreign key ("deal_id") references "deal" ("id") on delete cascade;`);
    this.addSql(`alter table "deal_stage_history" add constraint "deal_stage_history_stage_id_foreign" foreign key ("stage_id") references "pipeline_stage" ("id");`);
    this.addSql(`alter table "deal_stage_history" add constraint "deal_stage_history_moved_by_id_foreign" foreign key ("moved_by_id") references "team_member" ("id") on delete set null;`);

    this.addSql(`alter table "client_merge" add constraint "client_merge_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "client_merge" add constraint "client_merge_survivor_id_foreign" foreign key ("survivor_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "client_merge" add constraint "client_merge_merged_id_foreign" foreign key ("merged_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "client_merge" add constraint "client_merge_merged_by_id_foreign" foreign key ("merged_by_id") references "team_member" ("id") on delete set null;`);

    this.addSql(`alter table "tenant_counter" add constraint "tenant_counter_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);

    this.addSql(`alter table "ticket" add constraint "ticket_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "ticket" add constraint "ticket_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_deal_id_foreign" foreign key ("deal_id") references "deal" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_practice_id_foreign" foreign key ("practice_id") references "practice" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_assignee_id_foreign" foreign key ("assignee_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "ticket" add constraint "ticket_status_check" check ("status" in ('OPEN', 'PENDING', 'RESOLVED', 'CLOSED'));`);
    this.addSql(`alter table "ticket" add constraint "ticket_priority_check" check ("priority" in ('LOW', 'NORMAL', 'HIGH', 'URGENT'));`);
    this.addSql(`alter table "ticket" add constraint "ticket_channel_check" check ("channel" in ('EMAIL', 'CHAT', 'WHATSAPP', 'PHONE', 'WEB'));`);

    this.addSql(`alter table "timeline_event" add constraint "timeline_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_actor_id_foreign" foreign key ("actor_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED'));`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_channel_check" check ("channel" in ('EMAIL', 'CHAT', 'WHATSAPP', 'PHONE', 'WEB'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "practice" drop constraint "practice_type_id_foreign";`);
    this.addSql(`alter table "pipeline_stage" drop constraint "pipeline_stage_pipeline_id_foreign";`);
    this.addSql(`alter table "deal" drop constraint "deal_pipeline_id_foreign";`);
    this.addSql(`alter table "deal" drop constraint "deal_stage_id_foreign";`);
    this.addSql(`alter table "deal_stage_history" drop constraint "deal_stage_history_stage_id_foreign";`);
    this.addSql(`alter table "client" drop constraint "client_organization_id_foreign";`);
    this.addSql(`alter table "client" drop constraint "client_merged_into_id_foreign";`);
    this.addSql(`alter table "practice" drop constraint "practice_client_id_foreign";`);
    this.addSql(`alter table "interaction" drop constraint "interaction_client_id_foreign";`);
    this.addSql(`alter table "deal" drop constraint "deal_client_id_foreign";`);
    this.addSql(`alter table "client_merge" drop constraint "client_merge_survivor_id_foreign";`);
    this.addSql(`alter table "client_merge" drop constraint "client_merge_merged_id_foreign";`);
    this.addSql(`alter table "ticket" drop constraint "ticket_client_id_foreign";`);
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_client_id_foreign";`);
    this.addSql(`alter table "practice" drop constraint "practice_renewal_of_id_foreign";`);
    this.addSql(`alter table "document" drop constraint "document_practice_id_foreign";`);
    this.addSql(`alter table "interaction" drop constraint "interaction_practice_id_foreign";`);
    this.addSql(`alter table "ticket" drop constraint "ticket_practice_id_foreign";`);
    this.addSql(`alter table "deal_stage_history" drop constraint "deal_stage_history_deal_id_foreign";`);
    this.addSql(`alter table "ticket" drop constraint "ticket_deal_id_foreign";`);

    this.addSql(`drop table if exists "practice_type" cascade;`);
    this.addSql(`drop table if exists "pipeline" cascade;`);
    this.addSql(`drop table if exists "pipeline_stage" cascade;`);
    this.addSql(`drop table if exists "client" cascade;`);
    this.addSql(`drop table if exists "practice" cascade;`);
    this.addSql(`drop table if exists "document" cascade;`);
    this.addSql(`drop table if exists "interaction" cascade;`);
    this.addSql(`drop table if exists "deal" cascade;`);
    this.addSql(`drop table if exists "deal_stage_history" cascade;`);
    this.addSql(`drop table if exists "client_merge" cascade;`);
    this.addSql(`drop table if exists "tenant_counter" cascade;`);
    this.addSql(`drop table if exists "ticket" cascade;`);
    this.addSql(`drop table if exists "timeline_event" cascade;`);
  }

}
