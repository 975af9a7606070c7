/**
 * The Claude interpreter: one Messages API call with a forced `build_criteria` tool call whose
 * input schema is the criteria tree (entity, groups of `{ field, operator, value }`), validated
 * with zod. The tree is checked against the criteria catalogue afterwards by the ask service, like
 * any other tree.
 */
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';

import { CRITERIA_ENTITIES, CRITERIA_OPERATORS, listFields } from '../criteria/criteria.fields.js';
import {
  AskInterpretationError,
  type AskInterpreter,
  type AskVocabulary,
  type Interpretation,
  type NotUnderstood,
} from './ask.interpreter.js';

export const ASK_TOOL_NAME = 'build_criteria';

/** Options of {@link AnthropicAskInterpreter}. */
export interface AnthropicAskOptions {
  apiKey: string;
  /** e.g. `claude-haiku-4-5`. */
  model: string;
  /** Default https://api.anthropic.com (tests point it at a local server). */
  baseURL?: string;
  /** Per attempt. Default 20 s. */
  timeoutMs?: number;
  /** SDK retries on 408/409/429/5xx. Default 2. */
  maxRetries?: number;
}

const filterSchema = z.object({
  field: z.string().min(1).max(200),
  operator: z.enum(CRITERIA_OPERATORS),
  value: z.unknown().optional(),
});

/** The validator of the tool input. */
export const askToolInput = z
  .object({
    understood: z.boolean(),
    entity: z.enum(CRITERIA_ENTITIES).nullish(),
    criteria: z.object({ groups: z.array(z.object({ filters: z.array(filterSchema).max(100) })).max(50) }).nullish(),
    unused: z.array(z.string().max(500)).max(50).default([]),
    reason: z.string().max(1000).nullish(),
  })
  .refine((x) => !x.understood || (x.entity && x.criteria), {
    message: 'an understood question needs entity and criteria',
  });

/** The `build_criteria` tool: its input schema is the criteria tree. */
export function askTool(): Anthropic.Tool {
  return {
    name: ASK_TOOL_NAME,
    description:
      'Records the database query a question asks for: the record kind and a criteria tree (OR of groups, each an AND of filters), or that the question cannot be answered with these fields.',
    input_schema: {
      type: 'object',
      properties: {
        understood: { type: 'boolean', description: 'False when the question cannot be expressed with the fields.' },
        entity: { type: ['string', 'null'], enum: [...CRITERIA_ENTITIES, null] },
        criteria: {
          type: ['object', 'null'],
          properties: {
            groups: {
              type: 'array',
              description: 'OR of these groups.',
              items: {
                type: 'object',
                properties: {
                  filters: {
                    type: 'array',
                    description: 'AND of these filters.',
                    items: {
                      type: 'object',
                      properties: {
                        field: { type: 'string', description: 'A field path of the entity, from the catalogue.' },
                        operator: { type: 'string', enum: [...CRITERIA_OPERATORS] },
                        value: {
                          description:
                            'A string, number or boolean; a list for IN, NOT_IN and BETWEEN; a number of days for LAST_N_DAYS and NEXT_N_DAYS; absent for IS_SET and IS_NOT_SET.',
                        },
                      },
                      required: ['field', 'operator'],
                    },
                  },
                },
                required: ['filters'],
              },
            },
          },
          required: ['groups'],
        },
        unused: {
          type: 'array',
          items: { type: 'string' },
          description: 'Parts of the question (verbatim) that the criteria do not express.',
        },
        reason: { type: ['string', 'null'], description: 'When not understood: why, in one sentence.' },
      },
      required: ['understood', 'entity', 'criteria', 'unused'],
    },
  };
}

const SYSTEM_PROMPT = `You turn questions about a CRM (a service business in Indonesia helping foreigners with visas, stay permits such as KITAS, and company formation such as PT PMA) into a database query. Questions may be in English, Italian or Indonesian.

Call the ${ASK_TOOL_NAME} tool exactly once.

Rules:
- Use only field paths from the catalogue of the chosen entity, and operators that field accepts.
- Team members are named by first name: filter on their email (e.g. assignedTo.email for practices, owner.email for clients and deals, assignee.email for tickets, teamMember.email for interactions).
- Practice types by code (type.code). "Active" or "open" practices: status NOT_IN [COMPLETED, REJECTED, CANCELLED]. "Expiring" without a window: NEXT_N_DAYS 30 on the expiry date.
- "today": LAST_N_DAYS 0; "this month": BETWEEN the first and last day of the current month (YYYY-MM-DD).
- Never widen a question: if a condition cannot be expressed, list its words in "unused"; if nothing can be expressed, set understood to false with a reason.`;

/** The user turn: today, the tenant's members and practice types, the catalogue and the question. */
function userPrompt(question: string, v: AskVocabulary): string {
  const catalogue = CRITERIA_ENTITIES.map((e) => {
    const fields = listFields(e)
      .filter((f) => f.path.split('.').length <= 2)
      .map((f) => `  ${f.path}: ${f.type}${f.values ? ` (${f.values.join('|')})` : ''}`)
      .join('\n');
    return `${e}:\n${fields}`;
  }).join('\n');
  return [
    `Today is ${v.today} (time zone ${v.timeZone}).`,
    `Team members:\n${v.members.map((m) => `- ${m.name} <${m.email}>`).join('\n') || '(none)'}`,
    `Practice types:\n${v.practiceTypes.map((t) => `- ${t.code}: ${t.name}`).join('\n') || '(none)'}`,
    `Catalogue (entity: field paths and types):\n${catalogue}`,
    `<question>\n${question}\n</question>`,
  ].join('\n\n');
}

/** The Claude interpreter (see the module comment). Throws {@link AskInterpretationError}. */
export class AnthropicAskInterpreter implements AskInterpreter {
  readonly kind = 'ANTHROPIC' as const;
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicAskOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs ?? 20_000,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  async interpret(question: string, vocabulary: AskVocabulary): Promise<Interpretation | NotUnderstood> {
    let response: Anthropic.Message;
    try {
      response = await this.client.messages.create({
        model: this.options.model,
        max_tokens: 2048,
        system: SYSTEM_PROMPT,
        messages: [{ role: 'user', content: userPrompt(question, vocabulary) }],
        tools: [askTool()],
        tool_choice: { type: 'tool', name: ASK_TOOL_NAME },
      });
    } catch (err) {
      throw new AskInterpretationError(
        `Claude could not be asked: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const call = response.content.find(
      (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === ASK_TOOL_NAME,
    );
    if (!call) throw new AskInterpretationError(`Claude answered without the ${ASK_TOOL_NAME} tool call`);
    const parsed = askToolInput.safeParse(call.input);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`)
        .join('; ');
      throw new AskInterpretationError(`Claude's criteria failed validation: ${issues}`);
    }
    const x = parsed.data;
    if (!x.understood)
      return { understood: false, reason: x.reason ?? 'Claude could not express the question.', unused: x.unused };
    return { understood: true, entity: x.entity!, criteria: x.criteria!, unused: x.unused };
  }
}
