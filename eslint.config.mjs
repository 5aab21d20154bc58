import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/db/src/generated/**', 'coverage/**', '.nimbus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Libraries are used through their one public entry point only.
      'no-restricted-imports': ['error', { patterns: ['@nimbus/*/*', '../../libs/*', '../../apps/*'] }],
    },
  },
  {
    // Tests may drive any app from the outside; only apps' own code must not import each other.
    files: ['test/**', 'apps/*/test/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@nimbus/*/*'] }] },
  },
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
