/**
 * `--install-service` without the bundle: argv handling, the unit's text and the user-scope path
 * with a stand-in `systemctl` (the bundle and the system scope: test/packaging/agent-bundle.test.ts).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveCli } from './cli.js';
import { installAgentService, renderUnit, SERVICE_NAME, systemdQuote, takeServiceFlags } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-agent-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: (env: NodeJS.ProcessEnv) => ({ out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env }),
  };
}

/** The words of the unit's ExecStart, unquoted (the unit quotes every word). */
function execStartWords(unit: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(line, unit);
  return [...line.slice('ExecStart='.length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    (m[1] as string).replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'),
  );
}

describe('agent --install-service', { timeout: 30_000 }, () => {
  test('service flags are split off the agent options', () => {
    assert.deepEqual(takeServiceFlags(['--server', 'http://h:1', '--install-service', '--unit-dir', 'u', '--no-start']), {
      argv: ['--server', 'http://h:1'],
      service: { start: false, unitDir: 'u' },
    });
    assert.deepEqual(takeServiceFlags(['--install-service', '--unit-dir=/x']), { argv: [], service: { start: true, unitDir: '/x' } });
    assert.deepEqual(takeServiceFlags(['--identity', 'a']), { argv: ['--identity', 'a'] });
    assert.match((takeServiceFlags(['--no-start']) as { error: string }).error, /--install-service/);
    assert.match((takeServiceFlags(['--install-service', '--unit-dir']) as { error: string }).error, /--unit-dir needs/);
  });

  test('ExecStart words are quoted so systemd reads them back verbatim', () => {
    const words = ['/opt/my node/node', '/srv/a"b\\c', '100%', '$HOME', 'plain'];
    const unit = renderUnit({ command: words, identity: 'web-1', system: true, version: '1.2.3' });
    assert.deepEqual(execStartWords(unit), words);
    assert.match(unit, /ExecStart="\/opt\/my node\/node" "\/srv\/a\\"b\\\\c" "100%%" "\$\$HOME" "plain"\n/);
    assert.throws(() => systemdQuote('a\nb'), /command line/);
  });

  test('a user unit (not root): pinned options, ~/.config/systemd/user, systemctl --user', () => {
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'agent.key'), 'the-secret-key\n');
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const calls = join(dir, 'systemctl.log');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> '${calls}'\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    const env = { XDG_CONFIG_HOME: join(dir, 'config'), PATH: `${bin}:/usr/bin:/bin`, USER: 'ops' };
    const c = capture();
    const code = installAgentService(
      ['--server', 'http://10.0.0.1:7500', '--data-dir', 'data', '--executor=spawn'],
      { start: true },
      c.io(env),
      {
        resolveCli: (argv) => resolveCli(argv, {}),
        dataDir: '/ignored/because/given',
        version: '9.9.9',
        entry: ['/opt/directord/directord-agent.cjs'],
        isRoot: false,
        cwd: dir,
        nodePath: '/usr/local/bin/node',
      },
    );
    assert.equal(code, 0, c.err.join(''));
    const unitPath = join(dir, 'config', 'systemd', 'user', SERVICE_NAME);
    const unit = readFileSync(unitPath, 'utf8');
    assert.deepEqual(execStartWords(unit), [
      '/usr/local/bin/node',
      '/opt/directord/directord-agent.cjs',
      '--server',
      'http://10.0.0.1:7500',
      '--data-dir',
      data,
      '--executor=spawn',
      '--identity',
      (resolveCli(['--data-dir', data, '--server', 'x'], {}) as { identity: string }).identity,
      '--cache-dir',
      join(data, 'agents', (resolveCli(['--data-dir', data, '--server', 'x'], {}) as { identity: string }).identity),
    ]);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^WantedBy=default\.target$/m);
    assert.doesNotMatch(unit, /network-online|the-secret-key/);
    assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), ['--user daemon-reload', `--user enable --now ${SERVICE_NAME}`]);
    assert.match(c.out.join(''), /loginctl enable-linger ops/);
  });

  test('refuses a key on the command line, bad options and a missing key before writing anything', () => {
    const unitDir = join(dir, 'refused');
    const deps = {
      resolveCli: (argv: readonly string[]) => resolveCli(argv, {}),
      dataDir: join(dir, 'nothing-here'),
      version: '0',
      entry: ['/a.cjs'],
      isRoot: true,
      cwd: dir,
    };
    for (const argv of [
      ['--server', 'http://h:1', '--key', 'k'],
      ['--server', 'http://h:1', '--key=k'],
      ['--bogus'],
      ['--server', 'http://h:1'],
    ]) {
      const c = capture();
      const code = installAgentService(argv, { start: false, unitDir }, c.io({}), deps);
      assert.equal(code, 2, argv.join(' '));
      assert.ok(c.err.join('').length > 0);
    }
    assert.equal(existsSync(unitDir), false);
    const c = capture();
    assert.equal(
      installAgentService(['--server', 'http://h:1', '--key-file', '/etc/hostname'], { start: false, unitDir }, c.io({}), {
        ...deps,
        entry: ['--import', 'tsx', 'agent/main.ts'],
      }),
      2,
    );
    assert.match(c.err.join(''), /npm run build:agent/);
  });

  test('a failing systemctl is reported with the unit path and what to run', () => {
    const bin = join(dir, 'bin-fail');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'systemctl'), '#!/bin/sh\necho "Failed to connect to bus" >&2\nexit 1\n');
    chmodSync(join(bin, 'systemctl'), 0o755);
    writeFileSync(join(dir, 'key'), 'k\n');
    const c = capture();
    const unitDir = join(dir, 'units-fail');
    const code = installAgentService(
      ['--server', 'http://h:1', '--key-file', join(dir, 'key')],
      { start: true, unitDir },
      c.io({ PATH: bin }),
      {
        resolveCli: (argv) => resolveCli(argv, {}),
        dataDir: dir,
        version: '0',
        entry: ['/a.cjs'],
        isRoot: true,
        cwd: dir,
      },
    );
    assert.equal(code, 1);
    assert.match(c.err.join(''), /systemctl daemon-reload failed: Failed to connect to bus/);
    assert.ok(c.err.join('').includes(join(unitDir, SERVICE_NAME)));
    assert.match(c.err.join(''), /systemctl daemon-reload && systemctl enable --now directord-agent\.service/);
  });
});
