import type { EntityManager, FilterQuery } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { Money } from '../../platform/graphql/money.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { tenantCurrency } from '../tenancy/tenant.entity.js';
import { diff, recordEvent, type Trigger, triggerActor, triggerSource } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Document } from './document.entity.js';
import { documentFields } from './document.service.js';
import { Practice } from './practice.entity.js';
import { CLOSED_PRACTICE_STATUSES, DocumentStatus, PRACTICE_TRANSITIONS, PracticeStatus } from './practice.enums.js';
import type {
  AddPracticeDocumentInput,
  CreatePracticeInput,
  PracticeFilter,
  UpdatePracticeInput,
} from './practice.input.js';
import {
  PRACTICE_TRACKED as TRACKED,
  practiceCreatedPayload,
  practiceFields as snapshot,
} from './practice.payloads.js';
import { PracticeType } from './practice-type.entity.js';

/** What creating a practice takes: the API's input, plus the practice it renews (renewals only). */
export type NewPractice = CreatePracticeInput & { renewalOf?: Practice | null };

/** Practices (service cases): creation, updates, the status workflow and documents. */
export class PracticeService {
  /**
   * Creates a practice of a tenant practice type for a client: the one creation path, for a
   * person's `createPractice`, a renewal (`renewalOf`) and a conversation's filing alike (`by`).
   * Without a quoted price, the practice type's default price is quoted.
   */
  async create(em: EntityManager, by: Trigger, input: NewPractice): Promise<Practice> {
    const checks = new Checks();
    const currency = await tenantCurrency(em, triggerActor(by)?.tenantId ?? scopedTenantId(em)!);
    const client = await resolveRef(em, checks, 'clientId', Client, input.clientId);
    const assignedTo = await resolveRef(em, checks, 'assignedToId', TeamMember, input.assignedToId);
    const type = await em.findOne(PracticeType, { code: input.practiceTypeCode.trim().toUpperCase() });
    if (!type || (!type.active && !input.renewalOf)) {
      const codes = (await em.find(PracticeType, { active: true }, { orderBy: { code: 'asc' } })).map((t) => t.code);
      // A deactivated type is no longer offered; the renewal of a practice of that type still is.
      checks.add(
        'practiceTypeCode',
        type ? 'INACTIVE_PRACTICE_TYPE' : 'UNKNOWN_PRACTICE_TYPE',
        `${type ? 'Deactivated' : 'Unknown'} practice type "${input.practiceTypeCode}"; use one of ${codes.join(', ')}`,
      );
    }
    const quoted = checks.money('quotedPrice', input.quotedPrice, currency);
    const startDate = checks.date('startDate', input.startDate);
    const expiryDate = checks.date('expiryDate', input.expiryDate);
    const notes = checks.text('notes', input.notes, 10_000);
    if (client?.archivedAt) checks.add('clientId', 'ARCHIVED', `Client ${client.fullName} is archived`);
    checks.throwIfAny();
    const price = quoted ?? type!.defaultPrice;
    return em.transactional((tx) => {
      const practice = tx.create(Practice, {
        client: client!,
        type: type!,
        status: input.status ?? PracticeStatus.INQUIRY,
        quotedPrice: price ? new Money(price.amount, price.currency) : null,
        startDate,
        expiryDate,
        assignedTo: assignedTo ?? null,
        notes,
        renewalOf: input.renewalOf ?? null,
      });
      const why = input.renewalOf
        ? ' (renewal)'
        : by.kind === 'conversation'
          ? ` from conversation ${by.conversation.sessionId}`
          : '';
      recordEvent(tx, by, {
        type: TimelineEventType.PRACTICE_CREATED,
        subject: practice,
        client: client!,
        summary: `Practice ${type!.code} opened for ${client!.fullName}${why}`,
        data: practiceCreatedPayload(practice, type!.code, triggerSource(by)),
      });
      return practice;
    });
  }

