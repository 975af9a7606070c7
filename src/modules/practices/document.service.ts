import type { EntityManager } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { DomainError } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { Checks } from '../../platform/validation.js';
import type { DocumentFields } from '../timeline/event-payloads.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Document } from './document.entity.js';
import type { RemoveDocumentInput, UpdateDocumentInput } from './document.input.js';
import { Practice } from './practice.entity.js';
import { DOCUMENT_TRANSITIONS } from './practice.enums.js';

function snapshot(d: Document): DocumentFields {
  return { name: d.name, kind: d.kind, url: d.url ?? null, status: d.status };
}

/**
 * The checked name, kind (normalised to UPPER_SNAKE before the length check: upper-casing can
 * lengthen text, ß → SS) and URL of a document input; `required` for a new document.
 */
export function documentFields(
  checks: Checks,
  input: { name?: string | null; kind?: string | null; url?: string | null },
  required: boolean,
) {
  const name = checks.text('name', input.name, 200, { required, min: 1 });
  const kind = checks.text('kind', input.kind?.trim().toUpperCase().replace(/\s+/g, '_'), 64, { required, min: 1 });
  const url = checks.url('url', input.url);
  if (url && url.length > 2048) checks.add('url', 'INVALID_LENGTH', 'url must be at most 2048 characters');
  return { name, kind, url };
}

/** Documents of practices: changes (with the status workflow) and removal. Events go on the practice. */
export class DocumentService {
  /** Changes a document's name, kind, URL or status; a status outside its allowed transitions is a user error. */
  async update(
    em: EntityManager,
    actor: Principal,
    input: UpdateDocumentInput,
  ): Promise<{ document: Document; practice: Practice }> {
    const document = await this.get(em, input.id);
    const checks = new Checks();
    const { name, kind, url } = documentFields(checks, input, false);
    if (input.name === null) checks.add('name', 'REQUIRED', 'name cannot be cleared');
    if (input.kind === null) checks.add('kind', 'REQUIRED', 'kind cannot be cleared');
    const status = input.status ?? undefined;
    if (status && status !== document.status && !DOCUMENT_TRANSITIONS[document.status].includes(status)) {
      const allowed = DOCUMENT_TRANSITIONS[document.status];
      checks.add(
        'status',
        'ILLEGAL_TRANSITION',
        `A document in ${document.status} cannot move to ${status}; allowed next: ${allowed.length ? allowed.join(', ') : 'none (final state)'}`,
      );
    }
    checks.throwIfAny();
    const practice = await em.findOneOrFail(Practice, { id: document.practice.id });
    return em.transactional((tx) => {
      const before = snapshot(document);
      if (name) document.name = name;
      if (kind) document.kind = kind;
      if (input.url !== undefined) document.url = url ?? null;
      if (status) document.status = status;
      tx.persist(document);
      const change = diff(before, snapshot(document));
      if (change) {
        const moved = change.after.status !== undefined;
        recordEvent(tx, actor, {
          type: moved ? TimelineEventType.DOCUMENT_STATUS_CHANGED : TimelineEventType.DOCUMENT_UPDATED,
          subject: practice,
          client: practice.client,
          summary: moved
            ? `Document ${document.name} moved from ${before.status} to ${document.status}`
            : `Document ${document.name} updated: ${Object.keys(change.after).join(', ')}`,
          data: { document: document.nodeId, ...change },
        });
      }
      return { document, practice };
    });
  }

  /** Removes a document from its practice; the DOCUMENT_REMOVED event keeps what it was. */
  async remove(
    em: EntityManager,
    actor: Principal,
    input: RemoveDocumentInput,
  ): Promise<{ removedDocumentId: string; practice: Practice }> {
    const document = await this.get(em, input.id);
    const practice = await em.findOneOrFail(Practice, { id: document.practice.id });
    return em.transactional((tx) => {
      const removedDocumentId = document.nodeId;
      recordEvent(tx, actor, {
        type: TimelineEventType.DOCUMENT_REMOVED,
        subject: practice,
        client: practice.client,
        summary: `Document ${document.name} (${document.kind}) removed`,
        data: { document: { id: removedDocumentId, ...snapshot(document) } },
      });
      tx.remove(document);
      return { removedDocumentId, practice };
    });
  }

  /** The document with a global ID in the caller's tenant, or NOT_FOUND. */
  async get(em: EntityManager, globalId: string): Promise<Document> {
    const document = await em.findOne(Document, { id: expectGlobalId(globalId, 'Document') });
    if (!document) throw DomainError.notFound('Document', globalId);
    return document;
  }
}
