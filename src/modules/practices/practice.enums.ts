import { registerEnumType } from 'type-graphql';

/** Where a practice (a service case) is in its workflow. */
export enum PracticeStatus {
  INQUIRY = 'INQUIRY',
  QUOTATION_SENT = 'QUOTATION_SENT',
  PAYMENT_PENDING = 'PAYMENT_PENDING',
  IN_PROGRESS = 'IN_PROGRESS',
  WAITING_DOCUMENTS = 'WAITING_DOCUMENTS',
  SUBMITTED = 'SUBMITTED',
  APPROVED = 'APPROVED',
  COMPLETED = 'COMPLETED',
  REJECTED = 'REJECTED',
  CANCELLED = 'CANCELLED',
}

/** The allowed next statuses of each status: the practice workflow. */
export const PRACTICE_TRANSITIONS: Record<PracticeStatus, readonly PracticeStatus[]> = {
  INQUIRY: [PracticeStatus.QUOTATION_SENT, PracticeStatus.CANCELLED],
  QUOTATION_SENT: [PracticeStatus.PAYMENT_PENDING, PracticeStatus.INQUIRY, PracticeStatus.CANCELLED],
  PAYMENT_PENDING: [PracticeStatus.IN_PROGRESS, PracticeStatus.CANCELLED],
  IN_PROGRESS: [PracticeStatus.WAITING_DOCUMENTS, PracticeStatus.SUBMITTED, PracticeStatus.CANCELLED],
  WAITING_DOCUMENTS: [PracticeStatus.IN_PROGRESS, PracticeStatus.SUBMITTED, PracticeStatus.CANCELLED],
  SUBMITTED: [PracticeStatus.APPROVED, PracticeStatus.REJECTED, PracticeStatus.WAITING_DOCUMENTS],
  APPROVED: [PracticeStatus.COMPLETED],
  COMPLETED: [],
  REJECTED: [PracticeStatus.INQUIRY],
  CANCELLED: [PracticeStatus.INQUIRY],
};

/** Statuses in which a practice is finished. */
export const CLOSED_PRACTICE_STATUSES: readonly PracticeStatus[] = [
  PracticeStatus.COMPLETED,
  PracticeStatus.REJECTED,
  PracticeStatus.CANCELLED,
];

/** Whether a practice has been paid for. */
export enum PaymentStatus {
  UNPAID = 'UNPAID',
  PARTIAL = 'PARTIAL',
  PAID = 'PAID',
  REFUNDED = 'REFUNDED',
}

/** Status of a document of a practice. */
export enum DocumentStatus {
  REQUESTED = 'REQUESTED',
  RECEIVED = 'RECEIVED',
  VERIFIED = 'VERIFIED',
  REJECTED = 'REJECTED',
}

/**
 * The allowed next statuses of a document: REQUESTED → RECEIVED → VERIFIED or REJECTED; a rejected
 * document is requested again or a new copy received. VERIFIED is final.
 */
export const DOCUMENT_TRANSITIONS: Record<DocumentStatus, readonly DocumentStatus[]> = {
  REQUESTED: [DocumentStatus.RECEIVED],
  RECEIVED: [DocumentStatus.VERIFIED, DocumentStatus.REJECTED],
  VERIFIED: [],
  REJECTED: [DocumentStatus.REQUESTED, DocumentStatus.RECEIVED],
};

registerEnumType(PracticeStatus, {
  name: 'PracticeStatus',
  description:
    'Workflow: INQUIRY → QUOTATION_SENT → PAYMENT_PENDING → IN_PROGRESS ⇄ WAITING_DOCUMENTS → SUBMITTED → APPROVED → COMPLETED; CANCELLED and REJECTED can reopen to INQUIRY. `allowedTransitions` on a practice lists its next states.',
});
registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: 'How much of a practice has been paid: UNPAID, PARTIAL, PAID, or REFUNDED.',
});
registerEnumType(DocumentStatus, {
  name: 'DocumentStatus',
  description:
    'Where a document of a practice stands: REQUESTED from the client → RECEIVED → VERIFIED or REJECTED; a REJECTED document is requested again or received anew; VERIFIED is final. `allowedTransitions` on a document lists its next states.',
});
