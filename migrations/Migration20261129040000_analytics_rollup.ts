import { Migration } from '@mikro-orm/migrations';

/**
 * The analytics rollup: `analytics_daily` holds, per tenant, fact, local day and key(s), the count and
 * sums of the records behind each report, so a report over 100,000 clients reads a few thousand
 * rollup rows instead of every record.
 *
 * What each record contributes is one SQL function per table, `analytics_<table>_facts(row, zone)`
 * (rows `fact, day, k1, k2, n, m, amt, x`: `day` is the local date of the record's instant in the
 * tenant's zone, null for facts about the present state; `n` a count, `m` how many amounts `amt`
 * sums, `x` another sum). The same functions compute the window's partial days from the records, so
 * the rollup and the records cannot be read two ways.
 *
 * The rollup is kept by statement-level triggers on the tables (inserts, updates, deletes: the
 * old rows' facts subtracted and the new rows' added, in the writing statement's transaction), so
 * every write path keeps it (services, sync pages' batched inserts, merges, cascades, the seed
 * generator, hand-written SQL). A change of a tenant's time zone rebuilds its rows. This migration
 * fills it from the existing records.
 */
export class Migration20261129040000_analytics_rollup extends Migration {
  override name = 'Migration20261129040000_analytics_rollup';

  override up(): void | Promise<void> {
    this.addSql(`create table "analytics_daily" (
      "tenant_id" uuid not null references "tenant" ("id") on delete cascade,
      "fact" text not null,
      "day" date null,
      "k1" text null,
      "k2" text null,
      "n" bigint not null default 0,
      "m" bigint not null default 0,
      "amt" numeric not null default 0,
      "x" numeric not null default 0,
      constraint "analytics_daily_key" unique nulls not distinct ("tenant_id", "fact", "day", "k1", "k2")
    );`);

    // What one record contributes. `day`: its local date; null: a fact about the present.
    const facts = 'returns table (fact text, day date, k1 text, k2 text, n bigint, m bigint, amt numeric, x numeric)';
    this.addSql(`create function "analytics_interaction_facts"(r "interaction", tz text) ${facts}
      language sql stable as $$
      select f.fact, (r.occurred_at at time zone tz)::date, f.k1, null::text, 1::bigint, 0::bigint, 0::numeric, 0::numeric
        from (values ('i.kind', r.kind::text), ('i.sentiment', r.sentiment::text), ('i.member', r.team_member_id::text)) f(fact, k1)
       where r.deleted_at is null
    $$;`);
    // Live clients only (not archived, not merged).
    this.addSql(`create function "analytics_client_facts"(r "client", tz text) ${facts}
      language sql stable as $$
      select f.fact, (r.created_at at time zone tz)::date, f.k1, null::text, 1::bigint, 0::bigint, 0::numeric, 0::numeric
        from (values ('c.stage', r.lifecycle_stage::text), ('c.source', r.source::text), ('c.nationality', r.nationality::text)) f(fact, k1)
       where r.archived_at is null and r.merged_into_id is null
    $$;`);
    // Status and type counts, quoted / paid / outstanding per currency (as practiceStats defines them),
    // and the open practices per assignee and status (teamOverview, dashboardKpis).
    this.addSql(`create function "analytics_practice_facts"(r "practice", tz text) ${facts}
      language sql stable as $$
      select f.fact, case when f.fact = 'p.open' then null else (r.created_at at time zone tz)::date end,
             f.k1, f.k2, f.n, f.m, f.amt, 0::numeric
        from (
          select coalesce(r.actual_price_amount, r.quoted_price_amount) as price_amount,
                 case when r.actual_price_amount is not null then r.actual_price_currency else r.quoted_price_currency end as price_currency
        ) p cross join lateral (values
          ('p.status', r.status::text, null::text, 1::bigint, 0::bigint, 0::numeric),
          ('p.type', r.type_id::text, null, 1, 0, 0),
          ('p.quoted', null, r.quoted_price_currency::text, 0, 1,
            case when r.status not in ('REJECTED', 'CANCELLED') then r.quoted_price_amount end),
          ('p.paid', null, r.amount_paid_currency::text, 0, 1,
            case when r.payment_status <> 'REFUNDED' then r.amount_paid_amount end),
          ('p.outstanding', null, p.price_currency::text, 0, 1,
            case when r.status not in ('REJECTED', 'CANCELLED') and r.payment_status not in ('PAID', 'REFUNDED')
                 then greatest(p.price_amount - case when r.amount_paid_currency = p.price_currency
                                                     then coalesce(r.amount_paid_amount, 0) else 0 end, 0) end),
          ('p.open', r.assigned_to_id::text, r.status::text, case when r.status not in ('COMPLETED', 'REJECTED', 'CANCELLED') then 1 else 0 end, 0, 0)
        ) f(fact, k1, k2, n, m, amt)
       where case when f.m = 1 then f.amt is not null else f.n = 1 end
    $$;`);
    // Deals created (per owner and currency, at creation), won and lost (at closing, with the days
    // to close in x), open now.
    this.addSql(`create function "analytics_deal_facts"(r "deal", tz text) ${facts}
      language sql stable as $$
      select f.fact, (f.at at time zone tz)::date, r.owner_id::text, r.amount_currency::text,
             1::bigint, (r.amount_amount is not null)::int::bigint, coalesce(r.amount_amount, 0), f.x
        from (values
          ('d.created', r.created_at, 0::numeric, true),
          ('d.' || lower(r.status::text), r.closed_at, extract(epoch from r.closed_at - r.created_at) / 86400,
            r.status <> 'OPEN' and r.closed_at is not null),
          ('d.open', null::timestamptz, 0, r.status = 'OPEN')
        ) f(fact, at, x, keep)
       where f.keep
    $$;`);
    this.addSql(`create function "analytics_ticket_facts"(r "ticket", tz text) ${facts}
      language sql stable as $$
      select 't.open', null::date, r.assignee_id::text, null::text, 1::bigint, 0::bigint, 0::numeric, 0::numeric
       where r.status in ('OPEN', 'PENDING')
    $$;`);

    // A deal's part in its pipeline's funnel, from its stage history (as pipelineFunnel defines it),
    // at the local day of its creation: the deal by status (k1 its pipeline), and per stage it entered
    // (k1 the stage): entered, converted to a later stage, dropped straight to LOST, and the stays
    // that ended (m, their seconds in amt).
    this.addSql(`create function "analytics_funnel_facts"(r "deal", tz text) ${facts}
      language sql stable as $$
      with h as (
        select h.stage_id, h.entered_at, h.left_at, s.position, s.kind,
               lead(s.kind) over w as next_kind,
               max(case when s.kind <> 'LOST' then s.position end)
                 over (w rows between 1 following and unbounded following) as later_max
          from deal_stage_history h
          join pipeline_stage s on s.id = h.stage_id and s.tenant_id = r.tenant_id
         where h.deal_id = r.id and h.tenant_id = r.tenant_id
        window w as (partition by h.deal_id order by h.entered_at, h.id)
      ),
      per_stage as (
        select stage_id,
               bool_or(kind = 'OPEN' and later_max > position) as converted,
               bool_or(kind = 'OPEN' and next_kind = 'LOST' and not coalesce(later_max > position, false)) as dropped,
               count(*) filter (where left_at is not null) as stays,
               coalesce(sum(extract(epoch from left_at - entered_at)) filter (where left_at is not null), 0) as seconds
          from h group by stage_id
      )
      select 'f.deal', (r.created_at at time zone tz)::date, r.pipeline_id::text, r.status::text,
             1::bigint, 0::bigint, 0::numeric, 0::numeric
      union all
      select f.fact, (r.created_at at time zone tz)::date, p.stage_id::text, null, 1, f.m, f.amt, 0
        from per_stage p cross join lateral (values
          ('f.entered', p.stays, p.seconds, true),
          ('f.converted', 0::bigint, 0::numeric, p.converted),
          ('f.dropped', 0, 0, p.dropped)
        ) f(fact, m, amt, keep)
       where f.keep
    $$;`);
    // What each deal contributes to the funnel now, so a change to its history (or to its pipeline's
    // stages) can subtract it: the stored rows are replaced by the recomputed ones and the difference
    // goes to the rollup.
    this.addSql(`create table "analytics_deal_funnel" (
      "deal_id" uuid not null,
      "tenant_id" uuid not null references "tenant" ("id") on delete cascade,
      "fact" text not null,
      "day" date null,
      "k1" text null,
      "k2" text null,
      "n" bigint not null,
      "m" bigint not null,
      "amt" numeric not null
    );`);
    this.addSql(`create index "analytics_deal_funnel_deal_id_index" on "analytics_deal_funnel" ("deal_id");`);
    this.addSql(`create function "analytics_funnel_refresh"(ids uuid[]) returns void language sql as $$
      with old as (delete from analytics_deal_funnel where deal_id = any(ids) returning *),
      new as (
        insert into analytics_deal_funnel (deal_id, tenant_id, fact, day, k1, k2, n, m, amt)
        select r.id, r.tenant_id, f.fact, f.day, f.k1, f.k2, f.n, f.m, f.amt
          from deal r join tenant t on t.id = r.tenant_id cross join lateral analytics_funnel_facts(r, t.time_zone) f
         where r.id = any(ids)
        returning *
      )
      insert into analytics_daily as a (tenant_id, fact, day, k1, k2, n, m, amt, x)
      select tenant_id, fact, day, k1, k2, sum(n), sum(m), sum(amt), 0
        from (select tenant_id, fact, day, k1, k2, n, m, amt from new
              union all select tenant_id, fact, day, k1, k2, -n, -m, -amt from old) d
       group by 1, 2, 3, 4, 5
      having sum(n) <> 0 or sum(m) <> 0 or sum(amt) <> 0
       order by 1, 2, 3, 4, 5
      on conflict on constraint analytics_daily_key do update
        set n = a.n + excluded.n, m = a.m + excluded.m, amt = a.amt + excluded.amt;
    $$;`);
    // Statement-level: the deals a statement on deal, deal_stage_history or pipeline_stage touched.
    this.addSql(`create function "analytics_funnel_apply"() returns trigger language plpgsql as $f$
    declare
      col text := case TG_TABLE_NAME when 'deal' then 'id' when 'deal_stage_history' then 'deal_id' else 'pipeline_id' end;
      src text;
      ids uuid[];
    begin
      if TG_OP = 'INSERT' then
        src := format('select %I from analytics_new', col);
      elsif TG_OP = 'DELETE' then
        src := format('select %I from analytics_old', col);
      else
        src := format('select %1$I from analytics_new union select %1$I from analytics_old', col);
      end if;
      if TG_TABLE_NAME = 'pipeline_stage' then
        src := 'select id from deal where pipeline_id in (' || src || ')';
      end if;
      execute 'select array_agg(distinct x) from (' || src || ') s(x)' into ids;
      if ids is not null then
        perform analytics_funnel_refresh(ids);
      end if;
      return null;
    end $f$;`);
    for (const table of ['deal', 'deal_stage_history', 'pipeline_stage']) {
      this.addSql(`create trigger "analytics_funnel_ins" after insert on "${table}" referencing new table as analytics_new
        for each statement execute function analytics_funnel_apply();`);
      this.addSql(`create trigger "analytics_funnel_upd" after update on "${table}"
        referencing old table as analytics_old new table as analytics_new
        for each statement execute function analytics_funnel_apply();`);
      this.addSql(`create trigger "analytics_funnel_del" after delete on "${table}" referencing old table as analytics_old
        for each statement execute function analytics_funnel_apply();`);
    }

    // The statement-level trigger: subtracts the old rows' facts, adds the new rows' (TG_ARGV[0]: the
    // facts function), in key order (so concurrent writers lock rollup rows in the same order).
    this.addSql(`create function "analytics_apply"() returns trigger language plpgsql as $f$
    declare
      src text;
    begin
      if TG_OP = 'INSERT' then
        src := 'select 1 as s, row(r.*)::%1$I as r from analytics_new r';
      elsif TG_OP = 'DELETE' then
        src := 'select -1 as s, row(r.*)::%1$I as r from analytics_old r';
      else
        src := 'select 1 as s, row(r.*)::%1$I as r from analytics_new r
                union all select -1, row(r.*)::%1$I from analytics_old r';
      end if;
      execute format('insert into analytics_daily as a (tenant_id, fact, day, k1, k2, n, m, amt, x)
        select (u.r).tenant_id, f.fact, f.day, f.k1, f.k2, sum(u.s * f.n), sum(u.s * f.m), sum(u.s * f.amt), sum(u.s * f.x)
          from (' || format(src, TG_TABLE_NAME) || ') u
          join tenant t on t.id = (u.r).tenant_id
          cross join lateral %I(u.r, t.time_zone) f
         group by 1, 2, 3, 4, 5
        having sum(u.s * f.n) <> 0 or sum(u.s * f.m) <> 0 or sum(u.s * f.amt) <> 0 or sum(u.s * f.x) <> 0
         order by 1, 2, 3, 4, 5
        on conflict on constraint analytics_daily_key do update
          set n = a.n + excluded.n, m = a.m + excluded.m, amt = a.amt + excluded.amt, x = a.x + excluded.x',
        TG_ARGV[0]);
      return null;
    end $f$;`);

    // A tenant's rows from scratch (the backfill, and after a change of its time zone).
    this.addSql(`create function "analytics_rebuild"(t uuid) returns void language sql as $$
      delete from analytics_daily where tenant_id = t;
      delete from analytics_deal_funnel where tenant_id = t;
      insert into analytics_deal_funnel (deal_id, tenant_id, fact, day, k1, k2, n, m, amt)
      select r.id, t, f.fact, f.day, f.k1, f.k2, f.n, f.m, f.amt
        from tenant z join deal r on r.tenant_id = z.id cross join lateral analytics_funnel_facts(r, z.time_zone) f
       where z.id = t;
      insert into analytics_daily (tenant_id, fact, day, k1, k2, n, m, amt, x)
      select t, f.fact, f.day, f.k1, f.k2, sum(f.n), sum(f.m), sum(f.amt), sum(f.x)
        from tenant z cross join lateral (
          select g.* from interaction r cross join lateral analytics_interaction_facts(r, z.time_zone) g where r.tenant_id = t
          union all
          select g.* from client r cross join lateral analytics_client_facts(r, z.time_zone) g where r.tenant_id = t
          union all
          select g.* from practice r cross join lateral analytics_practice_facts(r, z.time_zone) g where r.tenant_id = t
          union all
          select g.* from deal r cross join lateral analytics_deal_facts(r, z.time_zone) g where r.tenant_id = t
          union all
          select g.* from ticket r cross join lateral analytics_ticket_facts(r, z.time_zone) g where r.tenant_id = t
          union all
          select f.fact, f.day, f.k1, f.k2, f.n, f.m, f.amt, 0 from analytics_deal_funnel f where f.tenant_id = t
        ) f
       where z.id = t
       group by 2, 3, 4, 5;
    $$;`);
    this.addSql(`create function "analytics_zone_changed"() returns trigger language plpgsql as $f$
    begin
      perform analytics_rebuild(new.id);
      return null;
    end $f$;`);
    this.addSql(`create trigger "analytics_zone" after update of "time_zone" on "tenant"
      for each row when (old.time_zone is distinct from new.time_zone) execute function analytics_zone_changed();`);

    for (const table of ['interaction', 'client', 'practice', 'deal', 'ticket']) {
      const fn = `'analytics_${table}_facts'`;
      this.addSql(`create trigger "analytics_ins" after insert on "${table}" referencing new table as analytics_new
        for each statement execute function analytics_apply(${fn});`);
      this.addSql(`create trigger "analytics_upd" after update on "${table}"
        referencing old table as analytics_old new table as analytics_new
        for each statement execute function analytics_apply(${fn});`);
      this.addSql(`create trigger "analytics_del" after delete on "${table}" referencing old table as analytics_old
        for each statement execute function analytics_apply(${fn});`);
    }

    // The window's partial days are read from the records: by creation and closing instants.
    this.addSql(`create index "practice_tenant_id_created_at_index" on "practice" ("tenant_id", "created_at");`);
    this.addSql(`create index "deal_tenant_id_closed_at_index" on "deal" ("tenant_id", "closed_at");`);

    this.addSql(`select analytics_rebuild(id) from tenant;`);
  }

