/**
 * The search indexes, as the entities declare them (`@Index({ expression })`) so the schema diff
 * knows them; migration 20261127190700_search creates the SQL functions that build each table's
 * full-text document, migration 20261130040000_search_documents the stored `search_doc` column
 * (set by a row trigger from those functions: see `SearchableEntity`) and its index, and
 * 20261201010000_client_search_norm the clients' stored matched texts (`name_norm`, `email_norm`,
 * `phone_digits`, set by the same trigger) and the trigram indexes over them. Indexing is
 * synchronous: the trigger and the indexes are written by the statement that writes the row, so a
 * record is found by the next statement. The search service's trigram conditions name these
 * columns so the planner uses the indexes.
 *
 * Each GIN index leads with `tenant_id` (btree_gin), so a tenant's search reads only its own
 * entries, and has `fastupdate = off`: with the pending list on, every search read the whole list
 * of recent inserts (up to 4 MB) until a vacuum merged it (10,000 fresh clients: 40 ms per index).
 */

const gin = (name: string, table: string, expression: string) =>
  `create index "${name}" on "${table}" using gin ("tenant_id", ${expression}) with (fastupdate = off)`;

/** `create index` statements, by index name (what `@Index({ name, expression })` takes). */
export const SEARCH_INDEXES = {
  client_search_idx: gin('client_search_idx', 'client', `"search_doc"`),
  client_name_trgm_idx: gin('client_name_trgm_idx', 'client', `"name_norm" gin_trgm_ops`),
  client_email_trgm_idx: gin('client_email_trgm_idx', 'client', `"email_norm" gin_trgm_ops`),
  client_phone_trgm_idx: gin('client_phone_trgm_idx', 'client', `"phone_digits" gin_trgm_ops`),
  practice_search_idx: gin('practice_search_idx', 'practice', `"search_doc"`),
  deal_search_idx: gin('deal_search_idx', 'deal', `"search_doc"`),
  ticket_search_idx: gin('ticket_search_idx', 'ticket', `"search_doc"`),
  interaction_search_idx: gin('interaction_search_idx', 'interaction', `"search_doc"`),
  conversation_search_idx: gin('conversation_search_idx', 'conversation', `"search_doc"`),
} as const;
