import { z } from 'zod';

import { EVENTS } from './event-payloads.js';
import { TimelineEventType } from './timeline-event.enums.js';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
};

/** A JSON schema as a compact TypeScript-like type, e.g. `{ status: "PENDING" | "SNOOZED" }`. */
function typeOf(s: JsonSchema, indent: string): string {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map((a) => typeOf(a, indent)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.type === 'array') return `${wrap(typeOf(s.items ?? {}, indent))}[]`;
  if (s.type === 'object') {
    const entries = Object.entries(s.properties ?? {});
    if (!entries.length) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([k, v]) => `${inner}${k}${s.required?.includes(k) ? '' : '?'}: ${typeOf(v, inner)};`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  if (s.type === 'string' && s.format === 'date-time') return 'string /* ISO instant */';
  if (s.type === 'string' && s.pattern?.includes('\\d{4}')) return 'string /* YYYY-MM-DD */';
  if (s.type === 'integer') return 'integer';
  return Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'unknown');
}

const wrap = (t: string) => (t.includes(' | ') ? `(${t})` : t);

/**
 * docs/events.md, rendered from {@link EVENTS}: every event type with its payload and emitters.
 * `npm run schema` writes it; the events test fails when it is stale.
 */
export function renderEventsDoc(): string {
  const out = [
    '# Timeline events',
    '',
    '<!-- Generated from src/modules/timeline/event-payloads.ts by `npm run schema`; do not edit. -->',
    '',
    'Every change in the CRM records one `TimelineEvent` in the same transaction. Each event type has',
    'exactly one payload shape (`TimelineEvent.data`), whoever triggered it: a person or API key through a',
    'mutation (the event\'s `actor`), a conversation filed by the auto-CRM (actor "system") or accepted by a',
    'person, or the renewal schedule (actor "system").',
    '',
    'Conventions:',
    '',
    "- A record's creation carries `after` (its tracked fields) and, where more than one kind of trigger",
    '  creates it, `source`: `{ kind: "PERSON" }` or `{ kind: "CONVERSATION", conversationId, sessionId }`.',
    '- A change carries `before` and `after` with only the fields that changed (the audit trail).',
    '- IDs are global IDs; dates are `YYYY-MM-DD`; instants ISO strings; money `{ amount, currency }` with',
    '  `amount` an exact decimal string.',
    '',
  ];
  for (const type of Object.values(TimelineEventType)) {
    const def = EVENTS[type];
    const schema = z.toJSONSchema(def.payload, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    out.push(`## ${type}`, '', `Emitted by: ${def.emittedBy}.`, '', '```', typeOf(schema, ''), '```', '');
  }
  return out.join('\n');
}
