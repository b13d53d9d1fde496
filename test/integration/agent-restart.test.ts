/**
 * An agent restarted on the same cache dir keeps its cache (issue #2's list item 6): the ARG
 * values still render and a job it ran still is a cache hit, after a clean stop (SIGTERM) and
 * after a crash (SIGKILL once the result was acknowledged).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, eventually, marker, req, statusLines } from './harness.js';

describe('agent restart keeps its cache (real server, 1 agent process restarted)', { timeout: 120_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await Cluster.start({ agents: ['r1'] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  const offline = () =>
    eventually(
      'r1 offline',
      async () => ((await req(c.ui, 'agents:list')).find((a) => a.identity === 'r1')?.online === false ? true : undefined),
      10_000,
    );

  /** Sets an ARG and caches a RUN on r1; returns the RUN's SHA. */
  async function prime(m: string): Promise<string> {
    const arg = await c.cli('exec', '--verb', 'ARG', `greeting_${m} hello-${m}`, '--poll', '--check');
    assert.equal(arg.code, 0, describeRun(arg));
    const run = await c.cli('exec', '--verb', 'RUN', `echo keep-${m}`, '--poll', '--check');
    assert.equal(run.code, 0, describeRun(run));
    const [job] = await c.await([statusLines(run.stdout)[0]?.id ?? 'missing']);
    assert.deepEqual([job?.targets[0]?.state, job?.targets[0]?.cached], ['succeeded', false]);
    return job?.sha ?? '';
  }

  /** After the restart: the ARG renders and the cached RUN is skipped. */
  async function check(m: string, sha: string): Promise<void> {
    const render = await c.cli('exec', '--verb', 'RUN', `echo {{ greeting_${m} }} again`, '--stream', '--check');
    assert.equal(render.code, 0, describeRun(render));
    assert.match(
      render.stdout,
      new RegExp(`^Run: [0-9a-f-]{36}\\nr1 -- STDOUT\\nhello-${m} again\\nr1 -- STDERR\\n\\nJob Success: `),
      describeRun(render),
    );

    const again = await c.cli('exec', '--verb', 'RUN', `echo keep-${m}`, '--poll', '--check');
    assert.equal(again.code, 0, describeRun(again));
    const [job] = await c.await([statusLines(again.stdout)[0]?.id ?? 'missing']);
    assert.equal(job?.sha, sha);
    assert.deepEqual(
      [job?.targets[0]?.state, job?.targets[0]?.cached, job?.targets[0]?.info, job?.targets[0]?.executionTime],
      ['succeeded', true, 'task skipped', 0],
    );
  }

  test('SIGTERM, start again on the same cache dir: args render, cached jobs skip', { timeout: 60_000 }, async () => {
    const m = marker();
    const sha = await prime(m);
    const first = c.agent('r1');
    first.signal('SIGTERM');
    const exit = await first.exited(15_000);
    assert.deepEqual(exit, { code: 0, signal: null }, first.stderr);
    assert.match(first.stderr, /agent stopped/);
    assert.equal(existsSync(join(first.cacheDir, 'agent.pid')), false, 'the cache-dir lock is released');
    await offline();

    // The local cache is on disk for `manage --dump-cache` (no agent needed).
    const dump = await c.cli('manage', '--dump-cache');
    assert.equal(dump.code, 0, describeRun(dump));
    assert.ok(dump.stdout.includes(`hello-${m}`), `dump-cache shows the ARG value:\n${dump.stdout.slice(0, 2000)}`);

    const second = await c.startAgent('r1', { cacheDir: first.cacheDir });
    assert.notEqual(second.pid, first.pid);
    await c.waitOnline(['r1']);
    await check(m, sha);
  });

  test('SIGKILL once results are acknowledged, start again: the cache survived the crash', { timeout: 60_000 }, async () => {
    const m = marker();
    const sha = await prime(m);
    const first = c.agent('r1');
    first.killGroup();
    const exit = await first.exited(10_000);
    assert.equal(exit.signal, 'SIGKILL');
    await offline();
    assert.equal(existsSync(join(first.cacheDir, 'agent.pid')), true, 'a crashed agent leaves its pid file behind');

    // The stale lock of the dead process does not keep the new one out.
    const second = await c.startAgent('r1', { cacheDir: first.cacheDir });
    await c.waitOnline(['r1']);
    assert.ok(second.running);
    await check(m, sha);
  });
});
