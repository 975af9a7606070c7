/** `npm run schema`: writes schema.graphql from the code. `--check` exits 1 when it is stale. */
import 'reflect-metadata';

import { readFileSync, writeFileSync } from 'node:fs';

import { resolvers } from '../app/resolvers.js';
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
  console.log('wrote schema.graphql');
}
