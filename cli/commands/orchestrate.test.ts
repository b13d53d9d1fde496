import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../testing/fake-ui-server.js';
import { runCli as run } from '../testing/run-cli.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'directord-cli-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withServer(fn: (server: FakeServer, dir: string) => Promise<void>): Promise<void> {
  await withDir(async (dir) => {
    const server = await startFakeServer(dir);
    try {
      await fn(server, dir);
    } finally {
      await server.close();
    }
  });
}

const GOOD = `- name: first parent
  targets: [n1]
  jobs:
    - RUN: echo one
      name: job one
    - RUN: --skip-cache echo a very long command indeed
- jobs:
    - RUN: echo two
`;

test('a malformed file prints file:line:column and exits 2 without a server', () =>
  withDir(async (dir) => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, '- jobs:\n    - RUN: echo ok\n  targets: [a\n');
    const r = await run('--data-dir', join(dir, 'no-server'), 'orchestrate', file, '--poll');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  }));

test('a bad job string in the second file: nothing is submitted', () =>
  withServer(async (server, dir) => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(good, GOOD);
    writeFileSync(bad, '- jobs:\n    - RUN: --retry many echo\n');
    const r = await run('--data-dir', dir, 'orchestrate', good, bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:2:\d+: .*retry/);
    assert.equal(server.submissions.length, 0);
  }));

test('a missing file exits 2', () =>
  withDir(async (dir) => {
    const r = await run('--data-dir', dir, 'orchestrate', join(dir, 'nope.yaml'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.yaml \] file was not found/);
  }));

test('--finger-print prints the table locally and sends nothing', () =>
  withDir(async (dir) => {
    const file = join(dir, 'o.yaml');
    writeFileSync(file, GOOD);
    const r = await run('--data-dir', join(dir, 'no-server'), 'orchestrate', file, '--finger-print');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^count +parent +verb +exec +job$/);
    assert.match(lines[2] ?? '', /^0 +first parent +RUN +echo one +job one$/);
    assert.match(lines[3] ?? '', /^1 +first parent +RUN +--skip-cache echo a very lo\.\.\. +[0-9a-f]{56}$/);
    assert.match(lines[4] ?? '', /^2 +[0-9a-f]{56} +RUN +echo two +[0-9a-f]{56}$/);
    assert.equal(lines.length, 5);
  }));

test('files are submitted in order, one run each, with the CLI flags', () =>
  withServer(async (server, dir) => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, GOOD);
    writeFileSync(b, '- jobs:\n    - RUN: echo b\n');
    const sha = 'a'.repeat(56);
    const r = await run('--data-dir', dir, 'orchestrate', a, b, '--target', 'x', 'y', '--restrict', sha, '--ignore-cache', '--force-async');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'Run: run-1\nRun: run-2\nJob received. Task ID: job-1\nJob received. Task ID: job-2\nJob received. Task ID: job-3\nJob received. Task ID: job-4\n',
    );
    assert.equal(server.submissions.length, 2);
    const [first, second] = server.submissions;
    assert.equal(first?.kind, 'orchestrate');
    assert.equal(first?.source, a);
    assert.equal(first?.sourceText, GOOD);
    assert.deepEqual(first?.targets, ['x', 'y']);
    assert.deepEqual(first?.restrict, [sha]);
    assert.equal(first?.ignoreCache, true);
    assert.equal(first?.forceAsync, true);
    assert.equal(first?.entries.length, 2);
    assert.equal(second?.source, b);
  }));

test('--restrict with something that is not a SHA is a usage error', () =>
  withDir(async (dir) => {
    const r = await run('--data-dir', dir, 'orchestrate', 'x.yaml', '--restrict', 'abc');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--restrict: abc is not a job SHA3-224/);
  }));
