/**
 * Safe rollouts end to end (issue #17): a real server process, 4 real agents, the real CLI.
 * Each job runs `sh host.sh TAG`, which finds its agent's identity from its ancestors' command
 * lines, appends it to a per-test log (so every dispatch that ran is counted), may wait for a
 * go-file, and fails when a fail-file for its host exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunRollout } from '../../protocol/rollouts.js';
import { Cluster, describeRun, eventually, marker, req } from './harness.js';

const HOSTS = ['a1', 'a2', 'a3', 'a4'];

describe('rollouts (real server, 4 agents, CLI)', { timeout: 300_000 }, () => {
  let c: Cluster;
  const script = () => join(c.dataDir, 'host.sh');
  const ran = (tag: string): string[] => {
    const path = join(c.dataDir, `ran-${tag}`);
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
  };
  const file = (tag: string, keys: string, jobs = 1) => {
    const path = join(c.dataDir, `roll-${tag}.yaml`);
    const steps = Array.from({ length: jobs }, (_, i) => `    - RUN: sh ${script()} ${tag} ${i}\n`).join('');
    writeFileSync(path, `- name: roll-${tag}\n  targets: [${HOSTS.join(', ')}]\n${keys}  jobs:\n${steps}`);
    return path;
  };
  const failOn = (tag: string, host: string) => writeFileSync(join(c.dataDir, `fail-${tag}-${host}`), '');
  const runIdOf = (stdout: string) => {
    const m = /^Run: (\S+)$/m.exec(stdout);
    assert.ok(m, `no "Run: RUN_ID" line in:\n${stdout}`);
    return m[1]!;
  };
  const rollout = (runId: string) => req(c.ui, 'rollouts:get', runId);
  const untilRollout = (runId: string, what: string, ok: (r: RunRollout) => boolean, ms = 30_000) =>
    eventually(
      what,
      async () => {
        const r = await rollout(runId);
        return ok(r) ? r : undefined;
      },
      ms,
      50,
    );
  const targetStates = async (runId: string) => {
    const run = await req(c.ui, 'runs:get', runId);
    return Object.fromEntries(HOSTS.map((h) => [h, run.jobs.map((j) => j.targets.find((t) => t.target === h)?.state ?? '-').join(',')]));
  };

  before(
    async () => {
      c = await Cluster.start({ agents: HOSTS });
      writeFileSync(
        join(c.dataDir, 'host.sh'),
        `p=$$; id=
while [ "$p" -gt 1 ]; do
  cmd=$(tr '\\000' ' ' < /proc/$p/cmdline 2>/dev/null)
  case "$cmd" in *"--identity "*) id=\${cmd#*--identity }; id=\${id%% *}; break;; esac
  p=$(cut -d' ' -f4 /proc/$p/stat)
done
dir=${c.dataDir}
echo "$id" >> "$dir/ran-$1"
while [ -e "$dir/hold-$1-$id" ]; do sleep 0.05; done
test ! -e "$dir/fail-$1-$id"
`,
      );
    },
    { timeout: 90_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('serial 1, one host failing: halts after it and never dispatches the rest; abort cancels them', { timeout: 60_000 }, async () => {
    const m = marker();
    failOn(m, 'a2');
    const out = await c.cli('orchestrate', file(m, '  serial: 1\n'), '--poll');
    assert.notEqual(out.code, 0, describeRun(out));
    assert.match(out.stdout, /^Wave 1\/4 of roll-\S+ started: a1$/m, describeRun(out));
    assert.match(out.stdout, /^Wave 2\/4 of roll-\S+ started: a2$/m);
    assert.match(out.stdout, /^Rollout halted: roll-\S+ after wave 2: 1 of 4 hosts failed \(a2\), above max_fail_percentage 0/m);
    const runId = runIdOf(out.stdout);
    const r = await rollout(runId);
    assert.equal(r.state, 'halted');
    assert.deepEqual(r.entries[0]?.haltReason, { wave: 1, hosts: ['a2'], failed: 1, total: 4, maxFailPercentage: 0 });
    const run = await req(c.ui, 'runs:get', runId);
    assert.equal(run.status, 'halted');
    const halted = await req(c.ui, 'runs:list', { status: 'halted' });
    assert.ok(
      halted.some((h) => h.runId === runId),
      'History lists it under halted',
    );
    assert.deepEqual(await targetStates(runId), { a1: 'succeeded', a2: 'failed', a3: 'queued', a4: 'queued' });
    assert.deepEqual(ran(m), ['a1', 'a2']);
    const info = await c.cli('manage', '--job-info', run.jobs[0]!.jobId);
    assert.equal(info.code, 0, describeRun(info));
    assert.match(info.stdout, /WAVE\s+a1 = 1 of 4\s+a2 = 2 of 4\s+a3 = 3 of 4\s+a4 = 4 of 4/, describeRun(info));
    const aborted = await c.cli('rollout', 'abort', runId);
    assert.equal(aborted.code, 0, describeRun(aborted));
    assert.match(aborted.stdout, /^Cancelled: 2$/m);
    await eventually('run settled', async () => ((await req(c.ui, 'runs:get', runId)).status === 'cancelled' ? true : undefined));
    assert.deepEqual(await targetStates(runId), { a1: 'succeeded', a2: 'failed', a3: 'cancelled', a4: 'cancelled' });
    assert.deepEqual(ran(m), ['a1', 'a2'], 'nothing ran on a3 or a4');
  });

  test(
    'exec --serial 1 --poll: an ad-hoc exec rolls out as one entry, halts after the first failing host and never dispatches to the rest',
    { timeout: 60_000 },
    async () => {
      const m = marker();
      failOn(m, 'a1');
      const out = await c.cli('exec', '--verb', 'RUN', '--target', ...HOSTS, '--serial', '1', '--poll', `sh ${script()} ${m} 0`);
      assert.equal(out.code, 1, describeRun(out));
      assert.match(out.stdout, /^Wave 1\/4 of entry 1 started: a1$/m, describeRun(out));
      assert.match(out.stdout, /^Wave 1\/4 of entry 1 ended$/m, describeRun(out));
      assert.doesNotMatch(out.stdout, /^Wave 2\//m, 'no second wave');
      assert.match(
        out.stdout,
        /^Rollout halted: entry 1 after wave 1: 1 of 4 hosts failed \(a1\), above max_fail_percentage 0; run `directord rollout resume\|retry\|abort \S+`$/m,
      );
      const runId = runIdOf(out.stdout);
      const run = await req(c.ui, 'runs:get', runId);
      assert.equal(run.kind, 'exec');
      assert.equal(run.status, 'halted');
      assert.deepEqual(await targetStates(runId), { a1: 'failed', a2: 'queued', a3: 'queued', a4: 'queued' });
      assert.deepEqual(
        run.jobs[0]!.targets.filter((t) => t.dispatchedAt !== null).map((t) => t.target),
        ['a1'],
        'never dispatched to a2, a3, a4',
      );
      assert.deepEqual(ran(m), ['a1']);
      const aborted = await c.cli('rollout', 'abort', runId);
      assert.equal(aborted.code, 0, describeRun(aborted));
      assert.deepEqual(ran(m), ['a1'], 'nothing ran on the rest');

      // The flags' values are the entry keys' values; a bad one is a usage error naming the flag, and nothing is sent.
      const before = (await req(c.ui, 'runs:list', {})).length;
      for (const [flag, value] of [
        ['--serial', '0'],
        ['--max-fail-percentage', '101'],
        ['--order', 'random'],
        ['--concurrency', '0'],
        ['--pause', 'soon'],
      ] as const) {
        const bad = await c.cli('exec', '--verb', 'RUN', flag, value, 'true');
        assert.equal(bad.code, 2, describeRun(bad));
        assert.match(bad.stderr, new RegExp(`^${flag}: expected `, 'm'), describeRun(bad));
      }
      assert.equal((await req(c.ui, 'runs:list', {})).length, before, 'nothing was submitted');
    },
  );

  test(
    'max_fail_percentage 50 goes past one failure of four and halts at three; resume runs the last wave',
    { timeout: 60_000 },
    async () => {
      const m = marker();
      for (const h of ['a1', 'a2', 'a3']) failOn(m, h);
      const out = await c.cli('orchestrate', file(m, '  serial: 1\n  max_fail_percentage: 50\n'), '--poll');
      assert.notEqual(out.code, 0, describeRun(out));
      assert.match(
        out.stdout,
        /^Rollout halted: roll-\S+ after wave 3: 3 of 4 hosts failed \(a1, a2, a3\), above max_fail_percentage 50/m,
        describeRun(out),
      );
      const runId = runIdOf(out.stdout);
      assert.deepEqual(ran(m), ['a1', 'a2', 'a3']);
      assert.equal((await targetStates(runId)).a4, 'queued');
      const resumed = await c.cli('rollout', 'resume', runId);
      assert.equal(resumed.code, 0, describeRun(resumed));
      await eventually('run settled', async () => ((await req(c.ui, 'runs:get', runId)).status === 'failed' ? true : undefined));
      assert.deepEqual(ran(m), ['a1', 'a2', 'a3', 'a4']);
      await untilRollout(runId, 'rollout done', (r) => r.state === 'done');
    },
  );

  test('approve: true waits before each wave after the first, and goes on when approved', { timeout: 60_000 }, async () => {
    const m = marker();
    const out = await c.cli('orchestrate', file(m, '  serial: 2\n  approve: true\n'));
    assert.equal(out.code, 0, describeRun(out));
    const runId = runIdOf(out.stdout);
    await untilRollout(runId, 'awaiting approval', (r) => r.state === 'awaiting-approval');
    assert.equal((await req(c.ui, 'runs:get', runId)).status, 'awaiting-approval');
    assert.deepEqual(ran(m).sort(), ['a1', 'a2']);
    const early = await c.cli('rollout', 'resume', runId);
    assert.notEqual(early.code, 0, 'resume is for a halted rollout');
    const approved = await c.cli('rollout', 'approve', runId);
    assert.equal(approved.code, 0, describeRun(approved));
    await eventually('run settled', async () => ((await req(c.ui, 'runs:get', runId)).status === 'succeeded' ? true : undefined));
    assert.deepEqual(ran(m).sort(), HOSTS);
  });

  test('retry failed and resume: the failed host runs again in a linked run, then the next waves', { timeout: 60_000 }, async () => {
    const m = marker();
    failOn(m, 'a1');
    const out = await c.cli('orchestrate', file(m, '  serial: 1\n'));
    const runId = runIdOf(out.stdout);
    await untilRollout(runId, 'halted', (r) => r.state === 'halted');
    rmSync(join(c.dataDir, `fail-${m}-a1`));
    const retried = await c.cli('rollout', 'retry', runId);
    assert.equal(retried.code, 0, describeRun(retried));
    const retryRun = /^Retry run: (\S+)$/m.exec(retried.stdout)?.[1];
    assert.ok(retryRun, describeRun(retried));
    await eventually('both runs settled', async () => {
      const [a, b] = await Promise.all([req(c.ui, 'runs:get', runId), req(c.ui, 'runs:get', retryRun)]);
      return a.status === 'failed' && b.status === 'succeeded' ? true : undefined;
    });
    assert.equal((await req(c.ui, 'runs:get', retryRun)).rerunOf, runId);
    assert.deepEqual(ran(m).filter((h) => h === 'a1').length, 2);
    assert.deepEqual(
      ran(m)
        .filter((h) => h !== 'a1')
        .sort(),
      ['a2', 'a3', 'a4'],
    );
  });

  test(
    'server SIGKILLed while awaiting approval and mid-wave, restarted: it continues where it was, nothing runs twice',
    { timeout: 120_000 },
    async () => {
      const m = marker();
      writeFileSync(join(c.dataDir, `hold-${m}-a3`), '');
      const out = await c.cli('orchestrate', file(m, '  serial: [1, 2]\n  approve: true\n', 2));
      const runId = runIdOf(out.stdout);
      await untilRollout(runId, 'awaiting approval', (r) => r.state === 'awaiting-approval');
      await c.stopServer('SIGKILL');
      await c.startServer();
      await c.waitOnline(HOSTS);
      let r = await rollout(runId);
      assert.equal(r.state, 'awaiting-approval', 'still waiting after the restart');
      assert.deepEqual(ran(m), ['a1', 'a1']);
      await req(c.ui, 'rollouts:act', { runId, action: 'approve' });
      // Wave 2 = a2, a3; a3 holds in its first job while the server dies again.
      await eventually('a3 running', () => (ran(m).includes('a3') ? true : undefined));
      await c.stopServer('SIGKILL');
      rmSync(join(c.dataDir, `hold-${m}-a3`));
      await c.startServer();
      await c.waitOnline(HOSTS);
      r = await untilRollout(runId, 'awaiting approval of wave 3', (x) => x.state === 'awaiting-approval' && x.entries[0]?.released === 2);
      assert.deepEqual(r.entries[0]?.waves, [['a1'], ['a2', 'a3'], ['a4']]);
      assert.ok(!ran(m).includes('a4'), 'a4 not dispatched before approval');
      await req(c.ui, 'rollouts:act', { runId, action: 'approve' });
      await eventually('run settled', async () => ((await req(c.ui, 'runs:get', runId)).status === 'succeeded' ? true : undefined), 30_000);
      const counts = Object.fromEntries(HOSTS.map((h) => [h, ran(m).filter((x) => x === h).length]));
      assert.deepEqual(counts, { a1: 2, a2: 2, a3: 2, a4: 2 }, 'each host ran each of its 2 jobs exactly once');
    },
  );

  test(
    'plan: before a run every step will run; after it the cached steps show, and the next run skips exactly those',
    { timeout: 90_000 },
    async () => {
      const m = marker();
      const path = join(c.dataDir, `plan-${m}.yaml`);
      writeFileSync(
        path,
        `- name: plan-${m}
  targets: [${HOSTS.join(', ')}]
  serial: 2
  jobs:
    - RUN: sh ${script()} ${m} cached
    - RUN: --skip-cache sh ${script()} ${m} always
    - RUN: --run-once sh ${script()} ${m} once
`,
      );
      const cells = (stdout: string) =>
        Object.fromEntries(
          HOSTS.map((h) => {
            const row = new RegExp(`^${h} +(.*)$`, 'm').exec(stdout)?.[1] ?? '';
            return [h, row.split(/ {2,}/).map((x) => x.trim())];
          }),
        );
      const first = await c.cli('orchestrate', path, '--plan');
      assert.equal(first.code, 0, describeRun(first));
      assert.match(first.stdout, /^Waves of plan-\S+ \(waves\): 1: a1, a2 \| 2: a3, a4$/m, describeRun(first));
      assert.deepEqual(cells(first.stdout), {
        a1: ['will run', 'will run', 'will run'],
        a2: ['will run', 'will run', 'run-once — done'],
        a3: ['will run', 'will run', 'run-once — done'],
        a4: ['will run', 'will run', 'run-once — done'],
      });
      assert.deepEqual(ran(m), [], 'a plan runs nothing');
      const run1 = await c.cli('orchestrate', path, '--poll');
      assert.equal(run1.code, 0, describeRun(run1));
      const ranBefore = ran(m).length;
      const plan = await c.cli('orchestrate', path, '--plan');
      assert.equal(ran(m).length, ranBefore, 'a plan runs nothing');
      const planned: Record<string, string[]> = cells(plan.stdout);
      assert.deepEqual(
        planned,
        {
          a1: ['cached — skipped', 'will run', 'cached — skipped'],
          a2: ['cached — skipped', 'will run', 'run-once — done'],
          a3: ['cached — skipped', 'will run', 'run-once — done'],
          a4: ['cached — skipped', 'will run', 'run-once — done'],
        },
        describeRun(plan),
      );
      // A known host that is offline now (an unknown one is refused before planning: issue #13).
      const gone = await c.startAgent('zz-offline');
      gone.signal('SIGTERM');
      await gone.exited(20_000);
      await c.online(c.ui, 'zz-offline', false);
      const offline = await c.cli('orchestrate', path, '--plan', '--target', 'a1', 'zz-offline');
      assert.match(offline.stdout, /^zz-offline +host offline +host offline/m, describeRun(offline));
      // The next run skips exactly what the plan said.
      const run2 = await c.cli('orchestrate', path, '--poll');
      assert.equal(run2.code, 0, describeRun(run2));
      const detail = await req(c.ui, 'runs:get', runIdOf(run2.stdout));
      for (const h of HOSTS) {
        const actual = detail.jobs.map((j) => {
          const t = j.targets.find((x) => x.target === h);
          return !t ? 'run-once — done' : t.cached ? 'cached — skipped' : 'will run';
        });
        assert.deepEqual(actual, (planned as Record<string, string[]>)[h], `host ${h}`);
      }
    },
  );

  test(
    '--concurrency 2 caps the hosts running the entry at once (no halting); pause waits between waves; async entries roll out too',
    { timeout: 90_000 },
    async () => {
      const m = marker();
      const capped = join(c.dataDir, `cap-${m}.yaml`);
      writeFileSync(
        capped,
        `- name: cap-${m}\n  targets: [${HOSTS.join(', ')}]\n  jobs:\n    - RUN: --skip-cache sleep 0.4; sh ${script()} ${m} cap\n`,
      );
      failOn(m, 'a1');
      const out = await c.cli('orchestrate', capped, '--concurrency', '2', '--poll');
      assert.equal(out.code, 1, describeRun(out));
      assert.doesNotMatch(out.stdout, /Rollout halted/, 'a concurrency cap never halts');
      const run = await req(c.ui, 'runs:get', runIdOf(out.stdout));
      const spans = run.jobs[0]!.targets.map((t) => [t.startedAt!, t.finishedAt!] as const);
      const most = Math.max(...spans.map(([s]) => spans.filter(([s2, e2]) => s2 <= s && e2 > s).length));
      assert.equal(most, 2, `at most 2 at once: ${JSON.stringify(spans)}`);
      assert.deepEqual(ran(m).sort(), HOSTS);

      const m2 = marker();
      const paused = join(c.dataDir, `pause-${m2}.yaml`);
      writeFileSync(
        paused,
        `- name: pause-${m2}\n  targets: [${HOSTS.join(', ')}]\n  async: true\n  serial: 2\n  pause: 1\n  jobs:\n    - RUN: --skip-cache sh ${script()} ${m2} p\n`,
      );
      const out2 = await c.cli('orchestrate', paused, '--poll');
      assert.equal(out2.code, 0, describeRun(out2));
      const run2 = await req(c.ui, 'runs:get', runIdOf(out2.stdout));
      const t = Object.fromEntries(run2.jobs[0]!.targets.map((x) => [x.target, x]));
      const wave1End = Math.max(t.a1!.finishedAt!, t.a2!.finishedAt!);
      const wave2Start = Math.min(t.a3!.dispatchedAt!, t.a4!.dispatchedAt!);
      assert.ok(wave2Start - wave1End >= 950, `paused ${wave2Start - wave1End} ms between waves`);
      assert.equal(run2.jobs[0]!.parentAsync, true);
    },
  );
});
