/**
 * The layer graph (conventions §4.1), checked over every import — static, dynamic and type-only — which
 * eslint's no-restricted-imports cannot see whole: cycles, and edges between layers that must not exist.
 * Run by `npm test` (scripts/test.mjs) as `depcruise --config .dependency-cruiser.cjs <layers>`; each rule
 * has a fixture in test/lint-fixtures/ that must break it (test/lint-fixtures/lint-rules.test.ts).
 */
const tests = '(\\.test\\.ts$|/testing/|^components/testing\\.ts$|^test/)';
const publicServer = '^server/public(-bootstrap)?\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes load order matter and hides a missing seam; type-only cycles count too.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-is-a-leaf',
      severity: 'error',
      comment: 'protocol/ is the typed contract: it imports nothing but itself and pure packages.',
      from: { path: '^protocol/', pathNot: tests },
      to: { pathNot: ['^protocol/', '^node_modules/@sinclair/typebox/'] },
    },
    {
      name: 'components-only-protocol',
      severity: 'error',
      comment: 'components/ run on agents and in the renderer: only protocol/ and pure packages.',
      from: { path: '^components/', pathNot: tests },
      to: { path: ['^(server|agent|cli|renderer|electron)/'] },
    },
    {
      name: 'no-node-in-portable-layers',
      severity: 'error',
      comment: 'protocol/, components/ and renderer/ run in the browser too: no Node built-ins.',
      from: { path: '^(protocol|components|renderer)/', pathNot: [tests, '^renderer/(vite\\.config\\.ts|dev/)'] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'server-not-to-clients',
      severity: 'error',
      comment: 'server/ never loads the agent, the CLI, the renderer or Electron.',
      from: { path: '^server/', pathNot: tests },
      to: { path: '^(agent|cli|renderer|electron)/' },
    },
    {
      name: 'agent-only-protocol-components',
      severity: 'error',
      comment: 'agent/ ships alone to hosts: protocol/ and components/ only.',
      from: { path: '^agent/', pathNot: tests },
      to: { path: '^(server|cli|renderer|electron)/' },
    },
    {
      name: 'renderer-only-protocol-components',
      severity: 'error',
      comment: 'renderer/ talks to the rest only through protocol/ (and uses the pure components/).',
      from: { path: '^renderer/', pathNot: [tests, '^renderer/(vite\\.config\\.ts|dev/)'] },
      to: { path: ['^(server|agent|cli|electron)/', '^components/testing\\.ts$', '/testing/'] },
    },
    {
      name: 'server-through-public-entry',
      severity: 'error',
      comment: 'cli/ and electron/ load the server only through server/public.ts or server/public-bootstrap.ts.',
      from: { path: '^(cli|electron)/', pathNot: tests },
      to: { path: '^server/', pathNot: publicServer },
    },
    {
      name: 'electron-not-to-clients',
      severity: 'error',
      comment: 'electron/ embeds the server; the agent runs as its own process, the renderer in the window.',
      from: { path: '^electron/', pathNot: tests },
      to: { path: '^(agent|cli|renderer)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the checker cannot resolve is an edge no rule above can see.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'shipped-code-not-to-tests',
      severity: 'error',
      comment: 'Test helpers never ship (scripts/ is dev tooling, e.g. the bench reads the test fixtures).',
      from: { pathNot: [tests, '^scripts/'] },
      to: { path: tests },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|renderer/dist|test/lint-fixtures/(tree|eslint)/)' },
    tsPreCompilationDeps: true,
    // The tsconfig (relative to the working directory) makes `./x.js` in TypeScript source name ./x.ts;
    // the fixture tree in test/lint-fixtures/tree/ has its own, so it is checked with this very file.
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
