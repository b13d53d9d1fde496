import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../protocol/log.js';
import { localAgentSpecs, localIdentityBase, startLocalAgents } from './local-agents.js';
import { captureOutput } from './output.js';

import { eventually, sleep } from '../test/support/wait.js';

/** Waits (up to 30 s: CI machines can be slow to start processes) until `ready()` holds. */
const until = (what: string, ready: () => boolean) => eventually(what, () => (ready() ? true : undefined), 30_000, 50);

const lines = (path: string): string[] => {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

test('local agent identities: <host>, <host>-2, … with caches under DATA_DIR/agents', () => {
  assert.deepEqual(localAgentSpecs(3, '/d', 'box'), [
    { identity: 'box', cacheDir: '/d/agents/box' },
    { identity: 'box-2', cacheDir: '/d/agents/box-2' },
    { identity: 'box-3', cacheDir: '/d/agents/box-3' },
  ]);
  assert.equal(localIdentityBase('my host (1)'), 'my-host-1');
  assert.equal(localIdentityBase('***'), 'localhost');
});

test('a crashing local agent is restarted with backoff, and stop() ends it all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-agents-'));
  const log = join(dir, 'launches');
  const script = `require('fs').appendFileSync(${JSON.stringify(log)}, process.argv.slice(1).join(' ') + '\\n'); process.stderr.write('boom\\n'); process.exit(3);`;
  const out = captureOutput();
  try {
    const agents = startLocalAgents(localAgentSpecs(1, dir, 'crashy'), {
      dataDir: dir,
      command: { file: process.execPath, args: ['-e', script, '--'] },
      log: silentLogger,
      backoffMs: 20,
      maxBackoffMs: 80,
    });
    await until('three launches', () => lines(log).length >= 3);
    await agents.stop();
    const launches = lines(log);
    assert.ok(launches.length >= 3, `expected restarts, got ${launches.length}`);
    assert.equal(launches[0], `--data-dir ${dir} --identity crashy --cache-dir ${join(dir, 'agents', 'crashy')}`);
    await sleep(300);
    assert.equal(lines(log).length, launches.length, 'no restart after stop()');
    assert.match(out.stderr, /^\[agent crashy\] boom$/m);
  } finally {
    out.restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stop() sends SIGTERM and waits for the agents to exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'directord-agents-'));
  const script = `process.on('SIGTERM', () => { process.stdout.write('bye\\n'); process.exit(0); }); setInterval(() => {}, 1000); process.stdout.write('up\\n');`;
  const out = captureOutput();
  try {
    const agents = startLocalAgents(localAgentSpecs(2, dir, 'calm'), {
      dataDir: dir,
      command: { file: process.execPath, args: ['-e', script, '--'] },
      log: silentLogger,
    });
    await until('both agents up', () => (out.stderr.match(/\] up$/gm) ?? []).length === 2);
    const pids = [...agents.pids().values()];
    assert.equal(pids.length, 2);
    await agents.stop();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0));
    assert.match(out.stderr, /^\[agent calm-2\] bye$/m);
  } finally {
    out.restore();
    rmSync(dir, { recursive: true, force: true });
  }
});
