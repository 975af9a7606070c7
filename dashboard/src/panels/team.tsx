import { useMemo } from 'react';

import { BarChart } from '../chart';
import { fmt, moneyList } from '../format';
import { DashboardTeamDocument } from '../generated/graphql';
import { useLiveQuery } from '../live';
import { Panel } from './panel';

/** Team workload (`teamOverview`): each member's open work right now. */
export function TeamPanel() {
  const q = useLiveQuery((a) => a.query(DashboardTeamDocument), 'team', ['analytics']);
  const rows = q.data?.teamOverview;
  const chart = useMemo(
    () =>
      rows && {
        labels: rows.map((r) => r.teamMember?.name ?? 'Unassigned'),
        datasets: [
          { label: 'Open practices', data: rows.map((r) => r.openPractices) },
          { label: 'Open tickets', data: rows.map((r) => r.openTickets) },
          { label: 'Open deals', data: rows.map((r) => r.openDeals) },
          { label: 'Renewals due', data: rows.map((r) => r.renewalsDue) },
        ],
      },
    [rows],
  );
  return (
    <Panel title="Team workload" testId="team" state={q}>
      {rows && chart && (
        <>
          <BarChart label="Open work per team member" testId="team-chart" stacked horizontal {...chart} />
          <table className="numbers">
            <thead>
              <tr>
                <th>Member</th>
                <th>Practices</th>
                <th>Tickets</th>
                <th>Deals</th>
                <th>Renewals</th>
                <th>Pipeline value</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const id = r.teamMember?.id ?? 'none';
                return (
                  <tr key={id}>
                    <td>{r.teamMember?.name ?? 'Unassigned'}</td>
                    <td>{fmt.int(r.openPractices)}</td>
                    <td>{fmt.int(r.openTickets)}</td>
                    <td data-testid={`team-deals-${id}`} data-value={r.openDeals}>
                      {fmt.int(r.openDeals)}
                    </td>
                    <td>{fmt.int(r.renewalsDue)}</td>
                    <td>{moneyList(r.pipelineValue)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
