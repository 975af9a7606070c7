// The dashboard page (served by the API at /dashboard). `npm run build` builds it into
// dist/dashboard through dashboard/build.mjs; `npx vite --config dashboard/vite.config.mjs` serves it
// with hot reload on :5173 (open http://localhost:5173/dashboard/?api=http://localhost:4000).
import { fileURLToPath, URL } from 'node:url';

import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/dashboard/',
  // React's automatic JSX runtime through Vite's own transform: no Babel, no plugin.
  oxc: { jsx: { runtime: 'automatic' } },
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // One small app: the whole bundle is ~330 kB before gzip, ~110 kB after (React, the chart parts it uses).
    chunkSizeWarningLimit: 600,
    sourcemap: false,
  },
});
