// ESLint flat config: typescript-eslint's recommended type-aware rules plus the house rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'distforge-data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...[
    ['src/ui/*.{ts,tsx}', '../**'],
    ['src/ui/*/*.{ts,tsx}', '../../**'],
  ].map(([files, outside]) => ({
    // The web UI is browser code: it may import Preact and its own modules, and only types from the
    // rest of distforge (the API's shapes); esbuild bundles it for the browser.
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [outside], allowTypeImports: true, message: 'the UI imports only types from outside src/ui' },
            { group: ['node:*', 'fastify', 'kysely', 'pino'], message: 'browser code: no Node or server modules' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname'],
    },
  })),
);
