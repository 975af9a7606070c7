import { fmt, moneyList, moneyValue } from '../format';
import { DashboardKpisDocument } from '../generated/graphql';
import { useLiveQuery } from '../live';

/** The header's figures (`dashboardKpis`): now, and over the chosen window. */
export function Kpis({ from }: { from: string | undefined }) {
  const q = useLiveQuery((a) => a.query(DashboardKpisDocument, { from }), `kpis:${from}`, ['analytics']);
  const k = q.data?.dashboardKpis;
  const items: { id: string; label: string; text: string; value: string }[] = k
    ? [
        { id: 'clients', label: 'Clients', text: fmt.int(k.clients), value: String(k.clients) },
        { id: 'new-clients', label: 'New clients', text: fmt.int(k.newClients), value: String(k.newClients) },
        {
          id: 'active-practices',
          label: 'Active practices',
          text: fmt.int(k.activePractices),
          value: String(k.activePractices),
        },
        { id: 'open-deals', label: 'Open deals', text: fmt.int(k.openDeals), value: String(k.openDeals) },
        {
          id: 'pipeline-value',
          label: 'Pipeline value',
          text: moneyList(k.pipelineValue, true),
          value: moneyValue(k.pipelineValue),
        },
        {
          id: 'won',
          label: 'Won',
          text: `${fmt.int(k.dealsWon)} · ${moneyList(k.wonValue, true)}`,
          value: String(k.dealsWon),
        },
        {
          id: 'conversion',
          label: 'Conversion',
          text: fmt.pct(k.conversionRate),
          value: String(k.conversionRate ?? ''),
        },
        {
          id: 'renewals-due',
          label: 'Renewals due (30 d)',
          text: fmt.int(k.renewalsDue),
          value: String(k.renewalsDue),
        },
      ]
    : [];
  return (
    <section
      className="kpis"
      data-testid="panel-kpis"
      data-loading={q.loading ? 'true' : 'false'}
      aria-label="Key figures"
    >
      {q.error && (
        <p className="error" role="alert">
          {q.error}
        </p>
      )}
      {items.map((i) => (
        <div className="kpi" key={i.id}>
          <div className="label">{i.label}</div>
          <div className="value" data-testid={`kpi-${i.id}`} data-value={i.value}>
            {i.text}
          </div>
        </div>
      ))}
    </section>
  );
}
