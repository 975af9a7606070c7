import { type EntityManager, LockMode, ref } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import type { Principal } from '../../platform/auth/principal.js';
import { resolveRef } from '../../platform/db/refs.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId, toGlobalId } from '../../platform/graphql/global-id.js';
import { Checks } from '../../platform/validation.js';
import { Client } from '../clients/client.entity.js';
import { ClientKind, LifecycleStage } from '../clients/client.enums.js';
import type { ClientService } from '../clients/client.service.js';
import { matchClients } from '../clients/client-match.js';
import { LEAD_STAGES, leadScoreWeights, nestedAsync } from '../clients/client-profile.js';
import { HAS_BANT_SQL, leadScoreSql, type LeadScoreWeights } from '../clients/lead-score.rules.js';
import { LeadScoring } from '../clients/lead-scoring.entity.js';
import type { Deal } from '../deals/deal.entity.js';
import type { DealService } from '../deals/deal.service.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { diff, recordEvent } from '../timeline/timeline.service.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import type { ConvertLeadInput, UpdateLeadScoringInput } from './lead.input.js';

/** What convertLead did. */
export interface Conversion {
  client: Client;
  organization: Client | null;
  deal: Deal | null;
}

/** Leads: conversion to customers, and the tenant's lead score weights. */
export class LeadService {
  constructor(
    private readonly clients: ClientService,
    private readonly deals: DealService,
  ) {}

  /**
   * Converts a lead into a CUSTOMER in one transaction: its organisation linked or created
   * (CLIENT_CREATED), its deal opened (DEAL_CREATED), and LEAD_CONVERTED on the client. Any
   * problem is a user error and nothing changes.
   */
  async convert(em: EntityManager, actor: Principal, input: ConvertLeadInput): Promise<Conversion> {
    return em.transactional(async (tx) => {
      const client = await tx.findOne(Client, { id: expectGlobalId(input.clientId, 'Client') });
      if (!client) throw DomainError.notFound('Client', input.clientId);
      await tx.lock(client, LockMode.PESSIMISTIC_WRITE);
      await tx.refreshOrFail(client);
      const checks = new Checks();
      if (client.archivedAt) checks.add('clientId', 'ARCHIVED', 'An archived client cannot be converted');
      else if (!LEAD_STAGES.includes(client.lifecycleStage))
        checks.add(
          'clientId',
          'NOT_A_LEAD',
          `Only a LEAD or PROSPECT can be converted; the client is ${client.lifecycleStage}`,
        );
      const org = input.organization;
      let linked: Client | null = null;
      let name: string | null = null;
      if (org) {
        if (client.kind !== ClientKind.PERSON)
          checks.add('organization', 'NOT_A_PERSON', 'Only a person belongs to an organisation');
        if ((org.id == null) === (org.name == null))
          checks.add('organization', 'ONE_OF', 'Give the id of an organisation to link, or the name of one');
        const checked = await nestedAsync(checks, 'organization', async (sub) => {
          const found = (await resolveRef(tx, sub, 'id', Client, org.id)) ?? null;
          if (found && found.kind !== ClientKind.ORGANIZATION)
            sub.add('id', 'NOT_AN_ORGANIZATION', `${found.fullName} is not an organisation`);
          return { found, name: sub.text('name', org.name, 200, { min: 1 }) ?? null };
        });
        linked = checked?.found ?? null;
        name = checked?.name ?? null;
      }
      checks.throwIfAny();

      let organization: Client | null = linked;
      let organizationCreated = false;
      if (name) {
        const [found] = await matchClients(tx, [{ name }], { nameKind: ClientKind.ORGANIZATION });
        organization = found ? await tx.findOneOrFail(Client, { id: found.clientId }) : null;
        if (!organization) {
          organization = await under('organization', { fullName: 'name' }, () =>
            this.clients.create(tx, actor, {
              fullName: name,
              kind: ClientKind.ORGANIZATION,
              lifecycleStage: LifecycleStage.CUSTOMER,
              industry: org!.industry,
              territory: org!.territory,
            }),
          );
          organizationCreated = true;
        }
      }
      const before = {
        lifecycleStage: client.lifecycleStage,
        organization: client.organization ? toGlobalId('Client', client.organization.id) : null,
      };
      client.lifecycleStage = LifecycleStage.CUSTOMER;
      if (organization) client.organization = ref(organization);
      tx.persist(client);
      const deal = input.createDeal
        ? await under('createDeal', {}, () =>
            this.deals.create(tx, actor, {
              title: input.createDeal!.title,
              clientId: client.nodeId,
              pipelineId: input.createDeal!.pipelineId,
              amount: input.createDeal!.amount,
            }),
          )
        : null;
      recordEvent(tx, actor, {
        type: TimelineEventType.LEAD_CONVERTED,
        subject: client,
        client,
        summary: `Lead ${client.fullName} converted to customer${organization ? ` of ${organization.fullName}` : ''}${deal ? `, deal "${deal.title}" opened` : ''}`,
        data: {
          before,
          after: { lifecycleStage: LifecycleStage.CUSTOMER, organization: organization?.nodeId ?? null },
          organizationCreated,
          deal: deal?.nodeId ?? null,
        },
      });
      return { client, organization, deal };
    });
  }