  /** Changes a practice's prices, payment, dates, assignee or notes. */
  async update(em: EntityManager, actor: Principal, input: UpdatePracticeInput): Promise<Practice> {
    const practice = await this.get(em, input.id);
    const checks = new Checks();
    const currency = await tenantCurrency(em, actor.tenantId);
    const assignedTo = await resolveRef(em, checks, 'assignedToId', TeamMember, input.assignedToId);
    const patch: Partial<Record<(typeof TRACKED)[number], unknown>> = {};
    for (const k of ['quotedPrice', 'actualPrice', 'amountPaid'] as const) {
      const m = checks.money(k, input[k], currency);
      if (m !== undefined) patch[k] = m ? new Money(m.amount, m.currency) : null;
    }
    for (const k of ['startDate', 'completionDate', 'expiryDate'] as const) {
      const d = checks.date(k, input[k]);
      if (d !== undefined) patch[k] = d;
    }
    const notes = checks.text('notes', input.notes, 10_000);
    if (notes !== undefined) patch.notes = notes;
    if (input.paymentStatus) patch.paymentStatus = input.paymentStatus;
    if (input.assignedToId !== undefined) patch.assignedTo = assignedTo ?? null;
    checks.throwIfAny();
    return em.transactional((tx) => {
      const before = snapshot(practice);
      Object.assign(practice, patch);
      tx.persist(practice);
      const change = diff(before, snapshot(practice));
      if (change) {
        recordEvent(tx, actor, {
          type: TimelineEventType.PRACTICE_UPDATED,
          subject: practice,
          client: practice.client,
          summary: `Practice updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      }
      return practice;
    });
  }

  /** Moves a practice to `status` if the workflow allows it; otherwise a user error naming the allowed next states. */
  async transition(em: EntityManager, actor: Principal, globalId: string, status: PracticeStatus): Promise<Practice> {
    const practice = await this.get(em, globalId);
    const allowed = PRACTICE_TRANSITIONS[practice.status];
    if (!allowed.includes(status)) {
      throw ValidationFailed.of(
        'status',
        'ILLEGAL_TRANSITION',
        `A practice in ${practice.status} cannot move to ${status}; allowed next: ${allowed.length ? allowed.join(', ') : 'none (final state)'}`,
      );
    }
    return em.transactional((tx) => {
      const from = practice.status;
      practice.status = status;
      if (status === PracticeStatus.COMPLETED && !practice.completionDate)
        practice.completionDate = new Date().toISOString().slice(0, 10);
      if (status === PracticeStatus.IN_PROGRESS && !practice.startDate)
        practice.startDate = new Date().toISOString().slice(0, 10);
      tx.persist(practice);
      recordEvent(tx, actor, {
        type: TimelineEventType.PRACTICE_STATUS_CHANGED,
        subject: practice,
        client: practice.client,
        summary: `Practice moved from ${from} to ${status}`,
        data: { before: { status: from }, after: { status } },
      });
      return practice;
    });
  }

  /** Adds a document to a practice. */
  async addDocument(
    em: EntityManager,
    actor: Principal,
    input: AddPracticeDocumentInput,
  ): Promise<{ document: Document; practice: Practice }> {
    const practice = await this.get(em, input.practiceId);
    const checks = new Checks();
    const { name, kind, url } = documentFields(checks, input, true);
    checks.throwIfAny();
    return em.transactional((tx) => {
      const document = tx.create(Document, {
        practice,
        name: name!,
        kind: kind!,
        url: url ?? null,
        status: input.status ?? (url ? DocumentStatus.RECEIVED : DocumentStatus.REQUESTED),
      });
      recordEvent(tx, actor, {
        type: TimelineEventType.DOCUMENT_ADDED,
        subject: practice,
        client: practice.client,
        summary: `Document ${document.name} (${document.kind}) added`,
        data: { document: { id: document.nodeId, name: document.name, kind: document.kind, status: document.status } },
      });
      return { document, practice };
    });
  }

  /** The practice with a global ID in the caller's tenant, or NOT_FOUND. */
  async get(em: EntityManager, globalId: string): Promise<Practice> {
    const practice = await em.findOne(Practice, { id: expectGlobalId(globalId, 'Practice') });
    if (!practice) throw DomainError.notFound('Practice', globalId);
    return practice;
  }

  /** The where clause of a practice list. */
  where(filter: PracticeFilter | null | undefined): FilterQuery<Practice> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    if (f.clientId) where.client = filterIds([f.clientId], 'Client')![0];
    const statuses: PracticeStatus[][] = [];
    if (f.statuses?.length) statuses.push(f.statuses);
    if (f.open !== undefined && f.open !== null) {
      statuses.push(Object.values(PracticeStatus).filter((s) => CLOSED_PRACTICE_STATUSES.includes(s) !== f.open));
    }
    if (statuses.length) where.status = { $in: statuses.reduce((a, b) => a.filter((s) => b.includes(s))) };
    if (f.typeCodes?.length) where.type = { code: { $in: f.typeCodes.map((c) => c.toUpperCase()) } };
    if (f.assignedToIds?.length) where.assignedTo = { $in: filterIds(f.assignedToIds, 'TeamMember') };
    if (f.paymentStatuses?.length) where.paymentStatus = { $in: f.paymentStatuses };
    if (f.expiryFrom || f.expiryTo) {
      // The Date scalar checks only the shape; an impossible date (2026-02-30) must not reach SQL.
      Checks.assertFilterDates('filter', { expiryFrom: f.expiryFrom, expiryTo: f.expiryTo });
      where.expiryDate = {
        ...(f.expiryFrom ? { $gte: f.expiryFrom } : {}),
        ...(f.expiryTo ? { $lte: f.expiryTo } : {}),
      };
    }
    return where;
  }
}
