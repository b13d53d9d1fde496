/**
 * The built `directord` runs as CommonJS (scripts/build.mjs: dist/cli/main.js plus one bundle per
 * lazily imported cli/ module): `--version` and `exec` never start Node's ESM loader (issue #2's
 * cli_exec_wall_ms); a CliError thrown inside another bundle is still recognised by main.js (its
 * own copy of the class, matched by brand); exec's ADD/COPY bundles load when needed; and
 * `directord server` still loads user components with a real import() from its bundle.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, marker, ROOT, runCli, statusLines } from './harness.js';

const ESM_LOADER = 'NativeModule internal/modules/esm/loader';

describe('the CommonJS CLI (real server from the built CLI, 1 agent)', { timeout: 120_000 }, () => {
  let c: Cluster;
  let work: string;
  before(
    async () => {
      work = mkdtempSync(join(tmpdir(), 'directord-cjs-'));
      const components = join(work, 'components');
      mkdirSync(components);
      copyFileSync(join(ROOT, 'examples', 'components', 'echo_upper.mjs'), join(components, 'echo_upper.mjs'));
      c = await Cluster.start({ agents: ['c1'], serverArgs: ['--components-dir', components] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs the CLI with a preload that records, at exit, the Node internals and the files it loaded. */
  async function cliWithModuleList(...args: string[]) {
    const out = join(work, `modules-${marker()}.txt`);
    const preload = join(work, 'record-modules.cjs');
    // Node's own modules (moduleLoadList) and the files required (require.cache).
    writeFileSync(
      preload,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.RECORD_MODULES_TO, [...process.moduleLoadList, ...Object.keys(require.cache)].join('\\n')));\n",
    );
    const ran = await runCli(['--data-dir', c.dataDir, ...args], {
      env: { ...c.env, NODE_OPTIONS: `--require ${preload}`, RECORD_MODULES_TO: out },
    });
    return { ran, modules: readFileSync(out, 'utf8').split('\n') };
  }

  test('--version and exec run without starting the ESM loader', { timeout: 30_000 }, async () => {
    const version = await cliWithModuleList('--version');
    assert.equal(version.ran.code, 0, describeRun(version.ran));
    assert.match(version.ran.stdout, /^Directord Console /);
    assert.ok(!version.modules.includes(ESM_LOADER), 'directord --version started the ESM loader');

    const m = marker();
    const exec = await cliWithModuleList('exec', '--verb', 'RUN', '--target', 'c1', '--poll', `echo cjs-${m}`);
    assert.equal(exec.ran.code, 0, describeRun(exec.ran));
    const [job] = statusLines(exec.ran.stdout);
    assert.equal(job?.outcome, 'Success', describeRun(exec.ran));
    assert.equal((await c.output(job.id, 'c1')).stdout, `cjs-${m}\n`);
    assert.ok(!exec.modules.includes(ESM_LOADER), 'directord exec started the ESM loader');
    // commander's node:child_process is a stand-in in main.js; nothing on the exec path needs it.
    assert.ok(!exec.modules.includes('NativeModule child_process'), 'directord exec loaded node:child_process');
    // A plain RUN needs neither the components (typebox, yaml: only ADD/COPY) nor server code.
    const bundlesLoaded = exec.modules
      .filter((m) => /[\\/]dist[\\/]cli[\\/]/.test(m))
      .map((m) => m.replace(/^.*[\\/]dist[\\/]cli[\\/]/, ''));
    assert.deepEqual(bundlesLoaded.sort(), ['commands/exec.js', 'main.js']);
  });

  test(
    "a CliError from inside a command bundle is the user's error (exit 2, its message), not an internal error",
    { timeout: 30_000 },
    async () => {
      const ran = await c.cli('exec', '--verb', 'NOPE', 'x');
      assert.equal(ran.code, 2, describeRun(ran));
      assert.match(ran.stderr, /unknown verb NOPE/i, describeRun(ran));
      assert.doesNotMatch(ran.stderr, /internal error/, describeRun(ran));
      // From transfer.js, a bundle exec.js requires only for ADD/COPY.
      const missing = await c.cliIn(work, ['exec', '--verb', 'COPY', '--target', 'c1', '--poll', `missing-${marker()}.txt /tmp/x`]);
      assert.equal(missing.code, 2, describeRun(missing));
      assert.match(missing.stderr, /^COPY: no file matches missing-/m, describeRun(missing));
    },
  );

  test('exec COPY loads the lazily required bundles (components.js, transfer.js) and copies the file', { timeout: 30_000 }, async () => {
    const m = marker();
    writeFileSync(join(work, `source-${m}.txt`), `copied ${m}\n`);
    const dest = join(work, `dest-${m}.txt`);
    const ran = await c.cliIn(work, ['exec', '--verb', 'COPY', '--target', 'c1', '--poll', `source-${m}.txt ${dest}`]);
    assert.equal(ran.code, 0, describeRun(ran));
    assert.equal(statusLines(ran.stdout)[0]?.outcome, 'Success', describeRun(ran));
    assert.equal(readFileSync(dest, 'utf8'), `copied ${m}\n`);
  });

  test('`directord server` loads a user component through import() from its CommonJS bundle', { timeout: 30_000 }, async () => {
    const m = marker();
    const ran = await c.cli('exec', '--verb', 'ECHO_UPPER', '--target', 'c1', '--poll', `hello-${m}`);
    assert.equal(ran.code, 0, describeRun(ran));
    const [job] = statusLines(ran.stdout);
    assert.equal(job?.outcome, 'Success', describeRun(ran));
    assert.equal((await c.output(job.id, 'c1')).stdout, `HELLO-${m.toUpperCase()}\n`);
  });
});
