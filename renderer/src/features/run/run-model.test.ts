import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunDetail, JobRecord, TargetRecord } from '#protocol/records.js';
import type { TargetState } from '#protocol/jobs.js';
import { RunModel } from './run-model.js';
import { HostLog } from './host-log.js';
import { isAtBottom, scrollTopFor, stepMatch, visibleRange } from './virtual.js';
import { FrameBatcher } from './frame-batcher.js';

function target(name: string, state: TargetState = 'queued'): TargetRecord {
  return {
    target: name,
    state,
    info: null,
    exitCode: null,
    cached: false,
    queuedAt: 0,
    dispatchedAt: null,
    startedAt: null,
    finishedAt: null,
    executionTime: null,
    roundtripTime: null,
    stdoutBytes: 0,
    stderrBytes: 0,
    truncated: false,
  };
}
function job(jobId: string, text: string, hosts: string[]): JobRecord {
  return {
    jobId,
    runId: 'r1',
    parentId: 'p',
    parentName: null,
    parentSha: null,
    jobName: null,
    verb: 'RUN',
    sha: 'x',
    text,
    args: {},
    timeout: 600,
    runOnce: false,
    skipCache: false,
    parentAsync: false,
    createdAt: 0,
    updatedAt: 0,
    skippedReason: null,
    targets: hosts.map((h) => target(h)),
  };
}
function detail(jobs: JobRecord[]): RunDetail {
  return {
    runId: 'r1',
    kind: 'orchestrate',
    source: null,
    requestedBy: 'test',
    createdAt: 0,
    finishedAt: null,
    status: 'running',
    jobCount: jobs.length,
    targets: [],
    verbs: ['RUN'],
    counts: { queued: 0, dispatched: 0, running: 0, succeeded: 0, failed: 0, 'timed-out': 0, lost: 0, cancelled: 0 },
    rerunOf: null,
    partOf: null,
    title: null,
    sourceText: null,
    jobs,
  };
}

test('host log: partial lines join, streams stay apart, random access and search', () => {
  const log = new HostLog('a');
  log.ensureJob('j2', 1, 'RUN two');
  log.ensureJob('j1', 0, 'RUN one');
  log.append('j1', 'stdout', 'hel');
  log.append('j1', 'stdout', 'lo\nwor');
  log.append('j1', 'stderr', 'oops\n');
  log.append('j1', 'stdout', 'ld\n');
  log.append('j2', 'stdout', 'x\r\n');
  assert.equal(log.lineCount, 6);
  assert.deepEqual(
    log.lines(0, 6).map((l) => `${l.kind}:${l.text}`),
    ['header:RUN one', 'stdout:hello', 'stdout:world', 'stderr:oops', 'header:RUN two', 'stdout:x'],
  );
  assert.deepEqual(log.search('O'), [0, 1, 2, 3, 4]);
  assert.match(log.toText(), /\[stderr\] oops/);
});

test('host log signature ignores chunk boundaries', () => {
  const a = new HostLog('a');
  const b = new HostLog('b');
  for (const l of [a, b]) l.ensureJob('j', 0, 'RUN x');
  a.append('j', 'stdout', 'one\ntwo\n');
  b.append('j', 'stdout', 'on');
  b.append('j', 'stdout', 'e\ntwo\n');
  assert.equal(a.signature(), b.signature());
  b.append('j', 'stderr', 'x');
  assert.notEqual(a.signature(), b.signature());
});

test('10,000 lines × 50 hosts append and index quickly', () => {
  const started = performance.now();
  const logs = Array.from({ length: 50 }, (_, i) => new HostLog(`h${i}`));
  for (const log of logs) {
    log.ensureJob('j', 0, 'RUN spam');
    for (let c = 0; c < 100; c++) log.append('j', 'stdout', Array.from({ length: 100 }, (_, k) => `line ${c * 100 + k}`).join('\n') + '\n');
  }
  assert.equal(logs[0]?.lineCount, 10_001);
  assert.equal(logs[49]?.line(10_000)?.text, 'line 9999');
  assert.ok(performance.now() - started < 5000);
});

