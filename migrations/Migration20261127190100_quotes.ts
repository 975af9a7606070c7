import { Migration } from '@mikro-orm/migrations';

/** Quotes and their line items; the QUOTE_* timeline event types. */
export class Migration20261127190100_quotes extends Migration {

  override name = 'Migration20261127190100_quotes';

  override up(): void | Promise<void> {
    this.addSql(`create table "quote" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "number" int not null, "client_id" uuid not null, "deal_id" uuid null, "practice_id" uuid null, "status" text not null default 'DRAFT', "currency" varchar(3) not null, "valid_until" date not null, "notes" text null, "subtotal" numeric(20,2) not null default '0', "discount" numeric(20,2) not null default '0', "tax" numeric(20,2) not null default '0', "total" numeric(20,2) not null default '0', "sent_at" timestamptz null, "closed_at" timestamptz null, "rejection_reason" varchar(500) null, primary key ("id"));`);
    this.addSql(`create index "quote_tenant_id_index" on "quote" ("tenant_id");`);
    this.addSql(`create index "quote_deal_id_index" on "quote" ("deal_id");`);
    this.addSql(`create index "quote_practice_id_index" on "quote" ("practice_id");`);
    this.addSql(`create index "quote_tenant_id_created_at_id_index" on "quote" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "quote_tenant_id_status_valid_until_index" on "quote" ("tenant_id", "status", "valid_until");`);
    this.addSql(`create index "quote_tenant_id_client_id_created_at_index" on "quote" ("tenant_id", "client_id", "created_at");`);
    this.addSql(`alter table "quote" add constraint "quote_tenant_id_number_unique" unique ("tenant_id", "number");`);

    this.addSql(`create table "quote_line_item" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "quote_id" uuid not null, "position" int not null, "description" varchar(500) not null, "quantity" numeric(14,2) not null, "unit_price" numeric(16,2) not null, "discount_percent" numeric(5,2) not null, "tax_rate" numeric(5,2) not null, "subtotal" numeric(20,2) not null, "discount" numeric(20,2) not null, "tax" numeric(20,2) not null, "total" numeric(20,2) not null, primary key ("id"));`);
    this.addSql(`create index "quote_line_item_tenant_id_index" on "quote_line_item" ("tenant_id");`);
    this.addSql(`create index "quote_line_item_tenant_id_quote_id_position_index" on "quote_line_item" ("tenant_id", "quote_id", "position");`);

    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED', 'QUOTE_CREATED', 'QUOTE_UPDATED', 'QUOTE_SENT', 'QUOTE_ACCEPTED', 'QUOTE_REJECTED', 'QUOTE_EXPIRED'));`);

    this.addSql(`alter table "quote" add constraint "quote_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "quote" add constraint "quote_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete cascade;`);
    this.addSql(`alter table "quote" add constraint "quote_deal_id_foreign" foreign key ("deal_id") references "deal" ("id") on delete set null;`);
    this.addSql(`alter table "quote" add constraint "quote_practice_id_foreign" foreign key ("practice_id") references "practice" ("id") on delete set null;`);
    this.addSql(`alter table "quote" add constraint "quote_status_check" check ("status" in ('DRAFT', 'SENT', 'ACCEPTED', 'REJECTED', 'EXPIRED'));`);

    this.addSql(`alter table "quote_line_item" add constraint "quote_line_item_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "quote_line_item" add constraint "quote_line_item_quote_id_foreign" foreign key ("quote_id") references "quote" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`delete from "timeline_event" where "type" like 'QUOTE\\_%';`);
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED'));`);
    this.addSql(`delete from "tenant_counter" where "name" = 'quote';`);
    this.addSql(`drop table if exists "quote_line_item" cascade;`);
    this.addSql(`drop table if exists "quote" cascade;`);
  }

}
