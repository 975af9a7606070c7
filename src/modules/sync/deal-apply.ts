import type { EntityManager } from '@mikro-orm/core';

import { ValidationFailed } from '../../platform/errors.js';
import { toGlobalId } from '../../platform/graphql/global-id.js';
import { refId } from '../../platform/graphql/loaders.js';
import { Client } from '../clients/client.entity.js';
import { Deal } from '../deals/deal.entity.js';
import { DealStatus, StageKind } from '../deals/deal.enums.js';
import { DealService } from '../deals/deal.service.js';
import { Pipeline, PipelineStage } from '../deals/pipeline.entity.js';
import { type ApplyOutcome, type ApplyScope, contentHash, recordFieldSources } from './client-apply.js';
import { EntityLink, linksByExternalId } from './entity-link.entity.js';
import { FieldSource } from './field-mapping.entity.js';
import type { LocalValues } from './field-mappings.js';
import type { ExternalRecord, ExternalStage } from './provider.js';
import { FieldSourceKind, SyncObjectType } from './sync.enums.js';

/** Deals are written through the one deal service (validation, stage history, timeline events). */
const deals = new DealService();

/** The deal fields a sync writes (field provenance uses these names). */
type DealField = 'title' | 'amount' | 'expectedCloseDate' | 'stage' | 'lostReason' | 'client';

/** A name compared as a label: case, accents and spacing ignored. */
export function labelKey(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A name folded as HubSpot folds its built-in stage ids ("Closed Won" → closedwon). */
export const foldedName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The Meridian pipeline and stage of a provider's deal stage. The rule:
 * 1. pipeline: the active Meridian pipeline named like the provider's pipeline label (case,
 *    accents and spacing ignored), else the tenant's default pipeline;
 * 2. stage, among that pipeline's active stages: the one named like the provider's stage label;
 *    else the one whose folded name is the provider's stage id (HubSpot's built-in ids such as
 *    `closedwon` for "Closed Won"); else, for a stage that closes the deal at the provider, the
 *    pipeline's first WON or LOST stage of the same outcome;
 * 3. otherwise there is no match: the record fails with a log entry naming the stage, and
 *    nothing of it is applied (rename a stage or add one, then sync again).
 */
export async function meridianStageFor(
  em: EntityManager,
  stage: ExternalStage,
): Promise<{ pipeline: Pipeline; stage: PipelineStage } | string> {
  const pipelines = await em.find(Pipeline, { archivedAt: null }, { orderBy: { createdAt: 'asc' } });
  const pipeline =
    (stage.pipelineLabel ? pipelines.find((p) => labelKey(p.name) === labelKey(stage.pipelineLabel!)) : undefined) ??
    pipelines.find((p) => p.isDefault);
  if (!pipeline) return 'the tenant has no active pipeline';
  const stages = await em.find(PipelineStage, { pipeline, archivedAt: null }, { orderBy: { position: 'asc' } });
  const found =
    (stage.stageLabel ? stages.find((s) => labelKey(s.name) === labelKey(stage.stageLabel!)) : undefined) ??
    stages.find((s) => foldedName(s.name) === foldedName(stage.stageId)) ??
    (stage.kind === 'OPEN' ? undefined : stages.find((s) => s.kind === (stage.kind as StageKind)));
  if (!found)
    return `the provider's stage ${stage.stageLabel ?? stage.stageId} (pipeline ${stage.pipelineLabel ?? stage.pipelineId}) matches no stage of Meridian's pipeline ${pipeline.name}`;
  return { pipeline, stage: found };
}

/** A provider's date or date-time (ISO or ms since the epoch) as a date; undefined when unreadable. */
function dateOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const d = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

/** The client of a deal record (see {@link dealClients}). */
export type DealClients = (record: ExternalRecord) => Client | null;

/**
 * The client each deal of `records` belongs to: its first associated contact linked to a live
 * client, else its first such company — at its first sync and again whenever its associations
 * change. For a whole page at once: one statement per object type for the links of the deals'
 * associated contacts and companies, one for their live clients (it was two statements per deal).
 * Links are this connection's and clients are read in the sync's tenant: a contact synced by
 * another tenant's connection is never the client.
 */
export async function dealClients(scope: ApplyScope, records: ExternalRecord[]): Promise<DealClients> {
  const kinds = [SyncObjectType.CONTACT, SyncObjectType.COMPANY] as const;
  const localOf = new Map<string, string>();
  for (const kind of kinds) {
    const ids = new Set<string>();
    for (const r of records) for (const a of r.associations ?? []) if (a.objectType === kind) ids.add(a.externalId);
    if (!ids.size) continue;
    for (const l of await linksByExternalId(scope.tx, scope.connectionId, kind, ids))
      localOf.set(`${kind}:${l.externalId}`, l.localId);
  }
  const clients = new Map<string, Client>();
  if (localOf.size)
    for (const c of await scope.tx.find(Client, { id: { $in: [...new Set(localOf.values())] }, archivedAt: null }))
      clients.set(c.id, c);
  return (record) => {
    for (const kind of kinds)
      for (const a of record.associations ?? []) {
        if (a.objectType !== kind) continue;
        const client = clients.get(localOf.get(`${kind}:${a.externalId}`) ?? '');
        if (client) return client;
      }
    return null;
  };
}

