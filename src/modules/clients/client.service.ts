import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { raw, ref, UniqueConstraintViolationException, wrap } from '@mikro-orm/core';

import type { Principal } from '../../platform/auth/principal.js';
import { escapeLike } from '../../platform/db/like.js';
import { filterIds, resolveRef } from '../../platform/db/refs.js';
import { scopedTenantId } from '../../platform/db/tenancy.js';
import { DomainError, ValidationFailed } from '../../platform/errors.js';
import { expectGlobalId } from '../../platform/graphql/global-id.js';
import { Checks, isEmail, normalizeEmail } from '../../platform/validation.js';
import { Conversation, Extraction } from '../conversations/conversation.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { Interaction } from '../interactions/interaction.entity.js';
import { Practice } from '../practices/practice.entity.js';
import { Quote } from '../quotes/quote.entity.js';
import { RenewalAlert } from '../renewals/renewal-alert.entity.js';
import { Task } from '../tasks/task.entity.js';
import { TeamMember } from '../tenancy/team-member.entity.js';
import { tenantCurrency } from '../tenancy/tenant.entity.js';
import { Ticket } from '../tickets/ticket.entity.js';
import { diff, recordEvent, type Trigger, triggerSource } from '../timeline/timeline.service.js';
import { TimelineEvent } from '../timeline/timeline-event.entity.js';
import { TimelineEventType } from '../timeline/timeline-event.enums.js';
import { Client } from './client.entity.js';
import { ClientKind, ClientSource, LifecycleStage } from './client.enums.js';
import type { ClientFilter, CreateClientInput, UpdateClientInput } from './client.input.js';
import { clientCreatedPayload, clientFields as snapshot } from './client.payloads.js';
import { clientsByEmail } from './client-match.js';
import { ClientMerge } from './client-merge.entity.js';
import { applyProfile, bantAfter, checkProfile, leadScoreWeights } from './client-profile.js';
import { DEFAULT_LEAD_SCORE_WEIGHTS, type LeadScoreWeights } from './lead-score.rules.js';

/** A client input's own fields, validated. */
function checkFields(
  checks: Checks,
  input: Omit<Partial<CreateClientInput>, 'fullName'> & { fullName?: string | null },
  creating: boolean,
) {
  return {
    fullName: checks.text('fullName', input.fullName, 200, { required: creating, min: 1 }) ?? undefined,
    email: checks.email('email', input.email),
    phone: checks.phone('phone', input.phone),
    nationality: checks.text('nationality', input.nationality, 64),
    kind: input.kind ?? undefined,
    lifecycleStage: input.lifecycleStage ?? undefined,
    source: input.source ?? undefined,
    leadScore: checks.int('leadScore', input.leadScore, 0, 100) ?? undefined,
    tags: checks.list('tags', input.tags, 20, 40),
    notes: checks.text('notes', input.notes, 10_000),
  };
}

/** A validated new client, ready to be created. */
interface ClientDraft {
  fields: ReturnType<typeof checkFields>;
  owner: TeamMember | null | undefined;
  organization: Client | null | undefined;
  profile: Awaited<ReturnType<typeof checkProfile>>;
  weights: LeadScoreWeights;
}

/**
 * Told of a record's fields changed in Meridian (not by a sync), inside the change's transaction:
 * the sync module marks those fields' provenance MERIDIAN.
 */
export type LocalEditListener = (
  em: EntityManager,
  recordType: string,
  recordId: string,
  fields: string[],
) => Promise<void>;

/**
 * A client's email as the unique index has it (`lower(email)` per tenant), to look clients up by
 * email through that index: `email = ?` has no index and reads every client of the tenant. Emails
 * are stored normalised (lower case), so both find the same clients. A new fragment per use.
 */
const byEmail = () => raw((alias: string) => `lower(${alias}.email)`);

/** Clients: creation, updates, archiving, merging and lists. */
export class ClientService {
  /** @param onLocalEdit told of fields changed by `update` when no sync made the change (default: nobody). */
  constructor(private readonly onLocalEdit?: LocalEditListener) {}

  /**
   * Creates a client: the one creation path, for a person's `createClient` and a conversation's
   * filing alike (`by`). Invalid input or a taken email are user errors.
   */
  async create(em: EntityManager, by: Trigger, input: CreateClientInput): Promise<Client> {
    const checks = new Checks();
    const draft = await this.prepare(em, checks, input);
    if (draft.fields.email) await this.checkEmailFree(em, checks, draft.fields.email);
    checks.throwIfAny();
    return this.saving(draft.fields.email, () => em.transactional((tx) => this.build(tx, by, draft)));
  }

