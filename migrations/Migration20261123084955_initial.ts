import { Migration } from '@mikro-orm/migrations';

export class Migration20261123084955_initial extends Migration {

  override name = 'Migration20261123084955_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "tenant" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "slug" varchar(64) not null, "name" varchar(200) not null, "currency" varchar(3) not null default 'IDR', "time_zone" varchar(64) not null default 'Asia/Makassar', primary key ("id"));`);
    this.addSql(`alter table "tenant" add constraint "tenant_slug_unique" unique ("slug");`);

    this.addSql(`create table "team_member" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "email" varchar(320) not null, "name" varchar(200) not null, "role" text not null default 'AGENT', "active" boolean not null default true, primary key ("id"));`);
    this.addSql(`create index "team_member_tenant_id_index" on "team_member" ("tenant_id");`);
    this.addSql(`create unique index "team_member_tenant_email_uq" on "team_member" ("tenant_id", lower("email"));`);

    this.addSql(`create table "api_key" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tenant_id" uuid not null, "name" varchar(200) not null, "role" text not null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "api_key_tenant_id_index" on "api_key" ("tenant_id");`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);

    this.addSql(`alter table "team_member" add constraint "team_member_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "team_member" add constraint "team_member_role_check" check ("role" in ('ADMIN', 'MANAGER', 'AGENT', 'VIEWER'));`);

    this.addSql(`alter table "api_key" add constraint "api_key_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`);
    this.addSql(`alter table "api_key" add constraint "api_key_role_check" check ("role" in ('ADMIN', 'MANAGER', 'AGENT', 'VIEWER'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "team_member" drop constraint "team_member_tenant_id_foreign";`);
    this.addSql(`alter table "api_key" drop constraint "api_key_tenant_id_foreign";`);

    this.addSql(`drop table if exists "tenant" cascade;`);
    this.addSql(`drop table if exists "team_member" cascade;`);
    this.addSql(`drop table if exists "api_key" cascade;`);
  }

}
