/**
 * The search indexes, as the entities declare them (`@Index({ expression })`) so the schema diff
 * knows them; migration 20261127190700_search creates them with the SQL functions they call.
 * Indexing is synchronous: expression indexes over the rows' own columns, so a record is found
 * by the statement after the one that wrote it. The search service's queries repeat these exact
 * expressions (see {@link SEARCH_DOCUMENTS}) so the planner uses the indexes.
 */

/** The full-text document (tsvector) expression of each searchable table, over alias `t`. */
export const SEARCH_DOCUMENTS = {
  client: (t: string) =>
    `public.meridian_client_doc(${t}."full_name", ${t}."email", ${t}."phone", ${t}."nationality", ${t}."notes", ${t}."tags")`,
  practice: (t: string) => `public.meridian_practice_doc(${t}."notes")`,
  deal: (t: string) => `public.meridian_deal_doc(${t}."title", ${t}."lost_reason")`,
  ticket: (t: string) => `public.meridian_ticket_doc(${t}."subject", ${t}."description")`,
  interaction: (t: string) => `public.meridian_interaction_doc(${t}."summary", ${t}."action_items")`,
  conversation: (t: string) => `public.meridian_conversation_doc(${t}."user_email", ${t}."messages")`,
} as const;

/** `create index` statements, by index name (what `@Index({ name, expression })` takes). */
export const SEARCH_INDEXES = {
  client_search_idx: `create index "client_search_idx" on "client" using gin (public.meridian_client_doc("full_name", "email", "phone", "nationality", "notes", "tags"))`,
  client_name_trgm_idx: `create index "client_name_trgm_idx" on "client" using gin (public.meridian_norm("full_name") gin_trgm_ops)`,
  client_email_trgm_idx: `create index "client_email_trgm_idx" on "client" using gin (public.meridian_norm("email") gin_trgm_ops)`,
  client_phone_trgm_idx: `create index "client_phone_trgm_idx" on "client" using gin (public.meridian_digits("phone") gin_trgm_ops)`,
  practice_search_idx: `create index "practice_search_idx" on "practice" using gin (public.meridian_practice_doc("notes"))`,
  deal_search_idx: `create index "deal_search_idx" on "deal" using gin (public.meridian_deal_doc("title", "lost_reason"))`,
  ticket_search_idx: `create index "ticket_search_idx" on "ticket" using gin (public.meridian_ticket_doc("subject", "description"))`,
  interaction_search_idx: `create index "interaction_search_idx" on "interaction" using gin (public.meridian_interaction_doc("summary", "action_items"))`,
  conversation_search_idx: `create index "conversation_search_idx" on "conversation" using gin (public.meridian_conversation_doc("user_email", "messages"))`,
} as const;