  /**
   * Creates many clients in the caller's transaction (a sync page): the same validation and
   * events as {@link create}, but taken emails are looked up in one statement for the whole batch
   * and nothing is flushed (the caller flushes once). Each input gets its client, or the
   * ValidationFailed that refuses it (an email taken by a client or by an earlier input of the
   * batch included); refused inputs create nothing.
   */
  async createMany(
    em: EntityManager,
    by: Trigger,
    inputs: CreateClientInput[],
  ): Promise<(Client | ValidationFailed)[]> {
    const drafts: { checks: Checks; draft: ClientDraft }[] = [];
    for (const input of inputs) {
      const checks = new Checks();
      drafts.push({ checks, draft: await this.prepare(em, checks, input) });
    }
    const emails = [...new Set(drafts.map((d) => d.draft.fields.email).filter((e): e is string => Boolean(e)))];
    const taken = new Map<string, Client>();
    const tenantId = scopedTenantId(em);
    if (!tenantId) throw new Error('createMany needs a tenant-scoped EntityManager');
    const takenIds = (await clientsByEmail(em, tenantId, emails, false)).map((r) => r.id);
    if (takenIds.length)
      for (const c of await em.find(Client, { id: { $in: takenIds } })) if (c.email) taken.set(c.email, c);
    return drafts.map(({ checks, draft }) => {
      const email = draft.fields.email;
      const owner = email ? taken.get(email) : undefined;
      if (email && owner)
        checks.add('email', 'TAKEN', `Email ${email} already belongs to client ${owner.fullName} (${owner.nodeId})`);
      try {
        checks.throwIfAny();
      } catch (err) {
        if (err instanceof ValidationFailed) return err;
        throw err;
      }
      const client = this.build(em, by, draft);
      if (email) taken.set(email, client);
      return client;
    });
  }

  /** Validates a new client's input (everything but the email's uniqueness) into a draft. */
  private async prepare(em: EntityManager, checks: Checks, input: CreateClientInput): Promise<ClientDraft> {
    const fields = checkFields(checks, input, true);
    const owner = await resolveRef(em, checks, 'ownerId', TeamMember, input.ownerId);
    const organization = await resolveRef(em, checks, 'organizationId', Client, input.organizationId);
    this.checkOrganization(checks, organization);
    const kind = fields.kind ?? ClientKind.PERSON;
    const stage = fields.lifecycleStage ?? LifecycleStage.LEAD;
    const profile = await checkProfile(em, checks, input, {
      self: null,
      kind,
      stage,
      currency: await this.currencyFor(em, input),
    });
    this.checkLeadScore(checks, input.leadScore, bantAfter(null, profile));
    const weights = await this.weightsFor(em, bantAfter(null, profile));
    return { fields, owner, organization, profile, weights };
  }

  /** The client of a valid draft with its CLIENT_CREATED event, created in `tx` (not flushed). */
  private build(tx: EntityManager, by: Trigger, draft: ClientDraft): Client {
    const { fields, owner, organization, profile, weights } = draft;
    const client = tx.create(Client, {
      ...fields,
      fullName: fields.fullName!,
      kind: fields.kind ?? ClientKind.PERSON,
      lifecycleStage: fields.lifecycleStage ?? LifecycleStage.LEAD,
      source: fields.source ?? ClientSource.OTHER,
      leadScore: fields.leadScore ?? 0,
      tags: fields.tags ?? [],
      owner: owner ?? null,
      organization: organization ?? null,
    });
    applyProfile(client, profile, weights);
    const conversation = by.kind === 'conversation' ? ` from conversation ${by.conversation.sessionId}` : '';
    recordEvent(tx, by, {
      type: TimelineEventType.CLIENT_CREATED,
      subject: client,
      client,
      summary: `Client ${client.fullName} created${conversation}`,
      data: clientCreatedPayload(client, triggerSource(by)),
    });
    return client;
  }

