import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';

import type { Api } from './client';
import type { TimelineEventType } from './generated/graphql';

/** What a panel re-reads on: a group of timeline event types. */
export type Topic = 'analytics' | 'renewals';

/** The event types that change each topic's numbers. */
export const TOPIC_EVENTS: Record<Topic, (type: TimelineEventType) => boolean> = {
  analytics: (t) => /^(DEAL|PRACTICE|CLIENT|CLIENTS|INTERACTION|TICKET|RENEWAL_ALERT)_/.test(t),
  renewals: (t) => t.startsWith('PRACTICE_') || t.startsWith('RENEWAL_ALERT_') || t === 'CLIENTS_MERGED',
};

/** The page's shared parts: the API and, per topic, a version bumped when something changed. */
export interface Live {
  api: Api;
  versions: Record<Topic, number>;
  /** Marks topics as changed; panels re-read them once a burst of changes has settled (150 ms). */
  changed: (topics: Topic[]) => void;
}

export const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveContext');
  return live;
}

/** The versions per topic and a debounced `changed`. */
export function useVersions(): Pick<Live, 'versions' | 'changed'> {
  const [versions, setVersions] = useState<Record<Topic, number>>({ analytics: 0, renewals: 0 });
  const pending = useRef(new Set<Topic>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const changed = useCallback((topics: Topic[]) => {
    for (const t of topics) pending.current.add(t);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const bumped = [...pending.current];
      pending.current.clear();
      setVersions((v) => {
        const next = { ...v };
        for (const t of bumped) next[t] += 1;
        return next;
      });
    }, 150);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);
  return { versions, changed };
}

/** The state of a query the page re-reads when its topics change (never on a timer). */
export interface QueryState<R> {
  data?: R;
  error?: string;
  loading: boolean;
}

/**
 * Runs `load` on mount, when `key` changes, and whenever one of `topics` changed; keeps showing
 * the last answer while a new one loads. Answers arriving out of order are dropped.
 */
export function useLiveQuery<R>(load: (api: Api) => Promise<R>, key: string, topics: Topic[]): QueryState<R> {
  const { api, versions } = useLive();
  const [state, setState] = useState<QueryState<R>>({ loading: true });
  const seq = useRef(0);
  const version = topics.map((t) => versions[t]).join('.');
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load(api).then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (err: unknown) =>
        mine === seq.current &&
        setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err), loading: false })),
    );
    // `load` is recreated each render; `key` and the versions say when to re-read.
  }, [api, key, version]);
  return state;
}
