/**
 * The one-file agent as a host would get it: `npm run build:agent`'s output, copied alone into an
 * empty folder (no node_modules or package.json above it), run with plain Node and NODE_PATH unset.
 * It prints its version and help, runs a real job for a real server, and installs itself as a
 * systemd unit (written to a temp dir; `systemctl` is a stand-in on PATH that records its args).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { builtinComponents } from '../../components/builtin/index.js';
import { connectUi, eventually, request, startTestServer, type TestServer } from '../../server/testing/harness.js';
import { bundles, exited, ROOT, runCli } from '../integration/harness.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
const work = mkdtempSync(join(tmpdir(), 'directord-agent-bundle-'));
const host = join(work, 'host'); // the "empty folder" on another host: only the one file
const AGENT = join(host, 'directord-agent.cjs');
const isRoot = process.getuid?.() === 0;
after(() => rmSync(work, { recursive: true, force: true }));

/** A bare environment: no NODE_PATH, no NODE_OPTIONS (no tsx), a fresh HOME. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(work, 'home'), ...extra };
}

function runAgent(args: readonly string[], env = bareEnv()) {
  return spawnSync(process.execPath, [AGENT, ...args], { cwd: host, env, encoding: 'utf8', timeout: 30_000 });
}

function execStartWords(unit: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(line, unit);
  return [...line.slice('ExecStart='.length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] as string).replace(/\\(.)/g, '$1'));
}

function standInSystemctl(name: string, script: string): { bin: string; log: string } {
  const bin = join(work, name);
  const log = join(work, `${name}.log`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> '${log}'\n${script}\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  return { bin, log };
}

before(() => {
  // `npm run build:agent`, in a private copy of the checkout so the shared dist/ is left alone.
  assert.equal(pkg.scripts['build:agent'], 'node scripts/build.mjs --agent-only');
  const checkout = join(work, 'checkout');
  mkdirSync(checkout);
  for (const name of ['protocol', 'components', 'agent', 'node_modules', 'tsconfig.base.json'])
    symlinkSync(join(ROOT, name), join(checkout, name));
  copyFileSync(join(ROOT, 'package.json'), join(checkout, 'package.json'));
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--agent-only'], {
    cwd: checkout,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(built.status, 0, built.stderr);
  assert.deepEqual(readdirSync(join(checkout, 'dist')).sort(), ['directord-agent.cjs', 'directord-agent.cjs.map']);
  mkdirSync(host);
  mkdirSync(join(work, 'home'));
  copyFileSync(join(checkout, 'dist', 'directord-agent.cjs'), AGENT);
  // Nothing above the folder could supply a module or turn the file into ESM.
  for (let dir = host; dir !== dirname(dir); dir = dirname(dir)) {
    assert.ok(!existsSync(join(dir, 'node_modules')) && !existsSync(join(dir, 'package.json')), `${dir} has node_modules or package.json`);
  }
});

describe('the one-file agent (npm run build:agent)', { timeout: 120_000 }, () => {
  test('--version and --help from an empty folder with plain node', () => {
    const version = runAgent(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `directord-agent ${pkg.version}\n`);
    const help = runAgent(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: directord-agent/);
    assert.match(help.stdout, /--install-service/);
    const bad = runAgent(['--nope']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--nope/);
  });

  test('requires only Node built-ins (optional ws speed-ups inside try) and loads no native module', () => {
    const text = readFileSync(AGENT, 'utf8');
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const others: string[] = [];
    for (const m of text.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)) {
      const name = m[2] as string;
      if (builtins.has(name)) continue;
      others.push(name);
      const before = text.slice(Math.max(0, (m.index ?? 0) - 200), m.index);
      assert.match(before, /try\s*\{[^}]*$/, `the agent requires ${name} outside a try block: a host without node_modules would fail`);
    }
    assert.ok(
      others.every((n) => n === 'bufferutil' || n === 'utf-8-validate'),
      others.join(', '),
    );
    assert.doesNotMatch(text, /\brequire\(\s*[^"'`\s)]/, 'no computed require()');
    assert.doesNotMatch(text, /\.node["'`]/, 'no .node file');
    assert.doesNotMatch(text, /process\.dlopen|\bdlopen\(/, 'no dlopen');
  });

  test('runs a job for a real server', async () => {
    const t: TestServer = await startTestServer({ components: builtinComponents });
    const keyFile = join(work, 'agent.key');
    writeFileSync(keyFile, `${t.server.agentKey}\n`, { mode: 0o600 });
    const child = spawn(
      process.execPath,
      [AGENT, '--server', t.server.url, '--key-file', keyFile, '--identity', 'one-file', '--cache-dir', 'state'],
      { cwd: host, env: bareEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ui = await connectUi(t.server);
    try {
      await eventually(
        'the one-file agent online',
        async () => {
          const list = await request(ui.emitWithAck('agents:list'));
          return list.some((a) => a.identity === 'one-file' && a.online) ? true : undefined;
        },
        20_000,
      );
      const run = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo from one file' }] }] }),
      );
      const jobId = run.jobs[0]?.jobId as string;
      const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [jobId], timeoutMs: 20_000 }));
      assert.equal(record?.targets[0]?.state, 'succeeded', `${record?.targets[0]?.info ?? ''}\n${stderr}`);
      const output = await request(ui.emitWithAck('jobs:output', { jobId, target: 'one-file' }));
      assert.equal(output.stdout, 'from one file\n');
      assert.ok(existsSync(join(host, 'state')), 'a relative --cache-dir is under the working folder');
    } finally {
      ui.close();
      child.kill('SIGTERM');
      const end = await exited(child, 15_000).catch(() => (child.kill('SIGKILL'), { code: null, signal: 'SIGKILL' as const }));
      await t.stop();
      assert.equal(end.code, 0, stderr);
    }
  });

  test('--install-service --unit-dir DIR --no-start writes the unit with absolute paths and no secret', () => {
    writeFileSync(join(host, 'agent.key'), 'secret-in-file\n', { mode: 0o600 });
    const r = runAgent([
      '--server',
      'http://192.0.2.10:7500',
      '--key-file',
      'agent.key',
      '--identity',
      'web-1',
      '--cache-dir',
      'state',
      '--install-service',
      '--unit-dir',
      'units',
      '--no-start',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const unitPath = join(host, 'units', 'directord-agent.service');
    assert.match(r.stdout, new RegExp(`wrote ${unitPath}`));
    assert.match(
      r.stdout,
      /not started \(--no-start\); to start it: systemctl .*daemon-reload && systemctl .*enable --now directord-agent\.service/,
    );
    const unit = readFileSync(unitPath, 'utf8');
    assert.deepEqual(execStartWords(unit), [
      process.execPath,
      AGENT,
      '--server',
      'http://192.0.2.10:7500',
      '--key-file',
      join(host, 'agent.key'),
      '--identity',
      'web-1',
      '--cache-dir',
      join(host, 'state'),
      '--data-dir',
      join(work, 'home', '.local', 'share', 'directord'),
    ]);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^KillMode=mixed$/m);
    assert.match(unit, new RegExp(`^WantedBy=${isRoot ? 'multi-user' : 'default'}\\.target$`, 'm'));
    assert.doesNotMatch(unit, /secret-in-file/);
    assert.doesNotMatch(unit, /^(ProtectSystem|ProtectHome|PrivateTmp|NoNewPrivileges)=/m, 'hardening that would break jobs');
    assert.ok(!existsSync(join(work, 'no-start.log')));

    const refused = runAgent([
      '--server',
      'http://192.0.2.10:7500',
      '--key',
      'secret-on-argv',
      '--install-service',
      '--unit-dir',
      'units-refused',
    ]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--key-file/);
    assert.ok(!existsSync(join(host, 'units-refused')));
  });

  test('--install-service runs systemctl daemon-reload, then enable --now', () => {
    const { bin, log } = standInSystemctl('systemctl-ok', 'exit 0');
    const r = runAgent(
      ['--server', 'http://192.0.2.10:7500', '--key-file', 'agent.key', '--install-service', '--unit-dir', join(work, 'units-started')],
      bareEnv({ PATH: `${bin}:${process.env.PATH}` }),
    );
    assert.equal(r.status, 0, r.stderr);
    const scope = isRoot ? '' : '--user ';
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      `${scope}daemon-reload`,
      `${scope}enable --now directord-agent.service`,
    ]);
    assert.match(r.stdout, /enabled and started/);
    assert.ok(existsSync(join(work, 'units-started', 'directord-agent.service')));
  });

  test('without systemctl the unit is written and the message says what to run', () => {
    const empty = join(work, 'no-systemctl');
    mkdirSync(empty);
    const r = runAgent(
      ['--server', 'http://192.0.2.10:7500', '--key-file', 'agent.key', '--install-service', '--unit-dir', 'units-nosystemd'],
      bareEnv({ PATH: empty }),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /systemctl not found; the unit is written but not started\. On a systemd host run: systemctl .*daemon-reload && systemctl .*enable --now directord-agent\.service/,
    );
    assert.ok(existsSync(join(host, 'units-nosystemd', 'directord-agent.service')));
  });

  test('`directord agent --install-service` points the unit at the built one-file agent', async () => {
    const { agent } = await bundles();
    const data = join(work, 'cli-data');
    mkdirSync(data);
    writeFileSync(join(data, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:7500', port: 7500, pid: process.pid }));
    writeFileSync(join(data, 'agent.key'), 'k\n', { mode: 0o600 });
    const units = join(work, 'cli-units');
    const r = await runCli(['--data-dir', data, 'agent', '--identity', 'cli-1', '--install-service', '--unit-dir', units, '--no-start'], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const words = execStartWords(readFileSync(join(units, 'directord-agent.service'), 'utf8'));
    // The server URL is left to server.json in the data dir, so a restarted server's new port is found.
    assert.deepEqual(words, [
      process.execPath,
      agent,
      '--data-dir',
      data,
      '--identity',
      'cli-1',
      '--cache-dir',
      join(data, 'agents', 'cli-1'),
    ]);
  });
});
