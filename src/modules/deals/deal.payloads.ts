import { toGlobalId } from '../../platform/graphql/global-id.js';
import type { DealFields, EventPayload } from '../timeline/event-payloads.js';
import { payloadFields, type PayloadSource } from '../timeline/payload-fields.js';
import type { TimelineEventType } from '../timeline/timeline-event.enums.js';
import type { DealStatus } from './deal.enums.js';

/** Fields of a deal that events record (creation and updates). */
export const DEAL_TRACKED = ['title', 'amount', 'probability', 'expectedCloseDate', 'owner'] as const;

/** The tracked fields of a deal (an entity or a generated row). */
export function dealFields(d: PayloadSource<(typeof DEAL_TRACKED)[number]>): DealFields {
  return payloadFields(d, DEAL_TRACKED, { owner: 'TeamMember' }) as DealFields;
}

/** The payload of a deal's creation in `stage`. */
export function dealCreatedPayload(
  d: PayloadSource<(typeof DEAL_TRACKED)[number] | 'status'>,
  stage: { id: string; name: string },
): EventPayload<TimelineEventType.DEAL_CREATED> {
  return {
    after: {
      ...dealFields(d),
      stage: toGlobalId('PipelineStage', stage.id),
      stageName: stage.name,
      status: d.status as DealStatus,
    },
  };
}
