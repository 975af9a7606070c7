/**
 * The README's GraphQL examples are real: every ```graphql block of README.md and docs/*.md parses
 * and validates against schema.graphql (which test/schema.test.ts keeps equal to the code), so a
 * renamed field or a block cut in two by a merge fails here instead of confusing a newcomer.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { buildSchema, parse, validate } from 'graphql';

import { CONFIG_VARIABLES } from '../src/config.js';

const schema = buildSchema(readFileSync('schema.graphql', 'utf8'));

/** Each fenced ```graphql block of a Markdown file, with the line it starts on. */
function graphqlBlocks(file: string): { line: number; body: string }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: { line: number; body: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})graphql\s*$/.exec(lines[i]);
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== fence[1]) end++;
    blocks.push({ line: i + 1, body: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const files = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('GraphQL examples in the documentation', () => {
  it('the README has examples to check', () => {
    expect(graphqlBlocks('README.md').length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    for (const { line, body } of graphqlBlocks(file)) {
      it(`${file}:${line} parses and validates against schema.graphql`, () => {
        // No fence inside a block: a block that swallowed the next section is an error too.
        expect(body).not.toMatch(/^```/m);
        expect(validate(schema, parse(body)).map((e) => e.message)).toEqual([]);
      });
    }
  }
});

describe("The README's Configuration table", () => {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n## Configuration\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const rows = new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1]));

  it('has a row for every variable src/config.ts reads, and none for one it does not', () => {
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
    expect([...CONFIG_VARIABLES].sort()).toEqual([...rows].sort());
  });
});
