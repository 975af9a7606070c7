import type { CriteriaEntityName } from '../criteria/criteria.fields.js';
import type { Criteria } from '../criteria/criteria.tree.js';

/** Which interpreter read a question (GraphQL `AskInterpreter`). */
export type AskInterpreterKind = 'ANTHROPIC' | 'HEURISTIC';

/** What an interpreter knows of the tenant: the words a question may use for its records. */
export interface AskVocabulary {
  /** Active team members: their name (first name first) and login email. */
  members: { name: string; email: string }[];
  /** The tenant's practice types (code like `PT_PMA`, name like "PT PMA company formation"). */
  practiceTypes: { code: string; name: string }[];
  /** Today in the tenant's time zone (`YYYY-MM-DD`): "this month" and "yesterday" are days of it. */
  today: string;
  /** The tenant's IANA time zone (for the prompt). */
  timeZone: string;
}

/** A question read as a criteria tree on one entity, with the words it did not use. */
export interface Interpretation {
  understood: true;
  entity: CriteriaEntityName;
  criteria: Criteria;
  /** Parts of the question that shaped nothing in the tree. */
  unused: string[];
}

/** A question the interpreter could not turn into a tree (it never guesses a broad one). */
export interface NotUnderstood {
  understood: false;
  /** Why, for the person who asked. */
  reason: string;
  unused: string[];
}

/** Reads a question into a criteria tree. */
export interface AskInterpreter {
  readonly kind: AskInterpreterKind;
  interpret(question: string, vocabulary: AskVocabulary): Promise<Interpretation | NotUnderstood>;
}

/**
 * A failure of the Claude interpreter (transport, no tool call, invalid tool input). Declared here,
 * not beside it, so that the ask service catches it without loading the Anthropic SDK.
 */
export class AskInterpretationError extends Error {
  override readonly name = 'AskInterpretationError';
}
