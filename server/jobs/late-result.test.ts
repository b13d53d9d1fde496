/**
 * A late result for a target already marked `lost` (issue #5): the agent's real result replaces
 * `lost` exactly once, keyed by job id; the info keeps the lost episode; a settled run is settled
 * again; a second delivery, or a result for a job never given to the agent, changes nothing; a
 * server restart in between does not lose the chance.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DispatchedJob } from '../../protocol/jobs.js';
import type { DirectordServer } from '../index.js';
import { connectUi, eventually, FakeAgent, request, startTestServer } from '../testing/harness.js';

const finished = (job: DispatchedJob, outcome: 'succeeded' | 'failed', info: string) => {
  const now = Date.now();
  return {
    type: 'finished' as const,
    jobId: job.jobId,
    outcome,
    info,
    exitCode: outcome === 'succeeded' ? 0 : 1,
    executionTime: 1,
    startedAt: now,
    finishedAt: now,
    stdoutChunks: 1,
    stderrChunks: 0,
  };
};

type Ui = Awaited<ReturnType<typeof connectUi>>;

/** Agent a1 starts a `sleep 5` job, then stops answering: after 3 × 100 ms heartbeats its job is lost. */
async function loseAJob(server: DirectordServer, ui: Ui) {
  const a1 = new FakeAgent(server, 'a1');
  await a1.start();
  const submitted = await request(
    ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'sleep 5' }] }], targets: ['a1'] }),
  );
  const [job] = await a1.waitForJobs(1);
  assert.ok(job);
  assert.equal((await a1.send([{ type: 'started', jobId: job.jobId, at: Date.now() }])).ok, true);
  const lost = await eventually('the job lost', async () => {
    const r = await request(ui.emitWithAck('jobs:get', job.jobId));
    return r.targets[0]?.state === 'lost' ? r : undefined;
  });
  return { a1, job, submitted, lost };
}

describe('late results', { timeout: 30_000 }, () => {
  test('a result arriving after its target was marked lost replaces lost once and re-settles the run', async () => {
    const t = await startTestServer({ heartbeatIntervalMs: 100 });
    const ui = await connectUi(t.server);
    try {
      const { a1, job, submitted, lost } = await loseAJob(t.server, ui);
      assert.equal(lost.targets[0]?.info, 'agent a1 stopped answering');
      const runBefore = await request(ui.emitWithAck('runs:get', submitted.runId));
      assert.deepEqual([runBefore.status, runBefore.counts.lost], ['lost', 1]);

      // The agent comes back (same machine) and delivers its result from its outbox.
      a1.close();
      const again = new FakeAgent(t.server, 'a1');
      await again.start();
      const late = await again.send([
        { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: 'late\n' },
        finished(job, 'succeeded', 'task finished'),
      ]);
      assert.deepEqual(late, { ok: true, value: { applied: 2 } });
      // Delivered again (a resent batch), or with another outcome: nothing changes.
      const replay = await again.send([
        { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: 'late\n' },
        finished(job, 'failed', 'forged'),
      ]);
      assert.deepEqual(replay, { ok: true, value: { applied: 0 } });

      const record = await request(ui.emitWithAck('jobs:get', job.jobId));
      assert.equal(record.targets[0]?.state, 'succeeded');
      assert.equal(record.targets[0]?.exitCode, 0);
      assert.equal(
        record.targets[0]?.info,
        'task finished (reported late: the server had marked this job lost: agent a1 stopped answering)',
      );
      assert.equal((await request(ui.emitWithAck('jobs:output', { jobId: job.jobId, target: 'a1' }))).stdout, 'late\n');
      const runAfter = await request(ui.emitWithAck('runs:get', submitted.runId));
      assert.deepEqual([runAfter.status, runAfter.counts.lost, runAfter.counts.succeeded], ['succeeded', 0, 1]);
      again.close();
    } finally {
      ui.close();
      await t.stop();
    }
  });

  test('another agent cannot deliver a "late" result for a lost job it was never given', async () => {
    const t = await startTestServer({ heartbeatIntervalMs: 100 });
    const ui = await connectUi(t.server);
    try {
      const a1 = new FakeAgent(t.server, 'a1');
      await a1.start();
      await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'sleep 5' }] }], targets: ['a1'] }),
      );
      const [job] = await a1.waitForJobs(1);
      assert.ok(job);
      await eventually('the job lost', async () =>
        (await request(ui.emitWithAck('jobs:get', job.jobId))).targets[0]?.state === 'lost' ? true : undefined,
      );
      const intruder = new FakeAgent(t.server, 'a2');
      await intruder.start();
      assert.deepEqual(await intruder.send([finished(job, 'succeeded', 'forged')]), { ok: true, value: { applied: 0 } });
      assert.equal((await request(ui.emitWithAck('jobs:get', job.jobId))).targets[0]?.state, 'lost');
      intruder.close();
      a1.close();
    } finally {
      ui.close();
      await t.stop();
    }
  });

  for (const how of ['purge', 'retention'] as const) {
    test(`a late result for a lost job whose history was deleted (${how}) is ignored and the batch acknowledged`, async () => {
      const t = await startTestServer({ heartbeatIntervalMs: 100, ...(how === 'retention' ? { retentionMaxBytes: 1 } : {}) });
      const ui = await connectUi(t.server);
      try {
        const { a1, job, submitted } = await loseAJob(t.server, ui);
        if (how === 'purge') assert.equal((await request(ui.emitWithAck('jobs:purge'))).purged, 1);
        else assert.equal((await t.server.pruneHistory()).runs, 1);
        assert.equal((await ui.emitWithAck('runs:get', submitted.runId)).ok, false);
        a1.close();
        const again = new FakeAgent(t.server, 'a1');
        await again.start();
        const late = await again.send([
          { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: 'late\n' },
          finished(job, 'succeeded', 'task finished'),
        ]);
        assert.deepEqual(late, { ok: true, value: { applied: 0 } });
        again.close();
      } finally {
        ui.close();
        await t.stop();
      }
    });
  }

  test('a late result still lands after the server restarted in between', async () => {
    const first = await startTestServer({ heartbeatIntervalMs: 100 });
    let ui = await connectUi(first.server);
    let restarted: Awaited<ReturnType<typeof startTestServer>> | undefined;
    try {
      const { a1, job, submitted } = await loseAJob(first.server, ui);
      a1.close();
      ui.close();
      await first.server.close();

      restarted = await startTestServer({ heartbeatIntervalMs: 100 }, first.dataDir);
      ui = await connectUi(restarted.server);
      const again = new FakeAgent(restarted.server, 'a1');
      await again.start();
      const late = await again.send([
        { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: 'late\n' },
        finished(job, 'succeeded', 'task finished'),
      ]);
      assert.deepEqual(late, { ok: true, value: { applied: 2 } });
      const record = await request(ui.emitWithAck('jobs:get', job.jobId));
      assert.equal(record.targets[0]?.state, 'succeeded');
      assert.match(record.targets[0]?.info ?? '', /reported late: the server had marked this job lost: agent a1 stopped answering/);
      assert.equal((await request(ui.emitWithAck('jobs:output', { jobId: job.jobId, target: 'a1' }))).stdout, 'late\n');
      assert.equal((await request(ui.emitWithAck('runs:get', submitted.runId))).status, 'succeeded');
      again.close();
    } finally {
      ui.close();
      if (restarted) await restarted.stop();
      else await first.stop();
    }
  });
});
