import { Field, ID, InputType } from 'type-graphql';

import { Channel } from '../shared/channel.js';
import { TimelineEventType } from './timeline-event.enums.js';

@InputType({ description: 'Filters on the timeline; all given fields must match.' })
export class TimelineFilter {
  @Field(() => ID, {
    nullable: true,
    description:
      "A client's whole timeline: its own events and those of its practices, deals, tickets and interactions.",
  })
  clientId?: string;

  @Field(() => ID, { nullable: true })
  practiceId?: string;

  @Field(() => ID, { nullable: true })
  dealId?: string;

  @Field(() => ID, { nullable: true })
  ticketId?: string;

  @Field(() => ID, { nullable: true, description: "A quote's events." })
  quoteId?: string;

  @Field(() => [TimelineEventType], { nullable: true })
  types?: TimelineEventType[];

  @Field(() => [Channel], { nullable: true })
  channels?: Channel[];

  @Field(() => Date, { nullable: true, description: 'Events at or after this instant.' })
  from?: Date;

  @Field(() => Date, { nullable: true, description: 'Events before this instant.' })
  to?: Date;
}
