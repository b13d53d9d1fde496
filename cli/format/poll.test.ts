import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord, TargetRecord } from '../../protocol/records.js';
import { captureOutput } from '../output.js';
import { failedJobsBlock, jobOutcome, Spinner, statusLine, streamBlock, unsettled } from './poll.js';

const target = (name: string, state: TargetRecord['state']): TargetRecord => ({
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
});

const job = (targets: TargetRecord[], skippedReason: string | null = null): JobRecord => ({
  jobId: 'j',
  runId: 'r',
  parentId: 'p',
  parentName: null,
  parentSha: null,
  jobName: null,
  verb: 'RUN',
  sha: 's',
  text: 'echo',
  args: {},
  timeout: 600,
  runOnce: false,
  skipCache: false,
  parentAsync: false,
  createdAt: 0,
  updatedAt: 0,
  skippedReason,
  targets,
});

test('status lines keep Directord wording, including "Degrated"', () => {
  assert.equal(statusLine('success', 'x'), 'Job Success: x');
  assert.equal(statusLine('degraded', 'x'), 'Job Degrated: x');
  assert.equal(statusLine('skipped', 'x'), 'Job Skipped: x');
  assert.equal(statusLine('unknown', 'x'), 'Job in an unknown state: x');
});

test('job outcomes', () => {
  assert.equal(jobOutcome(undefined), 'unknown');
  assert.equal(jobOutcome(job([target('a', 'succeeded'), target('b', 'succeeded')])), 'success');
  assert.equal(jobOutcome(job([target('a', 'succeeded'), target('b', 'failed')])), 'degraded');
  assert.equal(jobOutcome(job([target('a', 'timed-out')])), 'degraded');
  assert.equal(jobOutcome(job([target('a', 'running'), target('b', 'lost')])), 'degraded');
  assert.equal(jobOutcome(job([], 'not selected by --restrict')), 'skipped');
  assert.equal(jobOutcome(job([target('a', 'succeeded'), target('b', 'running')])), 'skipped');
  assert.equal(jobOutcome(job([target('a', 'queued')])), 'unknown');
  assert.equal(unsettled(job([target('a', 'queued')])), true);
  assert.equal(unsettled(job([], 'not selected by --restrict')), false);
  assert.equal(unsettled(job([target('a', 'failed')])), false);
});

test('--stream prints each node sorted, empty output as an empty line (not None)', () => {
  assert.equal(
    streamBlock([
      { target: 'node2', stdout: 'two\n', stderr: '' },
      { target: 'node1', stdout: 'one', stderr: 'warn\n' },
    ]),
    'node1 -- STDOUT\none\nnode1 -- STDERR\nwarn\nnode2 -- STDOUT\ntwo\nnode2 -- STDERR\n\n',
  );
});

test('FAILED JOBS block', () => {
  assert.equal(failedJobsBlock([]), '');
  assert.equal(failedJobsBlock(['a', 'b']), 'FAILED JOBS\na\nb\n');
});

test('--wait off a terminal prints only the lines and Done.', () => {
  const out = captureOutput(false);
  try {
    const spinner = new Spinner();
    spinner.start();
    spinner.print('Job Success: x');
    spinner.done();
  } finally {
    out.restore();
  }
  assert.equal(out.stdout, 'Job Success: x\nDone.\n');
});

test('--wait on a terminal draws the spinner and replaces it with each line', () => {
  const out = captureOutput(true);
  try {
    const spinner = new Spinner();
    spinner.start();
    spinner.print('Job Success: x');
    spinner.done();
  } finally {
    out.restore();
  }
  assert.equal(out.stdout, '\r[ | ] Please wait... \r\x1b[KJob Success: x\n\r[ / ] Please wait... \r\x1b[KDone.\n');
});
