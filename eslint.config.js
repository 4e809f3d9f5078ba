import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The repository's lint settings (npm test runs them; prettier formats, this checks what a formatter cannot).
const node = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  URL: 'readonly',
  fetch: 'readonly',
  AbortSignal: 'readonly',
  performance: 'readonly',
  structuredClone: 'readonly',
};

export default tseslint.config(
  { ignores: ['node_modules/', '.bench/', '.serverless/', 'dist/', '.hf-iam-sync/', 'coverage/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: node },
    rules: {
      // Code lines at most 140 characters; a message, a URL or a pattern is not cut to fit.
      'max-len': ['error', { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
      // `const { secret: _secret, ...rest } = x` leaves a field out on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // A function reads on one screen: at most 60 lines of code (blank lines and comments aside). The stand-ins
    // (sandbox/), the tests' describe blocks and the benchmarks' scenarios are exempt.
    files: ['shared/**/*.ts', 'composition/**/*.ts', 'functions/**/*.ts', 'cli/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The package step's plugins and the stack's files are CommonJS, as serverless loads them.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...node, require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read CloudFormation templates and state machine definitions: untyped JSON.
    files: ['test/**/*.ts', 'sandbox/step-functions.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
