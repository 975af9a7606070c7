import type { EntityClass, EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import type { Clock } from '../../platform/clock.js';
import { escapeLike } from '../../platform/db/like.js';
import { readRows } from '../../platform/db/read-model.js';
import { criteriaStatementTimeout, withStatementTimeout } from '../../platform/db/statement-timeout.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import type { Logger } from '../../platform/logger.js';
import { type PubSub, tenantTopic } from '../../platform/pubsub.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
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

/** A segment with its checked criteria and the relation paths its filters follow. */
interface Loaded {
  segment: Segment;
  checked: CheckedCriteria;
  /**
   * For each table its criteria reach through relations: the distinct paths from the root to it
   * (every prefix of every filter's path), by a key naming the relations.
   */
  reaches: Map<CriteriaTable, Map<string, Hops>>;
}

/**
 * Which rows a re-check covers: all, or the set of root ids an SQL query selects (`select "id" …`,
 * with its parameters); `order`: the ids of the records the events were about, oldest last event first.
 */
type Scope = { kind: 'all' } | { kind: 'set'; sql: string; params: unknown[]; order: string[] };

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
      const segment = tx.create(Segment, {
        name: name!,
        entity: input.entity,
        criteria: normalize(input.criteria as Criteria),
        timeRelative: checked.uses.relativeDates,
        createdBy: by.memberId ? tx.getReference(TeamMember, by.memberId) : null,
      });
      await tx.flush();
      await this.recheck(tx, { segment, checked: checked.criteria, reaches: new Map() }, { kind: 'all' }, false);
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
      const n = await this.recheck(tx, { segment, checked, reaches: new Map() }, { kind: 'all' }, true);
      return { segment, changed: n > 0 };
    });
    if (changed.changed) await this.announce(changed.segment.tenant.id, [changed.segment.id]);
    return changed.segment;
  }

  /** Deletes a segment (soft: its ID stops resolving, its membership is dropped). */
  async delete(em: EntityManager, globalId: string): Promise<Segment> {
    return em.transactional(async (tx) => {
      const segment = await this.get(tx, globalId);
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

  /** The where clause of a list of `entity` records selecting the members of a (stored, valid) tree. */
  membersWhere(em: EntityManager, entity: CriteriaEntityName, tree: unknown, path?: string[]): FilterQuery<object> {
    const hidden = HIDDEN[entity];
    return this.criteria.andWhere(em, entity, hidden ? { [hidden.property]: null } : {}, tree, path);
  }

  /** Checks a criteria tree given to a query (`previewSegment`): BAD_USER_INPUT with user errors when bad. */
  checkQueryCriteria(entity: CriteriaEntityName, tree: unknown, argument: string): void {
    const checked = this.criteria.check(entity, tree, [argument]);
    if (!checked.ok) throw criteriaError(checked.errors, argument);
  }

  /** How many records match `tree` now (under the statement timeout). */
  count(em: EntityManager, entity: CriteriaEntityName, tree: unknown): Promise<number> {
    return withStatementTimeout(em, criteriaStatementTimeout(), (tx) =>
      tx.count(SEGMENT_ENTITIES[entity], this.membersWhere(tx, entity, tree) as FilterQuery<{ id: string }>),
    );
  }

  /** The first `n` records matching `tree` (by id), under the statement timeout. */
  sample(em: EntityManager, entity: CriteriaEntityName, tree: unknown, n: number): Promise<object[]> {
    return withStatementTimeout(em, criteriaStatementTimeout(), (tx) =>
      readRows(tx, SEGMENT_ENTITIES[entity], this.membersWhere(tx, entity, tree) as FilterQuery<{ id: string }>, {
        orderBy: [{ id: 'asc' }],
        limit: n,
      }),
    );
  }

  /**
   * One round of the membership processor: reads the timeline events committed since the last
   * round (in delivery position), and for each one re-checks only the records it can affect,
   * against the tenant's segments: the record it is about (segments of that kind), and, for
   * segments whose criteria reach its table through relations, the root records related to it
   * along those paths (a practice's client for client segments on `practices.*`; the deals of a
   * team member for deal segments on `owner.*`; the tickets of a client's practices for ticket
   * segments on `practice.client.*`), found by walking each path back in SQL. Each segment's
   * re-check is one statement (the compiled criteria over the affected ids, and its stored members
   * among them), plus one writing the difference if any. The changes and the new checkpoint commit
   * together, one round at a time across all processes. Returns the number of events read.
   */
  async processEvents(root: EntityManager, logger?: Logger): Promise<number> {
    const changed = new Map<string, Set<string>>();
    const n = await (root.fork({ useContext: false }) as SqlEntityManager).transactional(async (tx) => {
      const [{ locked }] = await tx.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?) as locked', [
        PROCESSOR_LOCK,
      ]);
      if (!locked) return 0;
      // The checkpoint and the events after it, in one round trip (no row: no checkpoint yet).
      const rows = await tx.execute<
        {
          position: string | null;
          tenant_id: string;
          subject_type: string;
          subject_id: string;
          client_id: string | null;
        }[]
      >(
        `select e."position", e.tenant_id, e.subject_type, e.subject_id, e.client_id from segment_checkpoint c
          left join lateral (select * from timeline_event t where t."position" > c."position"
                              order by t."position" limit ?) e on true
          where c.name = ?`,
        [EVENT_BATCH, CHECKPOINT],
      );
      if (!rows.length) await this.createCheckpoint(tx);
      const events = rows.filter((e) => e.position !== null);
      if (!events.length) return 0;
      const byTenant = new Map<string, typeof events>();
      for (const e of events) byTenant.set(e.tenant_id, [...(byTenant.get(e.tenant_id) ?? []), e]);
      for (const [tenantId, list] of byTenant) {
        const scoped = forkForTenant(tx, tenantId);
        const segments = await this.loadSegments(scoped, logger);
        if (!segments.length) continue;
        /** Per segment: the ids to re-check (`''`) and the ids of related records per path key. */
        const work = new Map<Loaded, Map<string, Set<string>>>();
        const add = (s: Loaded, key: string, id: string) => {
          let w = work.get(s);
          if (!w) work.set(s, (w = new Map<string, Set<string>>()));
          let ids = w.get(key);
          if (!ids) w.set(key, (ids = new Set()));
          // Re-added at its latest event: the set's order is the order of each record's last event.
          ids.delete(id);
          ids.add(id);
        };
        for (const e of list) {
          const table = TABLE_OF_SUBJECT[e.subject_type];
          if (!table) continue;
          for (const s of segments) {
            if (s.segment.entity === table) add(s, '', e.subject_id);
            for (const key of s.reaches.get(table)?.keys() ?? []) add(s, key, e.subject_id);
            // The record's client as the event names it (also when the record no longer points at it).
            if (s.segment.entity === 'CLIENT' && e.client_id && table !== 'CLIENT' && s.reaches.has(table))
              add(s, '', e.client_id);
          }
        }
        for (const [s, w] of work) {
          const moved = await this.recheck(scoped, s, this.affected(s, w, tenantId), true);
          if (moved) {
            let set = changed.get(tenantId);
            if (!set) changed.set(tenantId, (set = new Set()));
            set.add(s.segment.id);
          }
        }
      }
      await tx.execute('update segment_checkpoint set "position" = ? where name = ?', [
        events.at(-1)!.position,
        CHECKPOINT,
      ]);
      return events.length;
    });
    for (const [tenantId, ids] of changed) await this.announce(tenantId, [...ids]);
    return n;
  }

  /**
   * The root records of `s` that events may have moved: the ids under key `''`, and for each path
   * key, the roots related to those ids along the path, walked back hop by hop in SQL
   * (`select "id" from "deal" where "owner_id" in (…)`; `select "client_id" from "practice" where
   * "id" in (…)`), every table limited to the tenant.
   */
  private affected(s: Loaded, work: Map<string, Set<string>>, tenantId: string): Scope {
    const parts: string[] = [];
    const params: unknown[] = [];
    const order: string[] = [];
    for (const [key, ids] of work) {
      // A VALUES list, not a JSON array: the planner then knows how few ids there are and reads
      // them by primary key (with an array of unknown length it scanned every match of the criteria).
      const values = `select v."id" from (values ${[...ids].map(() => '(?::uuid)').join(', ')}) as v("id")`;
      if (key === '') {
        parts.push(values);
        params.push(...ids);
        order.push(...ids);
        continue;
      }
      const hops = s.reaches.get(hopsTarget(key))!.get(key)!;
      // From the last table back to the root: each step selects the previous table's ids.
      let inner = values;
      const innerParams: unknown[] = [...ids];
      for (let i = hops.length - 1; i >= 0; i--) {
        const { relation, from } = hops[i];
        const [table, select, where] =
          relation.kind === 'one'
            ? [CRITERIA_TABLES[from].table, '"id"', quote(relation.column)]
            : [CRITERIA_TABLES[relation.target].table, quote(relation.column), '"id"'];
        inner = `select y.${select} from ${quote(table)} y where y."tenant_id" = ? and y.${where} in (${inner})`;
        innerParams.unshift(tenantId);
      }
      parts.push(inner);
      params.push(...innerParams);
    }
    return { kind: 'set', sql: parts.join(' union all '), params, order };
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
          const loaded = this.load(segment, logger);
          const n = loaded ? await this.recheck(tx, loaded, { kind: 'all' }, true) : 0;
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
  private async createCheckpoint(tx: SqlEntityManager): Promise<void> {
    await tx.execute(
      `insert into segment_checkpoint (name, "position")
       select ?, coalesce(max("position"), 0) from timeline_event on conflict (name) do nothing`,
      [CHECKPOINT],
    );
  }

  /** The tenant's live segments with their checked criteria (a stored tree that no longer checks is skipped). */
  private async loadSegments(em: EntityManager, logger?: Logger): Promise<Loaded[]> {
    const segments = await em.find(Segment, { deletedAt: null });
    return segments.map((s) => this.load(s, logger)).filter((s): s is Loaded => s !== null);
  }

  private load(segment: Segment, logger?: Logger): Loaded | null {
    const checked = this.criteria.check(segment.entity, segment.criteria);
    if (!checked.ok) {
      logger?.warn({ segment: segment.id, errors: checked.errors }, 'segment criteria no longer valid; skipped');
      return null;
    }
    return { segment, checked: checked.criteria, reaches: reaches(checked.criteria) };
  }

  /**
   * Evaluates a segment over `scope` (one statement: compiled criteria AND the scope), compares
   * with its stored members in that scope, and applies the difference; with `log`, each record
   * entering or leaving is appended to `segment_change`. Runs in `em`'s transaction, which must be
   * scoped to the segment's tenant. Returns how many records entered or left.
   */
  private async recheck(em: EntityManager, s: Loaded, scope: Scope, log: boolean): Promise<number> {
    const sql = em as SqlEntityManager;
    const { entity, id: segmentId } = s.segment;
    const table = quote(CRITERIA_TABLES[entity].table);
    const compiled = this.criteria.compile(em, entity, s.checked);
    const hidden = HIDDEN[entity];
    const visible = hidden ? ` and ${table}.${quote(hidden.column)} is null` : '';
    // What the criteria select now and what the segment holds, among the affected ids: one statement.
    // `= any(array(…))`: both sides read the affected ids by key (an index condition), whatever the
    // planner believes of how many there are or of the segment's size.
    const [cte, rowScope, memberScope, scopeParams] =
      scope.kind === 'all'
        ? ['', 'true', 'true', []]
        : [
            `with "affected" as materialized (${scope.sql}) `,
            `${table}."id" = any(array(select "id" from "affected"))`,
            'm.record_id = any(array(select "id" from "affected"))',
            scope.params,
          ];
    const rows = await sql.execute<{ now: boolean; id: string }[]>(
      `${cte}select true as "now", ${table}."id" from ${table} where ${compiled.sql}${visible} and ${rowScope}
       union all select false, m.record_id from segment_member m where m.segment_id = ? and ${memberScope}`,
      [...scopeParams, ...compiled.params, segmentId],
    );
    const now = new Set(rows.filter((r) => r.now).map((r) => r.id));
    const was = new Set(rows.filter((r) => !r.now).map((r) => r.id));
    // Changes in the order of the events that touched the records (their ids' order in `scope`).
    const rank = new Map(scope.kind === 'set' ? scope.order.map((id, i) => [id, i]) : []);
    const byEvent = (a: string, b: string) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || (a < b ? -1 : 1);
    const entered = [...now].filter((id) => !was.has(id)).sort(byEvent);
    const left = [...was].filter((id) => !now.has(id)).sort(byEvent);
    if (entered.length || left.length) {
      const rows = [
        ...entered.map((id) => ({ id, change: SegmentChangeKind.ENTERED })),
        ...left.map((id) => ({ id, change: SegmentChangeKind.LEFT })),
      ];
      // Members added and removed, and (with `log`) the changes logged: one statement.
      await sql.execute(
        `with "entered" as (
           insert into segment_member (segment_id, record_id)
           select ?, x::uuid from jsonb_array_elements_text(?::jsonb) as x on conflict do nothing),
         "left" as (
           delete from segment_member where segment_id = ?
              and record_id in (select x::uuid from jsonb_array_elements_text(?::jsonb) as x))
         ${
           log
             ? `insert into segment_change (tenant_id, segment_id, record_id, change)
                select ?, ?, x.id, x.change from jsonb_to_recordset(?::jsonb) as x(id uuid, change text)`
             : 'select 1'
         }`,
        [
          segmentId,
          JSON.stringify(entered),
          segmentId,
          JSON.stringify(left),
          ...(log ? [s.segment.tenant.id, segmentId, JSON.stringify(rows)] : []),
        ],
      );
    }
    return entered.length + left.length;
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
