/** The server with the real agent (agent/index.ts) on loopback: a job runs for real, end to end. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startAgent } from '../../agent/index.js';
import { builtinComponents } from '../../components/builtin/index.js';
import { silentLogger } from '../../protocol/log.js';
import { connectUi, eventually, request, startTestServer } from '../../server/testing/harness.js';

test('a real agent runs an exec and a small orchestration', { timeout: 60_000 }, async () => {
  const t = await startTestServer({ components: builtinComponents });
  const agent = await startAgent({
    serverUrl: t.server.url,
    key: t.server.agentKey,
    identity: 'real-1',
    cacheDir: join(t.dataDir, 'agents', 'real-1'),
    log: silentLogger,
  });
  const ui = await connectUi(t.server);
  try {
    await agent.whenConnected();
    const agents = await eventually('agent online', async () => {
      const list = await request(ui.emitWithAck('agents:list'));
      return list.some((a) => a.identity === 'real-1' && a.online) ? list : undefined;
    });
    assert.ok(agents[0]?.components.includes('RUN'));

    const t0 = performance.now();
    const exec = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo hello; echo oops >&2' }] }],
      }),
    );
    const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [exec.jobs[0]!.jobId], timeoutMs: 20_000 }));
    const roundtripMs = performance.now() - t0;
    const target = record?.targets[0];
    assert.equal(target?.state, 'succeeded', target?.info ?? '');
    assert.equal(target?.exitCode, 0);
    assert.ok((target?.executionTime ?? -1) >= 0);
    assert.ok((target?.roundtripTime ?? -1) >= 0 && (target?.roundtripTime ?? 99) * 1000 <= roundtripMs + 5);
    const output = await request(ui.emitWithAck('jobs:output', { jobId: exec.jobs[0]!.jobId, target: 'real-1' }));
    assert.equal(output.stdout, 'hello\n');
    assert.equal(output.stderr, 'oops\n');

    const jobs = Array.from({ length: 20 }, (_, i) => ({ verb: 'RUN', text: `--skip-cache echo job ${i}` }));
    const run = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'orchestrate',
        entries: [{ name: 'batch', jobs }, { jobs: [{ verb: 'RUN', text: 'exit 3' }] }],
      }),
    );
    const done = await request(ui.emitWithAck('jobs:await', { jobIds: run.jobs.map((j) => j.jobId), timeoutMs: 30_000 }));
    assert.deepEqual(
      done.slice(0, 20).map((j) => j.targets[0]?.state),
      Array(20).fill('succeeded'),
    );
    assert.equal(done[20]?.targets[0]?.state, 'failed');
    assert.equal(done[20]?.targets[0]?.exitCode, 3);
    const summary = await request(ui.emitWithAck('runs:get', run.runId));
    assert.equal(summary.status, 'failed');
    const analysis = Object.fromEntries(await request(ui.emitWithAck('jobs:analyze', { parentId: run.jobs[0]!.parentId })));
    assert.equal(analysis.TOTAL_JOBS, 20);
    assert.equal(analysis.TOTAL_SUCCESSES, 20);
    assert.equal(analysis.FASTEST_NODE_EXECUTION, 'real-1');
  } finally {
    ui.close();
    await agent.close();
    await t.stop();
  }
});
