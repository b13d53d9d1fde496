/** The `/ui` namespace: auth, history queries, analysis, library, re-runs and restart durability. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import type { RunSubmission } from '../../protocol/jobs.js';
import {
  connectUi,
  eventually,
  FakeAgent,
  request,
  startTestServer,
  withTimeout,
  type TestServer,
  type UiClient,
} from '../testing/harness.js';

const orchestration: RunSubmission = {
  kind: 'orchestrate',
  source: 'site.yaml',
  sourceText: '- jobs:\n  - RUN: echo alpha\n',
  entries: [
    {
      name: 'parent one',
      jobs: [
        { verb: 'RUN', text: 'echo alpha', name: 'alpha job' },
        { verb: 'ECHO', text: 'beta' },
      ],
    },
    { jobs: [{ verb: 'RUN', text: 'echo gamma' }] },
  ],
};

describe('ui', { timeout: 30_000 }, () => {
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

  test('a wrong token is refused; the console session cookie is accepted, the bare token in a cookie is not', async () => {
    const bad = io(`${t.server.url}/ui`, { transports: ['websocket'], auth: { token: 'nope' }, reconnection: false, forceNew: true });
    const error = await withTimeout(new Promise<Error>((r) => bad.once('connect_error', r)), 5000, 'connect_error');
    assert.equal(error.message, 'unauthorized');
    bad.close();
    const link = await fetch(`${t.server.url}/?token=${t.server.uiToken}`, { redirect: 'manual' });
    const session = (link.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.doesNotMatch(session, new RegExp(t.server.uiToken));
    const cookie = io(`${t.server.url}/ui`, {
      transports: ['websocket'],
      extraHeaders: { cookie: session },
      reconnection: false,
      forceNew: true,
    });
    await withTimeout(new Promise<void>((r) => cookie.once('connect', () => r())), 5000, 'cookie connect');
    cookie.close();
    const bare = io(`${t.server.url}/ui`, {
      transports: ['websocket'],
      extraHeaders: { cookie: `directord_token=${t.server.uiToken}` },
      reconnection: false,
      forceNew: true,
    });
    const bareError = await withTimeout(new Promise<Error>((r) => bare.once('connect_error', r)), 5000, 'bare connect_error');
    assert.equal(bareError.message, 'unauthorized');
    bare.close();
  });

  test('history: runs:list filters, runs:get, jobs:list, jobs:get last, analyze', async () => {
    const run = await request(ui.emitWithAck('runs:submit', orchestration));
    for (const agent of [a, b]) {
      const jobs = await agent.waitForJobs(3);
      await agent.complete(jobs[0]!);
      await agent.complete(jobs[1]!, agent === b ? 'failed' : 'succeeded');
      await agent.complete(jobs[2]!);
    }
    await request(ui.emitWithAck('jobs:await', { jobIds: run.jobs.map((j) => j.jobId), timeoutMs: 5000 }));

    const detail = await request(ui.emitWithAck('runs:get', run.runId));
    assert.equal(detail.status, 'failed');
    assert.equal(detail.sourceText, orchestration.sourceText);
    assert.deepEqual(detail.verbs, ['RUN', 'ECHO']);
    assert.deepEqual(detail.targets, ['node-a', 'node-b']);
    assert.deepEqual(
      detail.jobs.map((j) => j.jobName),
      ['alpha job', null, null],
    );
    assert.equal(detail.jobs[0]?.parentName, 'parent one');
    assert.equal(detail.counts.succeeded, 5);
    assert.equal(detail.counts.failed, 1);

    assert.equal((await request(ui.emitWithAck('runs:list', { status: 'failed' }))).length, 1);
    assert.equal((await request(ui.emitWithAck('runs:list', { status: 'succeeded' }))).length, 0);
    assert.equal((await request(ui.emitWithAck('runs:list', { verb: 'echo' }))).length, 1);
    assert.equal((await request(ui.emitWithAck('runs:list', { verb: 'WAIT' }))).length, 0);
    assert.equal((await request(ui.emitWithAck('runs:list', { target: 'node-b' }))).length, 1);
    assert.equal((await request(ui.emitWithAck('runs:list', { target: 'node-z' }))).length, 0);
    assert.equal((await request(ui.emitWithAck('runs:list', { text: 'gamma' }))).length, 1);
    assert.equal((await request(ui.emitWithAck('runs:list', { text: '100%_' }))).length, 0);
    assert.equal((await request(ui.emitWithAck('runs:list', { before: detail.createdAt }))).length, 0);
    const bad = await ui.emitWithAck('runs:list', { status: 'weird' } as never);
    assert.ok(!bad.ok && bad.error.code === 'invalid-payload');

    const last = await request(ui.emitWithAck('jobs:get', 'last'));
    assert.equal(last.jobId, run.jobs[2]?.jobId);
    assert.equal((await request(ui.emitWithAck('jobs:list', {}))).length, 3);
    assert.deepEqual(
      (await request(ui.emitWithAck('jobs:list', { filter: 'failed' }))).map((j) => j.verb),
      ['ECHO'],
    );
    assert.equal((await request(ui.emitWithAck('jobs:list', { filter: 'success' }))).length, 3);
    assert.equal((await request(ui.emitWithAck('jobs:list', { filter: 'processing' }))).length, 0);
    const missing = await ui.emitWithAck('jobs:get', 'nope');
    assert.ok(!missing.ok && missing.error.code === 'not-found');

    const rows = Object.fromEntries(await request(ui.emitWithAck('jobs:analyze', { parentId: run.jobs[0]!.parentId })));
    assert.deepEqual(Object.keys(rows), [
      'ID',
      'ACTUAL_RUNTIME',
      'COMBINED_EXECUTION_TIME',
      'FASTEST_NODE_EXECUTION',
      'FASTEST_NODE_ROUNDTRIP',
      'SLOWEST_NODE_EXECUTION',
      'SLOWEST_NODE_ROUNDTRIP',
      'TOTAL_AVG_EXECUTION_TIME',
      'TOTAL_FAILURES',
      'TOTAL_JOBS',
      'TOTAL_NODE_COUNT',
      'TOTAL_SUCCESSES',
    ]);
    assert.equal(rows.TOTAL_JOBS, 2);
    assert.equal(rows.TOTAL_NODE_COUNT, 2);
    assert.equal(rows.TOTAL_SUCCESSES, 3);
    assert.equal(rows.TOTAL_FAILURES, 1);
    assert.equal(rows.COMBINED_EXECUTION_TIME, 1);
    assert.equal(rows.TOTAL_AVG_EXECUTION_TIME, 0.5);
    const all = Object.fromEntries(await request(ui.emitWithAck('jobs:analyze', { all: true })));
    assert.equal(all.ID, 'All-Jobs');
    assert.equal(all.TOTAL_JOBS, 3);
    const one = Object.fromEntries(await request(ui.emitWithAck('jobs:analyze', { jobId: run.jobs[2]!.jobId })));
    assert.equal(one.TOTAL_JOBS, 1);
    assert.deepEqual(await request(ui.emitWithAck('jobs:analyze', { parentId: 'nope' })), [['PARENT_ID_NOT_FOUND', 'nope']]);
  });

  test('runs:rerun repeats a run, or only its failed (job, target) pairs', async () => {
    const [first] = await request(ui.emitWithAck('runs:list', { status: 'failed' }));
    const countA = a.dispatched.length;
    const countB = b.dispatched.length;
    const again = await request(ui.emitWithAck('runs:rerun', { runId: first!.runId, failedOnly: true }));
    assert.equal(again.jobs.length, 1);
    assert.deepEqual(again.jobs[0]?.targets, ['node-b']);
    assert.equal(again.jobs[0]?.verb, 'ECHO');
    const [job] = (await b.waitForJobs(countB + 1)).slice(countB);
    await b.complete(job!);
    await request(ui.emitWithAck('jobs:await', { jobIds: [job!.jobId], timeoutMs: 5000 }));
    assert.equal(a.dispatched.length, countA);
    const rerun = await request(ui.emitWithAck('runs:get', again.runId));
    assert.equal(rerun.rerunOf, first!.runId);
    assert.equal(rerun.status, 'succeeded');
    const nothing = await ui.emitWithAck('runs:rerun', { runId: again.runId, failedOnly: true });
    assert.ok(!nothing.ok && nothing.error.code === 'conflict');
    const full = await request(ui.emitWithAck('runs:rerun', { runId: first!.runId }));
    assert.equal(full.jobs.length, 3);
    for (const agent of [a, b]) for (const j of (await agent.waitForJobs(agent.dispatched.length)).slice(-3)) await agent.complete(j);
    await request(ui.emitWithAck('jobs:await', { jobIds: full.jobs.map((j) => j.jobId), timeoutMs: 5000 }));
  });

  test("runs:output pages a host's stored output: whole jobs in run order, only that host, then `next`", async () => {
    const seenA = (await a.waitForJobs(0)).length;
    const seenB = (await b.waitForJobs(0)).length;
    const texts = ['one', 'two', 'quiet', 'three', 'four', 'five'];
    const run = await request(
      ui.emitWithAck('runs:submit', { kind: 'orchestrate', entries: [{ jobs: texts.map((t) => ({ verb: 'ECHO', text: t })) }] }),
    );
    // 260 000 characters a job (two chunks, the largest an event may carry is 256 KiB): a page
    // of 1 000 000 characters ends after the fourth job that printed.
    const big = (tag: string, i: number) => `${tag}${i}:`.padEnd(130_000, '.');
    const jobsA = (await a.waitForJobs(seenA + texts.length)).slice(seenA);
    for (const [i, job] of jobsA.entries()) {
      const now = Date.now();
      const printed = texts[i] !== 'quiet';
      const r = await a.send([
        ...(printed
          ? [
              { type: 'output' as const, jobId: job.jobId, stream: 'stdout' as const, seq: 0, data: big('a', i) },
              { type: 'output' as const, jobId: job.jobId, stream: 'stderr' as const, seq: 0, data: big('e', i) },
            ]
          : []),
        {
          type: 'finished',
          jobId: job.jobId,
          outcome: 'succeeded',
          info: 'ok',
          exitCode: 0,
          executionTime: 0,
          startedAt: now,
          finishedAt: now,
          stdoutChunks: printed ? 1 : 0,
          stderrChunks: printed ? 1 : 0,
        },
      ]);
      assert.ok(r.ok);
    }
    for (const job of (await b.waitForJobs(seenB + texts.length)).slice(seenB)) await b.complete(job, 'succeeded', 'from b\n');
    await request(ui.emitWithAck('jobs:await', { jobIds: run.jobs.map((j) => j.jobId), timeoutMs: 5000 }));

    const first = await request(ui.emitWithAck('runs:output', { runId: run.runId, target: 'node-a' }));
    const printedIds = jobsA.filter((_, i) => texts[i] !== 'quiet').map((j) => j.jobId);
    assert.deepEqual(
      first.jobs.map((j) => j.jobId),
      printedIds.slice(0, 4),
      'jobs without output are left out; the page ends between jobs',
    );
    assert.equal(first.jobs[1]?.stdout, big('a', 1));
    assert.equal(first.jobs[1]?.stderr, big('e', 1));
    assert.notEqual(first.next, null);
    const second = await request(ui.emitWithAck('runs:output', { runId: run.runId, target: 'node-a', after: first.next! }));
    assert.deepEqual(
      second.jobs.map((j) => j.jobId),
      printedIds.slice(4),
    );
    assert.equal(second.next, null);
    const ofB = await request(ui.emitWithAck('runs:output', { runId: run.runId, target: 'node-b' }));
    assert.deepEqual(
      ofB.jobs.map((j) => j.stdout),
      texts.map(() => 'from b\n'),
    );
    // As the console asks: every host at once, beside other reads. A lazy cursor held across awaits
    // failed these ("the connection is busy") when they interleaved.
    const together = await Promise.all([
      ...Array.from({ length: 4 }, () => ui.emitWithAck('runs:output', { runId: run.runId, target: 'node-a' })),
      ...Array.from({ length: 4 }, () => ui.emitWithAck('runs:output', { runId: run.runId, target: 'node-b' })),
      ui.emitWithAck('runs:get', run.runId),
      ui.emitWithAck('runs:list', {}),
    ]);
    for (const r of together) assert.ok(r.ok, r.ok ? '' : r.error.message);
    const missing = await ui.emitWithAck('runs:output', { runId: 'no-such-run', target: 'node-a' });
    assert.equal(missing.ok ? '' : missing.error.code, 'not-found');
    const bad = await ui.emitWithAck('runs:output', { runId: run.runId, target: 'node-a', after: -1 } as never);
    assert.equal(bad.ok ? '' : bad.error.code, 'invalid-payload');
  });

  test('library: save, list, get, update, delete', async () => {
    const saved = await request(ui.emitWithAck('library:save', { name: 'Deploy', yaml: '- jobs: []\n' }));
    assert.equal(saved.name, 'Deploy');
    const updated = await request(ui.emitWithAck('library:save', { id: saved.id, name: 'Deploy v2', yaml: '- jobs:\n  - RUN: true\n' }));
    assert.equal(updated.createdAt, saved.createdAt);
    assert.deepEqual(
      (await request(ui.emitWithAck('library:list'))).map((i) => i.name),
      ['Deploy v2'],
    );
    assert.equal((await request(ui.emitWithAck('library:get', saved.id))).yaml, '- jobs:\n  - RUN: true\n');
    await request(ui.emitWithAck('library:delete', saved.id));
    const gone = await ui.emitWithAck('library:get', saved.id);
    assert.ok(!gone.ok && gone.error.code === 'not-found');
    const unknown = await ui.emitWithAck('library:save', { id: 'nope', name: 'x', yaml: '' });
    assert.ok(!unknown.ok && unknown.error.code === 'not-found');
  });

  test('jobs:purge removes settled history only', async () => {
    const open = await request(
      ui.emitWithAck('runs:submit', { kind: 'exec', targets: ['node-a'], entries: [{ jobs: [{ verb: 'RUN', text: 'keep me' }] }] }),
    );
    const purged = await request(ui.emitWithAck('jobs:purge'));
    assert.ok(purged.purged >= 7);
    const left = await request(ui.emitWithAck('jobs:list', {}));
    assert.deepEqual(
      left.map((j) => j.jobId),
      [open.jobs[0]?.jobId],
    );
    await a.complete(await eventually('dispatch', () => a.dispatched.find((d) => d.jobId === open.jobs[0]?.jobId)));
  });
});

describe('restart', { timeout: 30_000 }, () => {
  test('open work survives a restart: queued jobs go out on hello; work of agents that do not return is lost', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'directord-restart-'));
    try {
      let t = await startTestServer({}, dataDir);
      const token = t.server.uiToken;
      let ui = await connectUi(t.server);
      const deaf = new FakeAgent(t.server, 'node-a', { autoAck: false });
      await deaf.start();
      const { jobs, runId } = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'after restart' }] }] }),
      );
      await deaf.waitForJobs(1);
      deaf.close();
      const gone = new FakeAgent(t.server, 'gone');
      await gone.start();
      const orphan = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', targets: ['gone'], entries: [{ jobs: [{ verb: 'RUN', text: 'orphan' }] }] }),
      );
      await gone.send([{ type: 'started', jobId: (await gone.waitForJobs(1))[0]!.jobId, at: Date.now() }]);
      gone.close();
      ui.close();
      await t.server.close();

      t = await startTestServer({ heartbeatIntervalMs: 50 }, dataDir);
      assert.equal(t.server.uiToken, token, 'the token is reused');
      ui = await connectUi(t.server);
      const run = (await request(ui.emitWithAck('runs:list', {}))).find((r) => r.runId === runId);
      assert.equal(run?.status, 'running');
      assert.equal(run?.counts.queued, 1);
      const back = new FakeAgent(t.server, 'node-a');
      const welcome = await back.start();
      assert.equal(welcome.redispatched, 1);
      const [job] = await back.waitForJobs(1);
      assert.equal(job?.jobId, jobs[0]?.jobId);
      await back.send([{ type: 'started', jobId: job!.jobId, at: Date.now() }]);
      back.close();
      const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [job!.jobId], timeoutMs: 5000 }));
      assert.equal(record?.targets[0]?.state, 'lost');
      const [orphaned] = await request(ui.emitWithAck('jobs:await', { jobIds: [orphan.jobs[0]!.jobId], timeoutMs: 5000 }));
      assert.equal(orphaned?.targets[0]?.state, 'lost');
      assert.equal(orphaned?.targets[0]?.info, 'agent gone stopped answering');
      ui.close();
      await t.server.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
