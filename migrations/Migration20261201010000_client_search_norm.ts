import { Migration } from '@mikro-orm/migrations';

/** The client trigger of migration 20261130040000_search_documents: its document, and now the matched texts. */
const TRIGGER_FUNCTION = (norms: boolean) => `create or replace function public.meridian_client_search_doc() returns trigger language plpgsql as $$
  begin
    new."search_doc" := public.meridian_client_doc(new."full_name", new."email", new."phone", new."nationality", new."notes", new."tags");${
      norms
        ? `
    new."name_norm" := public.meridian_norm(new."full_name");
    new."email_norm" := public.meridian_norm(new."email");
    new."phone_digits" := public.meridian_digits(new."phone");`
        : ''
    }
    return new;
  end $$;`;

/** The trigram indexes on the stored texts (as `SEARCH_INDEXES` declares them), and on the expressions before. */
const INDEXES: [name: string, stored: string, expression: string][] = [
  ['client_name_trgm_idx', 'name_norm', 'public.meridian_norm("full_name")'],
  ['client_email_trgm_idx', 'email_norm', 'public.meridian_norm("email")'],
  ['client_phone_trgm_idx', 'phone_digits', 'public.meridian_digits("phone")'],
];

const gin = (name: string, expression: string) =>
  `create index "${name}" on "client" using gin ("tenant_id", ${expression} gin_trgm_ops) with (fastupdate = off);`;

/**
 * Stored matched texts of clients: `name_norm` (`meridian_norm(full_name)`), `email_norm`
 * (`meridian_norm(email)`) and `phone_digits` (`meridian_digits(phone)`), set by the client's
 * search-document trigger on every insert and update of its text, and the trigram indexes over
 * them instead of over the expressions. A search re-checked each trigram candidate and ranked each
 * match by recomputing `meridian_norm` (`unaccent`: about 12% of PostgreSQL's CPU per search).
 */
export class Migration20261201010000_client_search_norm extends Migration {
  override name = 'Migration20261201010000_client_search_norm';

  override up(): void {
    this.addSql(
      `alter table "client" add column "name_norm" text null, add column "email_norm" text null, add column "phone_digits" text null;`,
    );
    this.addSql(TRIGGER_FUNCTION(true));
    this.addSql(
      `update "client" set "name_norm" = public.meridian_norm("full_name"), "email_norm" = public.meridian_norm("email"), "phone_digits" = public.meridian_digits("phone");`,
    );
    for (const [name, stored] of INDEXES) {
      this.addSql(`drop index if exists "${name}";`);
      this.addSql(gin(name, `"${stored}"`));
    }
  }

  override down(): void {
    for (const [name, , expression] of INDEXES) {
      this.addSql(`drop index if exists "${name}";`);
      this.addSql(gin(name, expression));
    }
    this.addSql(TRIGGER_FUNCTION(false));
    this.addSql(`alter table "client" drop column "name_norm", drop column "email_norm", drop column "phone_digits";`);
  }
}
