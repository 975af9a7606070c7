import { Migration } from '@mikro-orm/migrations';

export class Migration20261128130000_webhook_events extends Migration {
  override name = 'Migration20261128130000_webhook_events';

  override up(): void | Promise<void> {
    this.addSql(`create table "sync_webhook_event" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "connection_id" uuid not null, "event_id" varchar(100) not null, "subscription_type" varchar(100) not null, "object_id" varchar(100) null, "occurred_at" timestamptz null, "payload" jsonb not null, "processed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "sync_webhook_event_tenant_id_index" on "sync_webhook_event" ("tenant_id");`);
    this.addSql(`alter table "sync_webhook_event" add constraint "sync_webhook_event_connection_id_event_id_unique" unique ("connection_id", "event_id");`);
    this.addSql(`alter table "sync_webhook_event" add constraint "sync_webhook_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "sync_webhook_event" add constraint "sync_webhook_event_connection_id_foreign" foreign key ("connection_id") references "crm_connection" ("id") on delete cascade;`);
    this.addSql(`create index "crm_connection_provider_account_id_index" on "crm_connection" ("provider", "account_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "sync_webhook_event" cascade;`);
    this.addSql(`drop index if exists "crm_connection_provider_account_id_index";`);
  }
}
