// Builds the dashboard page into dist/dashboard with Vite, unless the build is newer than every
// source (so `npm run build`, which `npm start` and `npm test` run first, stays fast).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const output = join(here, '../dist/dashboard/index.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = [join(here, 'src'), join(here, 'index.html'), join(here, 'vite.config.mjs'), join(here, 'build.mjs')];
const force = process.argv.includes('--force');
if (!force && existsSync(output) && statSync(output).mtimeMs >= Math.max(...sources.map(newest))) process.exit(0);

const { build } = await import('vite');
await build({ configFile: join(here, 'vite.config.mjs') });