  /** Changes a client's fields; omitted fields stay, null clears. `actor` may be a sync run. */
  async update(em: EntityManager, actor: Trigger, input: UpdateClientInput): Promise<Client> {
    const client = await this.get(em, input.id);
    const checks = new Checks();
    const fields = checkFields(checks, input, false);
    const owner = await resolveRef(em, checks, 'ownerId', TeamMember, input.ownerId);
    const organization = await resolveRef(em, checks, 'organizationId', Client, input.organizationId);
    this.checkOrganization(checks, organization);
    if (organization && organization.id === client.id)
      checks.add('organizationId', 'INVALID', 'A client cannot belong to itself');
    if (fields.email && fields.email !== client.email) await this.checkEmailFree(em, checks, fields.email);
    const profile = await checkProfile(em, checks, input, {
      self: client,
      kind: fields.kind ?? client.kind,
      stage: fields.lifecycleStage ?? client.lifecycleStage,
      currency: await this.currencyFor(em, input),
    });
    this.checkLeadScore(checks, input.leadScore, bantAfter(client, profile));
    const weights = await this.weightsFor(em, bantAfter(client, profile));
    checks.throwIfAny();
    return this.saving(fields.email, () =>
      em.transactional(async (tx) => {
        const before = snapshot(client);
        const patch: Record<string, unknown> = { ...fields };
        if (input.ownerId !== undefined) patch.owner = owner ?? null;
        if (input.organizationId !== undefined) patch.organization = organization ?? null;
        for (const [k, v] of Object.entries(patch)) if (v === undefined) delete patch[k];
        wrap(client).assign(patch, { em: tx });
        applyProfile(client, profile, weights);
        const change = diff(before, snapshot(client));
        if (change) {
          recordEvent(tx, actor, {
            type: TimelineEventType.CLIENT_UPDATED,
            subject: client,
            client,
            summary: `Client ${client.fullName} updated: ${Object.keys(change.after).join(', ')}`,
            data: change,
          });
          if (actor.kind !== 'sync' && this.onLocalEdit) {
            await tx.flush();
            await this.onLocalEdit(tx, 'Client', client.id, Object.keys(change.after));
          }
        }
        tx.persist(client);
        return client;
      }),
    );
  }

  /**
   * Sets the organization of people in bulk (a sync's contact↔company associations), with the
   * rules and the CLIENT_UPDATED event of {@link update}'s `organizationId`: only a PERSON joins,
   * only an ORGANIZATION is joined, a client never joins itself, and an unchanged link is no
   * change. Loaded entities only, nothing flushed: the caller's flush writes them with one batch.
   * Returns the people changed.
   */
  linkOrganizations(tx: EntityManager, actor: Trigger, links: { person: Client; organization: Client }[]): Client[] {
    const changed: Client[] = [];
    for (const { person, organization } of links) {
      if (person.kind !== ClientKind.PERSON || organization.kind !== ClientKind.ORGANIZATION) continue;
      if (person.id === organization.id || person.organization?.id === organization.id) continue;
      const before = snapshot(person);
      person.organization = ref(organization);
      const change = diff(before, snapshot(person));
      if (change)
        recordEvent(tx, actor, {
          type: TimelineEventType.CLIENT_UPDATED,
          subject: person,
          client: person,
          summary: `Client ${person.fullName} updated: ${Object.keys(change.after).join(', ')}`,
          data: change,
        });
      tx.persist(person);
      changed.push(person);
    }
    return changed;
  }

  /** Archives (hides from lists) or restores a client. */
  async archive(em: EntityManager, actor: Principal, globalId: string, archived: boolean): Promise<Client> {
    const client = await this.get(em, globalId);
    if (Boolean(client.archivedAt) === archived) return client;
    if (!archived && client.mergedInto) {
      throw ValidationFailed.of(
        'archived',
        'MERGED',
        'A merged client cannot be restored; edit the surviving client instead',
      );
    }
    return em.transactional((tx) => {
      client.archivedAt = archived ? new Date() : null;
      tx.persist(client);
      const event = {
        subject: client,
        client,
        summary: `Client ${client.fullName} ${archived ? 'archived' : 'restored'}`,
      };
      recordEvent(
        tx,
        actor,
        archived
          ? {
              ...event,
              type: TimelineEventType.CLIENT_ARCHIVED,
              data: { before: { archived: false }, after: { archived: true } },
            }
          : {
              ...event,
              type: TimelineEventType.CLIENT_UPDATED,
              data: { before: { archived: true }, after: { archived } },
            },
      );
      return client;
    });
  }

