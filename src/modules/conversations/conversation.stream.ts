import { requirePrincipal } from '../../platform/auth/principal.js';
import { filterIds } from '../../platform/db/refs.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import { liveSubjectIds } from '../timeline/timeline.stream.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Extraction } from './conversation.entity.js';

/**
 * Extractions of the subscriber's tenant as they complete (SUCCEEDED or FAILED), optionally of one
 * conversation. Fed by the EXTRACTION_COMPLETED timeline events through the outbox, so a background
 * extraction finished by a worker reaches subscribers on every API instance.
 */
export async function extractionStream(
  ctx: GraphQLContext,
  args: { conversationId?: string | null },
): Promise<AsyncIterableIterator<Extraction>> {
  const tenantId = requirePrincipal(ctx.principal).tenantId;
  const conversationId = args.conversationId ? filterIds([args.conversationId], 'Conversation')![0] : undefined;
  const completed = await liveSubjectIds(ctx, TimelineEventType.EXTRACTION_COMPLETED, 'Extraction');

  async function* extractions(): AsyncGenerator<Extraction> {
    for await (const id of completed) {
      const ex = await forkForTenant(ctx.em, tenantId).findOne(Extraction, { id });
      if (!ex || (conversationId && ex.conversation.id !== conversationId)) continue;
      yield ex;
    }
  }
  return endSourceOnReturn(extractions(), completed);
}
