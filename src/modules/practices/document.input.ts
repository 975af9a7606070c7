import { Field, ID, InputType } from 'type-graphql';

import { DocumentStatus } from './practice.enums.js';

@InputType({ description: 'Changes to a document of a practice; omitted fields stay as they are.' })
export class UpdateDocumentInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: '1–200 characters.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. PASSPORT, PHOTO, SPONSOR_LETTER.' })
  kind?: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL; null clears it.' })
  url?: string | null;

  @Field(() => DocumentStatus, {
    nullable: true,
    description: 'Must be one of the document’s `allowedTransitions` (REQUESTED → RECEIVED → VERIFIED | REJECTED).',
  })
  status?: DocumentStatus | null;
}

@InputType({ description: 'Identifies the document to remove.' })
export class RemoveDocumentInput {
  @Field(() => ID)
  id!: string;
}
