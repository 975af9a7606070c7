/**
 * The search indexes, as the entities declare them (`@Index({ expression })`) so the schema diff
 * knows them; migration 20261127190700_search creates the SQL functions they call and migration
 * 20261129030000_search_indexes the indexes as they are now. Indexing is synchronous: expression
 * indexes over the rows' own columns, so a record is found by the statement after the one that
 * wrote it. The search service's queries repeat these exact expressions (see
 * {@link SEARCH_DOCUMENTS}) so the planner uses the indexes.
 *
 * Each GIN index leads with `tenant_id` (btree_gin), so a tenant's search reads only its own
 * entries, and has `fastupdate = off`: with the pending list on, every search read the whole list
 * of recent inserts (up to 4 MB) until a vacuum merged it (10,000 fresh clients: 40 ms per index).
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

const gin = (name: string, table: string, expression: string) =>
  `create index "${name}" on "${table}" using gin ("tenant_id", ${expression}) with (fastupdate = off)`;

/** `create index` statements, by index name (what `@Index({ name, expression })` takes). */
export const SEARCH_INDEXES = {
  client_search_idx: gin(
    'client_search_idx',
    'client',
    `public.meridian_client_doc("full_name", "email", "phone", "nationality", "notes", "tags")`,
  ),
  client_name_trgm_idx: gin('client_name_trgm_idx', 'client', `public.meridian_norm("full_name") gin_trgm_ops`),
  client_email_trgm_idx: gin('client_email_trgm_idx', 'client', `public.meridian_norm("email") gin_trgm_ops`),
  client_phone_trgm_idx: gin('client_phone_trgm_idx', 'client', `public.meridian_digits("phone") gin_trgm_ops`),
  practice_search_idx: gin('practice_search_idx', 'practice', `public.meridian_practice_doc("notes")`),
  deal_search_idx: gin('deal_search_idx', 'deal', `public.meridian_deal_doc("title", "lost_reason")`),
  ticket_search_idx: gin('ticket_search_idx', 'ticket', `public.meridian_ticket_doc("subject", "description")`),
  interaction_search_idx: gin(
    'interaction_search_idx',
    'interaction',
    `public.meridian_interaction_doc("summary", "action_items")`,
  ),
  conversation_search_idx: gin(
    'conversation_search_idx',
    'conversation',
    `public.meridian_conversation_doc("user_email", "messages")`,
  ),
} as const;
