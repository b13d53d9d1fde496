/**
 * scripts/bench/sim-agents.ts against a real in-process server: hello, facts and manifests
 * arrive, synthetic output is stored line for line, the ack protocol and the wire limits hold.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinComponents } from '../../components/builtin/index.js';
import { chunkLines, startSimAgents, syntheticLine, syntheticProgram, type SimAgents } from '../../scripts/bench/sim-agents.js';
import {
  connectUi,
  eventually,
  request,
  startTestServer,
  withTimeout,
  type TestServer,
  type UiClient,
} from '../../server/testing/harness.js';
import { LIMITS } from '../../protocol/version.js';
import type { JobRecord } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';

describe('synthetic programs', () => {
  test('job commands map to programs', () => {
    assert.deepEqual(syntheticProgram({ verb: 'RUN', args: { command: 'lines 2000 chunk 50 every 5' } }), {
      kind: 'lines',
      count: 2000,
      perChunk: 50,
      everyMs: 5,
      stream: 'stdout',
    });
    assert.deepEqual(syntheticProgram({ verb: 'RUN', args: { command: 'lines 3 stderr' } }, 7), {
      kind: 'lines',
      count: 3,
      perChunk: 7,
      everyMs: 0,
      stream: 'stderr',
    });
    assert.deepEqual(syntheticProgram({ verb: 'RUN', args: { command: 'fail 3' } }), { kind: 'fail', exitCode: 3 });
    assert.deepEqual(syntheticProgram({ verb: 'RUN', args: { command: 'sleep 20' } }), { kind: 'sleep', ms: 20 });
    assert.deepEqual(syntheticProgram({ verb: 'ECHO', args: { echo: 'hello world' } }), { kind: 'echo', text: 'hello world' });
    assert.deepEqual(syntheticProgram({ verb: 'ENV', args: {} }), { kind: 'echo', text: '' });
  });

  test('chunks keep whole lines, the line count and the byte limit', () => {
    const lines = Array.from({ length: 250 }, (_, i) => `${syntheticLine('h', i + 1, 250)}\n`);
    const chunks = chunkLines(lines, 100);
    assert.deepEqual(
      chunks.map((c) => c.split('\n').length - 1),
      [100, 100, 50],
    );
    assert.equal(chunks.join(''), lines.join(''));
    const big = Array.from({ length: 10 }, () => `${'x'.repeat(100 * 1024)}\n`);
    assert.ok(chunkLines(big, 1000).every((c) => Buffer.byteLength(c) <= LIMITS.maxChunkBytes));
  });
});

describe('simulated agents against a real server', { timeout: 60_000 }, () => {
  let ts: TestServer;
  let ui: UiClient;
  let sims: SimAgents;

  before(async () => {
    ts = await startTestServer({ components: builtinComponents });
    ui = await connectUi(ts.server);
    sims = await startSimAgents({ serverUrl: ts.server.url, key: ts.server.agentKey, count: 3, prefix: 'sim-' });
  });

  after(async () => {
    await sims?.close();
    ui?.close();
    await ts?.stop();
  });

  test('agents say hello with facts and the built-in manifests', async () => {
    assert.deepEqual(sims.identities, ['sim-1', 'sim-2', 'sim-3']);
    const agents = await request(ui.emitWithAck('agents:list'));
    const mine = agents.filter((a) => sims.identities.includes(a.identity));
    assert.equal(mine.length, 3);
    for (const a of mine) {
      assert.equal(a.online, true);
      assert.equal(a.facts.hostname, a.identity);
      assert.ok(a.components.includes('RUN') && a.components.includes('ECHO'), a.components.join(','));
    }
  });

  test('a `lines N` job streams N numbered lines per host, stored in order', async () => {
    const submitted = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache lines 250 chunk 40' }] }],
        targets: [...sims.identities],
      }),
    );
    const jobIds = submitted.jobs.map((j) => j.jobId);
    const done: Result<JobRecord[]> = await withTimeout(
      ui.timeout(30_000).emitWithAck('jobs:await', { jobIds, timeoutMs: 25_000 }),
      30_000,
      'jobs:await',
    );
    assert.ok(done.ok);
    for (const t of done.value.flatMap((j) => j.targets)) assert.equal(t.state, 'succeeded', `${t.target}: ${t.info}`);
    for (const target of sims.identities) {
      const output = await request(ui.emitWithAck('jobs:output', { jobId: jobIds[0] as string, target }));
      const lines = output.stdout.split('\n').slice(0, -1);
      assert.equal(lines.length, 250);
      assert.equal(lines[0], syntheticLine(target, 1, 250));
      assert.equal(lines[249], syntheticLine(target, 250, 250));
    }
  });

  test('one batch in flight per agent; batches and chunks stay within the wire limits', async () => {
    const before = sims.stats();
    // 6000 one-line chunks on one agent: more events than one batch may carry.
    const submitted = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache lines 6000 chunk 1' }] }],
        targets: ['sim-2'],
      }),
    );
    const done: Result<JobRecord[]> = await withTimeout(
      ui.timeout(30_000).emitWithAck('jobs:await', { jobIds: submitted.jobs.map((j) => j.jobId), timeoutMs: 25_000 }),
      30_000,
      'jobs:await',
    );
    assert.ok(done.ok && done.value[0]?.targets[0]?.state === 'succeeded');
    await sims.whenIdle(10_000);
    const after = sims.stats();
    assert.equal(after.maxInFlight, 1);
    assert.ok(after.batches - before.batches >= 2, 'the 6002 events went out in several batches');
    assert.equal(after.maxBatchEvents, LIMITS.maxBatchEvents);
    assert.ok(after.maxChunkBytes <= LIMITS.maxChunkBytes);
    assert.equal(after.resent, 0);
    assert.equal(after.outputChunks - before.outputChunks, 6000);
  });

  test('fail, echo, the cache and cancel behave like an agent', async () => {
    const submit = (text: string, targets = ['sim-1']) =>
      request(ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text }] }], targets }));
    const settle = async (jobId: string) => {
      const r: Result<JobRecord[]> = await withTimeout(
        ui.timeout(20_000).emitWithAck('jobs:await', { jobIds: [jobId], timeoutMs: 15_000 }),
        20_000,
        'jobs:await',
      );
      assert.ok(r.ok);
      return r.value[0]?.targets[0];
    };
    const failed = await settle((await submit('fail 3')).jobs[0]?.jobId as string);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.exitCode, 3);
    const first = await settle((await submit('echo cached once')).jobs[0]?.jobId as string);
    assert.equal(first?.cached, false);
    const second = await settle((await submit('echo cached once')).jobs[0]?.jobId as string);
    assert.equal(second?.state, 'succeeded');
    assert.equal(second?.cached, true);
    const slow = await submit('--skip-cache sleep 5000', ['sim-3']);
    await eventually('the sleep job running', async () => {
      const job = await request(ui.emitWithAck('jobs:get', slow.jobs[0]?.jobId as string));
      return job.targets[0]?.state === 'running' ? true : undefined;
    });
    await request(ui.emitWithAck('runs:cancel', slow.runId));
    assert.equal((await settle(slow.jobs[0]?.jobId as string))?.state, 'cancelled');
  });

  test('close() takes the agents offline', async () => {
    await sims.close();
    await eventually('agents offline', async () => {
      const agents = await request(ui.emitWithAck('agents:list'));
      return agents.filter((a) => sims.identities.includes(a.identity)).every((a) => !a.online) ? true : undefined;
    });
  });
});
