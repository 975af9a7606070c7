import type { MigrationObject } from '@mikro-orm/core';

import { Migration20261123084955_initial } from './Migration20261123084955_initial.js';
import { Migration20261123093356_crm } from './Migration20261123093356_crm.js';
import { Migration20261123112120_renewals } from './Migration20261123112120_renewals.js';
import { Migration20261123113546_outbox_index } from './Migration20261123113546_outbox_index.js';
import { Migration20261123114748_conversations } from './Migration20261123114748_conversations.js';
import { Migration20261127152929_rate_limits } from './Migration20261127152929_rate_limits.js';
import { Migration20261127154500_delivery_position } from './Migration20261127154500_delivery_position.js';
import { Migration20261127155808_idempotency_keys } from './Migration20261127155808_idempotency_keys.js';
import { Migration20261127190100_quotes } from './Migration20261127190100_quotes.js';
import { Migration20261127190200_tasks } from './Migration20261127190200_tasks.js';
import { Migration20261127190300_leads } from './Migration20261127190300_leads.js';
import { Migration20261127190400_admin } from './Migration20261127190400_admin.js';
import { Migration20261127190500_analytics_indexes } from './Migration20261127190500_analytics_indexes.js';
import { Migration20261127190600_sync } from './Migration20261127190600_sync.js';
import { Migration20261127190700_search } from './Migration20261127190700_search.js';
import { Migration20261127201000_event_types } from './Migration20261127201000_event_types.js';
import { Migration20261128110000_segments } from './Migration20261128110000_segments.js';
import { Migration20261128130000_webhook_events } from './Migration20261128130000_webhook_events.js';
import { Migration20261129040000_analytics_rollup } from './Migration20261129040000_analytics_rollup.js';
import { Migration20261130010000_client_name_index } from './Migration20261130010000_client_name_index.js';
import { Migration20261130020000_team_member_updated } from './Migration20261130020000_team_member_updated.js';
import { Migration20261130040000_search_documents } from './Migration20261130040000_search_documents.js';
import { Migration20261128140000_sync_conflicts } from './Migration20261128140000_sync_conflicts.js';
import { Migration20261129020000_hubspot_deals } from './Migration20261129020000_hubspot_deals.js';
import { Migration20261129030000_search_indexes } from './Migration20261129030000_search_indexes.js';
import { Migration20261129030100_segment_processing } from './Migration20261129030100_segment_processing.js';

/** Every migration, oldest first. Written by `npm run migration:create`. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123084955_initial', class: Migration20261123084955_initial },
  { name: 'Migration20261123093356_crm', class: Migration20261123093356_crm },
  { name: 'Migration20261123112120_renewals', class: Migration20261123112120_renewals },
  { name: 'Migration20261123113546_outbox_index', class: Migration20261123113546_outbox_index },
  { name: 'Migration20261123114748_conversations', class: Migration20261123114748_conversations },
  { name: 'Migration20261127152929_rate_limits', class: Migration20261127152929_rate_limits },
  { name: 'Migration20261127154500_delivery_position', class: Migration20261127154500_delivery_position },
  { name: 'Migration20261127155808_idempotency_keys', class: Migration20261127155808_idempotency_keys },
  { name: 'Migration20261127190100_quotes', class: Migration20261127190100_quotes },
  { name: 'Migration20261127190200_tasks', class: Migration20261127190200_tasks },
  { name: 'Migration20261127190300_leads', class: Migration20261127190300_leads },
  { name: 'Migration20261127190400_admin', class: Migration20261127190400_admin },
  { name: 'Migration20261127190500_analytics_indexes', class: Migration20261127190500_analytics_indexes },
  { name: 'Migration20261127190600_sync', class: Migration20261127190600_sync },
  { name: 'Migration20261127190700_search', class: Migration20261127190700_search },
  { name: 'Migration20261127201000_event_types', class: Migration20261127201000_event_types },
  { name: 'Migration20261128110000_segments', class: Migration20261128110000_segments },
  { name: 'Migration20261128130000_webhook_events', class: Migration20261128130000_webhook_events },
  { name: 'Migration20261128140000_sync_conflicts', class: Migration20261128140000_sync_conflicts },
  { name: 'Migration20261129020000_hubspot_deals', class: Migration20261129020000_hubspot_deals },
  { name: 'Migration20261129030000_search_indexes', class: Migration20261129030000_search_indexes },
  { name: 'Migration20261129030100_segment_processing', class: Migration20261129030100_segment_processing },
  { name: 'Migration20261129040000_analytics_rollup', class: Migration20261129040000_analytics_rollup },
  { name: 'Migration20261130010000_client_name_index', class: Migration20261130010000_client_name_index },
  { name: 'Migration20261130020000_team_member_updated', class: Migration20261130020000_team_member_updated },
  { name: 'Migration20261130040000_search_documents', class: Migration20261130040000_search_documents },
];