  /** The tenant's lead score weights. */
  weights(em: EntityManager): Promise<LeadScoreWeights> {
    return leadScoreWeights(em);
  }

  /**
   * Changes the tenant's weights (ADMIN) and rescores every client with BANT answers in one
   * statement; LEAD_SCORING_UPDATED when a weight changed.
   */
  async updateWeights(em: EntityManager, actor: Principal, input: UpdateLeadScoringInput): Promise<LeadScoreWeights> {
    const checks = new Checks();
    const given = {
      budgetWeight: checks.int('budgetWeight', input.budgetWeight, 0, 100),
      authorityWeight: checks.int('authorityWeight', input.authorityWeight, 0, 100),
      needWeight: checks.int('needWeight', input.needWeight, 0, 100),
      timelineWeight: checks.int('timelineWeight', input.timelineWeight, 0, 100),
    };
    return em.transactional(async (tx) => {
      const row = await tx.findOne(LeadScoring, {}, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const before = await leadScoreWeights(tx);
      const after: LeadScoreWeights = { ...before };
      for (const [k, v] of Object.entries(given) as [keyof LeadScoreWeights, number | null | undefined][])
        if (v != null) after[k] = v;
      if (Object.values(after).every((w) => w === 0)) checks.add([], 'ALL_ZERO', 'At least one weight must be above 0');
      checks.throwIfAny();
      const change = diff(before, after);
      if (!change) return after;
      if (row) Object.assign(row, after);
      else tx.create(LeadScoring, { ...after });
      await tx.flush();
      const rescored = await (tx as SqlEntityManager).execute<{ id: string }[]>(
        `update "client" set "lead_score" = ${leadScoreSql(after)} where "tenant_id" = ? and ${HAS_BANT_SQL} and "lead_score" <> ${leadScoreSql(after)} returning "id"`,
        [actor.tenantId],
      );
      recordEvent(tx, actor, {
        type: TimelineEventType.LEAD_SCORING_UPDATED,
        subject: tx.getReference(Tenant, actor.tenantId),
        summary: `Lead score weights changed: ${Object.keys(change.after).join(', ')}; ${rescored.length} clients rescored`,
        data: { ...change, rescored: rescored.length },
      });
      return after;
    });
  }
}

/**
 * Runs another service's creation for a part of convertLead's input: its user errors move under
 * `field` (their own field names renamed by `rename`), so they point at what the caller sent.
 */
async function under<T>(field: string, rename: Record<string, string>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ValidationFailed)) throw err;
    throw new ValidationFailed(
      err.userErrors.map((e) => {
        const rest = (e.field ?? []).slice(1).map((f, i) => (i === 0 ? (rename[f] ?? f) : f));
        return { ...e, field: ['input', field, ...rest] };
      }),
    );
  }
}
