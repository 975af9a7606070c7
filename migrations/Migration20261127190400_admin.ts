import { Migration } from '@mikro-orm/migrations';

/**
 * Administration (issue 17): practice types can be deactivated and have a validity in months,
 * pipelines and their stages can be archived, API keys remember who created them (deactivating
 * that member revokes them).
 */
export class Migration20261127190400_admin extends Migration {

  override name = 'Migration20261127190400_admin';

  override up(): void | Promise<void> {
    this.addSql(`alter table "practice_type" add "validity_months" int null, add "active" boolean not null default true;`);
    this.addSql(`alter table "pipeline" add "archived_at" timestamptz null;`);
    this.addSql(`alter table "pipeline_stage" add "archived_at" timestamptz null;`);
    this.addSql(`alter table "api_key" add "created_by_id" uuid null;`);
    this.addSql(`alter table "api_key" add constraint "api_key_created_by_id_foreign" foreign key ("created_by_id") references "team_member" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "api_key" drop constraint "api_key_created_by_id_foreign";`);
    this.addSql(`alter table "api_key" drop column "created_by_id";`);
    this.addSql(`alter table "pipeline_stage" drop column "archived_at";`);
    this.addSql(`alter table "pipeline" drop column "archived_at";`);
    this.addSql(`alter table "practice_type" drop column "validity_months", drop column "active";`);
  }

}
