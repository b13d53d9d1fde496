/**
 * Durability smoke tests (issue #2's list item 9):
 * - an agent SIGKILLed mid-job: its target becomes `lost` once its heartbeat expires (in-process
 *   server with a short heartbeat interval; `directord server` has no option for it) while the
 *   other agent's jobs finish;
 * - the server SIGKILLed mid-orchestration and restarted on the same data dir: the SQLite file
 *   passes `PRAGMA integrity_check`, earlier runs are still listed, and the work the agents did
 *   meanwhile reaches the history.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Cluster, describeRun, eventually, marker, processesMatching, req, statusLines } from './harness.js';

/** Opens the history read-only and runs the integrity check; returns its rows and a few counts. */
function checkDb(dataDir: string): { integrity: string[]; runs: number; jobs: number } {
  const db = new Database(join(dataDir, 'directord.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { integrity, runs: count('runs'), jobs: count('jobs') };
  } finally {
    db.close();
  }
}

describe('durability', { timeout: 120_000 }, () => {
  test('an agent SIGKILLed mid-job: its target becomes lost; the other agent’s jobs finish', { timeout: 60_000 }, async (t) => {
    const heartbeatIntervalMs = 300;
    const c = await Cluster.start({ agents: ['k1', 'k2'], inProcess: { heartbeatIntervalMs } });
    t.after(() => c.close());
    const m = marker();
    const sleepArg = `20.${Date.now() % 100_000}`;

    // The healthy agent gets a short chain of jobs, the doomed one a long job.
    const doomed = await c.cli('exec', '--target', 'k1', '--verb', 'RUN', `sleep ${sleepArg}`);
    assert.equal(doomed.code, 0, describeRun(doomed));
    const doomedId = /Task ID: ([0-9a-f-]{36})/.exec(doomed.stdout)?.[1];
    assert.ok(doomedId, describeRun(doomed));
    const file = join(c.dataDir, `healthy-${m}.yaml`);
    writeFileSync(file, `- targets: [k2]\n  jobs:\n${[1, 2, 3].map((i) => `    - RUN: sleep 0.5; echo k2-${i}-${m}\n`).join('')}`);
    const healthy = await c.cli('orchestrate', file);
    assert.equal(healthy.code, 0, describeRun(healthy));
    const healthyIds = [...healthy.stdout.matchAll(/Task ID: ([0-9a-f-]{36})/g)].map((x) => x[1]!);
    assert.equal(healthyIds.length, 3);

    await eventually(
      'k1 running the long job',
      async () => ((await req(c.ui, 'jobs:get', doomedId)).targets[0]?.state === 'running' ? true : undefined),
      10_000,
    );
    assert.equal(processesMatching(`sleep ${sleepArg}`).filter((p) => p.cmdline === `sleep ${sleepArg}`).length, 1, 'the job runs on k1');
    const killedAt = Date.now();
    c.agent('k1').killGroup();
    await c.agent('k1').exited(5000);

    const [lost] = await c.await([doomedId], 15_000);
    const target = lost?.targets[0];
    assert.equal(target?.state, 'lost', `${target?.state}: ${target?.info}\n${c.logs()}`);
    assert.match(target?.info ?? '', /k1/);
    const after = (target?.finishedAt ?? Infinity) - killedAt;
    assert.ok(after < 3 * heartbeatIntervalMs + 2000, `lost ${after} ms after the kill (expiry is 3 × ${heartbeatIntervalMs} ms)`);

    const done = await c.await(healthyIds, 15_000);
    assert.deepEqual(
      done.map((j) => j.targets.map((x) => [x.target, x.state])),
      [[['k2', 'succeeded']], [['k2', 'succeeded']], [['k2', 'succeeded']]],
      c.logs(),
    );
    for (const [i, job] of done.entries()) assert.equal((await c.output(job.jobId, 'k2')).stdout, `k2-${i + 1}-${m}\n`);

    // k2 stayed online throughout (a short heartbeat interval must not expire healthy agents).
    const k2 = (await req(c.ui, 'agents:list')).find((a) => a.identity === 'k2');
    assert.equal(k2?.online, true);
    assert.doesNotMatch(c.serverLog.join(''), /agent expired[^\n]*"identity":"k2"|agent offline \{"identity":"k2"/, 'k2 never expired');
  });

  test(
    'the server SIGKILLed mid-orchestration, restarted on the same data dir: integrity ok, history kept',
    { timeout: 90_000 },
    async (t) => {
      const c = await Cluster.start({ agents: ['d1', 'd2'] });
      t.after(() => c.close());
      const m = marker();

      // Some finished history first.
      const early = await c.cli('exec', '--verb', 'RUN', `echo early-${m}`, '--poll', '--check');
      assert.equal(early.code, 0, describeRun(early));
      const earlyId = statusLines(early.stdout)[0]?.id ?? 'missing';
      const runsBefore = await req(c.ui, 'runs:list', {});

      // An orchestration still running when the server dies.
      const file = join(c.dataDir, `long-${m}.yaml`);
      writeFileSync(
        file,
        `- name: long-${m}
  jobs:
    - RUN: echo start-${m}
    - RUN: sleep 2; echo slow-${m}
    - RUN: echo after-${m}
`,
      );
      const submitted = await c.cli('orchestrate', file);
      assert.equal(submitted.code, 0, describeRun(submitted));
      const ids = [...submitted.stdout.matchAll(/Task ID: ([0-9a-f-]{36})/g)].map((x) => x[1]!);
      assert.equal(ids.length, 3);
      await eventually(
        'the slow job running',
        async () => ((await req(c.ui, 'jobs:get', ids[1]!)).targets.some((x) => x.state === 'running') ? true : undefined),
        10_000,
      );

      const killed = await c.stopServer('SIGKILL');
      assert.equal(killed.signal, 'SIGKILL');
      const crashed = checkDb(c.dataDir);
      assert.deepEqual(crashed.integrity, ['ok'], 'the file is consistent right after the crash');
      assert.ok(crashed.runs >= runsBefore.length + 1, `runs stored before the crash: ${crashed.runs}`);

      await c.startServer();
      await c.waitOnline(['d1', 'd2'], 20_000);

      // Earlier runs are listed, and the orchestration settles with what the agents did meanwhile.
      const runs = await req(c.ui, 'runs:list', {});
      for (const run of runsBefore)
        assert.ok(
          runs.some((r) => r.runId === run.runId),
          `run ${run.runId} still listed`,
        );
      const [earlyJob] = await c.await([earlyId]);
      assert.deepEqual(
        earlyJob?.targets.map((x) => x.state),
        ['succeeded', 'succeeded'],
      );
      const list = await c.cli('manage', '--list-jobs');
      assert.equal(list.code, 0, describeRun(list));
      assert.ok(list.stdout.includes(earlyId), 'manage --list-jobs shows the earlier job');

      const settled = await c.await(ids, 20_000);
      const states = settled.map((j) => j.targets.map((x) => `${x.target}:${x.state}`).join(' '));
      assert.deepEqual(
        states,
        ['d1:succeeded d2:succeeded', 'd1:succeeded d2:succeeded', 'd1:succeeded d2:succeeded'],
        `${states.join('\n')}\n${c.logs()}`,
      );
      for (const target of ['d1', 'd2']) assert.equal((await c.output(ids[1]!, target)).stdout, `slow-${m}\n`);

      const stopped = await c.stopServer('SIGTERM');
      assert.deepEqual(stopped, { code: 0, signal: null });
      const final = checkDb(c.dataDir);
      assert.deepEqual(final.integrity, ['ok']);
      assert.ok(final.jobs >= 4, `jobs stored: ${final.jobs}`);
    },
  );
});
