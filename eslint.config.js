// Lint: type-aware rules for sources, plus the import boundaries of DESIGN.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Restrict imports of a package's sources to what DESIGN.md allows. */
const boundary = (files, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
  },
});

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.venv/**',
      '**/.turbo/**',
      '**/fixtures/**',
      'bench/results/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      'no-console': 'error',
    },
  },
  // The dashboard runs in the browser, and builds DOM nodes only through ui/src/dom.ts.
  {
    files: ['packages/aggregator/ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: 'telemetry strings must become text nodes (ui/src/dom.ts)' },
        { property: 'outerHTML', message: 'telemetry strings must become text nodes (ui/src/dom.ts)' },
        { property: 'insertAdjacentHTML', message: 'telemetry strings must become text nodes (ui/src/dom.ts)' }],
    },
  },
  // The CLI, benchmarks and scripts talk to a terminal.
  { files: ['packages/aggregator/src/cli/**/*.ts', '**/bench/**', '**/scripts/**', 'examples/**', 'test/**'], rules: { 'no-console': 'off' } },
  // stats: pure maths. No Node built-ins, no other workspace packages, only @stdlib.
  boundary(['packages/stats/src/**/*.ts'], ['node:*', 'fs', 'path', 'http', 'net', '@opentelemetry/*', '@modelwatch/*'],
    'stats is pure computation: no I/O, no clock, no other packages (DESIGN.md).'),
  // semconv: depends on nothing.
  boundary(['packages/semconv/src/**/*.ts'], ['node:*', '@opentelemetry/*', '@modelwatch/*'],
    'semconv depends on nothing (DESIGN.md).'),
  // instrumentation: OpenTelemetry API only, never an SDK package.
  boundary(['packages/instrumentation/src/**/*.ts'], ['@opentelemetry/sdk-*', '@opentelemetry/exporter-*', '@opentelemetry/resources', '@modelwatch/node', '@modelwatch/aggregator'],
    'instrumentation speaks only the OpenTelemetry API (DESIGN.md).'),
  // The aggregator engine is pure: no I/O, values and `now` come in as arguments.
  boundary(['packages/aggregator/src/engine/**/*.ts'], ['node:*', 'better-sqlite3', '@grpc/*', '@opentelemetry/*', '../store/*', '../http/*', '../receiver/*'],
    'the engine is pure: it takes data and `now` (DESIGN.md).'),
  // So is the resources stage beside it.
  boundary(['packages/aggregator/src/resources/**/*.ts'], ['node:*', 'better-sqlite3', '@grpc/*', '@opentelemetry/*', '../store/*', '../http/*', '../receiver/*'],
    'the resources stage is pure: it takes points and `now` (DESIGN.md).'),
  // rules: generated from config and semconv only.
  boundary(['packages/rules/src/**/*.ts'], ['@modelwatch/aggregator', '@modelwatch/stats', '@opentelemetry/*'],
    'rules depends on semconv only (DESIGN.md).'),
);
