import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import type { Role } from './role.js';

/**
 * A change to what a principal may do, announced to every API instance (through the PubSub: Redis
 * when configured) so that WebSockets authenticated as that principal stop at once: a revoked API
 * key or a deactivated member is closed with 4401, a member whose role changed with 4403.
 */
export type PrincipalChange =
  | { kind: 'member'; tenantId: string; memberId: string; role: Role; active: boolean }
  | { kind: 'apiKey'; tenantId: string; apiKeyId: string; revoked: boolean };

/** The PubSub topic of {@link PrincipalChange}s (one for the deployment: few, and every instance needs all). */
export const PRINCIPAL_CHANGES_TOPIC = 'principals';

/**
 * Announces a committed change of a principal. A publishing failure is logged, never fails the
 * committed change: the instances re-check every socket when their PubSub reconnects, and every
 * operation sent over a socket re-checks its credentials anyway.
 */
export async function announcePrincipalChange(pubsub: PubSub, change: PrincipalChange, logger: Logger): Promise<void> {
  try {
    await pubsub.publish(PRINCIPAL_CHANGES_TOPIC, change);
  } catch (err) {
    logger.warn({ err, change }, 'could not announce a principal change to the WebSockets');
  }
}
