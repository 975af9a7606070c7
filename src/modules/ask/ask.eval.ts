/**
 * The labelled evaluation of `ask` (`npm run eval:ask`, and test/ask.test.ts): seeds the fixed
 * data set of `test/fixtures/ask/dataset.json` through the GraphQL API, asks every question of
 * `questions.json` and compares the answer with the label: the exact criteria tree (and entity),
 * and the records it selects against those the labelled tree selects through the list query's
 * `where`. A question labelled not understood must be answered NOT_UNDERSTOOD.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import { monthOf, weekOf } from './ask.heuristic.js';

/** Sends one GraphQL operation as the evaluating user. */
export type Gql = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ data?: Record<string, unknown> | null; errors?: { message: string }[] }>;

/** One labelled question. */
export interface LabelledQuestion {
  lang: 'en' | 'it' | 'id';
  question: string;
  /** Null: the answer must be NOT_UNDERSTOOD. */
  entity: string | null;
  criteria: unknown;
  note?: string;
}

/** The data set (see dataset.json). */
export interface AskDataset {
  members: { key: string; name: string; email: string }[];
  clients: Record<string, unknown>[];
  practices: Record<string, unknown>[];
  deals: Record<string, unknown>[];
  tickets: Record<string, unknown>[];
  interactions: Record<string, unknown>[];
}

/** The fixtures under `dir` (default `test/fixtures/ask` of the working directory). */
export function loadAskFixtures(dir = join(process.cwd(), 'test/fixtures/ask')): {
  dataset: AskDataset;
  questions: LabelledQuestion[];
} {
  const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
  return {
    dataset: read('dataset.json') as unknown as AskDataset,
    questions: read('questions.json').questions as LabelledQuestion[],
  };
}

async function must(gql: Gql, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await gql(query, variables);
  if (res.errors?.length || !res.data) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(res.errors)}`);
  const payload = Object.values(res.data)[0] as Record<string, unknown>;
  const userErrors = payload.userErrors as unknown[] | undefined;
  if (userErrors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(userErrors)}`);
  return payload;
}

const dayFrom = (today: string, days: number) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

const each = <T>(items: T[], work: (item: T) => Promise<void>) => Promise.all(items.map(work));

/**
 * Creates the data set in the caller's tenant (the caller must be an ADMIN); returns the global
 * ID of each record by its key. `today`: the tenant's today (`YYYY-MM-DD`).
 */
export async function seedAskDataset(gql: Gql, dataset: AskDataset, today: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const ref = (key: unknown) => (key ? ids.get(key as string) : undefined);
  // Records of one kind do not depend on each other: created concurrently (tickets, numbered, one by one).
  await each(dataset.members, async (m) => {
    const p = await must(
      gql,
      'mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { teamMember { id } userErrors { message } } }',
      { input: { email: m.email, name: m.name, role: 'AGENT' } },
    );
    ids.set(m.key, (p.teamMember as { id: string }).id);
  });
  await each(dataset.clients, async (c) => {
    const { key, owner, ...input } = c;
    const p = await must(
      gql,
      'mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { message } } }',
      { input: { ...input, ownerId: ref(owner) } },
    );
    ids.set(key as string, (p.client as { id: string }).id);
  });
  await each(dataset.practices, async (x) => {
    const p = await must(
      gql,
      'mutation($input: CreatePracticeInput!) { createPractice(input: $input) { practice { id } userErrors { message } } }',
      {
        input: {
          clientId: ref(x.client),
          practiceTypeCode: x.type,
          assignedToId: ref(x.assignedTo),
          status: x.status,
          expiryDate: typeof x.expiryDays === 'number' ? dayFrom(today, x.expiryDays) : undefined,
        },
      },
    );
    ids.set(x.key as string, (p.practice as { id: string }).id);
  });
  await each(dataset.deals, async (d) => {
    const p = await must(
      gql,
      'mutation($input: CreateDealInput!) { createDeal(input: $input) { deal { id } userErrors { message } } }',
      {
        input: {
          title: d.title,
          clientId: ref(d.client),
          ownerId: ref(d.owner),
          expectedCloseDate: dayFrom(today, d.closeDays as number),
        },
      },
    );
    const id = (p.deal as { id: string }).id;
    ids.set(d.key as string, id);
    if (d.outcome === 'WON')
      await must(gql, 'mutation($id: ID!) { winDeal(input: { id: $id }) { userErrors { message } } }', { id });
    if (d.outcome === 'LOST')
      await must(
        gql,
        'mutation($id: ID!) { loseDeal(input: { id: $id, reason: "price" }) { userErrors { message } } }',
        {
          id,
        },
      );
  });
  for (const t of dataset.tickets) {
    const p = await must(
      gql,
      'mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } userErrors { message } } }',
      {
        input: {
          subject: t.subject,
          clientId: ref(t.client),
          practiceId: ref(t.practice),
          assigneeId: ref(t.assignee),
          priority: t.priority,
        },
      },
    );
    const id = (p.ticket as { id: string }).id;
    ids.set(t.key as string, id);
    if (t.status)
      await must(
        gql,
        'mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { userErrors { message } } }',
        { input: { id, status: t.status } },
      );
  }
  await each(dataset.interactions, async (i) => {
    // "Today" is a minute ago; other days the same time of day, so they fall on that local day.
    const occurredAt = new Date(Date.now() - 60_000 + (i.days as number) * 86_400_000).toISOString();
    const p = await must(
      gql,
      'mutation($input: LogInteractionInput!) { logInteraction(input: $input) { interaction { id } userErrors { message } } }',
      {
        input: {
          clientId: ref(i.client),
          kind: i.kind,
          summary: i.summary,
          teamMemberId: ref(i.member),
          practiceId: ref(i.practice),
          occurredAt,
        },
      },
    );
    ids.set(i.key as string, (p.interaction as { id: string }).id);
  });
  return ids;
}

