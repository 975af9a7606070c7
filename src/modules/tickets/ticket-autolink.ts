import type { EntityManager } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType } from 'type-graphql';

import { Client } from '../clients/client.entity.js';
import { ClientKind } from '../clients/client.enums.js';
import { type ClientMatchResult, matchClients } from '../clients/client-match.js';
import { Ticket } from './ticket.entity.js';
import { TicketLinkRule } from './ticket.enums.js';

/** The confidence recorded for each rule (EMAIL is unique per tenant; PHONE and names only when unique). */
export const LINK_CONFIDENCE: Record<TicketLinkRule, number> = {
  EMAIL: 1,
  PHONE: 0.9,
  ORGANIZATION_NAME: 0.6,
};

/** What a ticket's requester matched. */
export interface TicketMatch {
  clientId: string;
  rule: TicketLinkRule;
  confidence: number;
  /** The normalised value that matched. */
  value: string;
}

/** A ticket's requester as the matching rules read it. */
export interface Requester {
  requesterEmail?: string | null;
  requesterPhone?: string | null;
  requesterCompany?: string | null;
}

/** Whether a ticket has anything to match its client by. */
export function hasRequester(r: Requester): boolean {
  return Boolean(r.requesterEmail || r.requesterPhone || r.requesterCompany);
}

const RULE_OF = { EMAIL: TicketLinkRule.EMAIL, PHONE: TicketLinkRule.PHONE, NAME: TicketLinkRule.ORGANIZATION_NAME };

/**
 * The client of each requester, by the auto-linking rule: its email is a client's email, else
 * its phone is exactly one client's phone, else its company is exactly one organisation's name
 * (case and spacing ignored). A phone or name shared by several clients says nothing and the next
 * rule is tried. One statement per rule for all the requesters.
 */
export async function matchRequesters(
  em: EntityManager,
  requesters: readonly Requester[],
): Promise<(TicketMatch | null)[]> {
  const found = await matchClients(
    em,
    requesters.map((r) => ({ email: r.requesterEmail, phone: r.requesterPhone, name: r.requesterCompany })),
    { nameKind: ClientKind.ORGANIZATION, unique: true },
  );
  return found.map((m: ClientMatchResult | null) => {
    if (!m) return null;
    const rule = RULE_OF[m.rule];
    return { clientId: m.clientId, rule, confidence: LINK_CONFIDENCE[rule], value: m.value };
  });
}

/** One ticket and the client its requester matched. */
@ObjectType({ description: 'A ticket and the client its requester matched, with the rule and its confidence.' })
export class TicketLinkMatch {
  @Field(() => Ticket)
  ticket!: Ticket;

  @Field(() => Client)
  client!: Client;

  @Field(() => TicketLinkRule)
  rule!: TicketLinkRule;

  @Field(() => Float, { description: 'How sure the rule is, 0–1 (EMAIL 1.0, PHONE 0.9, ORGANIZATION_NAME 0.6).' })
  confidence!: number;

  @Field({ description: 'The (normalised) requester email, phone or company that matched.' })
  value!: string;
}

/** How many tickets one rule matched. */
@ObjectType({ description: 'How many tickets one rule matched.' })
export class TicketLinkRuleCount {
  @Field(() => TicketLinkRule)
  rule!: TicketLinkRule;

  @Field(() => Int)
  count!: number;
}

/** What a run of autoLinkTickets found and did. */
@ObjectType({ description: 'What autoLinkTickets found (dry run) or did.' })
export class AutoLinkTicketsResult {
  @Field({ description: 'true: nothing was changed; `matched` says how many would be linked.' })
  dryRun!: boolean;

  @Field(() => Int, {
    description:
      'Tickets looked at: without a client, deal or practice, with a requester email, phone or company, and never unlinked from a client by a person.',
  })
  scanned!: number;

  @Field(() => Int, { description: 'Tickets whose requester matched a client.' })
  matched!: number;

  @Field(() => Int, { description: 'Tickets linked by this run (0 in a dry run).' })
  linked!: number;

  @Field(() => Int, { description: 'Batches (transactions, when not a dry run) the run took.' })
  batches!: number;

  @Field(() => [TicketLinkRuleCount], { description: 'Matches by rule.' })
  byRule!: TicketLinkRuleCount[];

  @Field(() => [TicketLinkMatch], { description: 'The first matches (up to 10), oldest ticket first.' })
  sample!: TicketLinkMatch[];
}
