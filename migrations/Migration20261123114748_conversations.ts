import { Migration } from '@mikro-orm/migrations';

export class Migration20261123114748_conversations extends Migration {

  override name = 'Migration20261123114748_conversations';

  override up(): void | Promise<void> {
    this.addSql(`create table "conversation" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "session_id" varchar(200) not null, "user_email" varchar(320) null, "messages" jsonb not null, "metadata" jsonb not null default '{}', "team_member_id" uuid null, "client_id" uuid null, primary key ("id"));`);
    this.addSql(`create index "conversation_tenant_id_index" on "conversation" ("tenant_id");`);
    this.addSql(`create index "conversation_client_id_index" on "conversation" ("client_id");`);
    this.addSql(`create index "conversation_tenant_id_created_at_id_index" on "conversation" ("tenant_id", "created_at", "id");`);
    this.addSql(`alter table "conversation" add constraint "conversation_tenant_id_session_id_unique" unique ("tenant_id", "session_id");`);

    this.addSql(`create table "extraction" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "conversation_id" uuid not null, "status" text not null default 'PENDING', "extractor" text not null, "model" varchar(100) null, "message_count" int not null default 0, "attempts" int not null default 0, "confidence" double precision null, "client_name" varchar(200) null, "client_email" varchar(320) null, "client_phone" varchar(32) null, "practice_type_code" varchar(32) null, "practice_confidence" double precision null, "sentiment" text null, "urgency" text null, "action_items" text[] not null default '{}', "summary" text null, "data" jsonb null, "error" text null, "latency_ms" int null, "input_tokens" int null, "output_tokens" int null, "cost_usd" double precision null, "decision" text null, "result_client_id" uuid null, "client_created" boolean not null default false, "result_practice_id" uuid null, "practice_created" boolean not null default false, "result_interaction_id" uuid null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "extraction_tenant_id_index" on "extraction" ("tenant_id");`);
    this.addSql(`create index "extraction_tenant_id_decision_created_at_id_index" on "extraction" ("tenant_id", "decision", "created_at", "id");`);
    this.addSql(`create index "extraction_tenant_id_conversation_id_created_at_index" on "extraction" ("tenant_id", "conversation_id", "created_at");`);

    this.addSql(`alter table "tenant" add "client_confidence_threshold" double precision not null default 0.5, add "practice_confidence_threshold" double precision not null default 0.7;`);

    this.addSql(`alter table "interaction" add "conversation_id" uuid null;`);
    this.addSql(`alter table "interaction" add constraint "interaction_conversation_id_foreign" foreign key ("conversation_id") references "conversation" ("id") on delete set null;`);

    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED'));`);

    this.addSql(`alter table "conversation" add constraint "conversation_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "conversation" add constraint "conversation_team_member_id_foreign" foreign key ("team_member_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "conversation" add constraint "conversation_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete set null;`);

    this.addSql(`alter table "extraction" add constraint "extraction_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "extraction" add constraint "extraction_conversation_id_foreign" foreign key ("conversation_id") references "conversation" ("id") on delete cascade;`);
    this.addSql(`alter table "extraction" add constraint "extraction_result_client_id_foreign" foreign key ("result_client_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "extraction" add constraint "extraction_result_practice_id_foreign" foreign key ("result_practice_id") references "practice" ("id") on delete set null;`);
    this.addSql(`alter table "extraction" add constraint "extraction_status_check" check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED'));`);
    this.addSql(`alter table "extraction" add constraint "extraction_extractor_check" check ("extractor" in ('ANTHROPIC', 'HEURISTIC'));`);
    this.addSql(`alter table "extraction" add constraint "extraction_sentiment_check" check ("sentiment" in ('POSITIVE', 'NEUTRAL', 'NEGATIVE'));`);
    this.addSql(`alter table "extraction" add constraint "extraction_urgency_check" check ("urgency" in ('LOW', 'NORMAL', 'HIGH', 'URGENT'));`);
    this.addSql(`alter table "extraction" add constraint "extraction_decision_check" check ("decision" in ('APPLIED', 'PROPOSED', 'ACCEPTED', 'REJECTED', 'NONE'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "interaction" drop constraint "interaction_conversation_id_foreign";`);
    this.addSql(`alter table "extraction" drop constraint "extraction_conversation_id_foreign";`);

    this.addSql(`drop table if exists "conversation" cascade;`);
    this.addSql(`drop table if exists "extraction" cascade;`);

    this.addSql(`alter table "interaction" drop column "conversation_id";`);

    this.addSql(`alter table "tenant" drop column "client_confidence_threshold", drop column "practice_confidence_threshold";`);

    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED'));`);
  }

}