/** A labelled tree with its date placeholders filled in for `today`. */
export function resolvePlaceholders(tree: unknown, today: string): unknown {
  const [monthStart, monthEnd] = monthOf(today);
  const [weekStart, weekEnd] = weekOf(today);
  const values: Record<string, string> = {
    $TODAY: today,
    $YESTERDAY: dayFrom(today, -1),
    $MONTH_START: monthStart,
    $MONTH_END: monthEnd,
    $WEEK_START: weekStart,
    $WEEK_END: weekEnd,
  };
  return JSON.parse(JSON.stringify(tree), (_k, v: unknown) => (typeof v === 'string' && v in values ? values[v] : v));
}

/** A tree in the answer's shape: every group with `filters` and `anyOf`, every filter with a `value`. */
function normalise(tree: unknown): unknown {
  const t = tree as { groups: { filters?: Record<string, unknown>[]; anyOf?: unknown[] }[] };
  return {
    groups: t.groups.map((g) => ({
      filters: (g.filters ?? []).map((f) => ({ field: f.field, operator: f.operator, value: f.value ?? null })),
      anyOf: (g.anyOf ?? []).map(normalise),
    })),
  };
}

const FILTER_FIELDS = 'filters { field operator value }';
const ASK = `query($q: String!) { ask(question: $q) {
  interpreter understood code summary entity unused
  criteria { groups { ${FILTER_FIELDS} anyOf { groups { ${FILTER_FIELDS} anyOf { groups { ${FILTER_FIELDS} } } } } } }
  results(first: 100) { totalCount nodes { ... on Client { id } ... on Practice { id } ... on Deal { id } ... on Ticket { id } ... on Interaction { id } } }
} }`;
const LIST: Record<string, string> = {
  CLIENT: 'clients',
  PRACTICE: 'practices',
  DEAL: 'deals',
  TICKET: 'tickets',
  INTERACTION: 'interactions',
};

/** One question's outcome. */
export interface AskEvalCase {
  question: string;
  lang: string;
  criteriaMatch: boolean;
  sameResults: boolean;
  /** What was wrong, when something was. */
  why?: string;
}

/** The outcome of {@link runAskEval}. */
export interface AskEvalReport {
  total: number;
  criteriaMatches: number;
  sameResults: number;
  /** criteriaMatches / total. */
  criteriaAccuracy: number;
  /** sameResults / total. */
  resultAccuracy: number;
  byLanguage: Record<string, { total: number; criteriaMatches: number; sameResults: number }>;
  cases: AskEvalCase[];
}

