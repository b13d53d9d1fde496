// Layer rules live here as well as in the per-folder tsconfigs (conventions §4.1).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'tls', 'url', 'util', 'stream', 'events', 'worker_threads', 'process'];
const restrict = (groups, message) => ({ group: groups, message });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'renderer/dist/**', 'artifacts/**', 'test-results/**', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', performance: 'readonly', crypto: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(nodeBuiltins, 'protocol/ must stay free of Node built-ins'),
        restrict(['electron', 'electron/*'], 'protocol/ must stay free of Electron'),
        restrict(['socket.io', 'socket.io-client', 'socket.io/*'], 'protocol/ declares types only; no Socket.IO runtime'),
        restrict(['**/server/**', '**/agent/**', '**/cli/**', '**/renderer/**', '**/electron/**', '**/components/**'], 'protocol/ imports nothing from other layers'),
      ] }],
    },
  },
  {
    files: ['components/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(nodeBuiltins, 'components/ must stay free of Node built-ins: side effects go through ctx'),
        restrict(['electron', 'electron/*'], 'components/ must stay free of Electron'),
        restrict(['socket.io', 'socket.io-client', 'socket.io/*'], 'components/ must stay free of Socket.IO'),
        restrict(['**/server/**', '**/agent/**', '**/cli/**', '**/renderer/**', '**/electron/**'], 'components/ may import only protocol/'),
      ] }],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(['electron', 'electron/*'], 'server must stay Electron-free'),
        restrict(['**/agent/**', '**/cli/**', '**/renderer/**', '**/electron/**'], 'server/ may import only protocol/ and components/'),
      ] }],
    },
  },
  {
    files: ['agent/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(['electron', 'electron/*'], 'agent must stay Electron-free'),
        restrict(['better-sqlite3'], 'agent runs on hosts with no native modules'),
        restrict(['socket.io'], 'agent is a Socket.IO client only'),
        restrict(['**/server/**', '**/cli/**', '**/renderer/**', '**/electron/**'], 'agent/ may import only protocol/ and components/'),
      ] }],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        restrict(['electron', 'electron/*'], 'cli must stay Electron-free'),
        restrict(['**/renderer/**', '**/electron/**'], 'cli must not load UI code'),
      ] }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.{ts,mjs,js}', '**/*.test.ts', 'bin/**/*.js'],
    rules: { 'no-console': 'off' },
  },
  {
    // bin/ is CommonJS (bin/package.json) so `directord` starts without Node's ESM loader.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests run in Node whatever layer they check; the layer rules guard the shipped code.
    files: ['protocol/**/*.test.ts', 'components/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
