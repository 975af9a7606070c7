import { Migration } from '@mikro-orm/migrations';

/**
 * Administration (issue 17): practice types can be deactivated and have a validity in months,
 * pipelines and their stages can be archived, API keys remember who created them (deactivating
 * that member revokes them); the timeline takes the new event types.
 */
export class Migration20261127190400_admin extends Migration {

  override name = 'Migration20261127190400_admin';

  override up(): void | Promise<void> {
    this.addSql(`alter table "practice_type" add "validity_months" int null, add "active" boolean not null default true;`);
    this.addSql(`alter table "pipeline" add "archived_at" timestamptz null;`);
    this.addSql(`alter table "pipeline_stage" add "archived_at" timestamptz null;`);
    this.addSql(`alter table "api_key" add "created_by_id" uuid null;`);
    this.addSql(`alter table "api_key" add constraint "api_key_created_by_id_foreign" foreign key ("created_by_id") references "team_member" ("id") on delete set null;`);
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED', 'PRACTICE_TYPE_CREATED', 'PRACTICE_TYPE_UPDATED', 'PRACTICE_TYPE_DEACTIVATED', 'PIPELINE_CREATED', 'PIPELINE_UPDATED', 'PIPELINE_ARCHIVED', 'PIPELINE_STAGE_CREATED', 'PIPELINE_STAGE_UPDATED', 'PIPELINE_STAGES_REORDERED', 'PIPELINE_STAGE_ARCHIVED', 'DOCUMENT_UPDATED', 'DOCUMENT_STATUS_CHANGED', 'DOCUMENT_REMOVED', 'TEAM_MEMBER_DEACTIVATED', 'TEAM_MEMBER_REACTIVATED'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "timeline_event" drop constraint "timeline_event_type_check";`);
    this.addSql(`alter table "timeline_event" add constraint "timeline_event_type_check" check ("type" in ('CLIENT_CREATED', 'CLIENT_UPDATED', 'CLIENT_ARCHIVED', 'CLIENTS_MERGED', 'PRACTICE_CREATED', 'PRACTICE_UPDATED', 'PRACTICE_STATUS_CHANGED', 'DOCUMENT_ADDED', 'DEAL_CREATED', 'DEAL_UPDATED', 'DEAL_STAGE_CHANGED', 'DEAL_WON', 'DEAL_LOST', 'TICKET_OPENED', 'TICKET_UPDATED', 'TICKET_STATUS_CHANGED', 'TICKET_LINKED', 'TICKET_UNLINKED', 'INTERACTION_LOGGED', 'PRACTICE_RENEWED', 'RENEWAL_ALERT_RAISED', 'RENEWAL_ALERT_ACKNOWLEDGED', 'RENEWAL_ALERT_SNOOZED', 'RENEWAL_ALERT_REOPENED', 'RENEWAL_ALERT_DISMISSED', 'RENEWAL_ALERT_RESOLVED', 'RENEWAL_SETTINGS_UPDATED', 'CONVERSATION_INGESTED', 'EXTRACTION_COMPLETED', 'EXTRACTION_ACCEPTED', 'EXTRACTION_REJECTED', 'EXTRACTION_SETTINGS_UPDATED'));`);
    this.addSql(`alter table "api_key" drop constraint "api_key_created_by_id_foreign";`);
    this.addSql(`alter table "api_key" drop column "created_by_id";`);
    this.addSql(`alter table "pipeline_stage" drop column "archived_at";`);
    this.addSql(`alter table "pipeline" drop column "archived_at";`);
    this.addSql(`alter table "practice_type" drop column "validity_months", drop column "active";`);
  }

}
