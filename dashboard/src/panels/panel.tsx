import type { ReactNode } from 'react';

import type { QueryState } from '../live';

/** A titled card; shows the query's error, and a spinner class while (re)loading. */
export function Panel({
  title,
  testId,
  state,
  className,
  children,
}: {
  title: string;
  testId: string;
  state?: QueryState<unknown>;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section
      className={`panel ${className ?? ''}`}
      data-testid={`panel-${testId}`}
      data-loading={state?.loading ? 'true' : 'false'}
      aria-busy={state?.loading}
    >
      <h2>{title}</h2>
      {state?.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
      {!state?.data && !state?.error && state?.loading && <p className="muted">Loading…</p>}
      {children}
    </section>
  );
}
