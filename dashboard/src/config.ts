/**
 * Where the API is and which token to use.
 *
 * - Served by the API (`/dashboard`): the API is this origin. In development the server puts the
 *   demo admin's token in the page's `meridian-config` data block (for loopback clients only).
 * - Served elsewhere (a front-end server on another origin): the API is `?api=…`, else
 *   `VITE_MERIDIAN_API` at build time, else this origin.
 * - Otherwise the page asks for a token and keeps it in sessionStorage only (gone with the tab),
 *   under a key naming the API, so a token is only ever sent to the API it was entered for.
 */
export interface PageConfig {
  /** The API's base URL, e.g. `http://localhost:4000`. */
  api: string;
  /** A token given by the server (development); undefined when the page must ask. */
  serverToken?: string;
}

export function readConfig(): PageConfig {
  let serverToken: string | undefined;
  const block = document.getElementById('meridian-config');
  if (block?.textContent) {
    const parsed = JSON.parse(block.textContent) as { token?: string };
    serverToken = parsed.token || undefined;
  }
  const param = new URLSearchParams(location.search).get('api');
  const env = import.meta.env.VITE_MERIDIAN_API as string | undefined;
  const api = new URL(block ? location.origin : (param ?? env ?? location.origin)).origin;
  return { api, serverToken };
}

const key = (api: string) => `meridian.dashboard.token:${api}`;

export function storedToken(api: string): string | undefined {
  return sessionStorage.getItem(key(api)) ?? undefined;
}

export function storeToken(api: string, token: string | undefined): void {
  if (token) sessionStorage.setItem(key(api), token);
  else sessionStorage.removeItem(key(api));
}
