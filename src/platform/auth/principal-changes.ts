import type { Logger } from '../logger.js';
import type { PubSub } from '../pubsub.js';
import type { Role } from './role.js';

/**
 * A change to what a principal may do, announced to every API instance (through the PubSub: Redis
 * when configured) so that WebSockets authenticated as that principal stop at once: a revoked API
 * key or a deactivated member is closed with 4401, a member whose role changed with 4403.
 *
 * - `member` and `apiKey`: announced by the mutation that made the change, right after its commit,
 *   with what the principal is now (the sockets are closed without SQL);
 * - `memberEvent`: announced by the outbox relay for every committed TEAM_MEMBER_UPDATED,
 *   TEAM_MEMBER_DEACTIVATED or TEAM_MEMBER_REACTIVATED event, whichever process wrote it (the
 *   `token` command changing a role, while the server runs, included): that member's sockets are
 *   re-authenticated (one statement per socket) and closed if they no longer hold.
 */
export type PrincipalChange =
  | { kind: 'member'; tenantId: string; memberId: string; role: Role; active: boolean }
  | { kind: 'apiKey'; tenantId: string; apiKeyId: string; revoked: boolean }
  | { kind: 'memberEvent'; tenantId: string; memberId: string };

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
