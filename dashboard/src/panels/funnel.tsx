import { useMemo } from 'react';

import { BarChart } from '../chart';
import { fmt } from '../format';
import { DashboardFunnelDocument } from '../generated/graphql';
import { useLiveQuery } from '../live';
import { Panel } from './panel';

/** The pipeline funnel (`pipelineFunnel`) over the deals created in the window. */
export function FunnelPanel({ pipelineId, from }: { pipelineId: string; from: string | undefined }) {
  const q = useLiveQuery(
    (a) => a.query(DashboardFunnelDocument, { pipelineId, from }),
    `funnel:${pipelineId}:${from}`,
    ['analytics'],
  );
  const f = q.data?.pipelineFunnel;
  const chart = useMemo(
    () =>
      f && {
        labels: f.stages.map((s) => s.stage.name),
        datasets: [
          { label: 'Entered', data: f.stages.map((s) => s.entered) },
          { label: 'Converted to next', data: f.stages.map((s) => s.convertedToNext) },
        ],
      },
    [f],
  );
  return (
    <Panel title="Pipeline funnel" testId="funnel" state={q}>
      {f && chart && (
        <>
          <p className="muted">
            <span data-testid="funnel-deals" data-value={f.deals}>
              {fmt.int(f.deals)}
            </span>{' '}
            deals · {fmt.int(f.won)} won · {fmt.int(f.lost)} lost · overall conversion{' '}
            {fmt.pct(f.overallConversionRate)}
          </p>
          <BarChart label="Deals entering and leaving each stage" testId="funnel-chart" horizontal {...chart} />
          <table className="numbers">
            <thead>
              <tr>
                <th>Stage</th>
                <th>Entered</th>
                <th>Converted</th>
                <th>Conversion</th>
                <th>Drop-off</th>
                <th>Avg days</th>
              </tr>
            </thead>
            <tbody>
              {f.stages.map((s) => (
                <tr key={s.stage.id} data-stage={s.stage.id}>
                  <td>{s.stage.name}</td>
                  <td data-testid={`funnel-entered-${s.stage.id}`} data-value={s.entered}>
                    {fmt.int(s.entered)}
                  </td>
                  <td>{fmt.int(s.convertedToNext)}</td>
                  <td>{fmt.pct(s.conversionRate)}</td>
                  <td>{fmt.pct(s.dropOffRate)}</td>
                  <td>{s.averageDaysInStage === null ? '—' : s.averageDaysInStage.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}
