import { Migration } from '@mikro-orm/migrations';

/**
 * Clients by name, case-insensitively, of every kind: the NAME rule of client matching
 * (`matchClients`: a sync record or CSV row with neither email nor phone, e.g. a HubSpot company)
 * compares `lower(full_name)` over all kinds, which the organisations-only index could not serve:
 * each such page read every client of the tenant. This index serves both (the organisations-only
 * lookups filter on kind), so it replaces the partial one.
 */
export class Migration20261130010000_client_name_index extends Migration {
  override name = 'Migration20261130010000_client_name_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "client_tenant_name_idx" on "client" ("tenant_id", lower("full_name"));`);
    this.addSql(`drop index "client_tenant_org_name_idx";`);
  }

  override down(): void | Promise<void> {
    this.addSql(
      `create index "client_tenant_org_name_idx" on "client" ("tenant_id", lower("full_name")) where "kind" = 'ORGANIZATION';`,
    );
    this.addSql(`drop index "client_tenant_name_idx";`);
  }
}
