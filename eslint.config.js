// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const ioModules = [
  'mongodb',
  'express',
  'better-sqlite3',
  'mqtt',
  'aedes',
  'nodemailer',
  'node:net',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'fs',
  'net',
  'http',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'var/**',
      'bench/results/**',
      'coverage/**',
      'deploy/**',
      'services/cli/dist/**',
      'services/console/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'services/cli/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/*', '@isac/*-service'],
              message: 'Only services/hub may import another service.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/kernel/src/**', 'libs/stix/src/**', 'libs/policy/src/**', 'libs/regions/src/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'Pure libraries do no I/O.' })),
          patterns: [
            {
              group: ['**/services/*', '@isac/*-service', '@isac/store', '@isac/http', '@isac/config'],
              message: 'Pure libraries import only pure code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/cli/bin/*.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    files: ['services/hub/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  prettier,
);