/** Asks every question as the caller of `gql` and scores the answers (see the module comment). */
export async function runAskEval(gql: Gql, questions: LabelledQuestion[], today: string): Promise<AskEvalReport> {
  const cases: AskEvalCase[] = [];
  for (const q of questions) {
    const res = await gql(ASK, { q: q.question });
    if (res.errors?.length || !res.data) {
      cases.push({
        question: q.question,
        lang: q.lang,
        criteriaMatch: false,
        sameResults: false,
        why: JSON.stringify(res.errors),
      });
      continue;
    }
    const answer = res.data.ask as {
      understood: boolean;
      entity: string | null;
      criteria: unknown;
      summary: string;
      results: { nodes: { id: string }[] } | null;
    };
    if (q.entity === null) {
      const ok = !answer.understood;
      cases.push({
        question: q.question,
        lang: q.lang,
        criteriaMatch: ok,
        sameResults: ok,
        why: ok ? undefined : `expected NOT_UNDERSTOOD, got ${answer.entity} ${JSON.stringify(answer.criteria)}`,
      });
      continue;
    }
    const expected = normalise(resolvePlaceholders(q.criteria, today));
    const criteriaMatch =
      answer.understood && answer.entity === q.entity && isDeepStrictEqual(answer.criteria, expected);
    const list = await gql(
      `query($w: CriteriaInput!) { ${LIST[q.entity]}(first: 100, filter: { where: $w }) { nodes { id } } }`,
      { w: resolvePlaceholders(q.criteria, today) },
    );
    if (list.errors?.length) throw new Error(`label of "${q.question}" is invalid: ${JSON.stringify(list.errors)}`);
    const want = ((list.data![LIST[q.entity]] as { nodes: { id: string }[] }).nodes ?? []).map((n) => n.id).sort();
    const got = (answer.results?.nodes ?? []).map((n) => n.id).sort();
    const sameResults = answer.understood && answer.entity === q.entity && isDeepStrictEqual(want, got);
    cases.push({
      question: q.question,
      lang: q.lang,
      criteriaMatch,
      sameResults,
      why:
        criteriaMatch && sameResults
          ? undefined
          : answer.understood
            ? `got ${answer.entity} ${JSON.stringify(answer.criteria)} ("${answer.summary}"); expected ${q.entity} ${JSON.stringify(expected)}`
            : `not understood: ${answer.summary}`,
    });
  }
  const byLanguage: AskEvalReport['byLanguage'] = {};
  for (const c of cases) {
    const l = (byLanguage[c.lang] ??= { total: 0, criteriaMatches: 0, sameResults: 0 });
    l.total++;
    if (c.criteriaMatch) l.criteriaMatches++;
    if (c.sameResults) l.sameResults++;
  }
  const criteriaMatches = cases.filter((c) => c.criteriaMatch).length;
  const sameResults = cases.filter((c) => c.sameResults).length;
  return {
    total: cases.length,
    criteriaMatches,
    sameResults,
    criteriaAccuracy: criteriaMatches / cases.length,
    resultAccuracy: sameResults / cases.length,
    byLanguage,
    cases,
  };
}

/** The report as text: the accuracies, by language, and each failure. */
export function formatAskReport(r: AskEvalReport): string {
  const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
  const lines = [
    `ask eval (heuristic interpreter): ${r.total} questions`,
    `  exact criteria match: ${pct(r.criteriaMatches, r.total)}`,
    `  same result set:      ${pct(r.sameResults, r.total)}`,
    ...Object.entries(r.byLanguage).map(
      ([lang, l]) => `  ${lang}: criteria ${pct(l.criteriaMatches, l.total)}, results ${pct(l.sameResults, l.total)}`,
    ),
  ];
  const failures = r.cases.filter((c) => !c.criteriaMatch || !c.sameResults);
  if (failures.length) lines.push(`failures (${failures.length}):`);
  for (const f of failures)
    lines.push(
      `  [${f.lang}] "${f.question}": criteria ${f.criteriaMatch ? 'ok' : 'differ'}, results ${f.sameResults ? 'same' : 'differ'} — ${f.why}`,
    );
  return lines.join('\n');
}
