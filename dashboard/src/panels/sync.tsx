import { useEffect, useState } from 'react';

import { fmt } from '../format';
import {
  DashboardSyncProgressDocument,
  type DashboardSyncRunFragment,
  DashboardSyncRunsDocument,
} from '../generated/graphql';
import { useLive } from '../live';
import { Panel } from './panel';

/** Runs shown, newest first. */
const SHOWN = 6;
/** Statuses after which a run no longer moves. */
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * The later of two states of one run: a final state beats a running one, then the later `updatedAt`,
 * then the larger `processed` (the list and the subscription can deliver them in either order).
 */
function later(a: DashboardSyncRunFragment, b: DashboardSyncRunFragment): DashboardSyncRunFragment {
  if (FINAL.has(a.status) !== FINAL.has(b.status)) return FINAL.has(a.status) ? a : b;
  const ta = new Date(a.updatedAt).getTime();
  const tb = new Date(b.updatedAt).getTime();
  if (ta !== tb) return ta > tb ? a : b;
  return a.processed >= b.processed ? a : b;
}

/** `runs` with `run` merged in (by id), newest first. */
function merge(runs: DashboardSyncRunFragment[], run: DashboardSyncRunFragment): DashboardSyncRunFragment[] {
  const old = runs.find((r) => r.id === run.id);
  const next = [old ? later(old, run) : run, ...runs.filter((r) => r.id !== run.id)];
  return next.sort((x, y) => new Date(y.createdAt).getTime() - new Date(x.createdAt).getTime()).slice(0, SHOWN);
}

/**
 * Sync runs with progress bars: the latest runs once, then every run of the tenant as `syncProgress`
 * streams it (at most a few events per second per run, the final state always) — no polling.
 */
export function SyncPanel() {
  const { api } = useLive();
  const [runs, setRuns] = useState<DashboardSyncRunFragment[]>([]);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    let stopped = false;
    // Subscribe first, then read the list: a run that moves in between is not missed.
    const unsubscribe = api.subscribe(
      DashboardSyncProgressDocument,
      {},
      (d) => setRuns((list) => merge(list, d.syncProgress)),
      (e) => console.warn('syncProgress', e),
    );
    api.query(DashboardSyncRunsDocument).then(
      (d) => {
        if (stopped) return;
        setRuns((list) => d.syncRuns.nodes.reduce(merge, list));
        setLoading(false);
      },
      (e: unknown) => {
        if (stopped) return;
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      },
    );
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [api]);
  return (
    <Panel title="Sync runs" testId="sync" state={{ loading, error, data: loading ? undefined : runs }}>
      <ul className="list sync-runs" data-testid="sync-runs">
        {runs.map((r) => (
          <SyncRunRow key={r.id} run={r} />
        ))}
        {!loading && !error && !runs.length && <li className="muted">No sync runs yet.</li>}
      </ul>
    </Panel>
  );
}

function SyncRunRow({ run: r }: { run: DashboardSyncRunFragment }) {
  const done = FINAL.has(r.status);
  // A finished run's bar is full; a running one's is its share of the total, when known.
  const percent = done ? 100 : r.total ? Math.min(100, Math.round((100 * r.processed) / r.total)) : undefined;
  const label = r.fileName ?? `${r.provider.toLowerCase()} ${r.mode.toLowerCase()}`;
  return (
    <li data-testid="sync-run" data-id={r.id} data-status={r.status} className="sync-run">
      <span>
        {label}
        {r.dryRun ? ' (dry run)' : ''} · <b className={`status status-${r.status.toLowerCase()}`}>{r.status}</b>
      </span>
      <div
        className="bar"
        role="progressbar"
        aria-label={`Progress of ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        data-testid="sync-progress"
        data-processed={r.processed}
        data-total={r.total ?? ''}
      >
        <div className={percent === undefined ? 'fill unknown' : 'fill'} style={{ width: `${percent ?? 100}%` }} />
      </div>
      <span className="muted">
        {r.processed}
        {r.total !== null && r.total !== undefined ? ` / ${r.total}` : ''} rows · {r.created} created · {r.updated}{' '}
        updated · {r.skipped} skipped · {r.failed} failed
        {r.finishedAt ? ` · finished ${fmt.time(r.finishedAt)}` : r.phase ? ` · ${r.phase}` : ''}
      </span>
      {r.error && (
        <span className="error" data-testid="sync-error">
          {r.error}
        </span>
      )}
    </li>
  );
}