  /**
   * Merges `mergedId` into `survivorId`: practices, deals, tickets, interactions, tasks, quotes,
   * renewal alerts, conversations (and the extractions that filed them) and timeline events move to
   * the survivor; the survivor's empty fields are filled from the merged client;
   * the merged client is archived and points at the survivor; a ClientMerge keeps the record.
   */
  async merge(
    em: EntityManager,
    actor: Principal,
    survivorGlobalId: string,
    mergedGlobalId: string,
  ): Promise<{ client: Client; merge: ClientMerge }> {
    const survivor = await this.get(em, survivorGlobalId);
    const merged = await this.get(em, mergedGlobalId);
    const checks = new Checks();
    if (survivor.id === merged.id) checks.add('mergedId', 'SAME_CLIENT', 'A client cannot be merged into itself');
    if (merged.mergedInto) checks.add('mergedId', 'ALREADY_MERGED', 'This client was already merged into another');
    if (survivor.mergedInto)
      checks.add('survivorId', 'ALREADY_MERGED', 'The survivor was itself merged into another client');
    checks.throwIfAny();
    return em.transactional(async (tx) => {
      const mergedSnapshot = snapshot(merged);
      const before = snapshot(survivor);
      const moved = {
        practices: await tx.nativeUpdate(Practice, { client: merged.id }, { client: survivor.id }),
        deals: await tx.nativeUpdate(Deal, { client: merged.id }, { client: survivor.id }),
        tickets: await tx.nativeUpdate(Ticket, { client: merged.id }, { client: survivor.id }),
        interactions: await tx.nativeUpdate(Interaction, { client: merged.id }, { client: survivor.id }),
        tasks: await tx.nativeUpdate(Task, { client: merged.id }, { client: survivor.id }),
        quotes: await tx.nativeUpdate(Quote, { client: merged.id }, { client: survivor.id }),
        renewalAlerts: await tx.nativeUpdate(RenewalAlert, { client: merged.id }, { client: survivor.id }),
        conversations: await tx.nativeUpdate(Conversation, { client: merged.id }, { client: survivor.id }),
        // What an extraction filed under the merged client now reads as filed under the survivor.
        extractions: await tx.nativeUpdate(Extraction, { resultClient: merged.id }, { resultClient: survivor.id }),
        timelineEvents: await tx.nativeUpdate(TimelineEvent, { client: merged.id }, { client: survivor.id }),
        // Members of the merged organisation join the survivor; the survivor itself never joins itself.
        members: await tx.nativeUpdate(
          Client,
          { organization: merged.id, id: { $ne: survivor.id } },
          { organization: survivor.id },
        ),
      };
      if (survivor.organization?.id === merged.id) survivor.organization = null;
      const email = merged.email;
      merged.email = null;
      merged.mergedInto = ref(survivor);
      merged.archivedAt = new Date();
      tx.persist(merged);
      await tx.flush(); // free the email before the survivor may take it
      survivor.email ??= email;
      survivor.phone ??= merged.phone;
      survivor.nationality ??= merged.nationality;
      survivor.owner ??= merged.owner;
      survivor.organization ??= merged.organization?.id === survivor.id ? null : merged.organization;
      survivor.notes ??= merged.notes;
      survivor.tags = [...new Set([...survivor.tags, ...merged.tags])];
      survivor.leadScore = Math.max(survivor.leadScore, merged.leadScore);
      tx.persist(survivor);
      const merge = tx.create(ClientMerge, {
        survivor,
        merged,
        mergedSnapshot,
        moved,
        mergedBy: actor.memberId ? tx.getReference(TeamMember, actor.memberId) : null,
      });
      recordEvent(tx, actor, {
        type: TimelineEventType.CLIENTS_MERGED,
        subject: survivor,
        client: survivor,
        summary: `Client ${merged.fullName} merged into ${survivor.fullName}`,
        data: {
          merged: { id: merged.nodeId, ...mergedSnapshot },
          moved,
          ...(diff(before, snapshot(survivor)) ?? { before: {}, after: {} }),
        },
      });
      return { client: survivor, merge };
    });
  }

  /**
   * Fills a client's empty email, phone and nationality from what a conversation said (never
   * overwrites; an email taken by another client is skipped), with a CLIENT_UPDATED event.
   */
  async fillEmpty(
    em: EntityManager,
    by: Trigger,
    client: Client,
    values: { email?: string; phone?: string; nationality?: string },
  ): Promise<void> {
    const before = snapshot(client);
    const email = values.email && normalizeEmail(values.email);
    if (email && isEmail(email) && !client.email) {
      const taken = await em.findOne(Client, { [byEmail()]: email, id: { $ne: client.id } });
      if (!taken) client.email = email;
    }
    if (values.phone && !client.phone) client.phone = values.phone;
    if (values.nationality && !client.nationality) client.nationality = values.nationality;
    const change = diff(before, snapshot(client));
    if (!change) return;
    const conversation = by.kind === 'conversation' ? ` from conversation ${by.conversation.sessionId}` : '';
    recordEvent(em, by, {
      type: TimelineEventType.CLIENT_UPDATED,
      subject: client,
      client,
      summary: `Client ${client.fullName} enriched${conversation}: ${Object.keys(change.after).join(', ')}`,
      data: change,
    });
  }

