import { AsyncLocalStorage } from 'node:async_hooks';

/** What the platform tracks for the request (HTTP or WebSocket operation) being served. */
export interface RequestStore {
  /** Request id: from the `x-request-id` header or generated; on every log line of the request. */
  requestId: string;
  /** SQL statements issued so far on behalf of this request (tests and bench read it). */
  sqlStatements: number;
}

const storage = new AsyncLocalStorage<RequestStore>();

/** Runs `fn` with `store` as the current request. */
export function runInRequest<T>(store: RequestStore, fn: () => T): T {
  return storage.run(store, fn);
}

/** The current request, if code is running on behalf of one. */
export function currentRequest(): RequestStore | undefined {
  return storage.getStore();
}
