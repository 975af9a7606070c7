import type { EntityClass, EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import type { Clock } from '../../platform/clock.js';
import { escapeLike } from '../../platform/db/like.js';
import { type PooledTransaction, pooledTransaction } from '../../platform/db/pooled-transaction.js';
import { type KeysetOrder, preparedStatementName, rowQuery } from '../../platform/db/read-model.js';
import {
  criteriaStatementTimeout,
  pooledWithStatementTimeout,
  withStatementTimeout,
} from '../../platform/db/statement-timeout.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { decodeCursor, encodeCursor } from '../../platform/graphql/connection.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import type { Logger } from '../../platform/logger.js';
import { type PubSub, tenantTopic } from '../../platform/pubsub.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import type { CompiledCriteria } from '../criteria/criteria.compiler.js';
import {
  CRITERIA_TABLES,
  type CriteriaEntityName,
  type CriteriaTable,
  type ResolvedPath,
} from '../criteria/criteria.fields.js';
import { criteriaError, type CriteriaService } from '../criteria/criteria.service.js';
import type { CheckedCriteria, Criteria } from '../criteria/criteria.tree.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { Segment, SegmentChange, SegmentChangeKind } from './segment.entity.js';

/** The entity class of each record kind a segment selects. */
export const SEGMENT_ENTITIES: Record<CriteriaEntityName, EntityClass<{ id: string }>> = {
  CLIENT: Client,
  PRACTICE: Practice,
  DEAL: Deal,
  TICKET: Ticket,
  INTERACTION: Interaction,
};

/** The criteria table of a timeline event's subject type (events about other things affect no segment). */
const TABLE_OF_SUBJECT: Record<string, CriteriaTable> = {
  Client: 'CLIENT',
  Practice: 'PRACTICE',
  Deal: 'DEAL',
  Ticket: 'TICKET',
  Interaction: 'INTERACTION',
  TeamMember: 'TEAM_MEMBER',
  PracticeType: 'PRACTICE_TYPE',
  Pipeline: 'PIPELINE',
  PipelineStage: 'PIPELINE_STAGE',
};

/** Records a segment never holds, whatever its criteria: archived clients, deleted interactions. */
const HIDDEN: Partial<Record<CriteriaEntityName, { column: string; property: string }>> = {
  CLIENT: { column: 'archived_at', property: 'archivedAt' },
  INTERACTION: { column: 'deleted_at', property: 'deletedAt' },
};

/** Topic of a tenant's segment membership changes (`{ segmentId }`: read the log after what you have). */
export function segmentTopic(tenantId: string): string {
  return tenantTopic(tenantId, 'segments');
}

/** What {@link segmentTopic} carries. */
export interface SegmentChangedPayload {
  segmentId: string;
}

/** Timeline events read per round of the membership processor. */
const EVENT_BATCH = 500;
/** The advisory lock held by the one membership round running (across all processes). */
const PROCESSOR_LOCK = 4_152_730_101;
const CHECKPOINT = 'membership';

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** A path of relations from a segment's root (`hops[0]` leaves the root), ending at table `hops.at(-1).target`. */
type Hops = ResolvedPath['hops'];

/** What a re-check needs of a segment row (kept across rounds in the processor's cache). */
interface SegmentRef {
  id: string;
  tenantId: string;
  entity: CriteriaEntityName;
}

/** A segment with its checked criteria and the relation paths its filters follow. */
interface Loaded {
  segment: SegmentRef;
  checked: CheckedCriteria;
  /**
   * For each table its criteria reach through relations: the distinct paths from the root to it
   * (every prefix of every filter's path), by a key naming the relations.
   */
  reaches: Map<CriteriaTable, Map<string, Hops>>;
}

/**
 * Which rows a re-check covers: all, or the root ids an SQL query selects with the timeline
 * position of an event that made each one affected (`select "id", "pos" …`, with its parameters;
 * an id may come more than once, by several events or paths).
 */
type Scope = { kind: 'all' } | { kind: 'set'; sql: string; params: unknown[] };

/** One segment's re-check: its compiled criteria (for its tenant, now) over a scope. */
interface Recheck {
  segment: SegmentRef;
  compiled: CompiledCriteria;
  scope: Scope;
}

/** A tenant's live segments as the processor last loaded them, and their fingerprint then. */
interface CachedSegments {
  fingerprint: string;
  segments: Loaded[];
}

/** Tenants whose segments the processor keeps between rounds (beyond it the cache starts over). */
const CACHED_TENANTS = 1000;

/**
 * The fingerprint of a tenant's live segments (`x`: the segment table's alias): which rows, in
 * which version. A row's `xmin` (the transaction that wrote this version of it) changes with every
 * update, so any create, update or delete of one of them, by any process and even in plain SQL,
 * changes it. '' when the tenant has none.
 */
const fingerprint = (x: string) =>
  `coalesce(md5(string_agg(${x}."id"::text || ':' || ${x}."xmin"::text, ',' order by ${x}."id")), '')`;

/** A row of {@link ROUND_EVENTS}: an event after the checkpoint (or none: `position` null). */
interface RoundEvent {
  /** Whether the checkpoint exists (false the first time: it is created at the newest position). */
  checkpoint: boolean;
  position: string | null;
  tenant_id: string;
  subject_type: string;
  subject_id: string;
  client_id: string | null;
  /** The fingerprint of the event's tenant's live segments. */
  fingerprint: string | null;
}

/**
 * A round's read (parameters: the checkpoint's name, the batch size): the checkpoint, the events
 * after it in position order and the fingerprint of their tenants' segments, in one statement (at
 * least one row, which says whether the checkpoint exists).
 */
const ROUND_EVENTS = `with "l" as (select 1),
      "c" as (select c."position" from segment_checkpoint c where c.name = ?),
      "e" as (select t."position", t.tenant_id, t.subject_type, t.subject_id, t.client_id
                from timeline_event t where t."position" > (select "position" from "c")
               order by t."position" limit ?),
      "f" as (select s.tenant_id, ${fingerprint('s')} as "fingerprint" from segment s
               where s.deleted_at is null and s.tenant_id in (select tenant_id from "e") group by s.tenant_id)
 select "c"."position" is not null as "checkpoint", e.*, coalesce(f."fingerprint", '') as "fingerprint"
   from "l" left join "c" on true left join "e" on true left join "f" on f.tenant_id = e.tenant_id
  order by e."position"`;

/** A tenant's live segments (parameter: its id) with their fingerprint. */
const TENANT_SEGMENTS = `select s.id, s.entity, s.criteria::text as criteria,
       (select ${fingerprint('x')} from segment x where x.tenant_id = s.tenant_id and x.deleted_at is null) as "fingerprint"
  from segment s where s.tenant_id = ? and s.deleted_at is null order by s.id`;

/** How many texts of the round's re-check statement are kept prepared at most (per connection). */
const PREPARED_ROUNDS = 20;

/** The order of a segment's members (pages, cursors). */
const MEMBER_ORDER: KeysetOrder<{ id: string }> = [{ id: 'asc' }];

/** What {@link SegmentService.readMembers} reads: the count, pages (each `first` after the cursor `after`), or both. */
export interface MembersWanted {
  count: boolean;
  pages: { first: number; after?: string }[];
}

/** What {@link SegmentService.readMembers} read: the count when asked, and each page asked, in order. */
export interface MembersRead {
  count?: number;
  pages: { rows: object[]; hasNextPage: boolean }[];
}

/** Input of {@link SegmentService.create}. */
export interface CreateSegment {
  name: string;
  entity: CriteriaEntityName;
  criteria: unknown;
}

/** Input of {@link SegmentService.update}. */
export interface UpdateSegment {
  id: string;
  name?: string | null;
  criteria?: unknown;
}

/**
 * Segments: saved criteria trees, their members (evaluated now), and their stored membership,
 * kept by a processor of the timeline (each event re-checks only the record it is about against
 * the segments it can affect) and by the daily re-check of time-relative segments. Every change of
 * membership is logged (`segment_change`) and announced on the tenant's segment topic.
 */
export class SegmentService {
  private pubsub: PubSub | undefined;
  /** Each tenant's segments, checked, as of their fingerprint (the processor checks it every round). */
  private readonly cache = new Map<string, CachedSegments>();
  /** Texts of the round's re-check statement sent once, and those kept prepared (see {@link reused}). */
  private readonly roundTexts = { seen: new Set<string>(), named: new Set<string>() };

  constructor(
    private readonly criteria: CriteriaService,
    readonly clock: Clock,
  ) {}

  /** Where membership changes are announced (the app binds it once the PubSub exists). */
  bindPubSub(pubsub: PubSub): void {
    this.pubsub = pubsub;
  }

  /** Creates a segment and stores its initial membership (no change is logged for it). */
  async create(em: EntityManager, by: Principal, input: CreateSegment): Promise<Segment> {
    const checks = new Checks();
    const name = checks.text('name', input.name, 200, { required: true, min: 1 });
    const checked = this.criteria.check(input.entity, input.criteria, ['input', 'criteria']);
    if (!checked.ok) checks.errors.push(...checked.errors);
    checks.throwIfAny();
    if (!checked.ok) throw new Error('unreachable');
    return withStatementTimeout(em, criteriaStatementTimeout(), async (tx) => {
      // No round runs meanwhile: the first one after this commit re-checks with the new segment.
      await serialize(tx);
      const segment = tx.create(Segment, {
        name: name!,
        entity: input.entity,
        criteria: normalize(input.criteria as Criteria),
        timeRelative: checked.uses.relativeDates,
        createdBy: by.memberId ? tx.getReference(TeamMember, by.memberId) : null,
      });
      await tx.flush();
      await this.recheck(tx, { segment: ref(segment), checked: checked.criteria, reaches: new Map() }, false);
      return segment;
    });
  }

  /** Renames a segment or changes its criteria; records entering or leaving by the change are logged. */
  async update(em: EntityManager, input: UpdateSegment): Promise<Segment> {
    const changed = await withStatementTimeout(em, criteriaStatementTimeout(), async (tx) => {
      const segment = await this.get(tx, input.id);
      await serialize(tx);
      const checks = new Checks();
      const name = checks.text('name', input.name, 200, { min: 1 });
      if (input.name === null) checks.add('name', 'REQUIRED', 'name cannot be cleared');
      let checked: CheckedCriteria | undefined;
      let relative = segment.timeRelative;
      if (input.criteria === null) checks.add('criteria', 'REQUIRED', 'criteria cannot be cleared');
      else if (input.criteria !== undefined) {
        const result = this.criteria.check(segment.entity, input.criteria, ['input', 'criteria']);
        if (result.ok) {
          checked = result.criteria;
          relative = result.uses.relativeDates;
        } else checks.errors.push(...result.errors);
      }
      checks.throwIfAny();
      if (name) segment.name = name;
      if (!checked) return { segment, changed: false };
      segment.criteria = normalize(input.criteria as Criteria);
      segment.timeRelative = relative;
      await tx.flush();
      const n = await this.recheck(tx, { segment: ref(segment), checked, reaches: new Map() }, true);
      return { segment, changed: n > 0 };
    });
    if (changed.changed) await this.announce(changed.segment.tenant.id, [changed.segment.id]);
    return changed.segment;
  }

  /** Deletes a segment (soft: its ID stops resolving, its membership is dropped). */
  async delete(em: EntityManager, globalId: string): Promise<Segment> {
    return em.transactional(async (tx) => {
      const segment = await this.get(tx, globalId);
      await serialize(tx); // a round in progress writes no member of it after this
      segment.deletedAt = this.clock.now();
      await tx.flush();
      await (tx as SqlEntityManager).execute('delete from segment_member where segment_id = ?', [segment.id]);
      return segment;
    });
  }

  /** The segment with a global ID in the caller's tenant (not deleted), or NOT_FOUND. */
  async get(em: EntityManager, globalId: string): Promise<Segment> {
    const segment = await em.findOne(Segment, { id: expectGlobalId(globalId, 'Segment'), deletedAt: null });
    if (!segment) throw DomainError.notFound('Segment', globalId);
    return segment;
  }

  /** The where clause of the `segments` list: live segments, by kind and name. */
  where(filter: { entities?: CriteriaEntityName[]; search?: string } | null | undefined): FilterQuery<Segment> {
    const f = filter ?? {};
    const w: Record<string, unknown> = { deletedAt: null };
    if (f.entities?.length) w.entity = { $in: f.entities };
    if (f.search?.trim()) w.name = { $ilike: `%${escapeLike(f.search.trim().slice(0, 200))}%` };
    return w;
  }

  /**
   * A criteria tree given to a query (`previewSegment`) or stored in a segment, checked:
   * BAD_USER_INPUT with user errors (paths after `argument`) when bad.
   */
  checkQueryCriteria(entity: CriteriaEntityName, tree: unknown, argument?: string): CheckedCriteria {
    const checked = this.criteria.check(entity, tree, argument ? [argument] : []);
    if (!checked.ok) throw criteriaError(checked.errors, argument);
    return checked.criteria;
  }

  /**
   * The records `criteria` selects now among `entity`'s (never hidden ones: archived clients,
   * deleted interactions), in `em`'s tenant: their count, pages of them by id (`first` after the
   * cursor `after`, made by {@link memberCursor}), or both, in ONE transaction through the driver
   * under the criteria statement timeout: BEGIN with the timeout, then the count with the first
   * page in one statement (each further page in one more), then COMMIT, all sent at once (one round
   * trip on PostgreSQL). Its statements are
   * prepared (their text depends on the tree's shape, not its values). Not through MikroORM: no
   * entity manager, unit of work or commit subscriber, rows read as arrays into read-only rows.
   */
  async readMembers(
    em: EntityManager,
    entity: CriteriaEntityName,
    criteria: CheckedCriteria,
    want: MembersWanted,
  ): Promise<MembersRead> {
    const compiled = this.criteria.compile(em, entity, criteria);
    const hidden = HIDDEN[entity];
    const condition = hidden
      ? `${quote(CRITERIA_TABLES[entity].table)}.${quote(hidden.column)} is null and ${compiled.sql}`
      : compiled.sql;
    const query = rowQuery(em, SEGMENT_ENTITIES[entity], { sql: condition, params: compiled.params });
    const pages = want.pages.map((p) => {
      const page = query.page(MEMBER_ORDER, p.first, p.after);
      if (!page) throw DomainError.badInput('Invalid cursor', 'after');
      return { ...p, page };
    });
    const pageOf = (rows: unknown[][], first: number) => ({
      rows: query.rows(rows.slice(0, first)),
      hasNextPage: rows.length > first,
    });
    // Every statement sent at once, then COMMIT: one round trip on PostgreSQL (pipelined). Their
    // rows are read once COMMIT has confirmed them all.
    return pooledWithStatementTimeout(em, criteriaStatementTimeout(), async (tx) => {
      const count = want.count ? query.count() : undefined;
      const [head, ...rest] = pages;
      // The count and the first page: one statement (one row of nulls but the count when the page is empty).
      const both =
        count && head
          ? tx.arrays(
              `select p.*, n."count" from (${count.sql}) n left join lateral (${head.page.sql}) p on true${head.page.outerOrder('p')}`,
              [...count.params, ...head.page.params],
              true,
            )
          : undefined;
      const counted = count && !head ? tx.arrays(count.sql, count.params, true) : undefined;
      const paged = (both ? rest : pages).map(({ page, first }) => ({
        rows: tx.arrays(page.sql, page.params, true),
        first,
      }));
      await tx.commit();
      const read: MembersRead = { pages: [] };
      if (both) {
        const rows = await both;
        read.count = Number(rows[0].at(-1));
        const empty = rows.length === 1 && rows[0].slice(0, -1).every((v) => v === null);
        read.pages.push(pageOf(empty ? [] : rows, head.first));
      }
      if (counted) read.count = Number((await counted)[0][0]);
      for (const { rows, first } of paged) read.pages.push(pageOf(await rows, first));
      return read;
    });
  }

  /** The cursor of a member of an `entity` segment, as `after` of {@link readMembers} takes it. */
  memberCursor(em: EntityManager, entity: CriteriaEntityName, member: object): string {
    return encodeCursor(em.getMetadata().get(SEGMENT_ENTITIES[entity]), member as { id: string }, MEMBER_ORDER);
  }

  /** `after` as a member cursor of an `entity` segment (checked: BAD_USER_INPUT naming `after`), or undefined. */
  memberAfter(em: EntityManager, entity: CriteriaEntityName, after: string | undefined): string | undefined {
    return decodeCursor(after, MEMBER_ORDER, 'after', em.getMetadata().get(SEGMENT_ENTITIES[entity]));
  }

  /**
   * One round of the membership processor: reads the timeline events committed since the last
   * round (in delivery position), and for each one re-checks only the records it can affect,
   * against the tenant's segments: the record it is about (segments of that kind), and, for
   * segments whose criteria reach its table through relations, the root records related to it
   * along those paths (a practice's client for client segments on `practices.*`; the deals of a
   * team member for deal segments on `owner.*`; the tickets of a client's practices for ticket
   * segments on `practice.client.*`), found by walking each path back in SQL. Four statements
   * a round: BEGIN with the lock; the checkpoint, events and their tenants' segment fingerprints
   * (plus one reading a tenant's segments when their fingerprint changed, else they are cached);
   * ONE statement re-checking every affected segment, writing the membership changes and the new
   * checkpoint ({@link applyStatement}); COMMIT. On PostgreSQL they are pipelined two by two: two
   * round trips a round (BEGIN with the read, the re-check with COMMIT), as each round trip wakes
   * a backend that, on a busy machine, may wait for a CPU. Each change is logged in the order of the event
   * that caused it: the last event of the round about its record, or for a record reached through
   * a relation, about the related record. One round at a time across all processes. Returns the
   * number of events read.
   */
  async processEvents(root: EntityManager, logger?: Logger): Promise<number> {
    const changed = new Map<string, Set<string>>();
    // Through the driver, not MikroORM: the values as parameters of statements PostgreSQL keeps
    // prepared (planning was most of its time in the re-check statement), and no entity manager,
    // unit of work or commit subscriber (the outbox relay's kick) for a transaction that writes no
    // entity. The lock first, with BEGIN, in its own statement, so that what follows reads with a
    // snapshot taken after it: a statement's snapshot taken before a previous round committed (its
    // lock then free) would read that round's checkpoint, events and segments as they were before
    // it, move the checkpoint back and re-check with segments since changed, logging changes out
    // of order. Generic plans (`plan_cache_mode`) where statements are prepared: the round's
    // statements look rows up by key whatever their parameters.
    const n = await pooledTransaction<number, { locked: boolean }>(
      root,
      `select pg_try_advisory_xact_lock(${PROCESSOR_LOCK}) as "locked"${
        preparedStatementName(root, ROUND_EVENTS) ? `, set_config('plan_cache_mode', 'force_generic_plan', true)` : ''
      }`,
      async (tx, first) => {
        // The checkpoint, the events after it and the fingerprint of their tenants' segments, in one
        // statement, sent with BEGIN and the lock (one round trip on PostgreSQL, where it runs once
        // the lock statement has ended: with a snapshot taken after it); read for nothing when
        // another round holds the lock.
        const read = tx.query<RoundEvent>(ROUND_EVENTS, [CHECKPOINT, EVENT_BATCH], true);
        const [{ locked }] = await first;
        if (!locked) return 0;
        const rows = await read;
        if (!rows[0].checkpoint) await this.createCheckpoint(tx);
        const events = rows.filter((e) => e.position !== null);
        if (!events.length) return 0;
        const byTenant = new Map<string, RoundEvent[]>();
        for (const e of events) {
          const list = byTenant.get(e.tenant_id);
          if (list) list.push(e);
          else byTenant.set(e.tenant_id, [e]);
        }
        const checks: Recheck[] = [];
        for (const [tenantId, list] of byTenant) {
          const segments = await this.tenantSegments(tx, tenantId, list[0].fingerprint ?? '', logger);
          if (!segments.length) continue;
          /**
           * Per segment: the ids to re-check (`''`) and the ids of related records per path key, each
           * with the position of its last event (events come in position order: a later one overwrites).
           */
          const work = new Map<Loaded, Map<string, Map<string, string>>>();
          const add = (s: Loaded, key: string, id: string, position: string) => {
            let w = work.get(s);
            if (!w) work.set(s, (w = new Map<string, Map<string, string>>()));
            let ids = w.get(key);
            if (!ids) w.set(key, (ids = new Map<string, string>()));
            ids.set(id, position);
          };
          for (const e of list) {
            const table = TABLE_OF_SUBJECT[e.subject_type];
            if (!table) continue;
            const position = e.position!;
            for (const s of segments) {
              if (s.segment.entity === table) add(s, '', e.subject_id, position);
              for (const key of s.reaches.get(table)?.keys() ?? []) add(s, key, e.subject_id, position);
              // The record's client as the event names it (also when the record no longer points at it).
              if (s.segment.entity === 'CLIENT' && e.client_id && table !== 'CLIENT' && s.reaches.has(table))
                add(s, '', e.client_id, position);
            }
          }
          for (const [s, w] of work)
            checks.push({
              segment: s.segment,
              compiled: this.criteria.compileFor(tenantId, s.segment.entity, s.checked),
              scope: this.affected(s, w, tenantId),
            });
        }
        // Every segment's re-check, the membership changes and the new checkpoint: one statement,
        // kept prepared from its second use (a round's text depends on the segments it re-checks
        // and the paths it walks, not on the ids).
        // COMMIT goes with it (one round trip on PostgreSQL).
        const statement = applyStatement(checks, true, events.at(-1)!.position!)!;
        const applied = tx.query<{ segment_id: string; n: number }>(
          statement.sql,
          statement.params,
          this.reused(statement.sql),
        );
        await tx.commit();
        const moved = counts(await applied);
        for (const { segment } of checks) {
          if (!moved.get(segment.id)) continue;
          let set = changed.get(segment.tenantId);
          if (!set) changed.set(segment.tenantId, (set = new Set()));
          set.add(segment.id);
        }
        return events.length;
      },
    );
    for (const [tenantId, ids] of changed) await this.announce(tenantId, [...ids]);
    return n;
  }

  /**
   * Whether a round's re-check statement has been sent before (so it is worth keeping prepared).
   * Round texts that come once — other tenants' segments, rarer paths — are sent unnamed, and at
   * most {@link PREPARED_ROUNDS} texts are ever named, leaving the other statements their share of
   * the prepared names.
   */
  private reused(sql: string): boolean {
    if (this.roundTexts.named.has(sql)) return true;
    if (this.roundTexts.seen.has(sql) && this.roundTexts.named.size < PREPARED_ROUNDS) {
      this.roundTexts.named.add(sql);
      return true;
    }
    if (this.roundTexts.seen.size >= PREPARED_ROUNDS * 10) this.roundTexts.seen.clear();
    this.roundTexts.seen.add(sql);
    return false;
  }

  /**
   * A tenant's live segments, checked: from the cache when its fingerprint is `fingerprint` (read
   * in this round), otherwise read again (with the fingerprint of what was read) and kept.
   */
  private async tenantSegments(
    tx: PooledTransaction,
    tenantId: string,
    fingerprintNow: string,
    logger?: Logger,
  ): Promise<Loaded[]> {
    const cached = this.cache.get(tenantId);
    if (cached?.fingerprint === fingerprintNow) return cached.segments;
    const rows = await tx.query<{ id: string; entity: CriteriaEntityName; criteria: string; fingerprint: string }>(
      TENANT_SEGMENTS,
      [tenantId],
      true,
    );
    const segments = rows
      .map((r) => this.load({ id: r.id, tenantId, entity: r.entity }, JSON.parse(r.criteria), logger))
      .filter((s): s is Loaded => s !== null);
    if (this.cache.size >= CACHED_TENANTS && !cached) this.cache.clear();
    this.cache.set(tenantId, { fingerprint: rows[0]?.fingerprint ?? '', segments });
    return segments;
  }

  /**
   * The root records of `s` that events may have moved, each with the position of the last event
   * that touched it: the ids under key `''`, and for each path key, the roots related to those ids
   * along the path, walked back hop by hop in SQL, carrying the position of the event of the id
   * they were reached from (`select y."id", i."pos" from (…) i cross join lateral (select
   * y."id" from "deal" y where y."owner_id" = i."id" …)`; `… (select y."client_id" … from
   * "practice" y where y."id" = i."id" …)`), every table limited to the tenant.
   */
  private affected(s: Loaded, work: Map<string, Map<string, string>>, tenantId: string): Scope {
    const parts: string[] = [];
    const params: unknown[] = [];
    for (const [key, ids] of work) {
      // Two arrays, not a VALUES list: the text does not depend on how many ids there are, so a
      // round's statement can stay prepared. Every step below looks each id up by key (a lateral
      // subquery per id, `offset 0` keeping it from being flattened into a join the planner might
      // hash or scan whole), whatever it believes of the arrays' length.
      let inner = `select v."id", v."pos" from unnest(?::uuid[], ?::bigint[]) as v("id", "pos")`;
      params.push([...ids.keys()], [...ids.values()]);
      if (key !== '') {
        const hops = s.reaches.get(hopsTarget(key))!.get(key)!;
        // From the last table back to the root: each step selects the previous table's ids.
        for (let i = hops.length - 1; i >= 0; i--) {
          const { relation, from } = hops[i];
          const [table, select, where] =
            relation.kind === 'one'
              ? [CRITERIA_TABLES[from].table, '"id"', quote(relation.column)]
              : [CRITERIA_TABLES[relation.target].table, quote(relation.column), '"id"'];
          inner = `select y."id", i."pos" from (${inner}) i cross join lateral
                     (select y.${select} as "id" from ${quote(table)} y
                       where y.${where} = i."id" and y."tenant_id" = ? offset 0) y`;
          params.push(tenantId);
        }
      }
      parts.push(inner);
    }
    return { kind: 'set', sql: parts.join(' union all '), params };
  }

  /**
   * The daily re-check: every segment with time-relative criteria (LAST_N_DAYS, NEXT_N_DAYS) not
   * yet re-checked on its tenant's current day (by the app clock) is evaluated in full and its
   * membership diffed; segments without them are never re-evaluated here. `force`: re-check them
   * even if done today (`runSegmentRecheck`). All tenants, or only `tenantId`. Returns the number
   * of segments re-checked.
   */
  async recheckTimeRelative(
    root: EntityManager,
    opts: { tenantId?: string; force?: boolean } = {},
    logger?: Logger,
  ): Promise<number> {
    const now = this.clock.now();
    const fork = root.fork({ useContext: false }) as SqlEntityManager;
    const due = await fork.execute<{ id: string; tenant_id: string; today: string }[]>(
      `select s.id, s.tenant_id, to_char((?::timestamptz at time zone t.time_zone)::date, 'YYYY-MM-DD') as today
         from segment s join tenant t on t.id = s.tenant_id
        where s.time_relative and s.deleted_at is null ${opts.tenantId ? 'and s.tenant_id = ?' : ''}
          ${opts.force ? '' : 'and (s.rechecked_on is null or s.rechecked_on < (?::timestamptz at time zone t.time_zone)::date)'}`,
      [now, ...(opts.tenantId ? [opts.tenantId] : []), ...(opts.force ? [] : [now])],
    );
    for (const row of due) {
      const moved = await withStatementTimeout(
        forkForTenant(root, row.tenant_id),
        criteriaStatementTimeout(),
        async (tx) => {
          await serialize(tx);
          const segment = await tx.findOne(Segment, { id: row.id, deletedAt: null });
          if (!segment) return 0;
          const loaded = this.load(ref(segment), segment.criteria, logger);
          const n = loaded ? await this.recheck(tx, loaded, true) : 0;
          await (tx as SqlEntityManager).execute('update segment set rechecked_on = ?::date where id = ?', [
            row.today,
            row.id,
          ]);
          return n;
        },
      );
      if (moved) await this.announce(row.tenant_id, [row.id]);
    }
    return due.length;
  }

  /** Creates the processor's checkpoint at the newest position (first use: nothing before it is read). */
  private async createCheckpoint(tx: PooledTransaction): Promise<void> {
    await tx.query(
      `insert into segment_checkpoint (name, "position")
       select ?, coalesce(max("position"), 0) from timeline_event on conflict (name) do nothing`,
      [CHECKPOINT],
    );
  }

  /** A segment with its checked criteria, or null (logged) when its stored tree no longer checks. */
  private load(segment: SegmentRef, criteria: unknown, logger?: Logger): Loaded | null {
    const checked = this.criteria.check(segment.entity, criteria);
    if (!checked.ok) {
      logger?.warn({ segment: segment.id, errors: checked.errors }, 'segment criteria no longer valid; skipped');
      return null;
    }
    return { segment, checked: checked.criteria, reaches: reaches(checked.criteria) };
  }

  /**
   * Evaluates a segment in full ({@link applyStatement} over all its records) in `em`'s
   * transaction, which must be scoped to the segment's tenant. Returns how many records entered or left.
   */
  private async recheck(em: EntityManager, s: Loaded, log: boolean): Promise<number> {
    const compiled = this.criteria.compile(em, s.segment.entity, s.checked);
    const { sql, params } = applyStatement([{ segment: s.segment, compiled, scope: { kind: 'all' } }], log)!;
    const moved = counts(await (em as SqlEntityManager).execute(sql, params));
    return moved.get(s.segment.id) ?? 0;
  }

  /** Tells subscribers of the tenant that these segments have new changes (after commit). */
  private async announce(tenantId: string, segmentIds: string[]): Promise<void> {
    if (!this.pubsub) return;
    for (const segmentId of segmentIds)
      await this.pubsub.publish(segmentTopic(tenantId), { segmentId } satisfies SegmentChangedPayload);
  }

  /** Changes of a segment after `position`, oldest first, at most `limit`. */
  async changesAfter(em: EntityManager, segmentId: string, position: string, limit = 500): Promise<SegmentChange[]> {
    return em.find(
      SegmentChange,
      { segment: segmentId, position: { $gt: position } },
      { orderBy: { position: 'asc' }, limit },
    );
  }

  /** The newest change position of a segment ('0' when none). */
  async lastPosition(em: EntityManager, segmentId: string): Promise<string> {
    const [row] = await (em as SqlEntityManager).execute<{ p: string | null }[]>(
      'select max("position") as p from segment_change where segment_id = ?',
      [segmentId],
    );
    return String(row?.p ?? '0');
  }
}

/**
 * Re-checks segments, each over its scope, in ONE statement: per segment, what its criteria
 * select now and what it holds among the scope's ids, the difference (records entering and
 * leaving), which is applied to `segment_member` and, with `log`, appended to `segment_change`;
 * with `checkpoint`, the processor's checkpoint moves there in the same statement. Only the counts
 * come back (see {@link counts}). Null when there is nothing to do (no check, no checkpoint).
 *
 * The order of the log is specified, not left to the plan: each change takes the timeline
 * position of the last event that made its record affected (its `rank`; none for a full
 * re-check), and the changes of the statement are logged in the order (rank, segment, entering
 * before leaving, record id): their `position`s are as many values of the log's sequence, taken
 * in any order, sorted and given to the changes sorted so. So a segment's changes come in the
 * order of the events that caused them, within a round as across rounds (one round at a time).
 */
function applyStatement(
  checks: Recheck[],
  log: boolean,
  checkpoint?: string,
): { sql: string; params: unknown[] } | null {
  const ctes: string[] = [];
  const params: unknown[] = [];
  const diffs: string[] = [];
  const diffParams: unknown[] = [];
  /** The CTE of each distinct set of affected ids, by its SQL and parameters. */
  const affectedCtes = new Map<string, string>();
  checks.forEach(({ segment, compiled, scope }, i) => {
    const table = quote(CRITERIA_TABLES[segment.entity].table);
    const hidden = HIDDEN[segment.entity];
    const visible = hidden ? ` and ${table}.${quote(hidden.column)} is null` : '';
    const now = (rank: string) =>
      `select true as "now", ${table}."id", ${rank} as "rank" from ${table} where (${compiled.sql})${visible}`;
    const was = (rank: string) => `select false, m.record_id, ${rank} from segment_member m where m.segment_id = ?`;
    if (scope.kind === 'all') ctes.push(`"c${i}" as (${now('null::bigint')} union all ${was('null::bigint')})`);
    else {
      // Each affected id (once, with its last event's position) is looked up by key on both
      // sides: a lateral subquery per id (`offset 0` keeps the planner from flattening it into a
      // join it might hash or scan whole), whatever it believes of how many ids there are, of the
      // segment's size or of a relation's rows.
      // Segments with the same affected ids (those of one kind reached the same way) share them.
      const key = JSON.stringify([scope.sql, scope.params]);
      let a = affectedCtes.get(key);
      if (!a) {
        affectedCtes.set(key, (a = `"a${i}"`));
        ctes.push(`${a} as materialized (select s."id", max(s."pos") as "pos" from (${scope.sql}) s group by s."id")`);
        params.push(...scope.params);
      }
      ctes.push(
        `"c${i}" as (select r.* from ${a} a cross join lateral (${now('a."pos"')} and ${table}."id" = a."id" offset 0) r
           union all select r.* from ${a} a cross join lateral (${was('a."pos"')} and m.record_id = a."id" offset 0) r)`,
      );
    }
    params.push(...compiled.params, segment.id);
    // A record in only one of the two sets entered (`now`) or left.
    diffs.push(
      `select ${i} as "k", ?::uuid as "segment_id", ?::uuid as "tenant_id", c."id", bool_or(c."now") as "now",
              max(c."rank") as "rank"
         from "c${i}" c group by c."id" having bool_or(c."now") <> bool_or(not c."now")`,
    );
    diffParams.push(segment.id, segment.tenantId);
  });
  const writes: string[] = [];
  const writeParams: unknown[] = [];
  if (checks.length) {
    writes.push(
      `"d" as (${diffs.join(' union all ')})`,
      `"entered" as (insert into segment_member (segment_id, record_id)
                     select d.segment_id, d."id" from "d" where d."now" on conflict do nothing)`,
      `"left" as (delete from segment_member m using "d"
                   where not d."now" and m.segment_id = d.segment_id and m.record_id = d."id")`,
    );
    if (log) {
      writes.push(
        `"o" as (select d.*, row_number() over (order by d."rank", d."k", not d."now", d."id") as "n" from "d")`,
        `"p" as (select x."position", row_number() over (order by x."position") as "n"
                   from (select nextval(pg_get_serial_sequence('segment_change', 'position')) as "position"
                           from generate_series(1, (select count(*) from "d"))) x)`,
        `"logged" as (insert into segment_change ("position", tenant_id, segment_id, record_id, change)
                      select p."position", o.tenant_id, o.segment_id, o."id", case when o."now" then ? else ? end
                        from "o" join "p" on p."n" = o."n")`,
      );
      writeParams.push(SegmentChangeKind.ENTERED, SegmentChangeKind.LEFT);
    }
  }
  if (checkpoint !== undefined) {
    writes.push(`"moved" as (update segment_checkpoint set "position" = ? where name = ?)`);
    writeParams.push(checkpoint, CHECKPOINT);
  }
  if (!writes.length) return null;
  return {
    sql: `with ${[...ctes, ...writes].join(',\n')}
     ${checks.length ? 'select d.segment_id, count(*)::int as n from "d" group by d.segment_id' : 'select 1 where false'}`,
    params: [...params, ...diffParams, ...writeParams],
  };
}

/** What {@link applyStatement}'s statement returns: the number of records that entered or left, by segment id. */
function counts(rows: { segment_id: string; n: number }[]): Map<string, number> {
  return new Map(rows.map((r) => [r.segment_id, Number(r.n)]));
}

/**
 * Waits for the membership round in progress, and keeps the next from starting until this
 * transaction ends: two diffs of one segment computed at once would log a change twice.
 */
async function serialize(tx: EntityManager): Promise<void> {
  await (tx as SqlEntityManager).execute('select pg_advisory_xact_lock(?)', [PROCESSOR_LOCK]);
}

/** Each table a checked tree reaches through relations, with the distinct paths (every prefix of every filter's path). */
function reaches(c: CheckedCriteria): Map<CriteriaTable, Map<string, Hops>> {
  const out = new Map<CriteriaTable, Map<string, Hops>>();
  const walk = (x: CheckedCriteria) => {
    for (const g of x.groups) {
      for (const f of g.filters)
        for (let i = 1; i <= f.path.hops.length; i++) {
          const hops = f.path.hops.slice(0, i);
          const target = hops[i - 1].relation.target;
          let paths = out.get(target);
          if (!paths) out.set(target, (paths = new Map<string, Hops>()));
          paths.set(hopsKey(hops), hops);
        }
      g.anyOf.forEach(walk);
    }
  };
  walk(c);
  return out;
}

/** What a re-check needs of a segment entity. */
function ref(segment: Segment): SegmentRef {
  return { id: segment.id, tenantId: segment.tenant.id, entity: segment.entity };
}

/** A path's key: its target table, then its relations' names (`CLIENT:practice.client`). */
function hopsKey(hops: Hops): string {
  return `${hops.at(-1)!.relation.target}:${hops.map((h) => h.name).join('.')}`;
}

/** The target table named by a path key. */
function hopsTarget(key: string): CriteriaTable {
  return key.slice(0, key.indexOf(':')) as CriteriaTable;
}

/** A validated tree as stored: every group with `filters` and `anyOf` lists, filters as given. */
function normalize(c: Criteria): Criteria {
  return {
    groups: c.groups.map((g) => ({
      filters: (g.filters ?? []).map((f) => ({ field: f.field, operator: f.operator, value: f.value ?? null })),
      anyOf: (g.anyOf ?? []).map(normalize),
    })),
  };
}
