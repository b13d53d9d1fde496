// Layer rules live here as well as in the per-folder tsconfigs (conventions §4.1) and in
// .dependency-cruiser.cjs (cycles and forbidden edges across the whole graph, `npm test`). Each rule
// below has a file in test/lint-fixtures/ that must fail it (test/lint-fixtures/lint-rules.test.ts),
// so a rule that stops matching is a failing test, not a silent gap.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import svelteParser from 'svelte-eslint-parser';

/** Node built-ins by `node:` or bare name (a regex: a gitignore-style `util` would also match `./util/format.js`). */
const nodeBuiltinsRegex =
  '^(node:.*|(fs|path|os|child_process|crypto|http|https|net|tls|url|util|stream|events|worker_threads|process|module|vm|dns|zlib|readline)(/.*)?)$';
const restrict = (groups, message) => ({ group: groups, message });
const noNode = (message) => ({ regex: nodeBuiltinsRegex, message });
/** The only server modules code outside server/ may load: its public entries (server/public*.ts). */
const serverInternals = ['**/server/**', '!**/server/public.js', '!**/server/public-bootstrap.js'];

const rendererRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        noNode('renderer/ runs in the browser: no Node built-ins'),
        restrict(['electron', 'electron/*'], 'renderer/ reaches the desktop only through protocol/desktop-bridge (preload)'),
        restrict(['better-sqlite3', 'socket.io', 'socket.io/*', 'ssh2'], 'renderer/ loads no server-side packages'),
        restrict(
          ['**/server/**', '**/agent/**', '**/cli/**', '**/electron/**'],
          'renderer/ may import only protocol/, components/ and its own code',
        ),
        // A regex: in the gitignore-style groups a leading `#` (the #components/* alias) starts a comment.
        {
          regex: '(^|/)(components/testing(\\.js)?|testing/.*)$|^#components/testing(\\.js)?$',
          message: 'renderer/ ships no test helpers',
        },
      ],
    },
  ],
};

export default tseslint.config(
  // test/lint-fixtures/ holds files that break the rules on purpose; its test lints them one by one.
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'renderer/dist/**',
      'artifacts/**',
      'test-results/**',
      'test/lint-fixtures/eslint/**',
      'test/lint-fixtures/tree/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        crypto: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // <script lang="ts"> in .svelte files goes through the TypeScript parser, so the rules above hold there too.
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    rules: {
      // Types (DOM globals included) are checked by svelte-check; no-undef knows no TypeScript.
      'no-undef': 'off',
      // The stores keep plain Map/Set on purpose and reassign them through $state, so one batch of socket
      // events is one reactive update instead of one per entry (see lib/api/*.svelte.ts).
      'svelte/prefer-svelte-reactivity': 'off',
      'svelte/no-useless-mustaches': ['error', { ignoreStringEscape: true }],
    },
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noNode('protocol/ must stay free of Node built-ins'),
            restrict(['electron', 'electron/*'], 'protocol/ must stay free of Electron'),
            restrict(['socket.io', 'socket.io-client', 'socket.io/*'], 'protocol/ declares types only; no Socket.IO runtime'),
            restrict(
              ['**/server/**', '**/agent/**', '**/cli/**', '**/renderer/**', '**/electron/**', '**/components/**'],
              'protocol/ imports nothing from other layers',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['components/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noNode('components/ must stay free of Node built-ins: side effects go through ctx'),
            restrict(['electron', 'electron/*'], 'components/ must stay free of Electron'),
            restrict(['socket.io', 'socket.io-client', 'socket.io/*'], 'components/ must stay free of Socket.IO'),
            restrict(
              ['**/server/**', '**/agent/**', '**/cli/**', '**/renderer/**', '**/electron/**'],
              'components/ may import only protocol/',
            ),
          ],
        },
      ],
      // Components reach the network, files and processes only through their injected ctx.
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'components/ reach HTTP through ctx.http' },
        { name: 'process', message: 'components/ read the host through ctx' },
        { name: 'Buffer', message: 'components/ stay portable: use Uint8Array' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'globalThis', property: 'fetch', message: 'components/ reach HTTP through ctx.http' },
        { object: 'globalThis', property: 'process', message: 'components/ read the host through ctx' },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(['electron', 'electron/*'], 'server must stay Electron-free'),
            restrict(['**/agent/**', '**/cli/**', '**/renderer/**', '**/electron/**'], 'server/ may import only protocol/ and components/'),
          ],
        },
      ],
    },
  },
  {
    files: ['agent/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(['electron', 'electron/*'], 'agent must stay Electron-free'),
            restrict(['better-sqlite3'], 'agent runs on hosts with no native modules'),
            restrict(['socket.io'], 'agent is a Socket.IO client only'),
            restrict(['**/server/**', '**/cli/**', '**/renderer/**', '**/electron/**'], 'agent/ may import only protocol/ and components/'),
          ],
        },
      ],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(['electron', 'electron/*'], 'cli must stay Electron-free'),
            restrict(['**/renderer/**', '**/electron/**'], 'cli must not load UI code'),
            restrict(serverInternals, 'cli/ loads the server only through server/public.ts or server/public-bootstrap.ts'),
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            restrict(
              ['**/renderer/**', '**/cli/**', '**/agent/**'],
              'electron/ embeds the server and starts an agent process; it does not load their code',
            ),
            restrict(serverInternals, 'electron/ loads the server only through server/public.ts'),
            restrict(['better-sqlite3'], 'electron/ reaches the database only through the server'),
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: rendererRules,
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.{ts,mjs,js}', '**/*.test.ts', 'bin/**/*.js'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  {
    // bin/ is CommonJS (bin/package.json) so `directord` starts without Node's ESM loader.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests run in Node whatever layer they check; the layer rules guard the shipped code, and test helpers
    // (*/testing/) may reach into the layer they stand up.
    files: ['**/*.test.ts', '**/testing/**/*.ts', 'components/testing.ts', 'renderer/vite.config.ts', 'renderer/dev/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-globals': 'off', 'no-restricted-properties': 'off' },
  },
);
