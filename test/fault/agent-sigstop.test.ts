/**
 * Fault (issue #5): a REAL agent process frozen with SIGSTOP for longer than the heartbeat expiry
 * while it runs a job (in-process server, heartbeat interval 300 ms, so expiry after 900 ms).
 * - Its target becomes `lost`; the other agent's jobs go on and succeed.
 * - The job itself keeps running (it lives in the agent's fork-server, which is not stopped) and
 *   ends while the agent is frozen. After SIGCONT the agent reconnects, is online again, runs new
 *   work, and delivers its late result from its outbox.
 * - The late result replaces `lost` exactly once (keyed by job id): the output printed after the
 *   freeze is stored after what came before it, the state becomes the real outcome (succeeded,
 *   exit 0), and the info keeps the history ("… reported late: the server had marked this job
 *   lost: agent f1 stopped answering"). The run is settled again from its rows. A second delivery
 *   of the same batch changes nothing. The SQLite file stays consistent: integrity_check ok, one
 *   target row per (job, target), no duplicate output rows.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cluster, describeRun, eventually, marker, req, sleep } from '../integration/harness.js';
import { checkDb } from './db-check.js';

test(
  'an agent SIGSTOPped past its heartbeat expiry mid-job: lost, others go on; SIGCONT: back online, late result handled',
  { timeout: 90_000 },
  async (t) => {
    const heartbeatIntervalMs = 300;
    const c = await Cluster.start({ agents: ['f1', 'f2'], inProcess: { heartbeatIntervalMs } });
    t.after(async () => {
      c.agent('f1').signal('SIGCONT');
      await c.close();
    });
    const m = marker();

    // f1: a job that outlives the freeze (2 s) and prints before and after its sleep.
    const frozen = await c.cli('exec', '--target', 'f1', '--verb', 'RUN', `echo before-${m}; sleep 2; echo late-${m}`);
    assert.equal(frozen.code, 0, describeRun(frozen));
    const frozenId = /Task ID: ([0-9a-f-]{36})/.exec(frozen.stdout)?.[1];
    assert.ok(frozenId, describeRun(frozen));
    // f2: a chain of jobs that runs while f1 is frozen.
    const file = join(c.dataDir, `healthy-${m}.yaml`);
    writeFileSync(file, `- targets: [f2]\n  jobs:\n${[1, 2, 3].map((i) => `    - RUN: sleep 0.4; echo f2-${i}-${m}\n`).join('')}`);
    const healthy = await c.cli('orchestrate', file);
    assert.equal(healthy.code, 0, describeRun(healthy));
    const healthyIds = [...healthy.stdout.matchAll(/Task ID: ([0-9a-f-]{36})/g)].map((x) => x[1]!);
    assert.equal(healthyIds.length, 3);

    await eventually(
      'f1 running its job',
      async () => ((await req(c.ui, 'jobs:get', frozenId)).targets[0]?.state === 'running' ? true : undefined),
      10_000,
    );
    // The first line is stored before the freeze (so the late output is a second delivery).
    await eventually(
      'f1’s first line stored',
      async () => ((await c.output(frozenId, 'f1')).stdout.includes(`before-${m}`) ? true : undefined),
      10_000,
    );
    const agent = c.agent('f1');
    const stoppedAt = Date.now();
    agent.signal('SIGSTOP');

    const [lost] = await c.await([frozenId], 15_000);
    const target = lost?.targets[0];
    assert.equal(target?.state, 'lost', `${target?.state}: ${target?.info}\n${c.logs()}`);
    assert.match(target?.info ?? '', /f1 stopped answering/);
    const after = (target?.finishedAt ?? Infinity) - stoppedAt;
    assert.ok(after < 3 * heartbeatIntervalMs + 2000, `lost ${after} ms after SIGSTOP (expiry is 3 × ${heartbeatIntervalMs} ms)`);
    assert.equal((await req(c.ui, 'agents:list')).find((a) => a.identity === 'f1')?.online, false, 'f1 offline while frozen');

    const done = await c.await(healthyIds, 15_000);
    assert.deepEqual(
      done.map((j) => j.targets.map((x) => [x.target, x.state])),
      [[['f2', 'succeeded']], [['f2', 'succeeded']], [['f2', 'succeeded']]],
      c.logs(),
    );

    // Stay frozen until the job has ended in the (running) fork-server: its result is late.
    await sleep(Math.max(0, stoppedAt + 2600 - Date.now()));
    const connectedBefore = (agent.stderr.match(/INFO agent:\S+:link connected/g) ?? []).length;
    agent.signal('SIGCONT');
    await c.waitOnline(['f1'], 20_000);
    await eventually(
      'f1 to say hello again',
      () => ((agent.stderr.match(/INFO agent:\S+:link connected/g) ?? []).length > connectedBefore ? true : undefined),
      20_000,
    );

    // New work on f1 runs normally. The agent's outbox is sent in order, so once this job's result
    // is stored, the late batch of the frozen job has been delivered (and acked) before it.
    const again = await c.cli('exec', '--target', 'f1', '--verb', 'RUN', `echo again-${m}`, '--poll', '--check');
    assert.equal(again.code, 0, describeRun(again));

    // Applied is logged when the late batch lands: wait for that line rather than a fixed pause.
    await eventually(
      'the late batch of the frozen job to be applied',
      () => (/late result replaced lost \{"jobId":"[^"]+","target":"f1"/.test(c.serverLog.join('')) ? true : undefined),
      10_000,
    );
    const record = await req(c.ui, 'jobs:get', frozenId);
    const final = record.targets[0];
    const db = checkDb(c.dataDir, [frozenId, ...healthyIds]);
    const observed = {
      state: final?.state,
      info: final?.info,
      exitCode: final?.exitCode,
      stdout: (await c.output(frozenId, 'f1')).stdout,
      dbState: db.states[`${frozenId}/f1`],
      seqs: db.stdoutSeqs[`${frozenId}/f1`],
    };
    t.diagnostic(`late result for a lost target: ${JSON.stringify(observed)}`);
    assert.match(
      c.serverLog.join(''),
      /late result replaced lost \{"jobId":"[^"]+","target":"f1","state":"succeeded"\}/,
      'the late batch was applied',
    );

    // The real result replaced `lost`, once, and the lost episode stays in the record.
    assert.equal(final?.state, 'succeeded', JSON.stringify(observed));
    assert.equal(final?.exitCode, 0);
    assert.equal(db.states[`${frozenId}/f1`], 'succeeded', 'the stored state matches');
    assert.equal(
      final?.info,
      `echo before-${m}; sleep 2; echo late-${m} (reported late: the server had marked this job lost: agent f1 stopped answering)`,
    );
    // The late output landed after what came before the freeze, once.
    assert.equal(observed.stdout, `before-${m}\nlate-${m}\n`);
    const replaced = c.serverLog.join('').match(new RegExp(`late result replaced lost \\{"jobId":"${frozenId}"`, 'g')) ?? [];
    assert.equal(replaced.length, 1, 'replaced exactly once');
    // The run was settled again from its rows: one succeeded target, nothing lost.
    const run = await req(c.ui, 'runs:get', record.runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.counts));
    assert.equal(run.counts.lost, 0);
    // The file is consistent.
    assert.deepEqual(db.integrity, ['ok']);
    assert.deepEqual(Object.values(db.targetRows), [1, 1, 1, 1]);
    assert.equal(db.duplicateTargets, 0);
    assert.equal(db.duplicateOutput, 0);
    assert.deepEqual(
      db.stdoutSeqs[`${frozenId}/f1`],
      [...(db.stdoutSeqs[`${frozenId}/f1`] ?? [])].sort((a, b) => a - b),
    );
  },
);
