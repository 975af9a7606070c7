import { Client } from '../clients/client.entity.js';
import type { ApplyScope } from './client-apply.js';
import { linksByExternalId } from './entity-link.entity.js';
import type { ExternalRecord } from './provider.js';
import { SyncObjectType } from './sync.enums.js';

/** A record applied to a client, whose associations are to be mirrored. */
export interface AppliedRecord {
  record: ExternalRecord;
  client: Client;
}

/**
 * Mirrors a provider's contact↔company associations onto Meridian's client → organization link,
 * whichever side arrives second: a contact associated with an already linked company gets it as
 * its organization (its first associated company that is linked: a person has one organization
 * in Meridian); a company associated with already linked contacts becomes theirs. For a whole
 * page at once, in a bounded number of statements whatever the page size: one per object type
 * for the entity links of the associated records, one to load their clients; the changes go
 * through ClientService (its rules and CLIENT_UPDATED events) and are written by the caller's
 * next flush. Returns the number of links changed.
 */
export async function applyOrganizationLinks(scope: ApplyScope, applied: AppliedRecord[]): Promise<number> {
  const otherSide = (r: ExternalRecord) =>
    r.objectType === SyncObjectType.CONTACT
      ? SyncObjectType.COMPANY
      : r.objectType === SyncObjectType.COMPANY
        ? SyncObjectType.CONTACT
        : null;
  const wanted = new Map<SyncObjectType, Set<string>>();
  for (const { record } of applied) {
    const other = otherSide(record);
    if (!other) continue;
    for (const a of record.associations ?? [])
      if (a.objectType === other) (wanted.get(other) ?? wanted.set(other, new Set()).get(other)!).add(a.externalId);
  }
  if (!wanted.size) return 0;
  const localOf = new Map<string, string>();
  for (const [kind, ids] of wanted)
    for (const l of await linksByExternalId(scope.tx, scope.connectionId, kind, ids))
      localOf.set(`${kind}:${l.externalId}`, l.localId);
  if (!localOf.size) return 0;
  const clients = new Map<string, Client>();
  for (const c of await scope.tx.find(Client, { id: { $in: [...new Set(localOf.values())] } })) clients.set(c.id, c);
  const pairs: { person: Client; organization: Client }[] = [];
  for (const { record, client } of applied) {
    const other = otherSide(record);
    const linked = (record.associations ?? [])
      .filter((a) => a.objectType === other)
      .map((a) => clients.get(localOf.get(`${other}:${a.externalId}`) ?? ''))
      .filter((c): c is Client => c !== undefined);
    if (record.objectType === SyncObjectType.CONTACT) {
      if (linked[0]) pairs.push({ person: client, organization: linked[0] });
    } else for (const person of linked) pairs.push({ person, organization: client });
  }
  return scope.clients.linkOrganizations(scope.tx, scope.trigger, pairs).length;
}
