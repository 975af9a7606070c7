import { Migration } from '@mikro-orm/migrations';

/**
 * The timeline in delivery order across tenants: the segment membership processor reads the
 * events after its checkpoint (`"position" > ? order by "position"`), which was a scan and sort
 * of the whole timeline on every round. Clients by nationality (criteria compare text without
 * case: `lower("nationality") = lower(?)`): a segment or question on it read every client.
 */
export class Migration20261129030100_segment_processing extends Migration {
  override name = 'Migration20261129030100_segment_processing';

  override up(): void {
    this.addSql(
      `create index "timeline_event_position_index" on "timeline_event" ("position") where "position" is not null;`,
    );
    this.addSql(`create index "client_tenant_nationality_idx" on "client" ("tenant_id", lower("nationality"));`);
  }

  override down(): void {
    this.addSql(`drop index if exists "client_tenant_nationality_idx";`);
    this.addSql(`drop index if exists "timeline_event_position_index";`);
  }
}
