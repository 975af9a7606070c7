import { Migration } from '@mikro-orm/migrations';

export class Migration20261127155808_idempotency_keys extends Migration {

  override name = 'Migration20261127155808_idempotency_keys';

  override up(): void | Promise<void> {
    this.addSql(`create table "idempotency_key" ("tenant_id" uuid not null, "principal" varchar(100) not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "claim" uuid not null, "status" smallint null, "body" text null, "created_at" timestamptz not null default now(), "locked_until" timestamptz null, "expires_at" timestamptz not null, primary key ("tenant_id", "principal", "key"));`);
    this.addSql(`create index "idempotency_key_expires_at_index" on "idempotency_key" ("expires_at");`);

    this.addSql(`alter table "idempotency_key" add constraint "idempotency_key_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "idempotency_key" cascade;`);
  }

}