  /** The client with a global ID in the caller's tenant, or NOT_FOUND. */
  async get(em: EntityManager, globalId: string): Promise<Client> {
    const id = expectGlobalId(globalId, 'Client');
    const client = await em.findOne(Client, { id });
    if (!client) throw DomainError.notFound('Client', globalId);
    return client;
  }

  /** The where clause of a client list. */
  where(filter: ClientFilter | null | undefined): FilterQuery<Client> {
    const f = filter ?? {};
    const where: Record<string, unknown> = {};
    if (!f.includeArchived) where.archivedAt = null;
    if (f.lifecycleStages?.length) where.lifecycleStage = { $in: f.lifecycleStages };
    if (f.kinds?.length) where.kind = { $in: f.kinds };
    if (f.sources?.length) where.source = { $in: f.sources };
    if (f.ownerIds?.length) where.owner = { $in: filterIds(f.ownerIds, 'TeamMember') };
    if (f.unowned) where.owner = null;
    if (f.tags?.length) where.tags = { $overlap: f.tags };
    if (f.nationality) where.nationality = { $ilike: escapeLike(f.nationality) };
    if (f.organizationId) where.organization = filterIds([f.organizationId], 'Client')![0];
    if (f.parentOrganizationId) where.parentOrganization = filterIds([f.parentOrganizationId], 'Client')![0];
    if (f.leadScoreMin != null || f.leadScoreMax != null) {
      where.leadScore = {
        ...(f.leadScoreMin != null ? { $gte: f.leadScoreMin } : {}),
        ...(f.leadScoreMax != null ? { $lte: f.leadScoreMax } : {}),
      };
    }
    if (f.authorities?.length) where.authority = { $in: f.authorities };
    if (f.timeframes?.length) where.timeframe = { $in: f.timeframes };
    if (f.industry) where.industry = { $ilike: escapeLike(f.industry) };
    if (f.territory) where.territory = { $ilike: escapeLike(f.territory) };
    if (f.createdAfter || f.createdBefore) {
      where.createdAt = {
        ...(f.createdAfter ? { $gte: f.createdAfter } : {}),
        ...(f.createdBefore ? { $lt: f.createdBefore } : {}),
      };
    }
    const q = f.search?.trim();
    if (q) {
      const like = `%${escapeLike(q)}%`;
      where.$or = [{ fullName: { $ilike: like } }, { email: { $ilike: like } }, { phone: { $ilike: like } }];
    }
    return where;
  }

  /** The tenant's currency, read only when the input has money without one. */
  private async currencyFor(em: EntityManager, input: CreateClientInput | UpdateClientInput): Promise<string> {
    const money = [input.bant?.budget, input.annualRevenue].filter((m) => m && !m.currency);
    return money.length ? tenantCurrency(em, scopedTenantId(em)!) : 'IDR';
  }

  /** The tenant's lead score weights, read only when a score is to be computed. */
  private async weightsFor(em: EntityManager, computed: boolean): Promise<LeadScoreWeights> {
    return computed ? leadScoreWeights(em) : { ...DEFAULT_LEAD_SCORE_WEIGHTS };
  }

  /** A lead score given by hand is refused when the client's BANT answers compute it. */
  private checkLeadScore(checks: Checks, given: number | null | undefined, computed: boolean): void {
    if (given != null && computed)
      checks.add(
        'leadScore',
        'LEAD_SCORE_COMPUTED',
        'The lead score is computed from the BANT answers; clear them to set it by hand',
      );
  }

  private checkOrganization(checks: Checks, organization: Client | null | undefined): void {
    if (organization && organization.kind !== ClientKind.ORGANIZATION) {
      checks.add('organizationId', 'NOT_AN_ORGANIZATION', `${organization.fullName} is not an organisation`);
    }
  }

  private async checkEmailFree(em: EntityManager, checks: Checks, email: string): Promise<void> {
    const existing = await em.findOne(Client, { [byEmail()]: email });
    if (existing)
      checks.add(
        'email',
        'TAKEN',
        `Email ${email} already belongs to client ${existing.fullName} (${existing.nodeId})`,
      );
  }

  /** Runs a write; a unique-email race lost at commit becomes the same TAKEN user error. */
  private async saving<T>(email: string | null | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException && email) {
        throw ValidationFailed.of('email', 'TAKEN', `Email ${email} already belongs to another client`);
      }
      throw err;
    }
  }
}
