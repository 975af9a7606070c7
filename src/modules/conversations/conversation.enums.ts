import { registerEnumType } from 'type-graphql';

/** Where an extraction stands. */
export enum ExtractionStatus {
  /** Waiting to run (or to be retried). */
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  /** The extractor failed; `error` says why. The conversation is kept. */
  FAILED = 'FAILED',
  /** Nothing to extract: the conversation had no new messages. */
  SKIPPED = 'SKIPPED',
}

/** Which extractor produced an extraction. */
export enum ExtractorKind {
  /** Anthropic Claude (ANTHROPIC_API_KEY set). */
  ANTHROPIC = 'ANTHROPIC',
  /** Offline rules (regular expressions and word lists): a heuristic, with honest but rough confidences. */
  HEURISTIC = 'HEURISTIC',
}

/** What happened to an extraction's facts in the CRM. */
export enum ExtractionDecision {
  /** Confident enough: filed automatically by the auto-CRM rules. */
  APPLIED = 'APPLIED',
  /** Below a threshold: waiting for a person (`acceptExtraction` / `rejectExtraction`). */
  PROPOSED = 'PROPOSED',
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
  /** Nothing worth filing (no identity, no intent). */
  NONE = 'NONE',
}

/** How urgent the client's request sounds. */
export enum Urgency {
  LOW = 'LOW',
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
  URGENT = 'URGENT',
}

registerEnumType(ExtractionStatus, { name: 'ExtractionStatus', description: 'Where an extraction stands.' });
registerEnumType(ExtractorKind, {
  name: 'ExtractorKind',
  description: 'ANTHROPIC (Claude) or HEURISTIC (offline rules: rough, labelled as such).',
});
registerEnumType(ExtractionDecision, {
  name: 'ExtractionDecision',
  description: "What happened to an extraction's facts in the CRM.",
});
registerEnumType(Urgency, {
  name: 'Urgency',
  description: 'How soon the client needs an answer, as extracted from a conversation.',
});
