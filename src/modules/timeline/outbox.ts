import type { EventSubscriber, MikroORM, TransactionEventArgs } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

import { PRINCIPAL_CHANGES_TOPIC, type PrincipalChange } from '../../platform/auth/principal-changes.js';
import type { Logger } from '../../platform/logger.js';
import { type PubSub, tenantTopic } from '../../platform/pubsub.js';
import { TimelineEventType } from './timeline-event.enums.js';

/** What subscribers receive for each committed timeline event. */
export interface TimelinePayload {
  id: string;
  seq: string;
  /** Delivery position (commit order): payloads of a tenant are published in increasing position. */
  position: string;
  type: TimelineEventType;
  clientId: string | null;
  /** Entity type and row id of the event's subject (e.g. RenewalAlert and its id). */
  subjectType: string;
  subjectId: string;
}

/**
 * The advisory lock of the relay: held by the one relay round that assigns positions and
 * publishes, until it commits; readers of positions take it shared to wait for a round in progress.
 */
export const RELAY_LOCK = 4_152_730_001;

/**
 * Events about a team member that may change what their WebSockets may do: besides the timeline,
 * the relay announces each as a `memberEvent` {@link PrincipalChange}, so that a change written by
 * any process (the `token` command while the server runs) reaches the sockets of every instance.
 */
const MEMBER_EVENTS: ReadonlySet<TimelineEventType> = new Set([
  TimelineEventType.TEAM_MEMBER_UPDATED,
  TimelineEventType.TEAM_MEMBER_DEACTIVATED,
  TimelineEventType.TEAM_MEMBER_REACTIVATED,
]);

/** Topic of a tenant's timeline events. */
export function timelineTopic(tenantId: string): string {
  return tenantTopic(tenantId, 'timeline');
}

/** Options of the {@link OutboxRelay}. */
export interface OutboxOptions {
  /** How often to look for events committed but not published (crash, Redis down). Default 1000 ms. */
  pollMs?: number;
  /** Events claimed per round. Default 200. */
  batchSize?: number;
}

/**
 * The transactional outbox of the timeline. Every event row is written in the transaction of its
 * change with `position` (and `published_at`) null. After each commit the relay is kicked; one
 * relay round at a time, across all processes (an advisory lock held until the round commits),
 * takes the committed events without a position, gives them the next positions in sequence order,
 * publishes them in that order and marks them in the same transaction. So delivery order is
 * position order, and a position is given only to a committed event and only after every smaller
 * one committed: a resume from a position never skips an event that committed late (a reader that
 * takes the lock shared sees every position published before it). If publishing fails or the
 * process dies, the transaction rolls back and the rows are positioned and published again later
 * (on any instance; the burnt positions are never reused): delivery is at-least-once, with stable
 * event ids.
 */
export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly pollMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
    options: OutboxOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 200;
  }

  /** Starts polling and kicks the relay after every commit of the ORM. */
  start(): void {
    this.orm.em.getEventManager().registerSubscriber(new KickOnCommit(() => this.kick()));
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Asks for a round soon; rounds never overlap, and a kick during a round runs one more. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.round()) === this.batchSize && !this.stopped);
        } while (this.again && !this.stopped);
      } catch (err) {
        this.logger.warn({ err }, 'outbox relay round failed; will retry');
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Stops polling and waits for the round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: claim, publish and mark up to `batchSize` events; returns how many. */
  private async round(): Promise<number> {
    // A fork with its own event manager, so this commit does not kick the relay again.
    const em = this.orm.em.fork({ freshEventManager: true, useContext: false }) as SqlEntityManager;
    return em.transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?)', [RELAY_LOCK]);
      const rows = await tx.execute<
        {
          id: string;
          seq: string;
          tenant_id: string;
          client_id: string | null;
          type: TimelineEventType;
          subject_type: string;
          subject_id: string;
        }[]
      >(
        `select id, seq, tenant_id, client_id, type, subject_type, subject_id from timeline_event
          where "position" is null order by seq limit ?`,
        [this.batchSize],
      );
      if (!rows.length) return 0;
      const [{ last }] = await tx.execute<{ last: string }[]>(
        `select setval('timeline_event_position_seq', nextval('timeline_event_position_seq') + ? - 1) as last`,
        [rows.length],
      );
      const first = BigInt(last) - BigInt(rows.length) + 1n;
      rows.sort((x, y) => (BigInt(x.seq) < BigInt(y.seq) ? -1 : 1));
      const positioned = rows.map((r, i) => ({ ...r, position: String(first + BigInt(i)) }));
      await tx.execute(
        `update timeline_event t set "position" = v.position, published_at = now()
          from jsonb_to_recordset(?::jsonb) as v(id uuid, position bigint) where t.id = v.id`,
        [JSON.stringify(positioned.map(({ id, position }) => ({ id, position })))],
      );
      for (const r of positioned) {
        const payload: TimelinePayload = {
          id: r.id,
          seq: String(r.seq),
          position: r.position,
          type: r.type,
          clientId: r.client_id,
          subjectType: r.subject_type,
          subjectId: r.subject_id,
        };
        await this.pubsub.publish(timelineTopic(r.tenant_id), payload);
        if (MEMBER_EVENTS.has(r.type)) {
          const change: PrincipalChange = { kind: 'memberEvent', tenantId: r.tenant_id, memberId: r.subject_id };
          await this.pubsub.publish(PRINCIPAL_CHANGES_TOPIC, change);
        }
      }
      return rows.length;
    });
  }
}

/** Kicks the relay after every committed top-level transaction. */
class KickOnCommit implements EventSubscriber {
  constructor(private readonly kick: () => void) {}

  afterTransactionCommit(args: TransactionEventArgs): void {
    // MikroORM types the driver's transaction as `any`; only its savepoint name matters here.
    const transaction = args.transaction as { savepointName?: string } | undefined;
    if (!transaction?.savepointName) this.kick();
  }

  afterFlush(args: { em: { isInTransaction(): boolean } }): void {
    // A flush outside an explicit transaction commits its own implicit one.
    if (!args.em.isInTransaction()) this.kick();
  }
}
