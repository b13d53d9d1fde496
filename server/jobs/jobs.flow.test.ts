/** Submit → dispatch → events → records, end to end over real sockets with fake agents. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { RunSubmission } from '../../protocol/jobs.js';
import { TRUNCATION_MARKER } from '../../protocol/version.js';
import type { TargetUpdate } from '../../protocol/ui-events.js';
import { connectUi, eventually, FakeAgent, request, startTestServer, type TestServer, type UiClient } from '../testing/harness.js';

const exec = (text: string, targets?: string[], verb = 'RUN'): RunSubmission => ({
  kind: 'exec',
  entries: [{ jobs: [{ verb, text }] }],
  ...(targets ? { targets } : {}),
});

describe('job flow', { timeout: 30_000 }, () => {
  let t: TestServer;
  let ui: UiClient;
  let a: FakeAgent;
  let b: FakeAgent;

  before(async () => {
    t = await startTestServer({ outputCapBytes: 64 });
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

  test('jobs reach every agent in submission order, one dispatch per agent', async () => {
    const submission: RunSubmission = {
      kind: 'orchestrate',
      entries: [
        {
          name: 'first',
          jobs: [
            { verb: 'RUN', text: 'echo 1' },
            { verb: 'RUN', text: 'echo 2' },
          ],
        },
        { jobs: [{ verb: 'RUN', text: 'echo 3' }] },
      ],
    };
    const before = a.dispatched.length;
    const submitted = await request(ui.emitWithAck('runs:submit', submission));
    assert.equal(submitted.jobs.length, 3);
    const got = (await a.waitForJobs(before + 3)).slice(before);
    assert.deepEqual(
      got.map((j) => j.args.command),
      ['echo 1', 'echo 2', 'echo 3'],
    );
    assert.deepEqual(
      got.map((j) => j.jobId),
      submitted.jobs.map((j) => j.jobId),
    );
    assert.equal(got[0]?.parentName, 'first');
    await b.waitForJobs(3);
    const detail = await request(ui.emitWithAck('runs:get', submitted.runId));
    await eventually('dispatched state', async () => {
      const d = await request(ui.emitWithAck('runs:get', submitted.runId));
      return d.jobs.every((j) => j.targets.every((x) => x.state === 'dispatched' && x.dispatchedAt !== null)) ? true : undefined;
    });
    assert.equal(detail.status, 'running');
    for (const job of got) await a.complete(job);
    for (const job of b.dispatched.slice(0, 3)) await b.complete(job);
    const done = await request(ui.emitWithAck('jobs:await', { jobIds: submitted.jobs.map((j) => j.jobId), timeoutMs: 5000 }));
    assert.ok(done.every((j) => j.targets.every((x) => x.state === 'succeeded')));
    const run = await request(ui.emitWithAck('runs:get', submitted.runId));
    assert.equal(run.status, 'succeeded');
    assert.ok(run.finishedAt !== null);
    assert.equal(run.counts.succeeded, 6);
  });

  test('events apply once: a duplicated batch neither doubles output nor results', async () => {
    const { jobs } = await request(ui.emitWithAck('runs:submit', exec('echo dup', ['node-a'])));
    const job =
      (await a.waitForJobs(a.dispatched.length)).find((j) => j.jobId === jobs[0]?.jobId) ??
      (await eventually('job', () => a.dispatched.find((j) => j.jobId === jobs[0]?.jobId)));
    const now = Date.now();
    const events = [
      { type: 'started' as const, jobId: job.jobId, at: now },
      { type: 'output' as const, jobId: job.jobId, stream: 'stdout' as const, seq: 0, data: 'hello ' },
      { type: 'output' as const, jobId: job.jobId, stream: 'stdout' as const, seq: 1, data: 'world\n' },
      { type: 'output' as const, jobId: job.jobId, stream: 'stderr' as const, seq: 0, data: 'warn\n' },
      {
        type: 'finished' as const,
        jobId: job.jobId,
        outcome: 'failed' as const,
        info: 'task failed',
        exitCode: 3,
        executionTime: 0.5,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 2,
        stderrChunks: 1,
      },
    ];
    const first = await a.send(events.slice(0, 3), 100);
    assert.deepEqual(first, { ok: true, value: { applied: 3 } });
    const again = await a.send(events.slice(0, 3), 100);
    assert.ok(again.ok);
    await a.send(events, 101);
    const replay = await a.send(events, 101);
    assert.deepEqual(replay, { ok: true, value: { applied: 0 } });
    const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [job.jobId], timeoutMs: 5000 }));
    const target = record?.targets[0];
    assert.equal(target?.state, 'failed');
    assert.equal(target?.exitCode, 3);
    assert.equal(target?.info, 'task failed');
    assert.equal(target?.executionTime, 0.5);
    assert.ok(typeof target?.roundtripTime === 'number' && target.roundtripTime >= 0 && target.roundtripTime < 5);
    assert.equal(target?.stdoutBytes, 12);
    const output = await request(ui.emitWithAck('jobs:output', { jobId: job.jobId, target: 'node-a' }));
    assert.deepEqual(output, { jobId: job.jobId, target: 'node-a', stdout: 'hello world\n', stderr: 'warn\n', truncated: false });
    const run = await request(ui.emitWithAck('runs:get', record?.runId ?? ''));
    assert.equal(run.status, 'failed');
  });

  test('event times are read against the batch sentAt: results that waited in the outbox keep their real times, whatever the agent clock', async () => {
    const { jobs } = await request(ui.emitWithAck('runs:submit', exec('echo late', ['node-a'])));
    const job = await eventually('dispatch', () => a.dispatched.find((j) => j.jobId === jobs[0]?.jobId));
    // The agent's clock is 10 minutes behind; the job started 1.5 s and finished 0.5 s before the send.
    await new Promise((r) => setTimeout(r, 1700));
    const skew = -10 * 60_000;
    const agentNow = Date.now() + skew;
    const before = Date.now();
    const sent = await a.send(
      [
        { type: 'started', jobId: job.jobId, at: agentNow - 1500 },
        {
          type: 'finished',
          jobId: job.jobId,
          outcome: 'succeeded',
          info: 'ok',
          exitCode: 0,
          executionTime: 1,
          startedAt: agentNow - 1500,
          finishedAt: agentNow - 500,
          stdoutChunks: 0,
          stderrChunks: 0,
        },
      ],
      undefined,
      agentNow,
    );
    assert.deepEqual(sent, { ok: true, value: { applied: 2 } });
    const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [job.jobId], timeoutMs: 5000 }));
    const t = record?.targets[0];
    assert.ok(t?.startedAt && t.finishedAt, JSON.stringify(t));
    // On the server's clock: about 1.5 s and 0.5 s before the batch arrived (not the arrival time,
    // and not 10 minutes off), never before the job was queued.
    const after = Date.now();
    assert.ok(
      t.finishedAt >= before - 500 - 50 && t.finishedAt <= after - 500 + 50,
      `finishedAt ${t.finishedAt - before} ms after the send`,
    );
    assert.ok(Math.abs(t.finishedAt - t.startedAt - 1000) <= 20, `startedAt ${t.startedAt}, finishedAt ${t.finishedAt}`);
    assert.ok(t.startedAt >= t.queuedAt);
  });

  test('an agent may only report its own jobs', async () => {
    const { jobs } = await request(ui.emitWithAck('runs:submit', exec('echo mine', ['node-a'])));
    const jobId = jobs[0]?.jobId ?? '';
    await eventually('dispatch', () => a.dispatched.find((j) => j.jobId === jobId));
    const now = Date.now();
    const r = await b.send([
      {
        type: 'finished',
        jobId,
        outcome: 'succeeded',
        info: 'forged',
        executionTime: 0,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 0,
        stderrChunks: 0,
      },
    ]);
    assert.deepEqual(r, { ok: true, value: { applied: 0 } });
    const job = await request(ui.emitWithAck('jobs:get', jobId));
    assert.notEqual(job.targets[0]?.state, 'succeeded');
    await a.complete(a.dispatched.find((j) => j.jobId === jobId)!);
  });

  test('a target no agent ever had is refused before anything is stored or sent', async () => {
    const sent = a.dispatched.length;
    const r = await ui.emitWithAck('runs:submit', exec('echo partial', ['node-a', 'ghost']));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'unknown-target');
    assert.match(r.error.message, /^unknown target ghost; known hosts: node-a, node-b/);
    assert.equal(a.dispatched.length, sent);
  });

  test('restrict records skipped jobs that settle at once and are never sent', async () => {
    const plain = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'orchestrate',
        entries: [
          {
            jobs: [
              { verb: 'RUN', text: 'keep' },
              { verb: 'RUN', text: 'drop' },
            ],
          },
        ],
        targets: ['node-a'],
      }),
    );
    const keepSha = plain.jobs[0]?.sha ?? '';
    for (const j of plain.jobs) await a.complete(await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === j.jobId)));
    const count = a.dispatched.length;
    const r = await request(
      ui.emitWithAck('runs:submit', {
        kind: 'orchestrate',
        entries: [
          {
            jobs: [
              { verb: 'RUN', text: 'keep' },
              { verb: 'RUN', text: 'drop' },
            ],
          },
        ],
        targets: ['node-a'],
        restrict: [keepSha],
      }),
    );
    assert.equal(r.jobs[0]?.skipped, undefined);
    assert.equal(r.jobs[1]?.skipped, 'not selected by --restrict');
    assert.deepEqual(r.jobs[1]?.targets, []);
    const skipped = await request(ui.emitWithAck('jobs:await', { jobIds: [r.jobs[1]?.jobId ?? ''], timeoutMs: 1000 }));
    assert.equal(skipped[0]?.skippedReason, 'not selected by --restrict');
    await a.waitForJobs(count + 1);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(a.dispatched.length, count + 1);
    assert.equal(a.dispatched.at(-1)?.jobId, r.jobs[0]?.jobId);
    await a.complete(a.dispatched.at(-1)!);
  });

  test('run_once sends to the first target only', async () => {
    const countB = b.dispatched.length;
    const r = await request(ui.emitWithAck('runs:submit', exec('--run-once echo once')));
    assert.deepEqual(r.jobs[0]?.targets, ['node-a']);
    await a.complete(await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === r.jobs[0]?.jobId)));
    await new Promise((res) => setTimeout(res, 30));
    assert.equal(b.dispatched.length, countB);
  });

  test('a bad job N stores nothing and dispatches nothing', async () => {
    const runsBefore = await request(ui.emitWithAck('runs:list', {}));
    const countA = a.dispatched.length;
    const r = await ui.emitWithAck('runs:submit', {
      kind: 'orchestrate',
      source: 'bad.yaml',
      entries: [
        {
          jobs: [
            { verb: 'RUN', text: 'fine 1' },
            { verb: 'RUN', text: 'fine 2' },
            { verb: 'BOGUS', text: 'x', location: { line: 9, column: 3 } },
          ],
        },
      ],
    });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'unknown-verb');
    assert.deepEqual(r.error.location, { file: 'bad.yaml', line: 9, column: 3, field: 'entries[0].jobs[2].BOGUS' });
    const runsAfter = await request(ui.emitWithAck('runs:list', {}));
    assert.equal(runsAfter.length, runsBefore.length);
    const db = new Database(t.server.dbPath, { readonly: true });
    try {
      assert.equal((db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE text LIKE 'fine %'").get() as { n: number }).n, 0);
    } finally {
      db.close();
    }
    await new Promise((res) => setTimeout(res, 30));
    assert.equal(a.dispatched.length, countA);
  });

  test('output past the cap is truncated once with a marker', async () => {
    const { jobs } = await request(ui.emitWithAck('runs:submit', exec('echo big', ['node-a'])));
    const job = await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === jobs[0]?.jobId));
    const chunk = 'x'.repeat(40);
    const now = Date.now();
    await a.send([
      { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: chunk },
      { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 1, data: chunk },
      { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 2, data: chunk },
      { type: 'output', jobId: job.jobId, stream: 'stderr', seq: 0, data: 'small' },
      {
        type: 'finished',
        jobId: job.jobId,
        outcome: 'succeeded',
        info: 'ok',
        exitCode: 0,
        executionTime: 0.1,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 3,
        stderrChunks: 1,
      },
    ]);
    const out = await request(ui.emitWithAck('jobs:output', { jobId: job.jobId, target: 'node-a' }));
    assert.equal(out.stdout, chunk + 'x'.repeat(24) + TRUNCATION_MARKER);
    assert.equal(out.stderr, 'small');
    assert.equal(out.truncated, true);
    const record = await request(ui.emitWithAck('jobs:get', job.jobId));
    assert.equal(record.targets[0]?.stdoutBytes, 64);
    assert.equal(record.targets[0]?.truncated, true);
  });

  test('a stream that reaches exactly the cap still gets its own marker after the other stream was cut', async () => {
    const { jobs } = await request(ui.emitWithAck('runs:submit', exec('echo both', ['node-a'])));
    const job = await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === jobs[0]?.jobId));
    const now = Date.now();
    // What a real agent sends when one pipe read is exactly the cap: the cap, then the marker alone.
    await a.send([
      { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: 'o'.repeat(70) },
      { type: 'output', jobId: job.jobId, stream: 'stderr', seq: 0, data: 'e'.repeat(64) },
      { type: 'output', jobId: job.jobId, stream: 'stderr', seq: 1, data: TRUNCATION_MARKER },
      {
        type: 'finished',
        jobId: job.jobId,
        outcome: 'succeeded',
        info: 'ok',
        exitCode: 0,
        executionTime: 0.1,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 1,
        stderrChunks: 2,
      },
    ]);
    const out = await request(ui.emitWithAck('jobs:output', { jobId: job.jobId, target: 'node-a' }));
    assert.equal(out.stdout, 'o'.repeat(64) + TRUNCATION_MARKER);
    assert.equal(out.stderr, 'e'.repeat(64) + TRUNCATION_MARKER);
  });

  test('live updates: targets:updated batched, output only to subscribers', async () => {
    const updates: TargetUpdate[] = [];
    const chunks: string[] = [];
    ui.on('targets:updated', (u) => updates.push(...u));
    ui.on('output:appended', (c) => chunks.push(...c.map((x) => x.data)));
    const { runId, jobs } = await request(ui.emitWithAck('runs:submit', exec('echo live', ['node-a'])));
    const job = await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === jobs[0]?.jobId));
    await a.complete(job, 'succeeded', 'unseen\n');
    await eventually('final update', () => (updates.some((u) => u.jobId === job.jobId && u.state === 'succeeded') ? true : undefined));
    assert.equal(chunks.length, 0);
    await request(ui.emitWithAck('ui:subscribe', { outputOf: '*' }));
    const second = await request(ui.emitWithAck('runs:submit', exec('echo live2', ['node-a'])));
    const job2 = await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === second.jobs[0]?.jobId));
    await a.complete(job2, 'succeeded', 'seen\n');
    await eventually('output', () => (chunks.includes('seen\n') ? true : undefined));
    await request(ui.emitWithAck('ui:subscribe', {}));
    assert.ok(runId);
    ui.off('targets:updated');
    ui.off('output:appended');
  });

  test('jobs:await answers on timeout with what is known', async () => {
    const { jobs } = await request(ui.emitWithAck('runs:submit', exec('sleep forever', ['node-b'])));
    const t0 = Date.now();
    const records = await request(ui.emitWithAck('jobs:await', { jobIds: [jobs[0]?.jobId ?? ''], timeoutMs: 100 }));
    assert.ok(Date.now() - t0 >= 90);
    assert.notEqual(records[0]?.targets[0]?.state, 'succeeded');
    const cancelled = await request(ui.emitWithAck('runs:cancel', records[0]?.runId ?? ''));
    assert.equal(cancelled.cancelled, 1);
    await eventually('cancel request', () => (b.cancelled.includes(jobs[0]?.jobId ?? '') ? true : undefined));
    const now = Date.now();
    await b.send([
      {
        type: 'finished',
        jobId: jobs[0]?.jobId ?? '',
        outcome: 'cancelled',
        info: 'cancelled',
        executionTime: 0,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 0,
        stderrChunks: 0,
      },
    ]);
    const run = await request(ui.emitWithAck('runs:get', records[0]?.runId ?? ''));
    assert.equal(run.status, 'cancelled');
  });

  test('jobs:await on unknown ids is not-found; bad payloads are refused as values', async () => {
    const r = await ui.emitWithAck('jobs:await', { jobIds: ['nope'], timeoutMs: 10 });
    assert.ok(!r.ok && r.error.code === 'not-found');
    const bad = await ui.emitWithAck('runs:submit', { kind: 'exec', entries: [] } as unknown as RunSubmission);
    assert.ok(!bad.ok && bad.error.code === 'invalid-payload');
    const info = await request(ui.emitWithAck('server:info'));
    assert.ok(info.components.some((c) => c.verb === 'RUN'));
  });
});
