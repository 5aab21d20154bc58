import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The deployable apps; everything under libs/ is a library. */
const APPS = ['agent', 'builder', 'cli', 'console', 'gateway', 'orchestrator', 'router'];
const SOURCES = '{ts,tsx,mts,cts,js,mjs,cjs}';
/** Deepest directory below a package's root that holds source; deeper files fail the check below. */
const MAX_DEPTH = 8;

const apps = (names) => `^@nimbus/(${names.join('|')})$`;
const DEEP = {
  regex: '^@nimbus/[^/]+/.',
  message: 'Import a package by its name only (@nimbus/<name>): its index.ts is its public API.',
};
const LIB_TO_APP = { regex: apps(APPS), message: 'Libraries never import apps: inject what is needed.' };
const appToApp = (app) => ({
  regex: apps(APPS.filter((name) => name !== app)),
  message: 'Apps never import other apps: share the code through a library in libs/.',
});
const INTO_PACKAGE = {
  regex: '^(\\.{1,2}/)+(apps|libs)/',
  message: "Import a package by its name (@nimbus/<name>), never by a path into another package's files.",
};
/** From a directory `depth` levels below its package's root, `depth + 1` times `..` leaves the package. */
const outOfPackage = (depth) => ({
  regex: `^(\\./)?(\\.\\./){${depth}}\\.\\.(/|$)`,
  message: 'Imports stay inside their own package: reach another one by its name (@nimbus/<name>).',
});

/**
 * Package boundaries, tests included. Two rules, because flat config replaces (not merges) a rule's
 * options per file: `no-restricted-imports` restricts package names by package, and the
 * TypeScript variant restricts relative paths by how deep the importing file sits.
 */
const boundaries = [
  { rules: { 'no-restricted-imports': ['error', { patterns: [DEEP] }] } },
  { files: ['libs/**'], rules: { 'no-restricted-imports': ['error', { patterns: [DEEP, LIB_TO_APP] }] } },
  ...APPS.map((app) => ({
    files: [`apps/${app}/**`],
    rules: { 'no-restricted-imports': ['error', { patterns: [DEEP, appToApp(app)] }] },
  })),
  {
    files: [`test/**/*.${SOURCES}`, `bench/**/*.${SOURCES}`, `scripts/**/*.${SOURCES}`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [INTO_PACKAGE] }] },
  },
  ...Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
    files: [`{apps,libs}/*/${'*/'.repeat(depth)}*.${SOURCES}`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [outOfPackage(depth)] }] },
  })),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/db/src/generated/**', 'coverage/**', '.nimbus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...boundaries,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
