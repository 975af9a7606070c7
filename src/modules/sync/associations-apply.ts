import { Client } from '../clients/client.entity.js';
import { ClientKind } from '../clients/client.enums.js';
import type { ApplyScope } from './client-apply.js';
import { EntityLink } from './entity-link.entity.js';
import type { ExternalRecord } from './provider.js';
import { SyncObjectType } from './sync.enums.js';

/**
 * Mirrors a provider's contact↔company associations onto Meridian's client → organization link,
 * whichever side arrives second: a contact associated with an already linked company gets it as
 * its organization; a company associated with already linked contacts becomes theirs. Through
 * ClientService, so events and validation hold. Returns the number of links changed.
 */
export async function applyOrganizationLinks(
  scope: ApplyScope,
  record: ExternalRecord,
  local: Client,
): Promise<number> {
  const other = record.objectType === SyncObjectType.CONTACT ? SyncObjectType.COMPANY : SyncObjectType.CONTACT;
  if (record.objectType === SyncObjectType.DEAL) return 0;
  const ids = (record.associations ?? []).filter((a) => a.objectType === other).map((a) => a.externalId);
  if (!ids.length) return 0;
  const links = await scope.tx.find(EntityLink, {
    connection: scope.connectionId,
    kind: other,
    externalId: { $in: ids },
  });
  let changed = 0;
  const link = async (person: string, organization: Client | string) => {
    const orgId = typeof organization === 'string' ? organization : organization.id;
    const client = await scope.tx.findOne(Client, { id: person });
    if (!client || client.kind !== ClientKind.PERSON || client.organization?.id === orgId) return;
    const org = typeof organization === 'string' ? await scope.tx.findOne(Client, { id: organization }) : organization;
    if (!org || org.kind !== ClientKind.ORGANIZATION) return;
    await scope.clients.update(scope.tx, scope.trigger, { id: client.nodeId, organizationId: org.nodeId });
    changed++;
  };
  if (record.objectType === SyncObjectType.CONTACT) {
    // A contact has one organization in Meridian: its first associated company that is linked.
    if (links[0]) await link(local.id, links[0].localId);
  } else {
    for (const l of links) await link(l.localId, local);
  }
  return changed;
}
