import { fmt } from '../format';
import type { DashboardTimelineEventFragment } from '../generated/graphql';
import { Panel } from './panel';

/** The live timeline: the latest events, new ones on top as they are committed. */
export function TimelinePanel({ events, live }: { events: DashboardTimelineEventFragment[]; live: boolean }) {
  return (
    <Panel title="Live timeline" testId="timeline" className="timeline">
      <p className="muted">
        <span className={live ? 'dot on' : 'dot'} data-testid="live-indicator" data-live={live ? 'true' : 'false'} />{' '}
        {live ? 'live' : 'connecting…'}
      </p>
      <ol className="list" data-testid="timeline-events">
        {events.map((e) => (
          <li key={e.id} data-type={e.type}>
            <span>{e.summary}</span>
            <span className="muted">
              {fmt.time(e.occurredAt)} · {e.actorLabel}
            </span>
          </li>
        ))}
        {!events.length && <li className="muted">Nothing yet.</li>}
      </ol>
    </Panel>
  );
}
