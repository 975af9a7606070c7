/** The state of one generation run: its random sources, the tenant's reference data, and the rows being built. */
import { randomUUID } from 'node:crypto';

import { base, en, Faker } from '@faker-js/faker';
import type { RequiredEntityData } from '@mikro-orm/core';

import type { Client } from '../../modules/clients/client.entity.js';
import type { LifecycleStage } from '../../modules/clients/client.enums.js';
import type { Deal, DealStageHistory } from '../../modules/deals/deal.entity.js';
import type { StageKind } from '../../modules/deals/deal.enums.js';
import type { Interaction } from '../../modules/interactions/interaction.entity.js';
import type { Practice } from '../../modules/practices/practice.entity.js';
import type { Channel } from '../../modules/shared/channel.js';
import type { Task } from '../../modules/tasks/task.entity.js';
import { Role } from '../../modules/tenancy/role.js';
import type { Ticket } from '../../modules/tickets/ticket.entity.js';
import type { EventPayload, EventSource } from '../../modules/timeline/event-payloads.js';
import type { TimelineEvent } from '../../modules/timeline/timeline-event.entity.js';
import type { TimelineEventType } from '../../modules/timeline/timeline-event.enums.js';
import { Money } from '../../platform/graphql/money.js';
import { NATIONALITIES, type Nationality } from './reference/people.js';
import { ORG_TYPE_WEIGHTS, PERSON_TYPE_WEIGHTS } from './reference/records.js';
import { clip, HOUR, SEED_ANCHOR } from './util.js';

/** The `source` of the generated records' creation events: a program calling in, like a person would. */
export const SEED_SOURCE: EventSource = { kind: 'PERSON' };

/** A team member records are assigned to. */
export interface SeedMember {
  id: string;
  name: string;
  role: Role;
}

/** What the generator needs about a practice type. */
export interface TypeInfo {
  id: string;
  code: string;
  name: string;
  /** Short name for summaries, e.g. "Retirement KITAS". */
  label: string;
  renewable: boolean;
  renewalPeriodDays: number | null;
  price: number | null;
  currency: string;
}

/** What the generator needs about a pipeline stage. */
export interface StageInfo {
  id: string;
  kind: StageKind;
  probability: number;
  position: number;
  name: string;
}

/** A row for insertMany. */
export type Row<T extends object> = RequiredEntityData<T>;

/** Rows of one batch of clients, ready for insertMany. */
export interface Batch {
  clients: Row<Client>[];
  practices: Row<Practice>[];
  deals: Row<Deal>[];
  histories: Row<DealStageHistory>[];
  tickets: Row<Ticket>[];
  interactions: Row<Interaction>[];
  tasks: Row<Task>[];
  events: Row<TimelineEvent>[];
  /** Completes ticket rows and their events once their numbers are reserved. */
  numberTickets: ((first: number) => void) | null;
}

/** A ticket row and its "opened" event, both completed once the ticket's number is reserved. */
export interface TicketEvent {
  ticket: Row<Ticket>;
  event: Row<TimelineEvent>;
}

/** The client whose records are being generated, and what was generated for it so far. */
export interface ClientCtx {
  id: string;
  fullName: string;
  isOrg: boolean;
  createdAt: Date;
  stage: LifecycleStage;
  owner: SeedMember | null;
  practices: { id: string; label: string }[];
  deals: string[];
  /** The client's email (some of its tickets came from it, unlinked). */
  email?: string | null;
}

/** Everything the generator needs about the tenant, its random sources and the helpers every record uses. */
export class SeedContext {
  readonly f: Faker;
  /**
   * The random source of the lead, organisation and person fields (issue 17): separate, so that
   * adding them left the records of a seed (`f`'s sequence) as they were.
   */
  readonly extra: Faker;
  /**
   * The random source of deals' stage histories: separate, so that giving deals a path through the
   * pipeline left every other record of a seed as it was.
   */
  readonly history: Faker;
  readonly nameFakers = new Map<string, Faker>();
  readonly today: number;
  readonly writers: SeedMember[];
  readonly orgs: { id: string; name: string }[] = [];
  readonly nationalityWeights: { weight: number; value: Nationality }[];
  private readonly personTypeWeights: { weight: number; value: TypeInfo }[];
  private readonly orgTypeWeights: { weight: number; value: TypeInfo }[];

  constructor(
    readonly tenantId: string,
    private readonly currency: string,
    /** The run's seed (sources of their own derive from it). */
    readonly seed: number,
    readonly types: TypeInfo[],
    readonly pipelineId: string | null,
    readonly stages: StageInfo[],
    members: SeedMember[],
    readonly emails: Set<string>,
    /** Now, from the application's clock: "today" of business dates (expiry, expected close). */
    now: Date,
  ) {
    this.f = new Faker({ locale: [en, base] });
    this.f.seed(seed);
    this.extra = new Faker({ locale: [en, base] });
    this.extra.seed(seed * 7919 + 17);
    this.history = new Faker({ locale: [base] });
    this.history.seed(seed * 104_729 + 3);
    NATIONALITIES.forEach((n, i) => {
      if (!n.locale) return;
      const nf = new Faker({ locale: [n.locale, en, base] });
      nf.seed(seed * 31 + i + 1);
      this.nameFakers.set(n.name, nf);
    });
    this.today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    this.writers = members.filter((m) => m.role !== Role.VIEWER);
    this.nationalityWeights = NATIONALITIES.map((n) => ({ weight: n.weight, value: n }));
    this.personTypeWeights = types.map((t) => ({ weight: PERSON_TYPE_WEIGHTS[t.code] ?? 5, value: t }));
    this.orgTypeWeights = types
      .filter((t) => ORG_TYPE_WEIGHTS[t.code])
      .map((t) => ({ weight: ORG_TYPE_WEIGHTS[t.code]!, value: t }));
  }

  /** A practice type for a person or an organisation, the common ones more often. */
  pickType(isOrg: boolean): TypeInfo {
    const weights = isOrg && this.orgTypeWeights.length ? this.orgTypeWeights : this.personTypeWeights;
    return this.f.helpers.weightedArrayElement(weights);
  }

  /**
   * A timeline event of a generated record, already published; `data` is the payload of its type
   * (see event-payloads.ts), built from the record by the module's payload builder as the service does.
   */
  event<T extends TimelineEventType>(
    type: T,
    subjectType: string,
    subjectId: string,
    clientId: string | null,
    occurredAt: Date,
    summary: string,
    data: EventPayload<T>,
    channel: Channel | null = null,
  ): Row<TimelineEvent> {
    return {
      id: randomUUID(),
      tenant: this.tenantId,
      type,
      occurredAt,
      actor: null,
      actorLabel: 'seed',
      subjectType,
      subjectId,
      client: clientId,
      channel,
      summary: clip(summary),
      data,
      publishedAt: occurredAt,
      createdAt: occurredAt,
      updatedAt: occurredAt,
    };
  }

  /** An amount in `currency` (the tenant's when empty). */
  money(amount: number, currency: string): Money {
    return new Money(amount.toFixed(2), currency || this.currency);
  }

  /** A random instant between `from` and the anchor. */
  past(from: number): Date {
    return new Date(this.f.number.int({ min: from, max: SEED_ANCHOR.getTime() - HOUR }));
  }

  /** A random instant between `from` and `to` (capped at the anchor). */
  between(from: Date, to: Date): Date {
    const max = Math.min(to.getTime(), SEED_ANCHOR.getTime());
    return new Date(this.f.number.int({ min: from.getTime(), max: Math.max(from.getTime(), max) }));
  }
}
