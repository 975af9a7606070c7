import { Migration } from '@mikro-orm/migrations';

export class Migration20261123112120_renewals extends Migration {

  override name = 'Migration20261123112120_renewals';

  override up(): void | Promise<void> {
    this.addSql(`create table "renewal_scan" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "trigger" text not null, "scheduled_for" date null, "as_of" date not null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "raised" int null, primary key ("id"));`);
    this.addSql(`create index "renewal_scan_tenant_id_index" on "renewal_scan" ("tenant_id");`);
    this.addSql(`alter table "renewal_scan" add constraint "renewal_scan_tenant_id_scheduled_for_unique" unique ("tenant_id", "scheduled_for");`);

    this.addSql(`create table "renewal_alert" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "practice_id" uuid not null, "client_id" uuid not null, "expiry_date" date not null, "days_before" int not null, "due_date" date not null, "status" text not null default 'PENDING', "assigned_to_id" uuid null, "raised_at" timestamptz not null default now(), "snoozed_until" date null, "closed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "renewal_alert_tenant_id_index" on "renewal_alert" ("tenant_id");`);
    this.addSql(`create index "renewal_alert_client_id_index" on "renewal_alert" ("client_id");`);
    this.addSql(`create index "renewal_alert_tenant_id_due_date_id_index" on "renewal_alert" ("tenant_id", "due_date", "id");`);
    this.addSql(`create index "renewal_alert_tenant_id_status_due_date_index" on "renewal_alert" ("tenant_id", "status", "due_date");`);
    this.addSql(`alter table "renewal_alert" add constraint "renewal_alert_practice_id_days_before_unique" unique ("practice_id", "days_before");`);

    this.addSql(`alter table "tenant" add "renewal_offsets" jsonb not null default '[90,60,30,7]', add "renewal_scan_time" varchar(5) not null default '07:00';`);

    this.addSql(`alter table "practice" add "renewed_at" timestamptz null;`);
    this.addSql(`alter table "practice" add constraint "practice_renewal_of_id_unique" unique ("renewal_of_id");`);

    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED'));`);

    this.addSql(`alter table "renewal_scan" add constraint "renewal_scan_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "renewal_scan" add constraint "renewal_scan_trigger_check" check ("trigger" in ('SCHEDULED', 'MANUAL'));`);

    this.addSql(`alter table "renewal_alert" add constraint "renewal_alert_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "renewal_alert" add constraint "renewal_alert_practice_id_foreign" foreign key ("practice_id") references "practice" ("id") on delete cascade;`);
    this.addSql(`alter table "renewal_alert" add constraint "renewal_alert_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "renewal_alert" add constraint "renewal_alert_assigned_to_id_foreign" foreign key ("assigned_to_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "renewal_alert" add constraint "renewal_alert_status_check" check ("status" in ('PENDING', 'NOTIFIED', 'ACKNOWLEDGED', 'SNOOZED', 'DISMISSED', 'RESOLVED'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "renewal_scan" cascade;`);
    this.addSql(`drop table if exists "renewal_alert" cascade;`);

    this.addSql(`alter table "practice" drop constraint "practice_renewal_of_id_unique";`);
    this.addSql(`alter table "practice" drop column "renewed_at";`);

    this.addSql(`alter table "tenant" drop column "renewal_offsets", drop column "renewal_scan_time";`);

    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED'));`);
  }

}
