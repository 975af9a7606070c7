import type { EntityManager, Transaction } from '@mikro-orm/core';
import type { Pool, PoolClient } from 'pg';

import { preparedStatementName } from '../../platform/db/read-model.js';
import { filterIds } from '../../platform/db/refs.js';
import { isStatementTimeout } from '../../platform/db/statement-timeout.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { toGlobalId } from '../../platform/graphql/global-id.js';

/** The kinds of records search returns. ORGANIZATION: clients of kind ORGANIZATION. */
export const SEARCH_TYPES = [
  'CLIENT',
  'ORGANIZATION',
  'PRACTICE',
  'DEAL',
  'TICKET',
  'INTERACTION',
  'CONVERSATION',
] as const;
/** One kind of search hit. */
export type SearchTypeName = (typeof SEARCH_TYPES)[number];

/** The facets counted over all hits. */
export const SEARCH_FACETS = ['TYPE', 'STATUS', 'OWNER', 'PRACTICE_TYPE', 'LIFECYCLE_STAGE'] as const;
/** One facet. */
export type SearchFacetName = (typeof SEARCH_FACETS)[number];

/** Longest query, in characters (a longer one is a `SEARCH_QUERY_TOO_LONG` BAD_USER_INPUT). */
export const MAX_QUERY_LENGTH = 200;
/** Words of a query used (the rest is ignored). */
export const MAX_QUERY_WORDS = 8;
/** Statement timeout of a search (ms). */
export const SEARCH_STATEMENT_TIMEOUT_MS = 5000;
/** Trigram similarity from which a name or email counts as a (typo-tolerant) match. */
export const NAME_SIMILARITY = 0.3;

/** Narrows a search (all given fields must match). */
export interface SearchFilterShape {
  /** Global IDs of team members: owner (clients, deals), assignee (practices, tickets), member (interactions, conversations). */
  ownerIds?: string[] | null;
  /** Status of the record (practice, deal or ticket status; a client's lifecycle stage does not count). */
  statuses?: string[] | null;
  /** Practice type codes (practices only). */
  practiceTypes?: string[] | null;
  /** Lifecycle stages (clients and organizations only). */
  lifecycleStages?: string[] | null;
}

/** One ranked hit: which record, its rank and HTML-safe snippets (`<mark>` around matches). */
export interface SearchHitRow {
  type: SearchTypeName;
  id: string;
  rank: number;
  cursor: string;
  highlights: { field: string; snippet: string }[];
  /** The record as the statement built it (JSON), when asked for ({@link SearchExtra.records}). */
  record?: unknown;
}

/** A facet with its values and counts (over all hits, not the page). */
export interface SearchFacetRow {
  name: SearchFacetName;
  values: { value: string; label: string | null; count: number }[];
}

/** A page of search results. */
export interface SearchResult {
  hits: SearchHitRow[];
  hasNextPage: boolean;
  totalCount: number;
  facets: SearchFacetRow[];
  /** What the query was read as: its words (after normalisation) and phone digits, if any. */
  terms: string[];
  /** True when the statement's {@link SearchExtra.guard} was false: the result is then empty. */
  refused: boolean;
}

/** Hits per page when `first` is not given. */
export const DEFAULT_SEARCH_PAGE = 20;
/** Most hits per page. */
export const MAX_SEARCH_PAGE = 100;

/** The arguments of a search. */
export interface SearchArgs {
  query: string;
  types?: SearchTypeName[] | null;
  filter?: SearchFilterShape | null;
  /** Hits per page, 1 to {@link MAX_SEARCH_PAGE} (else BAD_USER_INPUT); default {@link DEFAULT_SEARCH_PAGE}. */
  first?: number | null;
  after?: string | null;
}

/**
 * What the fast read path adds to the search statement, so that one statement answers the whole
 * request (`search.fast.ts`): each hit's record as the response's JSON, and the caller's member check.
 */
