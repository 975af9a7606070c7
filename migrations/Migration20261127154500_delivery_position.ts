import { Migration } from '@mikro-orm/migrations';

/**
 * Timeline events get a `position`: their place in delivery order, which is commit order (set by
 * the outbox relay after commit, see src/modules/timeline/outbox.ts). Resume cursors point at a
 * position, so an event that commits after a later-numbered one is never skipped. Events already
 * published get positions in their old order; unpublished ones get theirs from the relay.
 */
export class Migration20261127154500_delivery_position extends Migration {

  override name = 'Migration20261127154500_delivery_position';

  override up(): void | Promise<void> {
    this.addSql(`create sequence if not exists "timeline_event_position_seq" as bigint;`);
    this.addSql(`alter table "timeline_event" add column "position" bigint null;`);
    this.addSql(`update "timeline_event" t set "position" = o.n from (select "id", row_number() over (order by "seq") as n from "timeline_event" where "published_at" is not null) o where t."id" = o."id";`);
    this.addSql(`select setval('timeline_event_position_seq', coalesce((select max("position") from "timeline_event"), 0) + 1, false);`);
    this.addSql(`create index "timeline_event_tenant_id_position_index" on "timeline_event" ("tenant_id", "position");`);
    this.addSql(`drop index "timeline_event_unpublished_seq_index";`);
    this.addSql(`create index "timeline_event_unpositioned_seq_index" on "timeline_event" ("seq") where "position" is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "timeline_event_unpositioned_seq_index";`);
    this.addSql(`create index "timeline_event_unpublished_seq_index" on "timeline_event" ("seq") where "published_at" is null;`);
    this.addSql(`drop index "timeline_event_tenant_id_position_index";`);
    this.addSql(`alter table "timeline_event" drop column "position";`);
    this.addSql(`drop sequence if exists "timeline_event_position_seq";`);
  }

}
