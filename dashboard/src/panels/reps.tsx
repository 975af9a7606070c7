import { useMemo } from 'react';

import { BarChart } from '../chart';
import { fmt, moneyList } from '../format';
import { DashboardRepsDocument, type Timeframe } from '../generated/graphql';
import { useLiveQuery } from '../live';
import { Panel } from './panel';

/** Rep performance (`repPerformance`): deals created, won and lost per team member in the window. */
export function RepsPanel({ from, timeframe }: { from: string | undefined; timeframe: Timeframe }) {
  const q = useLiveQuery((a) => a.query(DashboardRepsDocument, { from, timeframe }), `reps:${from}:${timeframe}`, [
    'analytics',
  ]);
  const members = q.data?.repPerformance.members;
  const chart = useMemo(
    () =>
      members && {
        labels: members.map((m) => m.teamMember?.name ?? 'No owner'),
        datasets: [
          { label: 'Created', data: members.map((m) => m.dealsCreated) },
          { label: 'Won', data: members.map((m) => m.dealsWon) },
          { label: 'Lost', data: members.map((m) => m.dealsLost) },
        ],
      },
    [members],
  );
  return (
    <Panel title="Rep performance" testId="reps" state={q}>
      {members && chart && (
        <>
          <BarChart label="Deals created, won and lost per team member" testId="reps-chart" {...chart} />
          <table className="numbers">
            <thead>
              <tr>
                <th>Member</th>
                <th>Created</th>
                <th>Won</th>
                <th>Win rate</th>
                <th>Won value</th>
                <th>Days to close</th>
                <th>Won / week</th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.teamMember?.id ?? 'none'}>
                  <td>{m.teamMember?.name ?? 'No owner'}</td>
                  <td data-testid={`reps-created-${m.teamMember?.id ?? 'none'}`} data-value={m.dealsCreated}>
                    {fmt.int(m.dealsCreated)}
                  </td>
                  <td>{fmt.int(m.dealsWon)}</td>
                  <td>{fmt.pct(m.winRate)}</td>
                  <td>{moneyList(m.wonValue)}</td>
                  <td>{m.averageDaysToClose === null ? '—' : m.averageDaysToClose.toFixed(1)}</td>
                  <td>{m.velocity.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
