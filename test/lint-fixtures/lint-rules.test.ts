/**
 * The layer rules must keep failing what they forbid: each fixture here breaks one rule and is checked
 * with the project's own eslint.config.js and .dependency-cruiser.cjs. A rule that is dropped, narrowed
 * by a glob change, or no longer parses its files (e.g. .svelte) fails this test instead of going quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

type EslintCase = Readonly<{ fixture: string; as: string; rule: string | null; message?: string }>;

/** `as`: the path the fixture is linted as, so the layer's globs apply; `rule: null` must pass. */
const eslintCases: readonly EslintCase[] = [
  { fixture: 'renderer-imports-server.svelte', as: 'renderer/src/features/fixture/Fixture.svelte', rule: 'no-restricted-imports', message: 'renderer/ may import only protocol/' },
  { fixture: 'renderer-imports-node.svelte', as: 'renderer/src/features/fixture/Fixture.svelte', rule: 'no-restricted-imports', message: 'no Node built-ins' },
  { fixture: 'renderer-imports-agent.ts', as: 'renderer/src/lib/fixture.ts', rule: 'no-restricted-imports', message: 'renderer/ may import only protocol/' },
  { fixture: 'renderer-any-in-svelte.svelte', as: 'renderer/src/features/fixture/Fixture.svelte', rule: '@typescript-eslint/no-explicit-any' },
  { fixture: 'renderer-clean.svelte', as: 'renderer/src/features/fixture/Fixture.svelte', rule: null },
  { fixture: 'renderer-imports-test-helper.ts', as: 'renderer/src/lib/fixture.ts', rule: 'no-restricted-imports', message: 'renderer/ ships no test helpers' },
  { fixture: 'renderer-alias-clean.ts', as: 'renderer/src/lib/fixture.ts', rule: null },
  { fixture: 'electron-imports-server-internal.ts', as: 'electron/fixture.ts', rule: 'no-restricted-imports', message: 'electron/ loads the server only through server/public.ts' },
  { fixture: 'electron-imports-public-server.ts', as: 'electron/fixture.ts', rule: null },
  { fixture: 'cli-imports-server-internal.ts', as: 'cli/commands/fixture.ts', rule: 'no-restricted-imports', message: 'cli/ loads the server only through' },
  { fixture: 'components-global-fetch.ts', as: 'components/builtin/FIXTURE.ts', rule: 'no-restricted-properties', message: 'ctx.http' },
  { fixture: 'components-imports-node.ts', as: 'components/builtin/FIXTURE.ts', rule: 'no-restricted-imports', message: 'components/ must stay free of Node built-ins' },
  { fixture: 'protocol-imports-server.ts', as: 'protocol/fixture.ts', rule: 'no-restricted-imports', message: 'protocol/ imports nothing from other layers' },
  { fixture: 'server-imports-electron.ts', as: 'server/fixture.ts', rule: 'no-restricted-imports', message: 'server must stay Electron-free' },
  { fixture: 'agent-imports-server.ts', as: 'agent/fixture.ts', rule: 'no-restricted-imports', message: 'agent/ may import only protocol/ and components/' },
];

test('eslint: every layer rule fails its fixture (and allows what it should)', async () => {
  const eslint = new ESLint({ cwd: root });
  for (const c of eslintCases) {
    const [result] = await eslint.lintText(readFileSync(join(here, 'eslint', c.fixture), 'utf8'), { filePath: join(root, c.as) });
    assert.ok(result, c.fixture);
    const errors = result.messages.filter((m) => m.severity === 2);
    if (c.rule === null) {
      assert.deepEqual(errors.map((m) => `${m.ruleId}: ${m.message}`), [], `${c.fixture} must pass`);
      continue;
    }
    const hit = errors.find((m) => m.ruleId === c.rule && (c.message === undefined || m.message.includes(c.message)));
    assert.ok(hit, `${c.fixture} (as ${c.as}) must fail ${c.rule}${c.message ? ` with "${c.message}"` : ''}; got ${JSON.stringify(errors.map((m) => [m.ruleId, m.message]))}`);
  }
});

test('eslint: the fixtures are kept out of `eslint .`', async () => {
  const eslint = new ESLint({ cwd: root });
  assert.equal(await eslint.isPathIgnored(join(here, 'eslint', 'renderer-imports-server.svelte')), true);
  assert.equal(await eslint.isPathIgnored(join(here, 'lint-rules.test.ts')), false);
});

type Violation = Readonly<{ rule: { name: string }; from: string; to: string }>;

test('dependency-cruiser: every rule fails its file in the fixture tree, and nothing else does', () => {
  const cruise = (outputType: string) => spawnSync(process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', join(root, '.dependency-cruiser.cjs'), '--output-type', outputType, 'protocol', 'components', 'server', 'agent', 'cli', 'electron', 'renderer'], { cwd: join(here, 'tree'), encoding: 'utf8', timeout: 60_000 });
  // The reporter `npm test` uses (scripts/test.mjs) must exit non-zero on errors.
  assert.notEqual(cruise('err').status, 0, 'the checker must exit non-zero on the fixture tree');
  const r = cruise('json');
  assert.equal(r.status, 0, r.stderr);
  const found = (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`).sort();
  assert.deepEqual(found, [
    'agent-only-protocol-components agent/imports-server.ts -> server/public.ts',
    'components-only-protocol components/imports-agent.ts -> agent/index.ts',
    'electron-not-to-clients electron/imports-agent.ts -> agent/index.ts',
    'no-cycles server/cycle-a.ts -> server/cycle-b.ts',
    'no-node-in-portable-layers components/imports-node.ts -> fs',
    'no-node-in-portable-layers renderer/src/imports-node.ts -> crypto',
    'not-to-unresolvable server/imports-missing.ts -> ./no-such-module.js',
    'protocol-is-a-leaf protocol/imports-server.ts -> server/internal.ts',
    'renderer-only-protocol-components renderer/src/ImportsServer.svelte -> server/internal.ts',
    'server-not-to-clients server/imports-agent.ts -> agent/index.ts',
    'server-through-public-entry cli/dynamic-server-internal.ts -> server/internal.ts',
    'server-through-public-entry electron/imports-server-internal.ts -> server/internal.ts',
    'shipped-code-not-to-tests server/ships-test-helper.ts -> server/testing/helper.ts',
  ]);
});
