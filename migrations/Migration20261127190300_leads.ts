import { Migration } from '@mikro-orm/migrations';

/**
 * Leads, tickets auto-linking and interaction edits (issue 17): BANT and organisation/person
 * fields on clients, per-tenant lead score weights, ticket requesters, interaction kinds VISIT and
 * TASK with location, outcome, next steps, deal/ticket links and soft deletion, new event types.
 */
export class Migration20261127190300_leads extends Migration {

  override name = 'Migration20261127190300_leads';

  override up(): void | Promise<void> {
    this.addSql(`create table "lead_scoring" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "budget_weight" int not null, "authority_weight" int not null, "need_weight" int not null, "timeline_weight" int not null, primary key ("id"));`);
    this.addSql(`create index "lead_scoring_tenant_id_index" on "lead_scoring" ("tenant_id");`);
    this.addSql(`alter table "lead_scoring" add constraint "lead_scoring_tenant_id_unique" unique ("tenant_id");`);
    this.addSql(`alter table "client" add "budget_amount" numeric(14,2) null, add "budget_currency" varchar(3) null, add "authority" text null, add "need" text null, add "need_notes" text null, add "timeframe" text null, add "industry" varchar(100) null, add "territory" varchar(100) null, add "address_street" varchar(300) null, add "address_city" varchar(100) null, add "address_region" varchar(100) null, add "address_postal_code" varchar(20) null, add "address_country" varchar(2) null, add "annual_revenue_amount" numeric(14,2) null, add "annual_revenue_currency" varchar(3) null, add "employees" int null, add "parent_organization_id" uuid null, add "primary_contact_id" uuid null, add "job_title" varchar(100) null, add "mobile" varchar(32) null, add "reports_to_id" uuid null;`);
    this.addSql(`alter table "client" add constraint "client_parent_organization_id_foreign" foreign key ("parent_organization_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "client" add constraint "client_primary_contact_id_foreign" foreign key ("primary_contact_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "client" add constraint "client_reports_to_id_foreign" foreign key ("reports_to_id") references "client" ("id") on delete set null;`);
    this.addSql(`create index "client_tenant_org_name_idx" on "client" ("tenant_id", lower("full_name")) where "kind" = 'ORGANIZATION';`);
    this.addSql(`create index "client_tenant_id_reports_to_id_index" on "client" ("tenant_id", "reports_to_id");`);
    this.addSql(`create index "client_tenant_id_parent_organization_id_index" on "client" ("tenant_id", "parent_organization_id");`);
    this.addSql(`create index "client_tenant_id_organization_id_index" on "client" ("tenant_id", "organization_id");`);
    this.addSql(`create index "client_tenant_id_phone_index" on "client" ("tenant_id", "phone");`);
    this.addSql(`create index "client_tenant_id_lead_score_index" on "client" ("tenant_id", "lead_score");`);
    this.addSql(`alter table "client" add constraint "client_authority_check" check ("authority" in ('DECISION_MAKER', 'INFLUENCER', 'GATEKEEPER', 'NONE'));`);
    this.addSql(`alter table "client" add constraint "client_need_check" check ("need" in ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE'));`);
    this.addSql(`alter table "client" add constraint "client_timeframe_check" check ("timeframe" in ('WITHIN_MONTH', 'WITHIN_QUARTER', 'WITHIN_HALF_YEAR', 'WITHIN_YEAR', 'LATER'));`);
    this.addSql(`alter table "ticket" add "requester_name" varchar(200) null, add "requester_email" varchar(320) null, add "requester_phone" varchar(32) null, add "requester_company" varchar(200) null;`);
    this.addSql(`create index "ticket_tenant_unlinked_requester_idx" on "ticket" ("tenant_id", "id") where "client_id" is null and ("requester_email" is not null or "requester_phone" is not null or "requester_company" is not null);`);
    this.addSql(`alter table "interaction" drop constraint "interaction_kind_check";`);
    this.addSql(`alter table "interaction" add "deal_id" uuid null, add "ticket_id" uuid null, add "latitude" double precision null, add "longitude" double precision null, add "outcome" text null, add "next_steps" text null, add "deleted_at" timestamptz null;`);
    this.addSql(`alter table "interaction" add constraint "interaction_deal_id_foreign" foreign key ("deal_id") references "deal" ("id") on delete set null;`);
    this.addSql(`alter table "interaction" add constraint "interaction_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on delete set null;`);
    this.addSql(`create index "interaction_tenant_id_ticket_id_index" on "interaction" ("tenant_id", "ticket_id");`);
    this.addSql(`create index "interaction_tenant_id_deal_id_index" on "interaction" ("tenant_id", "deal_id");`);
    this.addSql(`alter table "interaction" add constraint "interaction_kind_check" check ("kind" in ('CHAT', 'EMAIL', 'CALL', 'WHATSAPP', 'MEETING', 'NOTE', 'VISIT', 'TASK'));`);
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'INTERACTION_UPDATED', 'INTERACTION_DELETED', 'LEAD_CONVERTED', 'LEAD_SCORING_UPDATED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED'));`);
    this.addSql(`alter table "lead_scoring" add constraint "lead_scoring_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "lead_scoring" cascade;`);
    this.addSql(`alter table "interaction" drop constraint "interaction_kind_check";`);
    this.addSql(`alter table "interaction" drop column "deal_id", drop column "ticket_id", drop column "latitude", drop column "longitude", drop column "outcome", drop column "next_steps", drop column "deleted_at";`);
    this.addSql(`alter table "ticket" drop column "requester_name", drop column "requester_email", drop column "requester_phone", drop column "requester_company";`);
    this.addSql(`alter table "client" drop column "budget_amount", drop column "budget_currency", drop column "authority", drop column "need", drop column "need_notes", drop column "timeframe", drop column "industry", drop column "territory", drop column "address_street", drop column "address_city", drop column "address_region", drop column "address_postal_code", drop column "address_country", drop column "annual_revenue_amount", drop column "annual_revenue_currency", drop column "employees", drop column "parent_organization_id", drop column "primary_contact_id", drop column "job_title", drop column "mobile", drop column "reports_to_id";`);
    this.addSql(`drop index if exists "client_tenant_id_organization_id_index";`);
    this.addSql(`drop index if exists "client_tenant_id_phone_index";`);
    this.addSql(`drop index if exists "client_tenant_id_lead_score_index";`);
  }

}