/** The fields edited in Meridian since the deal's last sync, with when (the deal conflict rule). */
async function localEditsSince(em: EntityManager, dealId: string, since: Date): Promise<Map<string, Date>> {
  const rows = await em.find(FieldSource, {
    recordType: 'Deal',
    recordId: dealId,
    source: FieldSourceKind.MERIDIAN,
    at: { $gt: since },
  });
  return new Map(rows.map((r) => [r.field, r.at]));
}

/**
 * Applies a provider's deal: through its entity link when it has one (unchanged content is
 * skipped), else created for the client its first linked contact (else company) is — a deal whose
 * contacts and companies are not synced fails with a log entry. The client follows the deal's
 * associations by the same rule on later syncs (field `client`, found by `clients`: the page's
 * {@link dealClients}, else read for this record alone; when none of them is synced any more the
 * deal keeps its client; a client change DealService refuses — records of the current
 * client linked to the deal — keeps it too, noted in the log). Its stage is mapped by
 * {@link meridianStageFor}. Everything goes through DealService (validation, stage history,
 * timeline events with the provider as actor), in a savepoint.
 *
 * Conflict rule (deals merge conservatively): a field edited in Meridian since the deal's last
 * sync keeps Meridian's value when the provider did not change it (compared with the values the
 * link remembers). When the provider changed it too, the newer change wins: a local edit at or
 * after the provider's modification time keeps Meridian's value — its provenance stays MERIDIAN —
 * and the record is logged as a CONFLICT; a newer provider change is applied and logged as a
 * CONFLICT all the same.
 */
