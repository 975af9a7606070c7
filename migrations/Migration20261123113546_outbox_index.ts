import { Migration } from '@mikro-orm/migrations';

export class Migration20261123113546_outbox_index extends Migration {

  override name = 'Migration20261123113546_outbox_index';

  override up(): void | Promise<void> {
    this.addSql(`drop index "timeline_event_published_at_index";`);
    this.addSql(`create index "timeline_event_unpublished_seq_index" on "timeline_event" ("seq") where "published_at" is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "timeline_event_unpublished_seq_index";`);
    this.addSql(`create index "timeline_event_published_at_index" on "timeline_event" ("published_at");`);
  }

}
