import { type EntityManager, LockMode } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, fromGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Checks } from '../../platform/validation.js';
import { DEFAULT_STAGES } from '../tenancy/tenant-defaults.js';
import type { StageFields } from '../timeline/event-payloads.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Deal } from './deal.entity.js';
import { StageKind } from './deal.enums.js';
import { Pipeline, PipelineStage } from './pipeline.entity.js';
import type {
  CreatePipelineInput,
  CreatePipelineStageInput,
  PipelineStageInput,
  ReorderPipelineStagesInput,
  UpdatePipelineInput,
  UpdatePipelineStageInput,
} from './pipeline.input.js';

const MAX_STAGES = 30;
const REQUIRED_KINDS = [StageKind.OPEN, StageKind.WON, StageKind.LOST] as const;

function stageFields(s: PipelineStage): StageFields {
  return { name: s.name, kind: s.kind, probability: s.probability };
}

/** The default probability of a stage of `kind`. */
const defaultProbability = (kind: StageKind) => (kind === StageKind.WON ? 100 : 0);

/** Kinds a pipeline with these stages lacks (it needs an OPEN, a WON and a LOST stage). */
function missingKinds(stages: readonly { kind: StageKind }[]): StageKind[] {
  return REQUIRED_KINDS.filter((k) => !stages.some((s) => s.kind === k));
}

const sameName = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;

/**
 * Pipelines and their stages (ADMIN or MANAGER): creation, renaming, the default, order, kinds and
 * probabilities, archiving. Every pipeline keeps an OPEN, a WON and a LOST active stage (new deals,
 * winDeal and loseDeal need them); a stage or pipeline holding deals is archived only once they
 * are moved out. Structural changes lock the pipeline row, so two of them never interleave.
 */
