/**
 * `directord orchestrate` end to end (issue #2's list items 2, 4 and 5): entries with their own
 * targets, `async: true` entries running concurrently on one agent while non-async jobs run one
 * at a time in order, job `vars` (stdout_arg and template variables), and `--ignore-cache`.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobRecord } from '../../protocol/records.js';
import { Cluster, describeRun, marker, statusLines } from './harness.js';

/** Wall-clock span of the jobs on the server: first target start to last target finish (ms). */
function span(jobs: readonly JobRecord[]): number {
  const targets = jobs.flatMap((j) => j.targets);
  const starts = targets.map((t) => t.startedAt ?? NaN);
  const ends = targets.map((t) => t.finishedAt ?? NaN);
  return Math.max(...ends) - Math.min(...starts);
}

describe('orchestrate end to end (real server, 2 agents, CLI)', { timeout: 120_000 }, () => {
  let c: Cluster;
  const yaml = (name: string, text: string) => {
    const path = join(c.dataDir, name);
    writeFileSync(path, text);
    return path;
  };
  before(
    async () => {
      c = await Cluster.start({ agents: ['a1', 'a2'] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('two entries with their own targets, one async: per-target results and output', { timeout: 30_000 }, async () => {
    const m = marker();
    const file = yaml(
      `two-${m}.yaml`,
      `- name: both-${m}
  targets: [a1, a2]
  jobs:
    - RUN: echo both-${m}
    - RUN: echo second-${m} >&2
- name: solo-${m}
  targets: [a2]
  async: true
  jobs:
    - RUN: echo solo-${m}
`,
    );
    const ran = await c.cli('orchestrate', file, '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    const lines = statusLines(ran.stdout);
    assert.deepEqual(
      lines.map((l) => l.outcome),
      ['Success', 'Success', 'Success'],
      describeRun(ran),
    );
    const [both, second, solo] = await c.await(lines.map((l) => l.id));
    assert.ok(both && second && solo);

    assert.deepEqual(
      both.targets.map((t) => [t.target, t.state]),
      [
        ['a1', 'succeeded'],
        ['a2', 'succeeded'],
      ],
    );
    assert.deepEqual(
      second.targets.map((t) => [t.target, t.state]),
      [
        ['a1', 'succeeded'],
        ['a2', 'succeeded'],
      ],
    );
    assert.deepEqual(
      solo.targets.map((t) => [t.target, t.state]),
      [['a2', 'succeeded']],
    );
    for (const target of ['a1', 'a2']) {
      assert.deepEqual(await c.output(both.jobId, target), {
        jobId: both.jobId,
        target,
        stdout: `both-${m}\n`,
        stderr: '',
        truncated: false,
      });
      const err = await c.output(second.jobId, target);
      assert.deepEqual([err.stdout, err.stderr], ['', `second-${m}\n`]);
    }
    assert.equal((await c.output(solo.jobId, 'a2')).stdout, `solo-${m}\n`);

    // Parents: the entry's name, one parent id per entry, async only where asked.
    assert.equal(both.parentName, `both-${m}`);
    assert.equal(solo.parentName, `solo-${m}`);
    assert.equal(both.parentId, second.parentId);
    assert.notEqual(both.parentId, solo.parentId);
    assert.match(both.parentSha ?? '', /^[0-9a-f]{56}$/);
    assert.deepEqual([both.parentAsync, second.parentAsync, solo.parentAsync], [false, false, true]);
  });

  test('async entries run concurrently on one agent; non-async ones one after the other', { timeout: 30_000 }, async () => {
    const m = marker();
    const entries = (async: boolean, tag: string) =>
      [1, 2]
        .map((i) => `- name: ${tag}${i}-${m}\n  targets: [a1]\n  async: ${async}\n  jobs:\n    - RUN: sleep 1; echo ${tag}${i}-${m}\n`)
        .join('');

    const concurrent = await c.cli('orchestrate', yaml(`async-${m}.yaml`, entries(true, 'as')), '--poll');
    assert.equal(concurrent.code, 0, describeRun(concurrent));
    const asyncJobs = await c.await(statusLines(concurrent.stdout).map((l) => l.id));
    assert.equal(asyncJobs.length, 2);
    const asyncSpan = span(asyncJobs);
    assert.ok(asyncSpan >= 1000 && asyncSpan < 1800, `two async 'sleep 1' entries took ${asyncSpan} ms`);

    const serial = await c.cli('orchestrate', yaml(`serial-${m}.yaml`, entries(false, 'se')), '--poll');
    assert.equal(serial.code, 0, describeRun(serial));
    const serialJobs = await c.await(statusLines(serial.stdout).map((l) => l.id));
    assert.equal(serialJobs.length, 2);
    const serialSpan = span(serialJobs);
    assert.ok(serialSpan >= 2000, `two non-async 'sleep 1' entries took only ${serialSpan} ms`);
    const [first, next] = serialJobs.map((j) => j.targets[0]!);
    assert.ok(first && next && (next.startedAt ?? 0) >= (first.finishedAt ?? Infinity) - 50, 'the second started after the first finished');
  });

  test('jobs on one agent run in submission order, across entries', { timeout: 30_000 }, async () => {
    const m = marker();
    const out = join(c.dataDir, `order-${m}.txt`);
    // Decreasing sleeps: anything run concurrently would write out of order.
    const file = yaml(
      `order-${m}.yaml`,
      `- name: seq-${m}
  targets: [a1]
  jobs:
    - RUN: sleep 0.3; echo 1 >> ${out}
    - RUN: sleep 0.2; echo 2 >> ${out}
    - RUN: sleep 0.1; echo 3 >> ${out}
    - RUN: echo 4 >> ${out}
- name: seq2-${m}
  targets: [a1]
  jobs:
    - RUN: echo 5 >> ${out}
`,
    );
    const ran = await c.cli('orchestrate', file, '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    assert.equal(statusLines(ran.stdout).length, 5);
    assert.equal(readFileSync(out, 'utf8'), '1\n2\n3\n4\n5\n');
  });

  test('job vars: stdout_arg captures output for a later job; other vars are template variables', { timeout: 30_000 }, async () => {
    const m = marker();
    const file = yaml(
      `vars-${m}.yaml`,
      `- name: vars-${m}
  targets: [a1, a2]
  jobs:
    - RUN: echo captured-${m}
      vars: {stdout_arg: x_${m}}
    - RUN: echo got {{ x_${m} }}
    - RUN: echo hello {{ who }}
      vars: {who: world-${m}}
`,
    );
    const ran = await c.cli('orchestrate', file, '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    const [capture, got, hello] = await c.await(statusLines(ran.stdout).map((l) => l.id));
    assert.ok(capture && got && hello);
    for (const target of ['a1', 'a2']) {
      assert.equal((await c.output(got.jobId, target)).stdout, `got captured-${m}\n`, target);
      assert.equal((await c.output(hello.jobId, target)).stdout, `hello world-${m}\n`, target);
    }
    assert.equal(capture.args.command, `echo captured-${m}`);
  });

  test('orchestrate --ignore-cache re-runs a job the agents cached', { timeout: 30_000 }, async () => {
    const m = marker();
    const file = yaml(`cache-${m}.yaml`, `- targets: [a1]\n  jobs:\n    - RUN: echo ic-${m}\n`);
    const ids: string[] = [];
    for (const extra of [[], [], ['--ignore-cache']]) {
      const ran = await c.cli('orchestrate', file, '--poll', ...extra);
      assert.equal(ran.code, 0, describeRun(ran));
      ids.push(statusLines(ran.stdout)[0]?.id ?? 'missing');
    }
    const [fresh, hit, ignored] = await c.await(ids);
    assert.ok(fresh && hit && ignored);
    assert.deepEqual([fresh.targets[0]?.cached, fresh.targets[0]?.info], [false, `echo ic-${m}`]);
    assert.deepEqual([hit.targets[0]?.cached, hit.targets[0]?.info, hit.targets[0]?.executionTime], [true, 'task skipped', 0]);
    assert.deepEqual([ignored.targets[0]?.cached, ignored.targets[0]?.info, ignored.skipCache], [false, `echo ic-${m}`, true]);
    assert.equal((await c.output(ignored.jobId, 'a1')).stdout, `ic-${m}\n`);
  });
});
