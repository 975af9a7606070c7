import js from '@eslint/js';
import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      'test/generated/',
      'dashboard/src/generated/',
      'coverage/',
      'bench/results/',
    ],
  },
  js.configs.recommended,
  // typescript-eslint's type-checked rules (promises, unsafe `any`, needless assertions) on all TypeScript.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts', '**/*.tsx'] })),
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    // Here, not below: the typescript-eslint plugin is only registered for TypeScript files.
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
    },
  },
  {
    files: ['**/*.js'],
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }] },
  },
  // The layers, lowest first: platform (machinery) <- modules and ai (the domain) <- the
  // composition root (src/app, the entry points, cli, seed). A layer never imports one above it.
  {
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(\.\./)+(modules|app|ai|seed|cli|migrations)(/|$)|^(\.\./)+(config|main|worker)\.js$`,
              message:
                'platform/ is the lower floor: it imports no module and no registry; take what you need as arguments.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/modules/**/*.ts', 'src/ai/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(\.\./)+(app|seed|cli)(/|$)|^(\.\./)+(main|worker)\.js$`,
              message:
                'Modules sit below the composition root (src/app, entry points, cli, seed): they never import it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The benchmarks read JSON from autocannon, PostGraphile and child processes without schemas;
    // the `any` rules would ask for a type per report shape and protect nothing that ships.
    files: ['bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['migrations/**/*.ts'],
    rules: { 'simple-import-sort/imports': 'off' },
  },
  prettier,
  // The emitted schema, linted with the ecosystem's recommended schema rules.
  {
    files: ['schema.graphql'],
    languageOptions: { parser: graphqlPlugin.parser, parserOptions: { graphQLConfig: { schema: 'schema.graphql' } } },
    plugins: { '@graphql-eslint': graphqlPlugin },
    rules: {
      ...graphqlPlugin.configs['flat/schema-recommended'].rules,
      // Payloads, connections, edges and value objects (Money, PageInfo) are not entities: only Node types have an id.
      '@graphql-eslint/strict-id-in-types': 'off',
      // As recommended, except the `Type` suffix: `PracticeType` is a name of the API contract (docs/api.md).
      '@graphql-eslint/naming-convention': [
        'error',
        (({ 'ObjectTypeDefinition,ObjectTypeExtension': _typeSuffix, ...options }) => options)(
          graphqlPlugin.configs['flat/schema-recommended'].rules['@graphql-eslint/naming-convention'][1],
        ),
      ],
    },
  },
);