export interface SearchExtra {
  /** The values of the `$n` that `records` and `guard` use (numbered from 1); the statement's own follow. */
  params: unknown[];
  /**
   * Per type of hit, its record as JSON (SQL over its row `x`) and the joins that SQL needs; CLIENT
   * and ORGANIZATION (one table) share one. Only types searched: every `$n` of `params` must be used.
   */
  records: Partial<Record<SearchTypeName, { json: string; joins: string }>>;
  /** A condition on the session: when false, no hit or facet, only a row saying so (`guarded: false`). */
  guard: string | null;
}

/** A search statement ready to run: built, its arguments checked. */
export interface PreparedSearch {
  sql: string;
  params: unknown[];
  first: number;
  terms: string[];
}

// Highlight markers: control characters cannot come from the stored text's HTML-escaped form.
const START = '\u0001';
const STOP = '\u0002';

/** Lower-case, accents removed (as `meridian_norm` does in SQL, near enough for query words). */
function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The query read as words, a trigram text and phone digits. */
export function parseQuery(query: string): { words: string[]; norm: string; digits: string | null } {
  if (query.length > MAX_QUERY_LENGTH)
    throw new DomainError('BAD_USER_INPUT', `The search query must be at most ${MAX_QUERY_LENGTH} characters`, {
      argument: 'query',
      reason: 'SEARCH_QUERY_TOO_LONG',
    });
  const words = [...new Set(fold(query).match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_QUERY_WORDS);
  if (!words.length)
    throw new DomainError('BAD_USER_INPUT', 'The search query has no letters or digits', {
      argument: 'query',
      reason: 'SEARCH_QUERY_EMPTY',
    });
  let digits: string | null = null;
  if (/^[+\d\s().-]+$/.test(query.trim())) {
    // "0812-3456" and "+62 812 3456" both mean the subscriber digits 8123456.
    const d = query.replace(/\D/g, '').replace(/^0+/, '').replace(/^62/, '');
    if (d.length >= 4) digits = d;
  }
  return { words, norm: words.join(' '), digits };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A `ts_headline` result made HTML-safe, its markers turned into `<mark>` tags. */
function snippet(headline: string): string {
  return escapeHtml(headline).replaceAll(START, '<mark>').replaceAll(STOP, '</mark>');
}

const encodeCursor = (rank: number, type: string, id: string) =>
  Buffer.from(JSON.stringify([rank, type, id])).toString('base64url');

function decodeCursor(after: string): [number, string, string] {
  try {
    const v = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      typeof v[0] === 'number' &&
      (SEARCH_TYPES as readonly string[]).includes(v[1] as string) &&
      typeof v[2] === 'string' &&
      /^[0-9a-f-]{36}$/.test(v[2])
    )
      return v as [number, string, string];
  } catch {
    /* below */
  }
  throw DomainError.badInput('Invalid cursor', 'after');
}

/** The settings of the search transaction (`set local` each, in one statement). */
export const SEARCH_SETTINGS = `select set_config('statement_timeout', '${SEARCH_STATEMENT_TIMEOUT_MS}', true),
  set_config('pg_trgm.similarity_threshold', '${NAME_SIMILARITY}', true), set_config('jit', 'off', true),
  set_config('random_page_cost', '1.1', true)`;

/**
 * Runs the search statement in a transaction of its own under {@link SEARCH_SETTINGS}, on a pooled
 * connection: `begin` with the settings, the statement, `commit`. On PostgreSQL the three are sent
 * together in ONE round trip (pg's pipeline mode, switched on for this connection only and off
 * before it goes back to the pool): each round trip cost Node a socket write (on this loopback,
 * the kernel's TCP work and the backend's wake-up run in the writer's time: 0.2–0.5 ms each under
 * load) and PostgreSQL a wake-up; `begin` and `commit` of their own were two of three. If the
 * statement fails, PostgreSQL answers the `commit` already sent with a rollback. There the
 * statement is a named prepared statement with a generic plan (`plan_cache_mode`): each connection
 * parses and plans each statement shape once, not once per search (planning was about half of
 * PostgreSQL's CPU per search; the generic plan runs as fast as the per-query one, its text search
 * query being parsed once per execution — see `tq` in {@link buildSearchStatement}). On the
 * embedded PGlite (one session shared by every connection of its socket, so names cannot be kept)
 * it is an unnamed parameterised statement, planned per search, each statement sent after the
 * previous one's answer. Inside a transaction already, it runs in that one. A statement stopped by
 * the timeout is a `QUERY_TIMEOUT` error.
 */
async function runSearchStatement(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const name = preparedStatementName(em, sql);
  const settings = name
    ? `${SEARCH_SETTINGS}, set_config('plan_cache_mode', 'force_generic_plan', true)`
    : SEARCH_SETTINGS;
  const started = performance.now();
  let rows: Row[];
  try {
    const ctx = em.getTransactionContext<Transaction<object>>();
    if (ctx) {
      // MikroORM's connection inlines values: each `$n` becomes its SQL literal.
      const platform = em.getPlatform();
      const literal = (v: unknown): string =>
        Array.isArray(v) ? `array[${v.map(literal).join(', ')}]` : platform.quoteValue(v);
      const inlined = sql.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
      const connection = em.getConnection();
      await connection.execute(settings, [], 'run', ctx);
      rows = (await connection.execute(inlined, [], 'all', ctx)) as Row[];
    } else {
      // Counted like every statement (the request's SQL count).
      (em.config.get('onQuery') as ((sql: string, params: unknown[]) => string) | undefined)?.(sql, params);
      const pool = (await em.getConnection().getNativeClient()) as Pool;
      const client = (await pool.connect()) as PoolClient & { pipeline: boolean };
      let broken: Error | undefined;
      // Named statements mean PostgreSQL (see `preparedStatementName`): pipelined there only.
      client.pipeline = Boolean(name);
      try {
        if (client.pipeline) {
          const sent = [
            client.query(`begin; ${settings}`),
            client.query<Row>({ name, text: sql, values: params }),
            client.query('commit'),
          ] as const;
          for (const p of sent) p.catch(() => {}); // each awaited below, in order
          await sent[0];
          rows = (await sent[1]).rows;
          await sent[2];
        } else {
          await client.query(`begin; ${settings}`);
          rows = (await client.query<Row>({ text: sql, values: params })).rows;
          await client.query('commit');
        }
      } catch (err) {
        await client.query('rollback').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        client.pipeline = false;
        client.release(broken);
      }
    }
  } catch (err) {
    if (isStatementTimeout(err))
      throw new DomainError(
        'QUERY_TIMEOUT',
        `The search ran longer than ${SEARCH_STATEMENT_TIMEOUT_MS} ms and was stopped`,
        {
          timeoutMs: SEARCH_STATEMENT_TIMEOUT_MS,
        },
      );
    throw err;
  }
  em.config
    .getLogger()
    .logQuery({ query: sql, params, took: Math.round(performance.now() - started), results: rows.length });
  return rows;
}

/** Row of the search statement: a hit of the page, or a facet count. */
interface Row {
  kind: 'hit' | 'facet' | 'guard';
  type: SearchTypeName | null;
  id: string | null;
  rank: number | null;
  h1: string | null;
  h2: string | null;
  f1: string | null;
  f2: string | null;
  facet: SearchFacetName | null;
  value: string | null;
  label: string | null;
  count: string | number | null;
  record?: unknown;
}

/**
 * Full-text search across clients, organizations, practices, deals, tickets, interactions and
 * conversation messages, in one statement: PostgreSQL full text (`simple` configuration over
 * unaccented, lower-cased text; every word a prefix) plus trigram similarity on client names
 * and emails (typos: "Jon Smth" finds John Smith) and phone digits ("0812-3456" finds
 * +62 812 3456 …). Practices and deals also match through their client. Every table is limited
 * to the caller's tenant; the statement runs under a {@link SEARCH_STATEMENT_TIMEOUT_MS} timeout.
 */
export class SearchService {
  /** Searches: {@link prepare}, then {@link run}. */
  async search(em: EntityManager, args: SearchArgs): Promise<SearchResult> {
    return this.run(em, this.prepare(em, args));
  }

  /**
   * Checks the arguments (a bad query, cursor or page size is BAD_USER_INPUT) and builds the
   * statement for the caller's tenant; `extra`: what the fast read path adds to it. Reads nothing.
   */
  prepare(em: EntityManager, args: SearchArgs, extra?: SearchExtra): PreparedSearch {
    const tenantId = scopedTenantId(em);
    if (!tenantId) throw new Error('search: needs a tenant-scoped EntityManager');
    const first = args.first ?? DEFAULT_SEARCH_PAGE;
    if (first < 1 || first > MAX_SEARCH_PAGE)
      throw DomainError.badInput(`\`first\` must be between 1 and ${MAX_SEARCH_PAGE}`, 'first');
    const q = parseQuery(args.query);
    const after = args.after ? decodeCursor(args.after) : null;
    const types = new Set<SearchTypeName>(args.types?.length ? args.types : SEARCH_TYPES);
    const { sql, params } = buildSearchStatement(tenantId, q, types, args.filter ?? {}, first, after, extra);
    return { sql, params, first, terms: q.digits ? [...q.words, q.digits] : q.words };
  }

  /** Runs a prepared search: its page of hits (best first), whether more follow, its facets. */
  async run(em: EntityManager, search: PreparedSearch): Promise<SearchResult> {
    const { first } = search;
    const rows = await runSearchStatement(em, search.sql, search.params);
    const hits = rows
      .filter((r) => r.kind === 'hit')
      .map((r) => ({ ...r, rank: Number(r.rank) }))
      .sort((a, b) => b.rank - a.rank || cmp(a.type!, b.type!) || cmp(a.id!, b.id!));
    const facets = new Map<SearchFacetName, SearchFacetRow>(SEARCH_FACETS.map((name) => [name, { name, values: [] }]));
    for (const r of rows)
      if (r.kind === 'facet')
        facets.get(r.facet!)!.values.push({
          value: r.facet === 'OWNER' ? toGlobalId('TeamMember', r.value!) : r.value!,
          label: r.label,
          count: Number(r.count),
        });
    for (const f of facets.values()) f.values.sort((a, b) => b.count - a.count || cmp(a.value, b.value));
    const page = hits.slice(0, first);
    return {
      hits: page.map((r) => ({
        type: r.type!,
        id: r.id!,
        rank: r.rank,
        cursor: encodeCursor(r.rank, r.type!, r.id!),
        highlights: [
          [r.f1, r.h1],
          [r.f2, r.h2],
        ]
          .filter(([field, h]) => field && h && (h.includes(START) || field === r.f1))
          .map(([field, h]) => ({ field: field!, snippet: snippet(h!) })),
        ...('record' in r ? { record: r.record } : {}),
      })),
      hasNextPage: hits.length > first,
      totalCount: facets.get('TYPE')!.values.reduce((n, v) => n + v.count, 0),
      facets: [...facets.values()],
      terms: search.terms,
      refused: rows.some((r) => r.kind === 'guard'),
    };
  }
}

/** The column of `hits` each facet counts, in the order of {@link SEARCH_FACETS}. */
const FACET_COLUMNS: Record<SearchFacetName, string> = {
  TYPE: 'type',
  STATUS: 'status',
  OWNER: 'owner',
  PRACTICE_TYPE: 'practice_type',
  LIFECYCLE_STAGE: 'stage',
};

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The search statement: `hits` (one branch per type asked for, each on its indexes), narrowed by
 * the filter; the page after the cursor with its highlights, and the facet counts, in one result.
 * Values are named in the text (`«name»`) and become `$n` parameters, one per name.
 */
export function buildSearchStatement(
  tenantId: string,
  q: ReturnType<typeof parseQuery>,
  types: Set<SearchTypeName>,
  filter: SearchFilterShape,
  first: number,
  after: [number, string, string] | null,
  extra?: SearchExtra,
): { sql: string; params: unknown[] } {
  const values: Record<string, unknown> = {
    tenant: tenantId,
    tsq: q.words.map((w) => `'${w}':*`).join(' & '),
    norm: q.norm,
    words: q.words,
    digits: q.digits ? `%${q.digits}%` : null,
    headline: `StartSel=${START}, StopSel=${STOP}, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`,
    limit: first + 1,
  };
  /** `= any(…)` of a list value: one array parameter, so the text does not depend on its length. */
  const anyOf = (name: string, items: unknown[], type = 'text') => {
    values[name] = items;
    return `= any(«${name}»::${type}[])`;
  };
  // Parsed once per statement (an InitPlan): as a parameter of a prepared statement's generic plan,
  // `to_tsquery(…)` would be evaluated again for every row ranked or rechecked.
  const tq = `(select to_tsquery('simple', «tsq»))`;
  // An InitPlan too: evaluated once, not per row.
  const guard = extra?.guard ? `(select ${extra.guard})` : null;
  const headline = (text: string) => `ts_headline('simple', coalesce(${text}, ''), ${tq}, «headline»)`;
  const tenant = (alias: string) => `${alias}."tenant_id" = «tenant»`;
  const branches: string[] = [];
  /** Per type asked for: the two highlighted texts of a page row `h` of that type (`x` the record). */
  const texts: string[] = [];
  // With `extra`, each also gives the record (JSON; the types listed share one GraphQL type).
  const text = (types: SearchTypeName[], from: string, f1: string, t1: string, f2: string, t2: string) => {
    const record = extra ? types.map((t) => extra.records[t]).find((r) => r) : undefined;
    texts.push(`select '${f1}' as "f1", ${t1} as "t1", '${f2}' as "f2", ${t2} as "t2"${extra ? `, ${record?.json ?? 'null::json'} as "record"` : ''}
        from ${from}${record?.joins ?? ''} where h."type" in (${types.map((t) => `'${t}'`).join(', ')}) and x."id" = h."id"`);
  };
  const wantClients = types.has('CLIENT') || types.has('ORGANIZATION');
  let ctes = '';
  if (wantClients || types.has('PRACTICE') || types.has('DEAL')) {
    const phoneOf = (t: string) => `${t}."phone_digits" like «digits»`;
    const phoneMatch = phoneOf('c');
    // Candidates first, each way of matching on its own index (a bitmap OR of them re-checked every
    // condition, the full-text document included, on every candidate row); then ranked once.
    const candidates = [
      `x."search_doc" @@ ${tq}`,
      `x."name_norm" % «norm»`,
      `x."email_norm" % «norm»`,
      ...(q.digits ? [phoneOf('x')] : []),
    ].map((cond) => `select x."id" from "client" x where ${tenant('x')} and ${cond}`);
    ctes += `, "matched_client" as materialized (
      select c."id", c."kind", c."lifecycle_stage", c."owner_id",
        (ts_rank(c."search_doc", ${tq}) + greatest(similarity(c."name_norm", «norm»), similarity(c."email_norm", «norm»))${q.digits ? ` + case when ${phoneMatch} then 1 else 0 end` : ''})::float8 as "rank"
      from "client" c
      where ${tenant('c')} and c."archived_at" is null and c."merged_into_id" is null
        and c."id" in (${candidates.join(' union all ')}))`;
  }
  if (wantClients) {
    const kinds = [types.has('CLIENT') ? 'PERSON' : null, types.has('ORGANIZATION') ? 'ORGANIZATION' : null].filter(
      (k) => k,
    );
    branches.push(`select case when m."kind" = 'ORGANIZATION' then 'ORGANIZATION' else 'CLIENT' end, m."id", m."rank",
        null::text, m."owner_id", null::text, m."lifecycle_stage"
      from "matched_client" m where m."kind" ${anyOf('kinds', kinds)}`);
    text(
      ['CLIENT', 'ORGANIZATION'],
      `"client" x`,
      'fullName',
      'x."full_name"',
      'email,phone',
      `concat_ws(' ', x."email", x."phone")`,
    );
  }
  if (types.has('PRACTICE')) {
    // The practice types the query names, once (an InitPlan array: the generic plan, which cannot
    // know how many types match, otherwise hash-joined them with a sequential scan of every practice).
    const typeIds = `(select "ids" from "matched_type")::uuid[]`;
    ctes += `, "matched_type" as materialized (select array(select t."id" from "practice_type" t where ${tenant('t')}
        and (lower(t."code") ${anyOf('words', q.words)} or lower(replace(t."code", '_', ' ')) = «norm» or public.meridian_norm(t."name") % «norm»)) as "ids")`;
    // Candidates, each way of matching on its index and each row once (a way skips the rows an
    // earlier way found): whole rows, ranked as they come, with no second lookup by primary key
    // (a type of 5,500 practices took 5,500 index probes) and no scan of the tenant's practices.
    const cols = `x."id", x."search_doc", x."status", x."assigned_to_id", x."type_id", x."client_id"`;
    const docMatch = `(x."search_doc" @@ ${tq})`;
    const typeMatch = `(x."type_id" = any(${typeIds}))`;
    branches.push(`select 'PRACTICE', p."id",
        (ts_rank(p."search_doc", ${tq}) + coalesce(mc."rank" * 0.5, 0)
          + case when p."type_id" = any(${typeIds}) then 0.5 else 0 end)::float8,
        p."status", p."assigned_to_id", pt."code", null::text
      from (select ${cols} from "practice" x where ${tenant('x')} and ${docMatch}
        union all select ${cols} from "practice" x where ${tenant('x')} and ${typeMatch} and ${docMatch} is not true
        union all select ${cols} from "practice" x join "matched_client" m on m."id" = x."client_id"
          where ${tenant('x')} and ${docMatch} is not true and ${typeMatch} is not true) p
        join "practice_type" pt on pt."id" = p."type_id" and ${tenant('pt')}
        left join "matched_client" mc on mc."id" = p."client_id"`);
    text(
      ['PRACTICE'],
      `"practice" x join "practice_type" xt on xt."id" = x."type_id"`,
      'type',
      `concat_ws(' · ', xt."name", (select c2."full_name" from "client" c2 where c2."id" = x."client_id" and ${tenant('c2')}))`,
      'notes',
      'x."notes"',
    );
  }
  if (types.has('DEAL')) {
    const cols = `x."id", x."search_doc", x."status", x."owner_id", x."client_id"`;
    branches.push(`select 'DEAL', d."id",
        (ts_rank(d."search_doc", ${tq}) + coalesce(mc."rank" * 0.5, 0))::float8,
        d."status", d."owner_id", null::text, null::text
      from (select ${cols} from "deal" x where ${tenant('x')} and x."search_doc" @@ ${tq}
        union all select ${cols} from "deal" x join "matched_client" m on m."id" = x."client_id"
          where ${tenant('x')} and (x."search_doc" @@ ${tq}) is not true) d
        left join "matched_client" mc on mc."id" = d."client_id"`);
    text(['DEAL'], `"deal" x`, 'title', 'x."title"', 'lostReason', 'x."lost_reason"');
  }
  if (types.has('TICKET')) {
    branches.push(`select 'TICKET', t."id", ts_rank(t."search_doc", ${tq})::float8,
        t."status", t."assignee_id", null::text, null::text
      from "ticket" t where ${tenant('t')} and t."search_doc" @@ ${tq}`);
    text(['TICKET'], `"ticket" x`, 'subject', 'x."subject"', 'description', 'x."description"');
  }
  if (types.has('INTERACTION')) {
    branches.push(`select 'INTERACTION', i."id", ts_rank(i."search_doc", ${tq})::float8,
        null::text, i."team_member_id", null::text, null::text
      from "interaction" i where ${tenant('i')} and i."search_doc" @@ ${tq}`);
    text(
      ['INTERACTION'],
      `"interaction" x`,
      'summary',
      'x."summary"',
      'actionItems',
      `array_to_string(x."action_items", ' · ')`,
    );
  }
  if (types.has('CONVERSATION')) {
    branches.push(`select 'CONVERSATION', cv."id", ts_rank(cv."search_doc", ${tq})::float8,
        null::text, cv."team_member_id", null::text, null::text
      from "conversation" cv where ${tenant('cv')} and cv."search_doc" @@ ${tq}`);
    text(
      ['CONVERSATION'],
      `"conversation" x`,
      'messages',
      `(select string_agg(m ->> 'content', ' … ') from jsonb_array_elements(x."messages") m)`,
      'userEmail',
      'x."user_email"',
    );
  }
  const conds: string[] = [];
  const owners = filterIds(filter.ownerIds, 'TeamMember');
  if (owners?.length) conds.push(`h."owner"::text ${anyOf('owners', owners)}`);
  if (filter.statuses?.length) conds.push(`h."status" ${anyOf('statuses', filter.statuses)}`);
  if (filter.practiceTypes?.length) conds.push(`h."practice_type" ${anyOf('practiceTypes', filter.practiceTypes)}`);
  if (filter.lifecycleStages?.length) conds.push(`h."stage" ${anyOf('stages', filter.lifecycleStages)}`);
  let afterCond = 'true';
  if (after) {
    Object.assign(values, { afterRank: after[0], afterType: after[1], afterId: after[2] });
    afterCond = `(h."rank" < «afterRank»::float8 or (h."rank" = «afterRank»::float8 and (h."type" > «afterType»::text or (h."type" = «afterType»::text and h."id" > «afterId»::uuid))))`;
  }
  const hits = `"hits" ("type", "id", "rank", "status", "owner", "practice_type", "stage") as (${branches.map((b) => `(${b})`).join(' union all ')})`;
  // Facets in one pass over the hits, counted by all five columns first (a few dozen groups, where
  // five hash tables of every hit took longer), then one grouping set per facet, told apart by
  // `grouping()` (the bit of a column is 0 in its own set). A null value of a facet's own column is no value.
  const sets = Object.values(FACET_COLUMNS);
  const columns = sets.map((c) => `h."${c}"`).join(', ');
  const facetName = SEARCH_FACETS.map(
    (name, i) => `when ${(1 << sets.length) - 1 - (1 << (sets.length - 1 - i))} then '${name}'`,
  );
  // Texts (and their highlights) only for the page's rows, each read by its primary key.
  const statement = `with "q" as (select 1)${ctes}, ${hits},
    "filtered" as (select * from "hits" h where ${conds.length ? conds.join(' and ') : 'true'}),
    "page" as (select * from "filtered" h where ${afterCond} order by h."rank" desc, h."type", h."id" limit «limit»),
    "facet" as (select grouping(${columns}) as "g", ${columns}, sum(h."n")::bigint as "count"
      from (select ${columns}, count(*) as "n" from "filtered" h group by ${columns}) h
      group by grouping sets (${sets.map((c) => `(h."${c}")`).join(', ')}))
    select 'hit' as "kind", h."type", h."id"::text as "id", h."rank", ${headline('x."t1"')} as "h1", ${headline('x."t2"')} as "h2", x."f1", x."f2",
      null::text as "facet", null::text as "value", null::text as "label", null::bigint as "count"${extra ? ', x."record"' : ''}
      from "page" h left join lateral (${texts.join(' union all ')}) x on true${guard ? ` where ${guard}` : ''}
    union all select 'facet', null, null, null, null, null, null, null,
      case f."g" ${facetName.join(' ')} end,
      coalesce(f."type", f."status", f."owner"::text, f."practice_type", f."stage"),
      case when f."owner" is not null then (select tm."name" from "team_member" tm where tm."id" = f."owner" and ${tenant('tm')})
        when f."practice_type" is not null then (select min(pt2."name") from "practice_type" pt2 where pt2."code" = f."practice_type" and ${tenant('pt2')}) end,
      f."count"${extra ? ', null::json' : ''}
      from "facet" f where coalesce(f."type", f."status", f."owner"::text, f."practice_type", f."stage") is not null${guard ? ` and ${guard}` : ''}${
        guard
          ? `\n    union all select 'guard', ${'null, '.repeat(10)}null${extra ? ', null' : ''} where not ${guard}`
          : ''
      }`;
  // `$n` parameters, one per value (a value named twice is the same parameter): the text depends on
  // the statement's shape only, so PostgreSQL can keep it prepared (see SearchService.search).
  const params: unknown[] = [...(extra?.params ?? [])];
  const numbers = new Map<string, number>();
  const sql = statement.replace(/«(\w+)»/g, (_, name: string) => {
    let n = numbers.get(name);
    if (n === undefined) {
      n = params.push(values[name]);
      numbers.set(name, n);
    }
    return `$${n}`;
  });
  return { sql, params };
}
