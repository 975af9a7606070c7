import type { EntityManager } from '@mikro-orm/core';

import type { Clock } from '../../platform/clock.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { Tenant } from '../../platform/db/tenant.entity.js';
import { DomainError } from '../../platform/errors.js';
import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import type { CriteriaService } from '../criteria/criteria.service.js';
import type { Criteria } from '../criteria/criteria.tree.js';
import { PracticeType } from '../practices/practice-type.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { describe } from './ask.describe.js';
import { HeuristicAskInterpreter } from './ask.heuristic.js';
import {
  AskInterpretationError,
  type AskInterpreter,
  type AskInterpreterKind,
  type AskVocabulary,
  type Interpretation,
  type NotUnderstood,
} from './ask.interpreter.js';

/** Longest question, in characters (a longer one is BAD_USER_INPUT, reason QUESTION_TOO_LONG). */
export const MAX_QUESTION_LENGTH = 500;

/** An answer before its results are paged (see `AskAnswer`). */
export interface AskOutcome {
  question: string;
  interpreter: AskInterpreterKind;
  fallbackReason: string | null;
  understood: boolean;
  code: 'NOT_UNDERSTOOD' | null;
  summary: string;
  entity: CriteriaEntityName | null;
  /** The tree, every group with its `filters` and `anyOf` lists (as the `Criteria` type shows them). */
  criteria: Criteria | null;
  unused: string[];
}

/** A tree with every group's lists present (the output type has no nulls there). */
function complete(c: Criteria): Criteria {
  return {
    groups: c.groups.map((g) => ({
      filters: (g.filters ?? []).map((f) => ({ field: f.field, operator: f.operator, value: f.value ?? null })),
      anyOf: (g.anyOf ?? []).map(complete),
    })),
  };
}

/**
 * Questions: reads one with the configured interpreter (Claude, or the heuristic), falls back to
 * the heuristic when Claude fails or builds a tree the criteria language refuses, and checks the
 * tree like any other before it is run.
 */
export class AskService {
  private readonly heuristic = new HeuristicAskInterpreter();

  /** `interpreter`: default the heuristic. */
  constructor(
    private readonly clock: Clock,
    private readonly criteria: CriteriaService,
    private readonly interpreter: AskInterpreter = new HeuristicAskInterpreter(),
  ) {}

  /** Which interpreter reads questions first. */
  get kind(): AskInterpreterKind {
    return this.interpreter.kind;
  }

  /** What the interpreters know of the tenant of `em` (active members, practice types, today). */
  async vocabulary(em: EntityManager): Promise<AskVocabulary> {
    const tenantId = scopedTenantId(em);
    if (!tenantId) throw new Error('ask: needs a tenant-scoped EntityManager');
    const [members, types, tenant] = await Promise.all([
      em.find(TeamMember, { active: true }, { fields: ['name', 'email'], orderBy: { email: 'asc' } }),
      em.find(PracticeType, {}, { fields: ['code', 'name'], orderBy: { code: 'asc' } }),
      em.findOne(Tenant, { id: tenantId }, { fields: ['timeZone'] }),
    ]);
    const timeZone = tenant?.timeZone ?? 'UTC';
    return {
      members: members.map((m) => ({ name: m.name, email: m.email })),
      practiceTypes: types.map((t) => ({ code: t.code, name: t.name })),
      today: new Intl.DateTimeFormat('en-CA', { timeZone }).format(this.clock.now()),
      timeZone,
    };
  }

  /**
   * Answers `question` for the tenant of `em`. A question over {@link MAX_QUESTION_LENGTH}
   * characters, or without letters, is BAD_USER_INPUT (reason QUESTION_TOO_LONG / QUESTION_EMPTY).
   */
  async ask(em: EntityManager, question: string): Promise<AskOutcome> {
    if (question.length > MAX_QUESTION_LENGTH)
      throw new DomainError('BAD_USER_INPUT', `A question must be at most ${MAX_QUESTION_LENGTH} characters`, {
        argument: 'question',
        reason: 'QUESTION_TOO_LONG',
      });
    if (!/[\p{L}\p{N}]/u.test(question))
      throw new DomainError('BAD_USER_INPUT', 'The question has no words', {
        argument: 'question',
        reason: 'QUESTION_EMPTY',
      });
    const vocabulary = await this.vocabulary(em);
    let fallbackReason: string | null = null;
    let reading: Interpretation | NotUnderstood | null = null;
    let interpreter = this.interpreter;
    try {
      reading = await interpreter.interpret(question, vocabulary);
      if (reading.understood && interpreter.kind !== 'HEURISTIC') {
        const checked = this.criteria.check(reading.entity, reading.criteria, ['criteria']);
        if (!checked.ok) {
          fallbackReason = `Claude built criteria the API refuses: ${checked.errors.map((e) => `${(e.field ?? []).join('.')}: ${e.message}`).join('; ')}`;
          reading = null;
        }
      }
    } catch (err) {
      if (!(err instanceof AskInterpretationError)) throw err;
      fallbackReason = err.message;
    }
    if (!reading) {
      interpreter = this.heuristic;
      reading = await interpreter.interpret(question, vocabulary);
    }
    const base = { question, interpreter: interpreter.kind, fallbackReason, unused: reading.unused };
    if (reading.understood) {
      const checked = this.criteria.check(reading.entity, reading.criteria);
      if (checked.ok)
        return {
          ...base,
          understood: true,
          code: null,
          entity: reading.entity,
          criteria: complete(reading.criteria),
          summary: describe(reading.entity, reading.criteria, vocabulary),
        };
      reading = {
        understood: false,
        reason: `The question was read as criteria the API refuses: ${checked.errors.map((e) => e.message).join('; ')}`,
        unused: reading.unused,
      };
    }
    return {
      ...base,
      understood: false,
      code: 'NOT_UNDERSTOOD',
      entity: null,
      criteria: null,
      summary: `Not understood: ${reading.reason}`,
    };
  }
}
