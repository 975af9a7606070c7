import { Arg, Authorized, type ClassType, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';

import type { Principal } from '../../platform/auth/principal.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { CurrentPrincipal } from '../../platform/graphql/current-principal.js';
import { loadRef } from '../../platform/graphql/loaders.js';
import { payloadType } from '../../platform/graphql/resource.js';
import { withUserErrors } from '../../platform/graphql/user-error.js';
import { WRITER_ROLES } from '../tenancy/role.js';
import { Document } from './document.entity.js';
import { RemoveDocumentInput, UpdateDocumentInput } from './document.input.js';
import { Practice } from './practice.entity.js';
import { DOCUMENT_TRANSITIONS, DocumentStatus } from './practice.enums.js';

const DocumentPayload = payloadType(
  'DocumentPayload',
  'Result of updateDocument: the document and its practice, or userErrors (then nothing changed).',
  { document: () => Document, practice: () => Practice },
);

const RemoveDocumentPayload = payloadType(
  'RemoveDocumentPayload',
  'Result of removeDocument: the ID the document had and its practice, or userErrors.',
  {
    removedDocumentId: {
      type: () => ID as unknown as ClassType,
      description: 'The global ID of the removed document.',
    },
    practice: () => Practice,
  },
);

/** Documents of practices: changes with the status workflow, removal. */
@Resolver(() => Document)
export class DocumentResolver {
  @Authorized(WRITER_ROLES)
  @Mutation(() => DocumentPayload, {
    description:
      "Changes a document's name, kind, URL or status; the status follows REQUESTED → RECEIVED → VERIFIED | REJECTED (see allowedTransitions).",
  })
  updateDocument(
    @Arg('input') input: UpdateDocumentInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.documents.update(ctx.em, principal, input));
  }

  @Authorized(WRITER_ROLES)
  @Mutation(() => RemoveDocumentPayload, {
    description: "Removes a document from its practice; the practice's timeline keeps a DOCUMENT_REMOVED event.",
  })
  removeDocument(
    @Arg('input') input: RemoveDocumentInput,
    @CurrentPrincipal() principal: Principal,
    @Ctx() ctx: GraphQLContext,
  ) {
    return withUserErrors(() => ctx.services.documents.remove(ctx.em, principal, input));
  }

  @FieldResolver(() => Practice, { description: 'The practice the document belongs to.' })
  practice(@Root() document: Document, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, Practice, document.practice);
  }

  @FieldResolver(() => [DocumentStatus], { description: 'Statuses this document may move to next.' })
  allowedTransitions(@Root() document: Document): readonly DocumentStatus[] {
    return DOCUMENT_TRANSITIONS[document.status];
  }
}
