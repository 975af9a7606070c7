import { useEffect, useState } from 'react';

import { fmt } from '../format';
import {
  type DashboardRenewalAlertFragment,
  DashboardRenewalRaisedDocument,
  DashboardRenewalsDocument,
} from '../generated/graphql';
import { useLive, useLiveQuery } from '../live';
import { Panel } from './panel';

/** Days ahead the panel looks for expiring practices. */
export const RENEWAL_WINDOW_DAYS = 30;

/**
 * Renewals due: practices expiring within 30 days and the open alerts. An alert raised
 * (`renewalAlertRaised`) shows at once, marked new; the lists are re-read on practice and alert events.
 */
export function RenewalsPanel() {
  const { api, changed } = useLive();
  const q = useLiveQuery((a) => a.query(DashboardRenewalsDocument, { withinDays: RENEWAL_WINDOW_DAYS }), 'renewals', [
    'renewals',
  ]);
  const [raised, setRaised] = useState<DashboardRenewalAlertFragment[]>([]);
  useEffect(
    () =>
      api.subscribe(
        DashboardRenewalRaisedDocument,
        {},
        (d) => {
          setRaised((r) => [d.renewalAlertRaised, ...r.filter((a) => a.id !== d.renewalAlertRaised.id)].slice(0, 5));
          changed(['renewals']);
        },
        (e) => console.warn('renewalAlertRaised', e),
      ),
    [api, changed],
  );
  const data = q.data;
  const listed = new Set(data?.renewalAlerts.nodes.map((a) => a.id));
  const alerts = [...raised.filter((a) => !listed.has(a.id)), ...(data?.renewalAlerts.nodes ?? [])];
  const fresh = new Set(raised.map((a) => a.id));
  return (
    <Panel title="Renewals due" testId="renewals" state={q}>
      {data && (
        <>
          <div className="stats">
            <div>
              <b data-testid="renewals-due-count">{data.upcomingRenewals.totalCount}</b> expiring within{' '}
              {RENEWAL_WINDOW_DAYS} days
            </div>
            <div>
              <b data-testid="renewal-alerts-count">{data.renewalAlerts.totalCount}</b> open alerts
            </div>
          </div>
          <h3>Open alerts</h3>
          <ul className="list" data-testid="renewal-alerts">
            {alerts.slice(0, 8).map((a) => (
              <li
                key={a.id}
                data-testid="renewal-alert"
                data-id={a.id}
                className={fresh.has(a.id) ? 'fresh' : undefined}
              >
                <span>
                  {a.client?.fullName ?? '—'} · {a.practice?.type.name ?? 'practice'}
                </span>
                <span className="muted">
                  expires {fmt.date(a.expiryDate)} · {a.daysBefore} d alert · {a.status.toLowerCase()}
                </span>
              </li>
            ))}
            {!alerts.length && <li className="muted">No open alerts.</li>}
          </ul>
          <h3>Expiring soon</h3>
          <ul className="list" data-testid="renewals-due">
            {data.upcomingRenewals.nodes.map((p) => (
              <li key={p.id} data-id={p.id}>
                <span>
                  {p.client.fullName} · {p.type.name}
                </span>
                <span className="muted">
                  {p.expiryDate ? fmt.date(p.expiryDate) : '—'} · {p.assignedTo?.name ?? 'unassigned'}
                </span>
              </li>
            ))}
            {!data.upcomingRenewals.nodes.length && (
              <li className="muted">Nothing expires within {RENEWAL_WINDOW_DAYS} days.</li>
            )}
          </ul>
        </>
      )}
    </Panel>
  );
}
