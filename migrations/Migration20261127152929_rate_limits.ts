import { Migration } from '@mikro-orm/migrations';

export class Migration20261127152929_rate_limits extends Migration {

  override name = 'Migration20261127152929_rate_limits';

  override up(): void | Promise<void> {
    this.addSql(`alter table "tenant" add "rate_limits" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "tenant" drop column "rate_limits";`);
  }

}
