/**
 * `npm run schema`: writes schema.graphql (and docs/events.md, the timeline event payloads) from
 * the code. `--check` exits 1 when schema.graphql is stale.
 */
import 'reflect-metadata';

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

import { resolvers } from '../app/resolvers.js';
import { renderEventsDoc } from '../modules/timeline/event-docs.js';
import { printSchemaSDL } from '../platform/graphql/schema.js';

const sdl = await printSchemaSDL(resolvers);
if (process.argv.includes('--check')) {
  const current = readFileSync('schema.graphql', 'utf8');
  if (current !== sdl) {
    console.error('schema.graphql is stale: run `npm run schema`');
    process.exit(1);
  }
  console.log('schema.graphql is up to date');
} else {
  writeFileSync('schema.graphql', sdl);
  mkdirSync('docs', { recursive: true });
  writeFileSync('docs/events.md', renderEventsDoc());
  console.log('wrote schema.graphql and docs/events.md');
}
