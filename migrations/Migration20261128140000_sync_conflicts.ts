import { Migration } from '@mikro-orm/migrations';

/** Sync log entries may be CONFLICT (a newer local change of a deal kept over the provider's). */
export class Migration20261128140000_sync_conflicts extends Migration {
  override name = 'Migration20261128140000_sync_conflicts';

  override up(): void | Promise<void> {
    this.addSql(`alter table "sync_log_entry" drop constraint if exists "sync_log_entry_level_check";`);
    this.addSql(
      `alter table "sync_log_entry" add constraint "sync_log_entry_level_check" check ("level" in ('INFO', 'WARNING', 'CONFLICT', 'ERROR'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "sync_log_entry" drop constraint if exists "sync_log_entry_level_check";`);
    this.addSql(
      `alter table "sync_log_entry" add constraint "sync_log_entry_level_check" check ("level" in ('INFO', 'WARNING', 'ERROR'));`,
    );
  }
}
