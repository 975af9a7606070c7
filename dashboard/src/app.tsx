import { type FormEvent, useEffect, useMemo, useState } from 'react';

import { Api } from './client';
import { type PageConfig, storedToken, storeToken } from './config';
import {
  DashboardContextDocument,
  type DashboardContextQuery,
  DashboardTimelineAddedDocument,
  DashboardTimelineDocument,
  type DashboardTimelineEventFragment,
} from './generated/graphql';
import { type Live, LiveContext, type Topic, TOPIC_EVENTS, useVersions } from './live';
import { FunnelPanel } from './panels/funnel';
import { Kpis } from './panels/kpis';
import { RenewalsPanel } from './panels/renewals';
import { RepsPanel } from './panels/reps';
import { SyncPanel } from './panels/sync';
import { TeamPanel } from './panels/team';
import { TimelinePanel } from './panels/timeline';

/** The windows the analytics cover: deals, practices and clients created from `days` ago. */
const PERIODS = [
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
  { id: '365d', label: 'Last 12 months', days: 365 },
  { id: 'all', label: 'All time', days: undefined },
] as const;
type PeriodId = (typeof PERIODS)[number]['id'];

/** The window's start (an instant, so the tenant's time zone does not matter), or undefined for all time. */
function periodStart(id: PeriodId): string | undefined {
  const days = PERIODS.find((p) => p.id === id)!.days;
  return days === undefined ? undefined : new Date(Date.now() - days * 86_400_000).toISOString();
}

/** The page: asks for a token when it has none, then shows the dashboard. */
export function App({ config }: { config: PageConfig }) {
  const [token, setToken] = useState(config.serverToken ?? storedToken(config.api));
  if (!token)
    return (
      <TokenForm
        api={config.api}
        onToken={(t) => {
          storeToken(config.api, t);
          setToken(t);
        }}
      />
    );
  return (
    <Dashboard
      api={config.api}
      token={token}
      onSignOut={
        config.serverToken
          ? undefined
          : () => {
              storeToken(config.api, undefined);
              setToken(undefined);
            }
      }
    />
  );
}

function TokenForm({ api, onToken }: { api: string; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const token = value.trim();
    if (!token) return;
    const probe = new Api(api, token);
    probe.query(DashboardContextDocument).then(
      () => {
        probe.dispose();
        onToken(token);
      },
      (err: unknown) => {
        probe.dispose();
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };
  return (
    <main className="login">
      <form onSubmit={submit} data-testid="token-form">
        <h1>Meridian dashboard</h1>
        <p className="muted">
          A token for <code>{api}</code> (<code>npm run token</code>). It is kept in this tab only (session storage).
        </p>
        <label>
          Token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Open the dashboard</button>
      </form>
    </main>
  );
}

function Dashboard({ api: url, token, onSignOut }: { api: string; token: string; onSignOut?: () => void }) {
  const [socket, setSocket] = useState<'connected' | 'closed'>('closed');
  const api = useMemo(() => new Api(url, token, setSocket), [url, token]);
  useEffect(() => () => api.dispose(), [api]);
  const { versions, changed } = useVersions();
  const live: Live = useMemo(() => ({ api, versions, changed }), [api, versions, changed]);
  const [context, setContext] = useState<DashboardContextQuery>();
  const [error, setError] = useState<string>();
  const [events, setEvents] = useState<DashboardTimelineEventFragment[]>([]);
  const [subscribed, setSubscribed] = useState(false);
  const [period, setPeriod] = useState<PeriodId>('365d');
  const from = useMemo(() => periodStart(period), [period]);
  const [pipelineId, setPipelineId] = useState<string>();
  const pipeline = pipelineId ?? context?.pipelines.find((p) => p.isDefault)?.id ?? context?.pipelines[0]?.id;

  useEffect(() => {
    api
      .query(DashboardContextDocument)
      .then(setContext, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api]);

  // The timeline: the latest page, then every event committed after it (no gap), live. Each event
  // marks the topics it changes, so the panels re-read their numbers: no polling.
  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    let stopped = false;
    api.query(DashboardTimelineDocument).then(
      (d) => {
        if (stopped) return;
        const first = d.timeline.nodes;
        setEvents(first);
        unsubscribe = api.subscribe(
          DashboardTimelineAddedDocument,
          { after: first[0]?.cursor },
          ({ timelineEventAdded: e }) => {
            setEvents((list) => (list.some((x) => x.id === e.id) ? list : [e, ...list].slice(0, 30)));
            const topics = (Object.keys(TOPIC_EVENTS) as Topic[]).filter((t) => TOPIC_EVENTS[t](e.type));
            if (topics.length) changed(topics);
          },
          (err) => console.warn('timelineEventAdded', err),
        );
        setSubscribed(true);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      stopped = true;
      unsubscribe?.();
    };
  }, [api, changed]);

  return (
    <LiveContext.Provider value={live}>
      <header className="top">
        <h1>
          Meridian <span className="muted">· {context?.tenant.name ?? '…'}</span>
        </h1>
        <div className="who">
          <label>
            Period{' '}
            <select value={period} onChange={(e) => setPeriod(e.target.value as PeriodId)} data-testid="period">
              {PERIODS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          {context && context.pipelines.length > 1 && (
            <select value={pipeline} onChange={(e) => setPipelineId(e.target.value)} aria-label="Pipeline">
              {context.pipelines.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
          {context?.viewer?.name}
          {onSignOut && (
            <button type="button" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      {error && (
        <p className="error banner" role="alert">
          {error}
        </p>
      )}
      <Kpis from={from} />
      <main
        className="grid"
        data-testid="dashboard"
        data-ready={context && subscribed ? 'true' : 'false'}
        data-from={from ?? ''}
        data-pipeline={pipeline ?? ''}
      >
        {pipeline && <FunnelPanel pipelineId={pipeline} from={from} />}
        <RepsPanel from={from} timeframe="MONTH" />
        <TeamPanel />
        <RenewalsPanel />
        <TimelinePanel events={events} live={socket === 'connected' && subscribed} />
        <SyncPanel />
      </main>
    </LiveContext.Provider>
  );
}