test('run model: states, counts, timing, groups, early output buffered until load', () => {
  const run = new RunModel('r1');
  run.applyOutput([{ runId: 'r1', jobId: 'j1', target: 'a', stream: 'stdout', data: 'early\n' }]);
  run.load(detail([job('j1', 'echo hi', ['a', 'b', 'c']), job('j2', 'false', ['a', 'b', 'c'])]));
  assert.equal(run.log('a').lineCount, 3);
  const upd = (jobId: string, t: string, state: TargetState) => ({
    runId: 'r1',
    jobId,
    target: t,
    state,
    info: null,
    exitCode: null,
    at: 0,
    executionTime: 1,
    roundtripTime: 2,
  });
  run.applyTargets([
    upd('j1', 'a', 'succeeded'),
    upd('j1', 'b', 'succeeded'),
    upd('j1', 'c', 'running'),
    upd('j2', 'a', 'failed'),
    upd('j2', 'b', 'succeeded'),
  ]);
  assert.equal(run.hostStatus('a'), 'failed');
  assert.equal(run.hostStatus('b'), 'succeeded');
  assert.equal(run.hostStatus('c'), 'running');
  const counts = run.counts();
  assert.deepEqual([counts.failed, counts.succeeded, counts.running], [1, 1, 1]);
  assert.deepEqual(run.hostTiming('b'), { execution: 2, roundtrip: 2 });
  run.applyOutput([{ runId: 'r1', jobId: 'j1', target: 'b', stream: 'stdout', data: 'early\n' }]);
  run.applyTargets([upd('j2', 'a', 'succeeded'), upd('j1', 'c', 'succeeded'), upd('j2', 'c', 'succeeded')]);
  const groups = run.groups();
  assert.deepEqual(groups[0]?.hosts, ['a', 'b']);
  assert.deepEqual(groups[1]?.hosts, ['c']);
});

test('virtual window math', () => {
  assert.deepEqual(visibleRange(0, 180, 18, 1000, 5), { start: 0, end: 16, offset: 0, height: 18000 });
  const r = visibleRange(18 * 500, 180, 18, 1000, 5);
  assert.deepEqual([r.start, r.end, r.offset], [495, 516, 495 * 18]);
  assert.equal(visibleRange(0, 180, 18, 3).end, 3);
  assert.ok(isAtBottom(820, 180, 1000, 18));
  assert.ok(!isAtBottom(700, 180, 1000, 18));
  assert.equal(scrollTopFor(0, 180, 18, 1000), 0);
  assert.equal(scrollTopFor(500, 180, 18, 1000), 500 * 18 - 90 + 9);
  assert.equal(stepMatch(-1, 3, 1), 0);
  assert.equal(stepMatch(2, 3, 1), 0);
  assert.equal(stepMatch(0, 3, -1), 2);
});

test('frame batcher hands over one batch per frame', () => {
  const frames: (() => void)[] = [];
  const batches: number[][] = [];
  const b = new FrameBatcher<number>(
    (items) => batches.push(items),
    (run) => frames.push(run),
  );
  b.push([1, 2]);
  b.push([3]);
  assert.equal(frames.length, 1);
  frames.shift()?.();
  b.push([4]);
  frames.shift()?.();
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
});

test('a host whose first job timed out is timed-out, not failed, though the jobs after it failed', () => {
  const run = new RunModel('r1');
  run.load(detail([job('j1', 'sleep 9', ['a', 'b']), job('j2', 'echo after', ['a', 'b'])]));
  const upd = (jobId: string, t: string, state: TargetState) => ({
    runId: 'r1',
    jobId,
    target: t,
    state,
    info: null,
    exitCode: null,
    at: 0,
    executionTime: 1,
    roundtripTime: 2,
  });
  run.applyTargets([upd('j1', 'a', 'timed-out'), upd('j2', 'a', 'failed'), upd('j1', 'b', 'succeeded'), upd('j2', 'b', 'lost')]);
  assert.equal(run.hostStatus('a'), 'timed-out');
  assert.equal(run.hostStatus('b'), 'lost');
  const counts = run.counts();
  assert.deepEqual([counts['timed-out'], counts.lost, counts.failed], [1, 1, 0]);
});
