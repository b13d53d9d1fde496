/** 1000 jobs × 6 responsive fake agents: everything lands, in bounded time, with one result per target. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { DispatchedJob, JobEvent } from '../../protocol/jobs.js';
import { connectUi, FakeAgent, request, startTestServer } from '../testing/harness.js';

/** An agent that "runs" every job at once and reports in batches, one per event-loop turn. */
function responsive(agent: FakeAgent): void {
  const queue: DispatchedJob[] = [];
  let pumping = false;
  const pump = () => {
    const take = queue.splice(0, 100);
    const now = Date.now();
    const events: JobEvent[] = take.flatMap((j) => [
      { type: 'started' as const, jobId: j.jobId, at: now },
      { type: 'output' as const, jobId: j.jobId, stream: 'stdout' as const, seq: 0, data: 'hello world\n' },
      {
        type: 'finished' as const,
        jobId: j.jobId,
        outcome: 'succeeded' as const,
        info: 'echo hello world',
        exitCode: 0,
        executionTime: 0.001,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 1,
        stderrChunks: 0,
      },
    ]);
    void agent.send(events);
    if (queue.length) setImmediate(pump);
    else pumping = false;
  };
  agent.socket.on('job:dispatch', (jobs) => {
    queue.push(...jobs);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}

test('1000 jobs on 6 agents complete and are stored once each', { timeout: 60_000 }, async () => {
  const t = await startTestServer();
  const agents = Array.from({ length: 6 }, (_, i) => new FakeAgent(t.server, `load-${i}`));
  const ui = await connectUi(t.server);
  try {
    for (const a of agents) {
      await a.start();
      responsive(a);
    }
    const jobs = Array.from({ length: 1000 }, () => ({ verb: 'RUN', text: '--skip-cache echo hello world' }));
    const t0 = performance.now();
    const run = await request(ui.emitWithAck('runs:submit', { kind: 'orchestrate', entries: [{ jobs }] }));
    const done = await request(ui.emitWithAck('jobs:await', { jobIds: run.jobs.map((j) => j.jobId), timeoutMs: 50_000 }));
    const seconds = (performance.now() - t0) / 1000;
    const states = done.flatMap((j) => j.targets.map((x) => x.state));
    assert.equal(states.length, 6000);
    assert.ok(states.every((s) => s === 'succeeded'));
    assert.ok(seconds < 30, `took ${seconds.toFixed(2)} s`);
    for (const a of agents) {
      assert.equal(a.dispatched.length, 1000);
      assert.deepEqual(
        a.dispatched.map((d) => d.jobId),
        run.jobs.map((j) => j.jobId),
        'submission order',
      );
    }
    const summary = await request(ui.emitWithAck('runs:get', run.runId));
    assert.equal(summary.status, 'succeeded');
    assert.equal(summary.counts.succeeded, 6000);
    const db = new Database(t.server.dbPath, { readonly: true });
    try {
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM output').get() as { n: number }).n, 6000);
    } finally {
      db.close();
    }
  } finally {
    ui.close();
    for (const a of agents) a.close();
    await t.stop();
  }
});
