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
    visitOrOutcome(g, interaction, practice?.label ?? 'KITAS');
    b.interactions.push(interaction);
    b.events.push(
      g.event(
        TimelineEventType.INTERACTION_LOGGED,
        Interaction.name,
        id,
        c.id,
        occurredAt,
        `${capitalize(interaction.kind as string)} logged: ${interaction.summary as string}`,
        interactionLoggedPayload(interaction, SEED_SOURCE),
        channelOfInteraction(interaction.kind as InteractionKind),
      ),
    );
  }
}

const OUTCOMES: [string, string][] = [
  ['Documents collected', 'Submit the application'],
  ['Client agreed to the quotation', 'Send the invoice'],
  ['Client needs to think it over', 'Call back next week'],
];

/**
 * Half the meetings become VISITs (at a place around Bali) and a third of calls and visits get an
 * outcome and next steps, drawn from the `extra` random source.
 */
function visitOrOutcome(g: SeedContext, i: Row<Interaction>, label: string): void {
  const x = g.extra;
  if (i.kind === InteractionKind.MEETING && x.datatype.boolean(0.5)) {
    const [summary, direction] = x.helpers.arrayElement(INTERACTION_SUMMARIES.VISIT);
    Object.assign(i, {
      kind: InteractionKind.VISIT,
      direction,
      summary: summary.replace('{type}', label),
      latitude: Number(x.number.float({ min: -8.8, max: -8.2 }).toFixed(5)),
      longitude: Number(x.number.float({ min: 115.0, max: 115.6 }).toFixed(5)),
    });
  }
  if ((i.kind === InteractionKind.VISIT || i.kind === InteractionKind.CALL) && x.datatype.boolean(0.35)) {
    const [outcome, nextSteps] = x.helpers.arrayElement(OUTCOMES);
    Object.assign(i, { outcome, nextSteps });
  }
}
