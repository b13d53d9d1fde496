/**
 * Fault (issue #5): runaway jobs on a REAL agent process (in-process server, heartbeat every
 * 300 ms, so an agent whose event loop stalls for ~1 s would expire and have its jobs marked lost).
 * - `yes` printing at full speed, and a job that ignores SIGTERM and forks a child: `--timeout`
 *   kills the whole process group and each reports `timed-out` within 2 s of its limit; no
 *   process of theirs is left.
 * - Meanwhile an async job on the same agent runs a series of short steps that finish on time,
 *   the agent never expires (stays online, nothing lost) and its heartbeat keeps advancing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunSubmission } from '../../protocol/jobs.js';
import { Cluster, eventually, marker, processesMatching, req, sleep } from '../integration/harness.js';

test(
  'runaway jobs (yes at full speed; SIGTERM ignored) time out on time and stall neither the heartbeat nor an async job',
  { timeout: 120_000 },
  async (t) => {
    const heartbeatIntervalMs = 300;
    const c = await Cluster.start({ agents: ['r1'], inProcess: { heartbeatIntervalMs } });
    t.after(() => c.close());
    const m = marker();
    const submission: RunSubmission = {
      kind: 'orchestrate',
      targets: ['r1'],
      entries: [
        { async: true, jobs: [{ verb: 'RUN', text: `--timeout 3 --skip-cache yes runaway-${m}` }] },
        {
          async: true,
          jobs: [
            {
              verb: 'RUN',
              text: `--timeout 2 --skip-cache trap '' TERM; sh -c 'trap "" TERM; sleep 60 # child-${m}' & sleep 60 # deaf-${m}`,
            },
          ],
        },
        { async: true, jobs: [1, 2, 3, 4, 5, 6].map((i) => ({ verb: 'RUN', text: `--skip-cache sleep 0.3; echo step-${i}-${m}` })) },
      ],
    };
    const beats: number[] = [];
    const submitted = await req(c.ui, 'runs:submit', submission);
    const started = Date.now();
    const [yesId, deafId, ...stepIds] = submitted.jobs.map((j) => j.jobId) as [string, string, ...string[]];
    const watch = (async () => {
      while (Date.now() - started < 5000) {
        const agent = (await req(c.ui, 'agents:list')).find((a) => a.identity === 'r1');
        assert.equal(agent?.online, true, 'r1 stays online throughout');
        beats.push(agent?.lastHeartbeat ?? 0);
        await sleep(250);
      }
    })();

    const steps = await c.await(stepIds, 20_000);
    const stepsDone = Date.now() - started;
    for (const [i, job] of steps.entries()) assert.equal(job.targets[0]?.state, 'succeeded', `step ${i + 1}: ${job.targets[0]?.info}`);
    // Six 0.3 s steps: about 2 s of work; a stalled agent would take far longer (or expire).
    assert.ok(stepsDone < 8000, `the async steps took ${stepsDone} ms beside the runaways`);

    const [yes, deaf] = await c.await([yesId, deafId], 20_000);
    await watch;
    for (const [job, limitS] of [
      [yes, 3],
      [deaf, 2],
    ] as const) {
      const target = job?.targets[0];
      assert.equal(target?.state, 'timed-out', `${target?.state}: ${target?.info}\n${c.logs()}`);
      assert.equal(target?.info, `Timeout encountered after ${limitS} s`);
      const late = (target?.finishedAt ?? Infinity) - (target?.startedAt ?? 0) - limitS * 1000;
      assert.ok(late < 2000, `reported ${late} ms after its ${limitS} s limit`);
    }
    // The runaway's output was cut at the cap, not buffered without end.
    const out = await c.output(yesId, 'r1');
    assert.ok(out.stdout.startsWith(`runaway-${m}\n`));
    // The whole process groups are gone, the child that ignored SIGTERM included.
    await eventually('no process of the runaway jobs left', () => (processesMatching(m).length === 0 ? true : undefined), 5000);
    // Heartbeats kept arriving: the last one seen is recent and they advanced during the run.
    assert.ok(new Set(beats).size >= 5, `heartbeats seen: ${JSON.stringify(beats)}`);
    const lost = (await req(c.ui, 'jobs:list', {})).filter((j) => j.targets.some((x) => x.state === 'lost'));
    assert.deepEqual(lost, [], 'nothing was marked lost');
  },
);
