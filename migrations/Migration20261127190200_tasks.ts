import { Migration } from '@mikro-orm/migrations';

/** Tasks (`task`), the action items a conversation filed (`conversation.task_keys`) and the TASK_* event types. */
export class Migration20261127190200_tasks extends Migration {

  override name = 'Migration20261127190200_tasks';

  override up(): void | Promise<void> {
    this.addSql(`create table "task" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "title" varchar(300) not null, "type" text not null default 'GENERAL', "priority" text not null default 'NORMAL', "due_at" timestamptz null, "due_sort" timestamptz not null, "assignee_id" uuid null, "client_id" uuid null, "deal_id" uuid null, "practice_id" uuid null, "ticket_id" uuid null, "notes" text null, "completed_at" timestamptz null, "due_notified_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "task_tenant_id_index" on "task" ("tenant_id");`);
    this.addSql(`create index "task_deal_id_index" on "task" ("deal_id");`);
    this.addSql(`create index "task_practice_id_index" on "task" ("practice_id");`);
    this.addSql(`create index "task_ticket_id_index" on "task" ("ticket_id");`);
    this.addSql(`create index "task_due_unnotified_index" on "task" ("due_at") where "completed_at" is null and "due_notified_at" is null;`);
    this.addSql(`create index "task_tenant_id_due_sort_id_index" on "task" ("tenant_id", "due_sort", "id");`);
    this.addSql(`create index "task_tenant_id_client_id_due_sort_index" on "task" ("tenant_id", "client_id", "due_sort");`);
    this.addSql(`create index "task_tenant_id_assignee_id_completed_at_due_sort_index" on "task" ("tenant_id", "assignee_id", "completed_at", "due_sort");`);
    this.addSql(`alter table "conversation" add "task_keys" jsonb not null default '[]';`);
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED', 'TASK_CREATED', 'TASK_UPDATED', 'TASK_COMPLETED', 'TASK_REOPENED', 'TASK_DELETED', 'TASK_DUE'));`);
    this.addSql(`alter table "task" add constraint "task_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "task" add constraint "task_assignee_id_foreign" foreign key ("assignee_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "task" add constraint "task_deal_id_foreign" foreign key ("deal_id") references "deal" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_practice_id_foreign" foreign key ("practice_id") references "practice" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_type_check" check ("type" in ('GENERAL', 'FOLLOW_UP', 'CALL', 'MEETING', 'REMINDER', 'DEADLINE'));`);
    this.addSql(`alter table "task" add constraint "task_priority_check" check ("priority" in ('LOW', 'NORMAL', 'HIGH', 'URGENT'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`delete from "timeline_event" where "type" like 'TASK\\_%';`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED'));`);
    this.addSql(`alter table "conversation" drop column "task_keys";`);
    this.addSql(`drop table if exists "task" cascade;`);
  }

}
