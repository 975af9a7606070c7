/** Interactions of a generated client (calls, chats, emails, meetings, notes). */
import { randomUUID } from 'node:crypto';

import { Interaction } from '../../modules/interactions/interaction.entity.js';
import { InteractionKind, Sentiment } from '../../modules/interactions/interaction.enums.js';
import { interactionLoggedPayload } from '../../modules/interactions/interaction.payloads.js';
import { channelOfInteraction } from '../../modules/interactions/interaction.rules.js';
import { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import { type Batch, type ClientCtx, type Row, SEED_SOURCE, type SeedContext } from './context.js';
import { ACTION_ITEMS, INTERACTION_SUMMARIES } from './reference/records.js';
import { capitalize, SEED_ANCHOR } from './util.js';

/** Up to four interactions with the client, by any writing team member. */
export function generateInteractions(g: SeedContext, b: Batch, c: ClientCtx): void {
  const f = g.f;
  const n = f.number.int({ min: 0, max: 4 });
  for (let i = 0; i < n; i++) {
    const kind = f.helpers.weightedArrayElement([
      { weight: 25, value: InteractionKind.WHATSAPP },
      { weight: 20, value: InteractionKind.EMAIL },
      { weight: 15, value: InteractionKind.CALL },
      { weight: 15, value: InteractionKind.CHAT },
      { weight: 10, value: InteractionKind.MEETING },
      { weight: 15, value: InteractionKind.NOTE },
    ]);
    const practice = c.practices.length && f.number.float() < 0.5 ? f.helpers.arrayElement(c.practices) : null;
    const [template, direction] = f.helpers.arrayElement(INTERACTION_SUMMARIES[kind]);
    const summary = template.replace('{type}', practice?.label ?? 'KITAS');
    const occurredAt = g.between(c.createdAt, SEED_ANCHOR);
    const member = f.helpers.arrayElement(g.writers);
    const id = randomUUID();
    const interaction: Row<Interaction> = {
      id,
      tenant: g.tenantId,
      client: c.id,
      practice: practice?.id ?? null,
      kind,
      direction,
      summary,
      sentiment:
        kind === InteractionKind.NOTE
          ? null
          : f.helpers.weightedArrayElement([
              { weight: 45, value: Sentiment.POSITIVE },
              { weight: 40, value: Sentiment.NEUTRAL },
              { weight: 15, value: Sentiment.NEGATIVE },
            ]),
      actionItems: f.number.float() < 0.3 ? f.helpers.arrayElements(ACTION_ITEMS, { min: 1, max: 2 }) : [],
      occurredAt,
      teamMember: member.id,
      createdAt: occurredAt,
      updatedAt: occurredAt,
    };
    b.interactions.push(interaction);
    b.events.push(
      g.event(
        TimelineEventType.INTERACTION_LOGGED,
        Interaction.name,
        id,
        c.id,
        occurredAt,
        `${capitalize(kind)} logged: ${summary}`,
        interactionLoggedPayload(interaction, SEED_SOURCE),
        channelOfInteraction(kind),
      ),
    );
  }
}
