// Lint with zero warnings allowed (`eslint --max-warnings=0`): typescript-eslint's
// type-aware recommended rules over src/, test/, bench/ and scripts/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports of these folders (relative, from anywhere in src/) are refused by the layer rules below. */
const importOf = (folders, message) => ({ regex: `(^|/)(${folders.join('|')})/`, message });

/**
 * The layers, enforced: the engine (config, aws, bundle, eb, engine) never reaches up into the
 * action/CLI/demo shells or into the emulator; the emulator stands alone (it is AWS, not a client of
 * it); the engine takes time from its injected clock (src/engine/clock.ts), never the system's.
 * Exported so test/lint/architecture.test.ts can show each rule failing on a broken fixture.
 */
export const architectureRules = [
  {
    files: ['src/{config,aws,bundle,eb,engine}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [importOf(['actions', 'cli', 'demo', 'emulator', 'entries'], 'the engine layers (config, aws, bundle, eb, engine) never import actions, cli, demo, emulator or entries')] }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'use the injected clock (deps.clock.now()), not Date.now()' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'use the injected clock: new Date(deps.clock.now()), not new Date()' },
      ],
    },
  },
  { files: ['src/engine/clock.ts'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['src/emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [importOf(['actions', 'cli', 'demo', 'entries', 'engine', 'eb', 'bundle'], 'the emulator stands alone: it never imports the engine, the actions or the CLI')] }],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'django-app/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs', 'bench/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  ...architectureRules,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
