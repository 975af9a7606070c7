import { Migration } from '@mikro-orm/migrations';

/**
 * Analytics: interactions by date within a tenant (`interactionStats` over a window, the
 * dashboard's "this month"), without reading the tenant's whole interaction history.
 */
export class Migration20261127190500_analytics_indexes extends Migration {

  override name = 'Migration20261127190500_analytics_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "interaction_tenant_id_occurred_at_index" on "interaction" ("tenant_id", "occurred_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "interaction_tenant_id_occurred_at_index";`);
  }

}