export async function applyDealRecord(
  scope: ApplyScope,
  record: ExternalRecord,
  values: LocalValues,
  clients?: DealClients,
): Promise<ApplyOutcome> {
  const { tx } = scope;
  const associations = (record.associations ?? []).map((a) => `${a.objectType}:${a.externalId}`).sort();
  const hash = contentHash(SyncObjectType.DEAL, {
    ...values,
    pipeline: record.stage?.pipelineId,
    associations: associations.join(','),
  });
  const link = await tx.findOne(EntityLink, {
    connection: scope.connectionId,
    kind: SyncObjectType.DEAL,
    externalId: record.externalId,
  });
  if (link && link.hash === hash) return { action: 'skipped', message: 'unchanged since the last sync' };

  const wanted: Partial<Record<DealField, string>> = {};
  if (values.title) wanted.title = values.title.replace(/\s+/g, ' ').trim().slice(0, 200);
  if (values.amount) wanted.amount = values.amount.trim();
  const closeDate = dateOf(values.expectedCloseDate);
  if (closeDate) wanted.expectedCloseDate = closeDate;
  let target: { pipeline: Pipeline; stage: PipelineStage } | null = null;
  if (values.stage && record.stage) {
    const found = await meridianStageFor(tx, record.stage);
    if (typeof found === 'string') return { action: 'failed', message: found };
    target = found;
    wanted.stage = found.stage.id;
  }
  const reason = values.lostReason?.replace(/\s+/g, ' ').trim();
  if (reason && target?.stage.kind === StageKind.LOST) wanted.lostReason = reason.slice(0, 500);
  const currency = values.currency?.trim() || undefined;
  // The provider's values as applied now (its own stage id), remembered in the link for next time.
  const synced: Record<string, string | null> = {
    title: values.title ?? null,
    amount: values.amount ?? null,
    currency: values.currency ?? null,
    expectedCloseDate: values.expectedCloseDate ?? null,
    stage: values.stage ? (record.stage?.stageId ?? values.stage) : null,
    lostReason: values.lostReason ?? null,
  };
  const amountInput = wanted.amount ? { amount: wanted.amount, currency } : undefined;

  try {
    return await tx.transactional(async (sp) => {
      const existing = link ? await sp.findOne(Deal, { id: link.localId }) : null;
      const client = (clients ?? (await dealClients({ ...scope, tx: sp }, [record])))(record);
      synced.client = client?.id ?? null;
      if (client) wanted.client = client.id;
      let deal: Deal;
      let written: DealField[];
      let outcome: ApplyOutcome;
      let clientKept: string | undefined;
      if (!existing) {
        if (!client)
          return {
            action: 'failed' as const,
            message: 'none of the contacts or companies associated with this deal is synced to Meridian',
          };
        if (!wanted.title) return { action: 'failed' as const, message: 'the deal has no name (title is required)' };
        deal = await deals.create(sp, scope.trigger, {
          title: wanted.title,
          clientId: client.nodeId,
          pipelineId: target?.pipeline.nodeId,
          stageId: target?.stage.nodeId,
          amount: amountInput,
          expectedCloseDate: wanted.expectedCloseDate,
        });
        if (wanted.lostReason)
          deal = await deals.update(sp, scope.trigger, { id: deal.nodeId, lostReason: wanted.lostReason });
        written = Object.keys(wanted) as DealField[];
        outcome = { action: 'created', message: `created deal ${deal.title}`, record: { type: 'Deal', id: deal.id } };
      } else {
        deal = existing;
        const edited = await localEditsSince(sp, deal.id, link!.syncedAt);
        const current: Partial<Record<DealField, string | null>> = {
          title: deal.title,
          amount: deal.amount ? deal.amount.amount : null,
          expectedCloseDate: deal.expectedCloseDate ?? null,
          stage: refId(deal.stage) ?? null,
          lostReason: deal.lostReason ?? null,
          client: refId(deal.client) ?? null,
        };
        const differs = (f: DealField) =>
          wanted[f] !== undefined &&
          (f === 'amount' ? Number(current.amount ?? NaN) !== Number(wanted.amount) : current[f] !== wanted[f]);
        const changed = (Object.keys(wanted) as DealField[]).filter(differs);
        if (
          amountInput?.currency &&
          deal.amount &&
          deal.amount.currency !== amountInput.currency.toUpperCase() &&
          !changed.includes('amount')
        )
          changed.push('amount');
        // What the provider changed since the last sync (all of it when the link predates syncedValues).
        const before = link!.syncedValues;
        const providerChanged = (f: DealField) =>
          !before ||
          // A link remembered before clients followed associations: assume the client unchanged.
          (f === 'client' && !('client' in before)
            ? false
            : f === 'amount'
              ? before.amount !== (synced.amount ?? null) || before.currency !== (synced.currency ?? null)
              : before[f] !== (synced[f] ?? null));
        const kept: DealField[] = [];
        const overridden: DealField[] = [];
        const quiet: DealField[] = [];
        for (const f of changed) {
          const localAt = edited.get(f);
          if (!localAt) continue;
          if (!providerChanged(f)) quiet.push(f);
          else if (!record.updatedAt || localAt >= record.updatedAt) kept.push(f);
          else overridden.push(f);
        }
        // A field edited only in Meridian keeps its value (no conflict); both edited: the newer wins.
        written = changed.filter((f) => !kept.includes(f) && !quiet.includes(f));
        // A lost reason alone is an update of a lost deal; with a stage move it goes with the move.
        if (written.includes('lostReason') && !written.includes('stage') && deal.status !== DealStatus.LOST)
          written = written.filter((f) => f !== 'lostReason');
        const viaUpdate = () =>
          written.filter((f) => f !== 'stage' && (f !== 'lostReason' || !written.includes('stage')));
        const update = () => {
          const w = viaUpdate();
          return deals.update(sp, scope.trigger, {
            id: deal.nodeId,
            title: w.includes('title') ? wanted.title : undefined,
            amount: w.includes('amount') ? amountInput : undefined,
            expectedCloseDate: w.includes('expectedCloseDate') ? wanted.expectedCloseDate : undefined,
            clientId: w.includes('client') ? toGlobalId('Client', wanted.client!) : undefined,
            lostReason: w.includes('lostReason') ? wanted.lostReason : undefined,
          });
        };
        if (viaUpdate().length)
          try {
            deal = await update();
          } catch (err) {
            // The new client refused (the deal's records of its current client): the rest still applies.
            if (!(err instanceof ValidationFailed) || !written.includes('client')) throw err;
            clientKept = err.message;
            written = written.filter((f) => f !== 'client');
            if (viaUpdate().length) deal = await update();
          }
        if (written.includes('stage') && target)
          deal = await deals.move(sp, scope.trigger, deal.nodeId, target.stage.nodeId, wanted.lostReason);
        const conflict = kept.length + overridden.length > 0;
        const notes = [
          kept.length ? `kept Meridian's newer ${kept.join(', ')} (edited here since the last sync)` : '',
          overridden.length
            ? `${scope.provider}'s newer ${overridden.join(', ')} replaced Meridian's edit since the last sync`
            : '',
        ].filter(Boolean);
        outcome = {
          action: written.length ? 'updated' : 'skipped',
          message:
            (written.length
              ? `updated deal ${deal.title}: ${written.join(', ')}`
              : `deal ${deal.title} already up to date`) +
            (clientKept ? `; client kept: ${clientKept}` : '') +
            (notes.length ? `; conflict: ${notes.join('; ')}` : ''),
          record: { type: 'Deal', id: deal.id },
          conflict,
        };
      }
      if (link) {
        link.hash = hash;
        link.localId = deal.id;
        link.syncedAt = new Date();
        link.syncedValues = synced;
        sp.persist(link);
      } else {
        sp.create(EntityLink, {
          connection: scope.connectionId,
          kind: SyncObjectType.DEAL,
          externalId: record.externalId,
          localType: 'Deal',
          localId: deal.id,
          hash,
          syncedAt: new Date(),
          syncedValues: synced,
        });
      }
      if (written.length)
        await recordFieldSources(sp, scope, [{ recordType: 'Deal', recordId: deal.id, fields: written }]);
      else await sp.flush();
      return outcome;
    });
  } catch (err) {
    if (err instanceof ValidationFailed) return { action: 'failed', message: err.message };
    throw err;
  }
}
