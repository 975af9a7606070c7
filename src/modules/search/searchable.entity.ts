import { Property } from '@mikro-orm/decorators/legacy';
import { ObjectType } from 'type-graphql';

import { TenantScopedEntity } from '../../platform/db/tenant-scoped.entity.js';

/**
 * Base of the searchable tables (clients, practices, deals, tickets, interactions, conversations):
 * their stored full-text document, `search_doc`, which a row trigger sets from the row's text on
 * every insert and every update of that text (migration 20261130040000_search_documents). Never
 * written by the application, never loaded (lazy), never exposed; declared so the schema diff knows
 * the column.
 */
@ObjectType()
export abstract class SearchableEntity<Optional extends string = never> extends TenantScopedEntity<Optional> {
  @Property({ columnType: 'tsvector', nullable: true, lazy: true, hidden: true })
  searchDoc?: string | null;
}
