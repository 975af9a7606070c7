import { Migration } from '@mikro-orm/migrations';

/**
 * Search: pg_trgm and unaccent (both in PGlite's contrib, loaded by the embedded database), the
 * immutable SQL functions that build each table's full-text document (`simple` configuration
 * over unaccented, lower-cased text: suits names in English, Italian and Indonesian), and GIN
 * expression indexes over them plus trigram indexes on client names, emails and phone digits.
 * Synchronous: no generated column, no trigger, no queue.
 */
export class Migration20261127190700_search extends Migration {
  override name = 'Migration20261127190700_search';

  override up(): void | Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create extension if not exists unaccent;`);
    this.addSql(`create or replace function public.meridian_norm(text) returns text language sql immutable parallel safe as $$ select lower(public.unaccent('public.unaccent'::regdictionary, coalesce($1, ''))) $$;`);
    this.addSql(`create or replace function public.meridian_digits(text) returns text language sql immutable parallel safe as $$ select regexp_replace(coalesce($1, ''), '[^0-9]', '', 'g') $$;`);
    this.addSql(`create or replace function public.meridian_tsv(text, "char") returns tsvector language sql immutable parallel safe as $$ select setweight(to_tsvector('simple'::regconfig, public.meridian_norm($1)), $2) $$;`);
    this.addSql(`create or replace function public.meridian_client_doc(full_name text, email text, phone text, nationality text, notes text, tags text[]) returns tsvector language sql immutable parallel safe as $$ select public.meridian_tsv(full_name, 'A') || public.meridian_tsv(concat_ws(' ', email, translate(email, '@._-+', '     '), public.meridian_digits(phone)), 'B') || public.meridian_tsv(concat_ws(' ', nationality, notes, array_to_string(tags, ' ')), 'C') $$;`);
    this.addSql(`create or replace function public.meridian_practice_doc(notes text) returns tsvector language sql immutable parallel safe as $$ select public.meridian_tsv(notes, 'C') $$;`);
    this.addSql(`create or replace function public.meridian_deal_doc(title text, lost_reason text) returns tsvector language sql immutable parallel safe as $$ select public.meridian_tsv(title, 'A') || public.meridian_tsv(lost_reason, 'C') $$;`);
    this.addSql(`create or replace function public.meridian_ticket_doc(subject text, description text) returns tsvector language sql immutable parallel safe as $$ select public.meridian_tsv(subject, 'A') || public.meridian_tsv(description, 'C') $$;`);
    this.addSql(`create or replace function public.meridian_interaction_doc(summary text, action_items text[]) returns tsvector language sql immutable parallel safe as $$ select public.meridian_tsv(summary, 'B') || public.meridian_tsv(array_to_string(action_items, ' '), 'C') $$;`);
    this.addSql(`create or replace function public.meridian_conversation_doc(user_email text, messages jsonb) returns tsvector language sql immutable parallel safe as $$ select public.meridian_tsv(concat_ws(' ', user_email, translate(user_email, '@._-+', '     ')), 'B') || public.meridian_tsv(jsonb_path_query_array(messages, '$[*].content')::text, 'C') $$;`);
    this.addSql(`create index "client_search_idx" on "client" using gin (public.meridian_client_doc("full_name", "email", "phone", "nationality", "notes", "tags"));`);
    this.addSql(`create index "client_name_trgm_idx" on "client" using gin (public.meridian_norm("full_name") gin_trgm_ops);`);
    this.addSql(`create index "client_email_trgm_idx" on "client" using gin (public.meridian_norm("email") gin_trgm_ops);`);
    this.addSql(`create index "client_phone_trgm_idx" on "client" using gin (public.meridian_digits("phone") gin_trgm_ops);`);
    this.addSql(`create index "practice_search_idx" on "practice" using gin (public.meridian_practice_doc("notes"));`);
    this.addSql(`create index "deal_search_idx" on "deal" using gin (public.meridian_deal_doc("title", "lost_reason"));`);
    this.addSql(`create index "ticket_search_idx" on "ticket" using gin (public.meridian_ticket_doc("subject", "description"));`);
    this.addSql(`create index "interaction_search_idx" on "interaction" using gin (public.meridian_interaction_doc("summary", "action_items"));`);
    this.addSql(`create index "conversation_search_idx" on "conversation" using gin (public.meridian_conversation_doc("user_email", "messages"));`);
  }

  override down(): void | Promise<void> {
    for (const index of [
      'client_search_idx',
      'client_name_trgm_idx',
      'client_email_trgm_idx',
      'client_phone_trgm_idx',
      'practice_search_idx',
      'deal_search_idx',
      'ticket_search_idx',
      'interaction_search_idx',
      'conversation_search_idx',
    ])
      this.addSql(`drop index if exists "${index}";`);
    this.addSql(`drop function if exists public.meridian_conversation_doc(text, jsonb), public.meridian_interaction_doc(text, text[]), public.meridian_ticket_doc(text, text), public.meridian_deal_doc(text, text), public.meridian_practice_doc(text), public.meridian_client_doc(text, text, text, text, text, text[]), public.meridian_tsv(text, "char"), public.meridian_digits(text), public.meridian_norm(text);`);
  }
}