export class PipelineService {
  /** Creates a pipeline with its stages (default: the tenant's default stages). */
  async create(em: EntityManager, actor: Principal, input: CreatePipelineInput): Promise<Pipeline> {
    const checks = new Checks();
    const name = checks.text('name', input.name, 200, { required: true, min: 1 });
    if (name && (await this.nameTaken(em, name)))
      checks.add('name', 'TAKEN', `An active pipeline is already called ${name}`);
    const given: PipelineStageInput[] =
      input.stages ?? DEFAULT_STAGES.map((s) => ({ name: s.name, kind: s.kind, probability: s.probability }));
    if (!given.length || given.length > MAX_STAGES)
      checks.add('stages', 'INVALID_LENGTH', `A pipeline has 1–${MAX_STAGES} stages`);
    const stages = given.map((s, i) => ({
      name: checks.text(`stages.${i}.name`, s.name, 200, { required: true, min: 1 }),
      kind: s.kind ?? StageKind.OPEN,
      probability: checks.int(`stages.${i}.probability`, s.probability, 0, 100) ?? defaultProbability(s.kind),
    }));
    const names = stages.map((s) => s.name).filter((n): n is string => Boolean(n));
    if (names.some((n, i) => names.findIndex((m) => sameName(m, n)) !== i))
      checks.add('stages', 'DUPLICATE_NAME', 'Stage names must be distinct within a pipeline');
    const missing = missingKinds(stages);
    if (given.length && missing.length)
      checks.add(
        'stages',
        'MISSING_STAGE_KIND',
        `A pipeline needs an OPEN, a WON and a LOST stage; missing: ${missing.join(', ')}`,
      );
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const previous = input.isDefault ? await tx.findOne(Pipeline, { isDefault: true }) : null;
      const pipeline = tx.create(Pipeline, { name: name!, isDefault: input.isDefault });
      const created = stages.map((s, position) =>
        tx.create(PipelineStage, { pipeline, name: s.name!, kind: s.kind, probability: s.probability, position }),
      );
      if (previous) this.undefault(tx, actor, previous);
      recordEvent(tx, actor, {
        type: TimelineEventType.PIPELINE_CREATED,
        subject: pipeline,
        summary: `Pipeline ${pipeline.name} created with ${created.length} stages`,
        data: {
          after: {
            name: pipeline.name,
            isDefault: pipeline.isDefault,
            stages: created.map((s) => ({ id: s.nodeId, position: s.position, ...stageFields(s) })),
          },
        },
      });
      return pipeline;
    });
  }

  /** Renames a pipeline or makes it the default. */
  async update(em: EntityManager, actor: Principal, input: UpdatePipelineInput): Promise<Pipeline> {
    const pipeline = await this.get(em, input.id);
    const checks = new Checks();
    const name = checks.text('name', input.name, 200, { min: 1 });
    if (input.name === null) checks.add('name', 'REQUIRED', 'name cannot be cleared');
    if (name && !sameName(name, pipeline.name) && (await this.nameTaken(em, name)))
      checks.add('name', 'TAKEN', `An active pipeline is already called ${name}`);
    if (input.isDefault === false && pipeline.isDefault)
      checks.add('isDefault', 'DEFAULT_REQUIRED', 'Make another pipeline the default instead');
    if (input.isDefault && pipeline.archivedAt)
      checks.add('isDefault', 'ARCHIVED', `Pipeline ${pipeline.name} is archived`);
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const before = { name: pipeline.name, isDefault: pipeline.isDefault };
      if (name) pipeline.name = name;
      if (input.isDefault && !pipeline.isDefault) {
        const previous = await tx.findOne(Pipeline, { isDefault: true, id: { $ne: pipeline.id } });
        if (previous) this.undefault(tx, actor, previous);
        pipeline.isDefault = true;
      }
      tx.persist(pipeline);
      const change = diff(before, { name: pipeline.name, isDefault: pipeline.isDefault });
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.PIPELINE_UPDATED,
          subject: pipeline,
          summary: `Pipeline ${pipeline.name} updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      return pipeline;
    });
  }

  /** Archives a pipeline: refused for the default one and for one holding deals (it names how many). */
  async archive(em: EntityManager, actor: Principal, globalId: string): Promise<Pipeline> {
    return em.transactional(async (tx) => {
      const pipeline = await this.lock(tx, await this.get(tx, globalId));
      if (pipeline.archivedAt)
        throw ValidationFailed.of('id', 'ALREADY_ARCHIVED', `Pipeline ${pipeline.name} is already archived`);
      if (pipeline.isDefault)
        throw ValidationFailed.of(
          'id',
          'IS_DEFAULT',
          `Pipeline ${pipeline.name} is the default: make another pipeline the default first`,
        );
      const deals = await tx.count(Deal, { pipeline: pipeline.id });
      if (deals)
        throw ValidationFailed.of(
          'id',
          'HAS_DEALS',
          `Pipeline ${pipeline.name} holds ${deals} deal${deals === 1 ? '' : 's'}: move ${deals === 1 ? 'it' : 'them'} to another pipeline first`,
        );
      pipeline.archivedAt = new Date();
      recordEvent(tx, actor, {
        type: TimelineEventType.PIPELINE_ARCHIVED,
        subject: pipeline,
        summary: `Pipeline ${pipeline.name} archived`,
        data: { before: { archived: false }, after: { archived: true } },
      });
      return pipeline;
    });
  }

  /** Adds a stage to a pipeline, at `position` among its active stages (default last). */
  async createStage(em: EntityManager, actor: Principal, input: CreatePipelineStageInput): Promise<PipelineStage> {
    return em.transactional(async (tx) => {
      const pipeline = await this.lock(tx, await this.get(tx, input.pipelineId));
      const stages = await this.activeStages(tx, pipeline);
      const checks = new Checks();
      const name = checks.text('name', input.name, 200, { required: true, min: 1 });
      if (name && stages.some((s) => sameName(s.name, name)))
        checks.add('name', 'DUPLICATE_NAME', `Pipeline ${pipeline.name} already has a stage called ${name}`);
      const probability = checks.int('probability', input.probability, 0, 100);
      const position = checks.int('position', input.position, 0, stages.length);
      if (pipeline.archivedAt) checks.add('pipelineId', 'ARCHIVED', `Pipeline ${pipeline.name} is archived`);
      if (stages.length >= MAX_STAGES)
        checks.add('pipelineId', 'TOO_MANY_STAGES', `A pipeline has at most ${MAX_STAGES} active stages`);
      checks.throwIfAny();
      const stage = tx.create(PipelineStage, {
        pipeline,
        name: name!,
        kind: input.kind,
        probability: probability ?? defaultProbability(input.kind),
        position: 0,
      });
      stages.splice(position ?? stages.length, 0, stage);
      await this.renumber(tx, pipeline, stages);
      recordEvent(tx, actor, {
        type: TimelineEventType.PIPELINE_STAGE_CREATED,
        subject: stage,
        summary: `Stage ${stage.name} added to pipeline ${pipeline.name}`,
        data: { pipeline: pipeline.nodeId, after: { ...stageFields(stage), position: stage.position } },
      });
      return stage;
    });
  }

  /** Renames a stage, changes its kind (only when it holds no deals) or its default probability. */
  async updateStage(em: EntityManager, actor: Principal, input: UpdatePipelineStageInput): Promise<PipelineStage> {
    return em.transactional(async (tx) => {
      const found = await this.getStage(tx, input.id);
      const pipeline = await this.lockOf(tx, found);
      // A kind change must not race a deal entering the stage (deal moves share-lock it).
      if (input.kind) await tx.lock(found, LockMode.PESSIMISTIC_WRITE);
      const stage = await tx.refreshOrFail(found);
      const stages = await this.activeStages(tx, pipeline);
      const checks = new Checks();
      const name = checks.text('name', input.name, 200, { min: 1 });
      if (input.name === null) checks.add('name', 'REQUIRED', 'name cannot be cleared');
      if (name && stages.some((s) => s.id !== stage.id && sameName(s.name, name)))
        checks.add('name', 'DUPLICATE_NAME', `Pipeline ${pipeline.name} already has a stage called ${name}`);
      const probability = checks.int('probability', input.probability, 0, 100);
      if (input.probability === null) checks.add('probability', 'REQUIRED', 'probability cannot be cleared');
      if (stage.archivedAt) checks.add('id', 'ARCHIVED', `Stage ${stage.name} is archived`);
      if (input.kind && input.kind !== stage.kind) {
        const deals = await tx.count(Deal, { stage: stage.id });
        if (deals)
          checks.add(
            'kind',
            'HAS_DEALS',
            `Stage ${stage.name} holds ${deals} deal${deals === 1 ? '' : 's'}: move ${deals === 1 ? 'it' : 'them'} to another stage before changing its kind`,
          );
        const missing = missingKinds(stages.map((s) => (s.id === stage.id ? { kind: input.kind! } : s)));
        if (missing.length)
          checks.add(
            'kind',
            'MISSING_STAGE_KIND',
            `Pipeline ${pipeline.name} would have no ${missing.join(', ')} stage`,
          );
      }
      checks.throwIfAny();
      const before = stageFields(stage);
      if (name) stage.name = name;
      if (input.kind) stage.kind = input.kind;
      if (probability != null) stage.probability = probability;
      const change = diff(before, stageFields(stage));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.PIPELINE_STAGE_UPDATED,
          subject: stage,
          summary: `Stage ${stage.name} of pipeline ${pipeline.name} updated: ${Object.keys(change.after).join(', ')}`,
          data: { pipeline: pipeline.nodeId, ...change },
        });
      return stage;
    });
  }

  /** Puts the active stages of a pipeline in a new order: `stageIds` must list each of them exactly once. */
  async reorderStages(em: EntityManager, actor: Principal, input: ReorderPipelineStagesInput): Promise<Pipeline> {
    return em.transactional(async (tx) => {
      const pipeline = await this.lock(tx, await this.get(tx, input.pipelineId));
      const stages = await this.activeStages(tx, pipeline);
      const byId = new Map(stages.map((s) => [s.id, s]));
      const ids = input.stageIds.map((g) => {
        const d = fromGlobalId(g);
        return d?.type === 'PipelineStage' ? d.id : null;
      });
      const unknown = input.stageIds.filter((_, i) => !ids[i] || !byId.has(ids[i]));
      const checks = new Checks();
      if (unknown.length)
        checks.add('stageIds', 'NOT_FOUND', `Not active stages of pipeline ${pipeline.name}: ${unknown.join(', ')}`);
      else if (new Set(ids).size !== ids.length) checks.add('stageIds', 'DUPLICATE', 'Each stage must be listed once');
      else if (ids.length !== stages.length)
        checks.add(
          'stageIds',
          'INCOMPLETE',
          `List all ${stages.length} active stages of pipeline ${pipeline.name}; ${stages.length - ids.length} missing`,
        );
      checks.throwIfAny();
      const before = stages.map((s) => s.nodeId);
      const ordered = ids.map((id) => byId.get(id!)!);
      await this.renumber(tx, pipeline, ordered);
      const after = ordered.map((s) => s.nodeId);
      if (before.join() !== after.join())
        recordEvent(tx, actor, {
          type: TimelineEventType.PIPELINE_STAGES_REORDERED,
          subject: pipeline,
          summary: `Stages of pipeline ${pipeline.name} reordered: ${ordered.map((s) => s.name).join(' → ')}`,
          data: { before: { stages: before }, after: { stages: after } },
        });
      return pipeline;
    });
  }

  /**
   * Archives a stage: no deal can enter it and `Pipeline.stages` hides it. Refused while it holds
   * deals (naming how many) and when the pipeline would lose its last OPEN, WON or LOST stage.
   */
  async archiveStage(em: EntityManager, actor: Principal, globalId: string): Promise<PipelineStage> {
    return em.transactional(async (tx) => {
      const found = await this.getStage(tx, globalId);
      const pipeline = await this.lockOf(tx, found);
      // Deal moves take a share lock on their target stage: none can enter it while this runs.
      await tx.lock(found, LockMode.PESSIMISTIC_WRITE);
      const stage = await tx.refreshOrFail(found);
      if (stage.archivedAt)
        throw ValidationFailed.of('id', 'ALREADY_ARCHIVED', `Stage ${stage.name} is already archived`);
      const deals = await tx.count(Deal, { stage: stage.id });
      if (deals)
        throw ValidationFailed.of(
          'id',
          'HAS_DEALS',
          `Stage ${stage.name} holds ${deals} deal${deals === 1 ? '' : 's'}: move ${deals === 1 ? 'it' : 'them'} to another stage first`,
        );
      const stages = await this.activeStages(tx, pipeline);
      const rest = stages.filter((s) => s.id !== stage.id);
      const missing = missingKinds(rest);
      if (missing.length)
        throw ValidationFailed.of(
          'id',
          'MISSING_STAGE_KIND',
          `Pipeline ${pipeline.name} would have no ${missing.join(', ')} stage`,
        );
      stage.archivedAt = new Date();
      await this.renumber(tx, pipeline, rest);
      recordEvent(tx, actor, {
        type: TimelineEventType.PIPELINE_STAGE_ARCHIVED,
        subject: stage,
        summary: `Stage ${stage.name} of pipeline ${pipeline.name} archived`,
        data: { pipeline: pipeline.nodeId, before: { archived: false }, after: { archived: true } },
      });
      return stage;
    });
  }

  /** The pipeline with a global ID in the caller's tenant, or NOT_FOUND. */
  async get(em: EntityManager, globalId: string): Promise<Pipeline> {
    const pipeline = await em.findOne(Pipeline, { id: expectGlobalId(globalId, 'Pipeline') });
    if (!pipeline) throw DomainError.notFound('Pipeline', globalId);
    return pipeline;
  }

  /** The stage with a global ID in the caller's tenant, or NOT_FOUND. */
  async getStage(em: EntityManager, globalId: string): Promise<PipelineStage> {
    const stage = await em.findOne(PipelineStage, { id: expectGlobalId(globalId, 'PipelineStage') });
    if (!stage) throw DomainError.notFound('PipelineStage', globalId);
    return stage;
  }

  /** The pipeline, locked until the transaction ends and re-read after the lock. */
  private async lock(tx: EntityManager, pipeline: Pipeline): Promise<Pipeline> {
    await tx.lock(pipeline, LockMode.PESSIMISTIC_WRITE);
    return tx.refreshOrFail(pipeline);
  }

  /** The pipeline of a stage, locked (see {@link lock}). */
  private async lockOf(tx: EntityManager, stage: PipelineStage): Promise<Pipeline> {
    return this.lock(tx, await tx.findOneOrFail(Pipeline, { id: refId(stage.pipeline)! }));
  }

  private activeStages(tx: EntityManager, pipeline: Pipeline): Promise<PipelineStage[]> {
    return tx.find(PipelineStage, { pipeline, archivedAt: null }, { orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  }

  /** Numbers the given (active) stages 0… in their order, and the pipeline's other (archived) stages after them. */
  private async renumber(tx: EntityManager, pipeline: Pipeline, active: PipelineStage[]): Promise<void> {
    const archived = await tx.find(
      PipelineStage,
      { pipeline, id: { $nin: active.map((s) => s.id) } },
      { orderBy: [{ position: 'asc' }, { id: 'asc' }] },
    );
    [...active, ...archived].forEach((s, i) => {
      s.position = i;
    });
  }

  private undefault(tx: EntityManager, actor: Principal, previous: Pipeline): void {
    previous.isDefault = false;
    recordEvent(tx, actor, {
      type: TimelineEventType.PIPELINE_UPDATED,
      subject: previous,
      summary: `Pipeline ${previous.name} is no longer the default`,
      data: { before: { isDefault: true }, after: { isDefault: false } },
    });
  }

  private async nameTaken(em: EntityManager, name: string): Promise<boolean> {
    const pipelines = await em.find(Pipeline, { archivedAt: null });
    return pipelines.some((p) => sameName(p.name, name));
  }
}
