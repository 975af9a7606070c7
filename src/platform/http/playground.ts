import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import express, { type Router } from 'express';

import { withoutCors } from './cors.js';

const require = createRequire(import.meta.url);

/** Installed files the page loads, served under /playground/assets (no CDN: works offline). */
const ASSETS: Record<string, string> = {
  'react.js': join(dirname(require.resolve('react/package.json')), 'umd/react.production.min.js'),
  'react-dom.js': join(dirname(require.resolve('react-dom/package.json')), 'umd/react-dom.production.min.js'),
  'graphiql.js': join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'),
  'graphiql.css': join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.css'),
  'graphql-ws.js': join(dirname(require.resolve('graphql-ws/package.json')), 'umd/graphql-ws.js'),
};

/** Options of the playground page. */
export interface PlaygroundOptions {
  /**
   * Headers pre-filled in the editor (development: the demo admin's token). Given only to clients
   * connecting from a loopback address (127.0.0.0/8, ::1); others get the page without them.
   */
  headers?: () => Promise<Record<string, string> | undefined>;
}

const DEFAULT_QUERY = `# Welcome to Meridian. Try:
query Me {
  viewer { email name role }
  tenant { slug name currency }
}
`;

/** Renders the GraphiQL page; all script and style URLs are relative to this server. */
export function playgroundHtml(headers: Record<string, string> | undefined): string {
  const config = JSON.stringify({
    headers: headers ? JSON.stringify(headers, null, 2) : undefined,
    query: DEFAULT_QUERY,
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Meridian GraphQL playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/playground/assets/graphiql.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql">Loading the playground…</div>
<script src="/playground/assets/react.js"></script>
<script src="/playground/assets/react-dom.js"></script>
<script src="/playground/assets/graphql-ws.js"></script>
<script src="/playground/assets/graphiql.js"></script>
<script>
  const config = ${config};
  const httpUrl = location.origin + '/graphql';
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  function currentHeaders() {
    try { return JSON.parse(localStorage.getItem('graphiql:headers') || config.headers || '{}'); } catch { return {}; }
  }
  const wsClient = graphqlWs.createClient({
    url: wsUrl,
    lazy: true,
    connectionParams: () => {
      const h = currentHeaders();
      return { authorization: h.Authorization || h.authorization, apiKey: h['X-Api-Key'] || h['x-api-key'] };
    },
  });
  const fetcher = GraphiQL.createFetcher({ url: httpUrl, wsClient });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: config.query,
      defaultHeaders: config.headers,
      headers: config.headers,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: config.headers ? 'headers' : false,
    }),
  );
</script>
</body>
</html>
`;
}

/** Express routes of the playground: `/playground`, its assets, and `GET /graphql` for browsers. */
export function playgroundRouter(options: PlaygroundOptions): Router {
  const router = express.Router();
  const page = async (req: express.Request, res: express.Response) => {
    // The pre-filled headers carry a credential: only for a browser on this machine.
    const headers = isLoopback(req.socket.remoteAddress) ? await options.headers?.() : undefined;
    withoutCors(res); // another origin's page must not read that credential
    res.type('html').set('Cache-Control', 'no-store').send(playgroundHtml(headers));
  };
  router.get('/playground', page);
  router.get('/graphql', (req, res, next) => {
    const wantsHtml =
      req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (wantsHtml && req.query.query === undefined) return void page(req, res).catch(next);
    next();
  });
  for (const [name, file] of Object.entries(ASSETS)) {
    router.get(`/playground/assets/${name}`, (_req, res) => res.sendFile(file, { maxAge: '1h' }));
  }
  return router;
}

/** Whether a socket's remote address is this machine (IPv4 127.0.0.0/8, IPv6 ::1, or IPv4-mapped 127.x). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
