import { CloseCode } from 'graphql-ws';

import type { Authenticate, Credentials, Principal } from '../auth/principal.js';
import type { PrincipalChange } from '../auth/principal-changes.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';

/** What the registry needs of a `ws` WebSocket. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** An authenticated graphql-ws socket: its credentials, and the principal they are now. */
export interface SocketConnection {
  readonly socket: ClosableSocket;
  readonly credentials: Credentials;
  /** The principal as last checked (a member's name may change; tenant, identity and role never do). */
  principal: Principal;
  /** Set once the socket is being closed for its credentials: nothing more runs for it. */
  ended: boolean;
  expiryTimer?: NodeJS.Timeout;
}

/** Why a re-check refused a socket's credentials. */
export type Refusal = { code: typeof CloseCode.Unauthorized | typeof CloseCode.Forbidden; reason: string };

/** The longest delay `setTimeout` accepts (about 24.8 days); longer expiries re-arm the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Concurrent re-authentications when every socket is re-checked at once. */
const RECHECK_CONCURRENCY = 8;

/**
 * The authenticated WebSockets of this instance, by principal, so that a socket never outlives
 * what authorised it:
 *
 * - **every operation** re-authenticates the socket's credentials ({@link recheck}: the same check,
 *   and the same one SQL statement, as an HTTP request), so a mutation sent by a member demoted a
 *   moment ago runs with the new role, or not at all;
 * - **a {@link PrincipalChange}** (revoked key, deactivated member, changed role), heard from any
 *   instance, closes that principal's sockets at once, without SQL ({@link apply}); a committed
 *   event about a member, from whatever process wrote it, re-authenticates that member's sockets;
 *   a closed socket receives no further event (the fan-out writes only to open sockets);
 * - **a token's `exp`** closes its socket then (a timer per socket);
 * - **after missed announcements** (the PubSub reconnected), {@link recheckAll} re-authenticates
 *   every socket.
 *
 * Refused credentials close the socket with 4401 Unauthorized (revoked, expired, deactivated) or
 * 4403 Forbidden (the role changed: reconnect to get the new one).
 */
export class ConnectionRegistry {
  private readonly byIdentity = new Map<string, Set<SocketConnection>>();

  constructor(
    private readonly authenticate: Authenticate,
    private readonly logger: Logger,
  ) {}

  /** Registers a socket that `credentials` authenticated as `principal`; forgotten when it closes. */
  add(socket: ClosableSocket, credentials: Credentials, principal: Principal): SocketConnection {
    const connection: SocketConnection = { socket, credentials, principal, ended: false };
    const key = identity(principal);
    let set = this.byIdentity.get(key);
    if (!set) this.byIdentity.set(key, (set = new Set()));
    set.add(connection);
    if (principal.expiresAt !== undefined) this.armExpiry(connection, principal.expiresAt);
    socket.once('close', () => {
      connection.ended = true;
      clearTimeout(connection.expiryTimer);
      const current = this.byIdentity.get(key);
      current?.delete(connection);
      if (current?.size === 0) this.byIdentity.delete(key);
    });
    return connection;
  }

  /** Open authenticated sockets (tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.byIdentity.values()) n += set.size;
    return n;
  }

  /**
   * Re-authenticates the socket's credentials: returns the current principal, or (after closing the
   * socket) why they no longer hold.
   */
  async recheck(connection: SocketConnection): Promise<{ principal: Principal } | { refused: Refusal }> {
    if (connection.ended) return { refused: { code: CloseCode.Unauthorized, reason: 'Unauthorized' } };
    let principal: Principal | null;
    try {
      principal = await this.authenticate(connection.credentials);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      principal = null;
    }
    const refusal: Refusal | undefined = !principal
      ? { code: CloseCode.Unauthorized, reason: 'Credentials no longer valid' }
      : principal.role !== connection.principal.role || principal.tenantId !== connection.principal.tenantId
        ? { code: CloseCode.Forbidden, reason: 'Role changed: reconnect' }
        : undefined;
    if (refusal || !principal) return { refused: this.end(connection, refusal!) };
    connection.principal = principal;
    return { principal };
  }

  /**
   * Applies an announced change to the sockets of its principal: without SQL for `member` and
   * `apiKey`; a `memberEvent` re-authenticates them (see {@link recheck}).
   */
  apply(change: PrincipalChange): void {
    const key = change.kind === 'apiKey' ? `k:${change.apiKeyId}` : `m:${change.memberId}`;
    const set = this.byIdentity.get(key);
    if (!set) return;
    for (const connection of [...set]) {
      if (connection.principal.tenantId !== change.tenantId) continue;
      if (change.kind === 'memberEvent') {
        this.recheck(connection).catch((err: unknown) =>
          this.logger.warn({ err }, 'could not re-check a WebSocket principal'),
        );
      } else if (change.kind === 'apiKey') {
        if (change.revoked) this.end(connection, { code: CloseCode.Unauthorized, reason: 'API key revoked' });
      } else if (!change.active) {
        this.end(connection, { code: CloseCode.Unauthorized, reason: 'Team member deactivated' });
      } else if (change.role !== connection.principal.role) {
        this.end(connection, { code: CloseCode.Forbidden, reason: 'Role changed: reconnect' });
      }
    }
  }

  /** Re-authenticates every socket (once per distinct credentials), e.g. after announcements may have been missed. */
  async recheckAll(): Promise<void> {
    const byCredentials = new Map<string, SocketConnection[]>();
    for (const set of this.byIdentity.values()) {
      for (const c of set) {
        const key = JSON.stringify([c.credentials.apiKey ?? null, c.credentials.authorization ?? null]);
        byCredentials.set(key, [...(byCredentials.get(key) ?? []), c]);
      }
    }
    const groups = [...byCredentials.values()];
    const worker = async () => {
      for (let group = groups.shift(); group; group = groups.shift()) {
        const [first, ...rest] = group;
        try {
          const checked = await this.recheck(first);
          for (const c of rest) {
            if ('refused' in checked) this.end(c, checked.refused);
            else if (checked.principal.role !== c.principal.role)
              this.end(c, { code: CloseCode.Forbidden, reason: 'Role changed: reconnect' });
          }
        } catch (err) {
          this.logger.warn({ err }, 'could not re-check a WebSocket principal');
        }
      }
    };
    await Promise.all(Array.from({ length: RECHECK_CONCURRENCY }, worker));
  }

  private armExpiry(connection: SocketConnection, expiresAt: number): void {
    const delay = expiresAt - Date.now();
    connection.expiryTimer = setTimeout(
      () =>
        delay > MAX_TIMER_MS
          ? this.armExpiry(connection, expiresAt)
          : this.end(connection, { code: CloseCode.Unauthorized, reason: 'Token expired' }),
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    connection.expiryTimer.unref();
  }

  private end(connection: SocketConnection, refusal: Refusal): Refusal {
    if (!connection.ended) {
      connection.ended = true;
      clearTimeout(connection.expiryTimer);
      connection.socket.close(refusal.code, refusal.reason);
    }
    return refusal;
  }
}

/** Who a principal is, whatever its role: a member or an API key. */
function identity(principal: Principal): string {
  return principal.kind === 'member' ? `m:${principal.memberId}` : `k:${principal.apiKeyId}`;
}
