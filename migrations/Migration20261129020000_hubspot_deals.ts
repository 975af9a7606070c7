import { Migration } from '@mikro-orm/migrations';

/**
 * HubSpot deals and OAuth: entity links keep the provider's values last applied (the deal conflict
 * rule compares against them); used OAuth states are recorded so a replayed callback is refused.
 */
export class Migration20261129020000_hubspot_deals extends Migration {
  override name = 'Migration20261129020000_hubspot_deals';

  override up(): void | Promise<void> {
    this.addSql(`alter table "entity_link" add "synced_values" jsonb null;`);
    this.addSql(`create table "oauth_state_use" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "nonce" varchar(64) not null, "expires_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "oauth_state_use_tenant_id_index" on "oauth_state_use" ("tenant_id");`);
    this.addSql(`create index "oauth_state_use_expires_at_index" on "oauth_state_use" ("expires_at");`);
    this.addSql(`alter table "oauth_state_use" add constraint "oauth_state_use_nonce_unique" unique ("nonce");`);
    this.addSql(`alter table "oauth_state_use" add constraint "oauth_state_use_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "oauth_state_use" cascade;`);
    this.addSql(`alter table "entity_link" drop column "synced_values";`);
  }
}
