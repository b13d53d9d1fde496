/** Issue #13 item 5/8: a run's status names its outcome (timed-out, lost are not failed); exec runs carry their command. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunSummary } from '../../protocol/records.js';
import { connectUi, FakeAgent, request, startTestServer, withTimeout, type TestServer, type UiClient } from '../testing/harness.js';

describe('run outcome', { timeout: 30_000 }, () => {
  let t: TestServer;
  let ui: UiClient;
  let a: FakeAgent;
  let b: FakeAgent;

  before(async () => {
    t = await startTestServer();
    a = new FakeAgent(t.server, 'node-a');
    b = new FakeAgent(t.server, 'node-b');
    await a.start();
    await b.start();
    ui = await connectUi(t.server);
  });
  after(async () => {
    ui.close();
    a.close();
    b.close();
    await t.stop();
  });

  test('a job that timed out, and the job it kept from running, make a timed-out run, listed under timed-out only', async () => {
    const settled = new Promise<RunSummary>((resolve) =>
      ui.on('run:updated', (r) => r.status !== 'running' && r.source === 'slow.yaml' && resolve(r)),
    );
    const run = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'orchestrate',
        source: 'slow.yaml',
        entries: [
          {
            jobs: [
              { verb: 'RUN', text: 'sleep 9' },
              { verb: 'RUN', text: 'echo after' },
            ],
          },
        ],
      }),
    );
    for (const agent of [a, b]) {
      const jobs = await agent.waitForJobs(2);
      await agent.complete(jobs[0]!, agent === a ? 'timed-out' : 'succeeded');
      await agent.complete(jobs[1]!, agent === a ? 'failed' : 'succeeded');
    }
    await request(ui.emitWithAck('jobs:await', { jobIds: run.jobs.map((j) => j.jobId), timeoutMs: 5000 }));
    const live = await withTimeout(settled, 5000, 'run:updated');
    const stored = await request(ui.emitWithAck('runs:get', run.runId));
    assert.deepEqual([live.status, stored.status], ['timed-out', 'timed-out']);
    assert.deepEqual([stored.counts['timed-out'], stored.counts.failed], [1, 1]);
    const ids = async (status: RunSummary['status']) => (await request(ui.emitWithAck('runs:list', { status }))).map((r) => r.runId);
    assert.ok((await ids('timed-out')).includes(run.runId));
    assert.ok(!(await ids('failed')).includes(run.runId));
    const refused = await ui.emitWithAck('runs:list', { status: 'broken' as never });
    assert.equal(refused.ok, false);
  });

  test('an exec run is titled by its command; an orchestration has no title', async () => {
    const run = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: 'uptime   --pretty' }] }],
        requestedBy: 'cli',
      }),
    );
    const summary = await request(ui.emitWithAck('runs:get', run.runId));
    assert.equal(summary.title, 'RUN uptime --pretty');
    assert.equal(summary.partOf, null);
    const orch = (await request(ui.emitWithAck('runs:list', { text: 'slow.yaml' })))[0];
    assert.equal(orch?.title, null);
  });
});
