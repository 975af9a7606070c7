import { requirePrincipal } from '../../platform/auth/principal.js';
import { forkForTenant } from '../../platform/db/tenancy.js';
import { DomainError } from '../../platform/errors.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { toGlobalId } from '../../platform/graphql/global-id.js';
import { endSourceOnReturn } from '../../platform/subscriptions/async-queue.js';
import type { Segment, SegmentChange } from './segment.entity.js';
import { SEGMENT_ENTITIES, type SegmentChangedPayload, segmentTopic } from './segment.service.js';
import type { SegmentMembershipArgs, SegmentMembershipChange } from './segment.types.js';

const POSITION = /^\d{1,19}$/;

/**
 * Records entering or leaving one segment of the subscriber's tenant (another tenant's segment is
 * NOT_FOUND). The changes are a log (`segment_change`, in order): each announcement on the
 * tenant's segment topic makes the stream read the log after the last change it delivered, so an
 * announcement lost (a crash between commit and publish, Redis down) is made up by the next one,
 * and `after` (a change's `cursor`) resumes a stream where it stopped, replaying what came since.
 * Subscribed before reading, so nothing committed in between is missed; a change is delivered once.
 */
export async function segmentMembershipStream(
  ctx: GraphQLContext,
  args: SegmentMembershipArgs,
): Promise<AsyncIterableIterator<SegmentMembershipChange>> {
  const principal = requirePrincipal(ctx.principal);
  const segments = ctx.services.segments;
  if (args.after != null && !POSITION.test(args.after))
    throw DomainError.badInput('after must be the cursor of a change from this subscription', 'after');
  const em = forkForTenant(ctx.em, principal.tenantId);
  const segment = await segments.get(em, args.segmentId);
  const live = await ctx.pubsub.subscribe<SegmentChangedPayload>(segmentTopic(principal.tenantId));
  let last = args.after ?? (await segments.lastPosition(em, segment.id));

  async function* changes(): AsyncGenerator<SegmentMembershipChange> {
    const drain = async function* (): AsyncGenerator<SegmentMembershipChange> {
      for (;;) {
        const page = await segments.changesAfter(forkForTenant(ctx.em, principal.tenantId), segment.id, last);
        for (const c of page) {
          last = String(c.position);
          yield await toChange(ctx, principal.tenantId, segment, c);
        }
        if (page.length < 500) return;
      }
    };
    if (args.after != null) yield* drain();
    for await (const p of live) if (p.segmentId === segment.id) yield* drain();
  }
  return endSourceOnReturn(changes(), live);
}

async function toChange(
  ctx: GraphQLContext,
  tenantId: string,
  segment: Segment,
  c: SegmentChange,
): Promise<SegmentMembershipChange> {
  const entity = SEGMENT_ENTITIES[segment.entity];
  const record = await forkForTenant(ctx.em, tenantId).findOne(entity, { id: c.recordId });
  return {
    segment,
    change: c.change,
    recordId: toGlobalId(entity.name, c.recordId),
    record,
    at: c.at,
    cursor: String(c.position),
  };
}