  override down(): void | Promise<void> {
    for (const table of ['interaction', 'client', 'practice', 'deal', 'ticket'])
      for (const trigger of ['analytics_ins', 'analytics_upd', 'analytics_del'])
        this.addSql(`drop trigger if exists "${trigger}" on "${table}";`);
    for (const table of ['deal', 'deal_stage_history', 'pipeline_stage'])
      for (const trigger of ['analytics_funnel_ins', 'analytics_funnel_upd', 'analytics_funnel_del'])
        this.addSql(`drop trigger if exists "${trigger}" on "${table}";`);
    this.addSql(`drop function if exists "analytics_funnel_apply"();`);
    this.addSql(`drop function if exists "analytics_funnel_refresh"(uuid[]);`);
    this.addSql(`drop function if exists "analytics_funnel_facts"("deal", text);`);
    this.addSql(`drop table if exists "analytics_deal_funnel";`);
    this.addSql(`drop trigger if exists "analytics_zone" on "tenant";`);
    this.addSql(`drop function if exists "analytics_zone_changed"();`);
    this.addSql(`drop function if exists "analytics_rebuild"(uuid);`);
    this.addSql(`drop function if exists "analytics_apply"();`);
    for (const table of ['interaction', 'client', 'practice', 'deal', 'ticket'])
      this.addSql(`drop function if exists "analytics_${table}_facts"("${table}", text);`);
    this.addSql(`drop table if exists "analytics_daily";`);
    this.addSql(`drop index if exists "practice_tenant_id_created_at_index";`);
    this.addSql(`drop index if exists "deal_tenant_id_closed_at_index";`);
  }
}
