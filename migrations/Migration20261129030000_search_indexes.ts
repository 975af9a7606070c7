import { Migration } from '@mikro-orm/migrations';

/** The search GIN indexes of migration 20261127190700_search, as they were. */
const BEFORE: Record<string, string> = {
  client_search_idx: `create index "client_search_idx" on "client" using gin (public.meridian_client_doc("full_name", "email", "phone", "nationality", "notes", "tags"))`,
  client_name_trgm_idx: `create index "client_name_trgm_idx" on "client" using gin (public.meridian_norm("full_name") gin_trgm_ops)`,
  client_email_trgm_idx: `create index "client_email_trgm_idx" on "client" using gin (public.meridian_norm("email") gin_trgm_ops)`,
  client_phone_trgm_idx: `create index "client_phone_trgm_idx" on "client" using gin (public.meridian_digits("phone") gin_trgm_ops)`,
  practice_search_idx: `create index "practice_search_idx" on "practice" using gin (public.meridian_practice_doc("notes"))`,
  deal_search_idx: `create index "deal_search_idx" on "deal" using gin (public.meridian_deal_doc("title", "lost_reason"))`,
  ticket_search_idx: `create index "ticket_search_idx" on "ticket" using gin (public.meridian_ticket_doc("subject", "description"))`,
  interaction_search_idx: `create index "interaction_search_idx" on "interaction" using gin (public.meridian_interaction_doc("summary", "action_items"))`,
  conversation_search_idx: `create index "conversation_search_idx" on "conversation" using gin (public.meridian_conversation_doc("user_email", "messages"))`,
};

/** The same, leading with the tenant and without a pending list (what `SEARCH_INDEXES` declares). */
const AFTER: Record<string, string> = Object.fromEntries(
  Object.entries(BEFORE).map(([name, create]) => [
    name,
    `${create.replace(' using gin (', ' using gin ("tenant_id", ')} with (fastupdate = off)`,
  ]),
);

/**
 * Search indexes that lead with `tenant_id` (btree_gin, in PGlite's contrib and on PostgreSQL) and
 * have no pending list (`fastupdate = off`: a search read every entry inserted since the last
 * vacuum), and practices by type (a search for a practice type's name, criteria on `type.*`).
 */
export class Migration20261129030000_search_indexes extends Migration {
  override name = 'Migration20261129030000_search_indexes';

  override up(): void {
    this.addSql(`create extension if not exists btree_gin;`);
    for (const [name, create] of Object.entries(AFTER)) {
      this.addSql(`drop index if exists "${name}";`);
      this.addSql(`${create};`);
    }
    this.addSql(`create index "practice_tenant_id_type_id_index" on "practice" ("tenant_id", "type_id");`);
  }

  override down(): void {
    this.addSql(`drop index if exists "practice_tenant_id_type_id_index";`);
    for (const [name, create] of Object.entries(BEFORE)) {
      this.addSql(`drop index if exists "${name}";`);
      this.addSql(`${create};`);
    }
  }
}
