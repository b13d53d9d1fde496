import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from './version.js';
import { cliCommand } from './hint.js';
import { runCli as run } from './testing/run-cli.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'directord-cli-'));
}

test('--version', async () => {
  const r = await run('--version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `Directord Console ${VERSION}\n`);
});

test('exec: two of --poll/--wait/--stream is a usage error', async () => {
  const r = await run('exec', '--verb', 'RUN', '--poll', '--wait', 'echo hi');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot be used with/);
  const s = await run('exec', '--verb', 'RUN', '--stream', '--poll', 'echo hi');
  assert.equal(s.code, 2);
});

test('orchestrate: --finger-print excludes --poll', async () => {
  const r = await run('orchestrate', 'x.yaml', '--finger-print', '--poll');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot be used with/);
});

test('exec: --verb is required', async () => {
  const r = await run('exec', 'echo hi');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--verb/);
});

test('manage takes exactly one action', async () => {
  const two = await run('manage', '--list-jobs', '--list-nodes');
  assert.equal(two.code, 2);
  assert.match(two.stderr, /exactly one action, got --list-jobs and --list-nodes/);
  const none = await run('manage');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /exactly one action/);
  const filter = await run('manage', '--list-nodes', '--filter', 'failed');
  assert.equal(filter.code, 2);
  assert.match(filter.stderr, /--filter only applies to --list-jobs/);
  const badFilter = await run('manage', '--list-jobs', '--filter', 'nope');
  assert.equal(badFilter.code, 2);
});

test('no server.json: a clear message naming the data dir, exit 1', async () => {
  const dir = tempDir();
  try {
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'echo hi', '--poll');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `No Directord server found for data dir ${dir} (start one with: ${cliCommand()} serve --data-dir ${dir})\n`);
    assert.equal(r.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--data-dir is accepted after every sub-command name too (and wins over the one before it)', async () => {
  const dir = tempDir();
  try {
    for (const args of [
      ['exec', '--verb', 'RUN', 'echo hi', '--data-dir', dir],
      ['exec', '--data-dir', dir, '--verb', 'RUN', 'echo hi'],
      ['orchestrate', 'site.yaml', '--data-dir', dir],
      ['manage', '--list-nodes', '--data-dir', dir],
      ['--data-dir', '/nonexistent/elsewhere', 'manage', '--list-nodes', '--data-dir', dir],
    ]) {
      const r = await run(...args);
      assert.doesNotMatch(r.stderr, /unknown option/, args.join(' '));
      if (args[0] !== 'orchestrate')
        assert.match(r.stderr, new RegExp(`for data dir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `), args.join(' '));
    }
    for (const command of ['serve', 'server', 'manage', 'exec', 'orchestrate', 'bootstrap']) {
      const help = await run(command, '--help');
      assert.match(help.stdout, /--data-dir <dir>/, command);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DIRECTORD_DATA_DIR is used when --data-dir is absent', async () => {
  const dir = tempDir();
  const before = process.env.DIRECTORD_DATA_DIR;
  process.env.DIRECTORD_DATA_DIR = dir;
  try {
    const r = await run('manage', '--list-nodes');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`for data dir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
  } finally {
    if (before === undefined) delete process.env.DIRECTORD_DATA_DIR;
    else process.env.DIRECTORD_DATA_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stale server.json (dead pid): says the server is not running', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:9', port: 9, pid: 2 ** 22 + 12345, startedAt: 0 }));
    writeFileSync(join(dir, 'cli.token'), 'x'.repeat(64));
    const r = await run('--data-dir', dir, 'manage', '--list-jobs');
    assert.equal(r.code, 1);
    assert.ok(
      r.stderr.includes(
        `is not running: process ${2 ** 22 + 12345} does not exist (start one with: ${cliCommand()} serve --data-dir ${dir})`,
      ),
      r.stderr,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stale server.json (connection refused): says so', async () => {
  const dir = tempDir();
  try {
    const { createServer } = await import('node:net');
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, port, pid: process.pid, startedAt: 0 }));
    writeFileSync(join(dir, 'cli.token'), 'x'.repeat(64));
    const r = await run('--data-dir', dir, 'manage', '--list-jobs');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not running: connection to http:\/\/127\.0\.0\.1:\d+ refused/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec --exec-help prints the component help without a server', async () => {
  const dir = tempDir();
  try {
    const r = await run('--data-dir', join(dir, 'nothing-here'), 'exec', '--verb', 'RUN', '--exec-help');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: directord \[--exec-help\]/);
    assert.match(r.stdout, /--retry RETRY/);
    const anywhere = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'echo hi --exec-help');
    assert.equal(anywhere.code, 0);
    assert.equal(anywhere.stdout, r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec --exec-help for an unknown verb lists the known verbs, exit 2', async () => {
  const r = await run('exec', '--verb', 'NOPE', '--exec-help');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Unknown verb NOPE\. Known verbs: .*RUN/);
});
