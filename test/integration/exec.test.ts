/**
 * `directord exec` end to end: a real server (`directord server`), two real agent processes and
 * the CLI as child processes. Covers issue #2's list items 1 (exec, --poll/--check, --stream,
 * job-info, failures), 3 (--timeout kills the job's whole process tree), 4 (cache hits,
 * --skip-cache, --run-once) and 5 (templating with ARG, undefined names).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, eventually, marker, processesMatching, statusLines } from './harness.js';

const AGENTS = ['a1', 'a2'];

describe('exec end to end (real server, 2 agents, CLI)', { timeout: 120_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await Cluster.start({ agents: AGENTS });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('exec --poll --check prints Job Success; --job-info last shows each host, SUCCESS lists both', { timeout: 30_000 }, async () => {
    const ran = await c.cli('exec', '--verb', 'RUN', 'echo hi', '--poll', '--check');
    assert.equal(ran.code, 0, describeRun(ran));
    const id = /^Run: [0-9a-f-]{36}\nJob Success: ([0-9a-f-]{36})\n$/.exec(ran.stdout)?.[1];
    assert.ok(id, describeRun(ran));
    assert.equal(ran.stderr, '');

    const info = await c.cli('manage', '--job-info', 'last');
    assert.equal(info.code, 0, describeRun(info));
    assert.match(info.stdout, /^KEY +VALUE\n-+ +-+\n/);
    assert.match(info.stdout, /^ID +last$/m);
    assert.match(info.stdout, new RegExp(`^JOB_ID +${id}$`, 'm'));
    assert.match(info.stdout, /^VERB +RUN$/m);
    assert.match(info.stdout, /^STDOUT +a1 = hi\n +a2 = hi$/m);
    assert.match(info.stdout, /^INFO +a1 = echo hi\n +a2 = echo hi$/m);
    assert.match(info.stdout, /^SUCCESS +a1\n +a2$/m);
    assert.match(info.stdout, /^FAILED *$/m);
    assert.match(info.stdout, /^PROCESSING +False$/m);
    assert.match(info.stdout, /\n\nTotal Items: \d+\n$/);

    // The record the CLI printed is the stored one.
    const [job] = await c.await([id]);
    assert.deepEqual(
      job?.targets.map((t) => [t.target, t.state, t.exitCode]),
      [
        ['a1', 'succeeded', 0],
        ['a2', 'succeeded', 0],
      ],
    );
  });

  test('--stream prints each node’s STDOUT and STDERR, sorted, then the status line', { timeout: 30_000 }, async () => {
    const m = marker();
    const ran = await c.cli('exec', '--verb', 'RUN', `echo out-${m}; echo err-${m} >&2`, '--stream');
    assert.equal(ran.code, 0, describeRun(ran));
    const id = statusLines(ran.stdout)[0]?.id;
    assert.ok(id, describeRun(ran));
    assert.equal(
      ran.stdout.replace(/^Run: [0-9a-f-]{36}\n/, ''),
      `a1 -- STDOUT\nout-${m}\na1 -- STDERR\nerr-${m}\na2 -- STDOUT\nout-${m}\na2 -- STDERR\nerr-${m}\nJob Success: ${id}\n`,
    );
  });

  test(
    'a failing command: Job Degrated, FAILED JOBS, non-zero exit with --check (and with plain --poll)',
    { timeout: 30_000 },
    async () => {
      const m = marker();
      const checked = await c.cli('exec', '--verb', 'RUN', `echo failing-${m} >&2; exit 3`, '--poll', '--check');
      assert.equal(checked.code, 1, describeRun(checked));
      const id = /^Job Degrated: ([0-9a-f-]{36})$/m.exec(checked.stdout)?.[1];
      assert.ok(id, describeRun(checked));
      assert.equal(checked.stdout.replace(/^Run: [0-9a-f-]{36}\n/, ''), `Job Degrated: ${id}\nFAILED JOBS\n${id}\n`);
      const [job] = await c.await([id]);
      assert.deepEqual(
        job?.targets.map((t) => [t.target, t.state, t.exitCode]),
        [
          ['a1', 'failed', 3],
          ['a2', 'failed', 3],
        ],
      );
      assert.equal((await c.output(id, 'a1')).stderr, `failing-${m}\n`);

      // Directord's rule: any failure exits 1 when polling, --check or not; without polling 0.
      const polled = await c.cli('exec', '--verb', 'RUN', `exit 4 # ${m}`, '--poll');
      assert.equal(polled.code, 1, describeRun(polled));
      assert.match(polled.stdout, /^Run: [0-9a-f-]{36}\nJob Degrated: [0-9a-f-]{36}\n$/);
      const fire = await c.cli('exec', '--verb', 'RUN', `exit 5 # ${m}`);
      assert.equal(fire.code, 0, describeRun(fire));
      assert.match(fire.stdout, /^Run: [0-9a-f-]{36}\nJob received\. Task ID: [0-9a-f-]{36}\n$/);
    },
  );

  test('--timeout: the target is timed-out within ~3 s and no process of the job survives', { timeout: 30_000 }, async () => {
    // A unique `sleep 30.NNNNNN` marks this job's processes: one in the foreground, one in the background.
    const sleepArg = `30.${randomInt(100_000, 999_999)}`;
    const pending = c.cli('exec', '--verb', 'RUN', `--timeout 1 sleep ${sleepArg} & sleep ${sleepArg}`, '--poll');
    // The scan finds the job's processes while it runs (so the check below can fail).
    const sleeps = () => processesMatching(`sleep ${sleepArg}`).filter((p) => p.cmdline === `sleep ${sleepArg}`);
    const seen = await eventually('the job’s sleep processes', () => (sleeps().length >= 4 ? sleeps() : undefined), 10_000, 20);
    assert.equal(seen.length, 4, `2 sleeps on each of 2 agents: ${JSON.stringify(seen)}`);

    const ran = await pending;
    assert.equal(ran.code, 1, describeRun(ran));
    const id = /^Run: [0-9a-f-]{36}\nJob Degrated: ([0-9a-f-]{36})\n$/.exec(ran.stdout)?.[1];
    assert.ok(id, describeRun(ran));
    const [job] = await c.await([id]);
    assert.ok(job);
    for (const t of job.targets) {
      assert.equal(t.state, 'timed-out', `${t.target}: ${t.info}`);
      assert.ok(
        t.finishedAt !== null && t.finishedAt - job.createdAt < 3000,
        `${t.target} timed out after ${(t.finishedAt ?? 0) - job.createdAt} ms`,
      );
      assert.match(t.info ?? '', /[Tt]imeout/);
    }
    // SIGKILL of the job's process group takes the background grandchild with it.
    await eventually(
      'no sleep process of the job left',
      () => (processesMatching(`sleep ${sleepArg}`).length === 0 ? true : undefined),
      2000,
      20,
    ).catch(() => {
      assert.fail(`left running: ${JSON.stringify(processesMatching(`sleep ${sleepArg}`))}`);
    });
  });

  test('cache: a repeated job is skipped (cached, task skipped, 0 s); --skip-cache runs it again', { timeout: 30_000 }, async () => {
    const m = marker();
    const first = await c.cli('exec', '--verb', 'RUN', `echo cached-${m}`, '--poll');
    const second = await c.cli('exec', '--verb', 'RUN', `echo cached-${m}`, '--poll');
    const forced = await c.cli('exec', '--verb', 'RUN', `--skip-cache echo cached-${m}`, '--poll');
    for (const r of [first, second, forced]) assert.equal(r.code, 0, describeRun(r));
    const [a, b, f] = await c.await([first, second, forced].map((r) => statusLines(r.stdout)[0]?.id ?? 'missing'));
    assert.ok(a && b && f);
    assert.equal(a.sha, b.sha, 'same job string, same SHA');
    assert.equal(f.sha, a.sha, '--skip-cache is not part of the SHA');

    for (const t of a.targets) {
      assert.deepEqual([t.state, t.cached, t.info], ['succeeded', false, `echo cached-${m}`], t.target);
      assert.equal((await c.output(a.jobId, t.target)).stdout, `cached-${m}\n`);
    }
    assert.equal(b.targets.length, 2);
    for (const t of b.targets) {
      assert.deepEqual([t.state, t.cached, t.info, t.executionTime], ['succeeded', true, 'task skipped', 0], t.target);
      assert.equal((await c.output(b.jobId, t.target)).stdout, '', 'a cache hit runs nothing');
    }
    for (const t of f.targets) {
      assert.deepEqual([t.state, t.cached, t.info], ['succeeded', false, `echo cached-${m}`], t.target);
      assert.equal((await c.output(f.jobId, t.target)).stdout, `cached-${m}\n`);
    }
    assert.equal(f.skipCache, true);
  });

  test('--run-once runs on exactly one of the two agents', { timeout: 30_000 }, async () => {
    const m = marker();
    const ran = await c.cli('exec', '--verb', 'RUN', `--run-once echo once-${m}`, '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    const [job] = await c.await([statusLines(ran.stdout)[0]?.id ?? 'missing']);
    assert.ok(job);
    assert.equal(job.runOnce, true);
    assert.equal(job.targets.length, 1, JSON.stringify(job.targets));
    const only = job.targets[0]!;
    assert.ok(AGENTS.includes(only.target));
    assert.equal(only.state, 'succeeded');
    assert.equal((await c.output(job.jobId, only.target)).stdout, `once-${m}\n`);
  });

  test('templating: ARG then RUN renders; an undefined name fails naming it', { timeout: 30_000 }, async () => {
    const m = marker();
    const arg = await c.cli('exec', '--verb', 'ARG', 'greeting hello', '--poll');
    assert.equal(arg.code, 0, describeRun(arg));
    const run = await c.cli('exec', '--verb', 'RUN', `echo {{ greeting }} world # ${m}`, '--stream');
    assert.equal(run.code, 0, describeRun(run));
    assert.match(
      run.stdout,
      /^Run: [0-9a-f-]{36}\na1 -- STDOUT\nhello world\na1 -- STDERR\n\na2 -- STDOUT\nhello world\na2 -- STDERR\n\nJob Success: [0-9a-f-]{36}\n$/,
    );

    const name = `nosuch_${m}`;
    const bad = await c.cli('exec', '--verb', 'RUN', `echo {{ ${name} }}`, '--poll');
    assert.equal(bad.code, 1, describeRun(bad));
    const [job] = await c.await([statusLines(bad.stdout)[0]?.id ?? 'missing']);
    assert.ok(job);
    for (const t of job.targets) {
      assert.equal(t.state, 'failed', t.target);
      assert.match(t.info ?? '', new RegExp(name), `${t.target}: the message names the undefined variable`);
    }
  });
});
