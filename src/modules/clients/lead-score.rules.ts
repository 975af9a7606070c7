import { BantAuthority, BantNeed, BantTimeframe } from './bant.enums.js';

/**
 * The lead score formula (documented in the README and on `LeadScoring`).
 *
 * Each BANT answer earns points out of 100:
 * - Budget: a budget above 0 → 100; a budget of 0, or none given → 0.
 * - Authority: DECISION_MAKER 100, INFLUENCER 60, GATEKEEPER 30, NONE or not given 0.
 * - Need: CRITICAL 100, HIGH 75, MEDIUM 50, LOW 25, NONE or not given 0.
 * - Timeline: WITHIN_MONTH 100, WITHIN_QUARTER 75, WITHIN_HALF_YEAR 50, WITHIN_YEAR 25, LATER or not given 0.
 *
 * The score is the weighted mean of the four, rounded half up to an integer 0–100:
 * `score = round((wB·B + wA·A + wN·N + wT·T) / (wB + wA + wN + wT))`, with the tenant's weights
 * (integers 0–100, at least one above 0; default 25 each). Integer arithmetic only:
 * `floor((2·Σ + W) / (2·W))`, the same in TypeScript and in the SQL that rescores a tenant.
 * A client with no BANT answer keeps the lead score set by hand.
 */
export const AUTHORITY_POINTS: Record<BantAuthority, number> = {
  DECISION_MAKER: 100,
  INFLUENCER: 60,
  GATEKEEPER: 30,
  NONE: 0,
};
/** Points of each Need answer (see {@link AUTHORITY_POINTS} for the formula). */
export const NEED_POINTS: Record<BantNeed, number> = { CRITICAL: 100, HIGH: 75, MEDIUM: 50, LOW: 25, NONE: 0 };
/** Points of each Timeline answer. */
export const TIMEFRAME_POINTS: Record<BantTimeframe, number> = {
  WITHIN_MONTH: 100,
  WITHIN_QUARTER: 75,
  WITHIN_HALF_YEAR: 50,
  WITHIN_YEAR: 25,
  LATER: 0,
};

/** The weights of the four BANT answers. */
export interface LeadScoreWeights {
  budgetWeight: number;
  authorityWeight: number;
  needWeight: number;
  timelineWeight: number;
}

/** The weights of a tenant that never changed them. */
export const DEFAULT_LEAD_SCORE_WEIGHTS: Readonly<LeadScoreWeights> = {
  budgetWeight: 25,
  authorityWeight: 25,
  needWeight: 25,
  timelineWeight: 25,
};

/** A client's BANT answers (null: not known). */
export interface BantAnswers {
  budget?: { amount: string } | null;
  authority?: BantAuthority | null;
  need?: BantNeed | null;
  timeframe?: BantTimeframe | null;
}

/** Whether any BANT answer is given (then the lead score is computed). */
export function hasBant(b: BantAnswers): boolean {
  return b.budget != null || b.authority != null || b.need != null || b.timeframe != null;
}

/** Points of a budget: above 0 → 100. */
function budgetPoints(budget: { amount: string } | null | undefined): number {
  return budget && /[1-9]/.test(budget.amount) ? 100 : 0;
}

/** The lead score of BANT answers under `weights` (see the formula above). */
export function leadScore(b: BantAnswers, weights: LeadScoreWeights): number {
  const total = weights.budgetWeight + weights.authorityWeight + weights.needWeight + weights.timelineWeight;
  if (total <= 0) return 0;
  const sum =
    weights.budgetWeight * budgetPoints(b.budget) +
    weights.authorityWeight * (b.authority ? AUTHORITY_POINTS[b.authority] : 0) +
    weights.needWeight * (b.need ? NEED_POINTS[b.need] : 0) +
    weights.timelineWeight * (b.timeframe ? TIMEFRAME_POINTS[b.timeframe] : 0);
  return Math.floor((2 * sum + total) / (2 * total));
}

/** `case "<column>" when 'A' then 100 … else 0 end` for a points table. */
function caseOf(column: string, points: Record<string, number>): string {
  const whens = Object.entries(points).map(([k, v]) => `when '${k}' then ${v}`);
  return `(case "${column}" ${whens.join(' ')} else 0 end)`;
}

/**
 * The SQL expression of {@link leadScore} over the client table's columns under `w` (integers,
 * checked by the caller, so inlined).
 */
export function leadScoreSql(w: LeadScoreWeights): string {
  const int = (n: number) => {
    if (!Number.isInteger(n)) throw new Error(`lead score weight ${n} is not an integer`);
    return String(n);
  };
  const budget = `(case when coalesce("budget_amount", 0) > 0 then 100 else 0 end)`;
  const sum = `(${int(w.budgetWeight)} * ${budget} + ${int(w.authorityWeight)} * ${caseOf('authority', AUTHORITY_POINTS)} + ${int(w.needWeight)} * ${caseOf('need', NEED_POINTS)} + ${int(w.timelineWeight)} * ${caseOf('timeframe', TIMEFRAME_POINTS)})`;
  const total = int(w.budgetWeight + w.authorityWeight + w.needWeight + w.timelineWeight);
  return `((2 * ${sum} + ${total}) / (2 * ${total}))`;
}

/** The condition "has a BANT answer" over the client table's columns. */
export const HAS_BANT_SQL = `("budget_amount" is not null or "authority" is not null or "need" is not null or "timeframe" is not null)`;
