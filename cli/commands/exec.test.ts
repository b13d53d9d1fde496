import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addOutput } from '../testing/fake-ui-server.js';
import { jobRecord, targetRecord } from '../testing/records.js';
import { runCli as run, withFakeServer as withServer } from '../testing/run-cli.js';

test('exec without a mode prints "Job received. Task ID" and submits the joined job string', () =>
  withServer(async (server, dir) => {
    const r = await run(
      '--data-dir',
      dir,
      'exec',
      '--verb',
      'RUN',
      '--target',
      'n1',
      'n2',
      '--target',
      'n1',
      '--force-async',
      '--',
      'echo',
      'hello',
      'world',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Run: run-1\nJob received. Task ID: job-1\n');
    assert.deepEqual(server.submissions, [
      {
        kind: 'exec',
        entries: [{ jobs: [{ verb: 'RUN', text: 'echo hello world' }] }],
        targets: ['n1', 'n2'],
        forceAsync: true,
        requestedBy: 'cli',
      },
    ]);
  }));

test('exec --target with a name no agent can have: a usage error naming it, nothing submitted', () =>
  withServer(async (server, dir) => {
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', '--target', 'n1', 'bad name!', '--', 'echo', 'hi');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--target: "bad name!" is not a valid target name/);
    assert.deepEqual(server.submissions, []);
  }));

test('exec: options of the job string stay in the job string; exec options anywhere are ours', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'succeeded')]));
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', '--skip-cache', 'echo hi', '--poll');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.submissions[0]?.entries[0]?.jobs[0]?.text, '--skip-cache echo hi');
    assert.equal(r.stdout, 'Run: run-1\nJob Success: job-1\n');
    assert.deepEqual(server.awaited, [{ jobIds: ['job-1'], timeoutMs: 600_000 }]);
  }));

test('exec --poll: a failed target prints Job Degrated and exits 1 (no FAILED JOBS without --check)', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'succeeded'), targetRecord('n2', 'failed')]));
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'false', '--poll', '--timeout-poll', '5');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'Run: run-1\nJob Degrated: job-1\n');
    assert.equal(server.awaited[0]?.timeoutMs, 5000);
  }));

test('exec --check lists FAILED JOBS and exits 1; it implies --poll', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'timed-out')]));
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'sleep 9', '--check');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'Run: run-1\nJob Degrated: job-1\nFAILED JOBS\njob-1\n');
  }));

test('exec --check passes when every target succeeded', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'succeeded')]));
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'echo hi', '--poll', '--check');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Run: run-1\nJob Success: job-1\n');
  }));

test('exec --check: a job that did not settle in time fails the run', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'running')]));
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'sleep 900', '--poll', '--check', '--timeout-poll', '1');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'Run: run-1\nJob Skipped: job-1\nFAILED JOBS\njob-1\n');
  }));

test('exec --stream prints each node STDOUT/STDERR then the status', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n2', 'succeeded'), targetRecord('n1', 'succeeded')]));
    addOutput(server.data, { jobId: 'job-1', target: 'n1', stdout: 'hi from 1\n', stderr: '', truncated: false });
    addOutput(server.data, { jobId: 'job-1', target: 'n2', stdout: 'hi from 2\n', stderr: 'careful\n', truncated: false });
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'echo hi', '--stream');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'Run: run-1\nn1 -- STDOUT\nhi from 1\nn1 -- STDERR\n\nn2 -- STDOUT\nhi from 2\nn2 -- STDERR\ncareful\nJob Success: job-1\n',
    );
  }));

test('exec --wait off a terminal: status lines then Done.', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'succeeded')]));
    const r = await run('--data-dir', dir, 'exec', '--verb', 'RUN', 'echo hi', '--wait');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Run: run-1\nJob Success: job-1\nDone.\n');
  }));

test('a submission error from the server is printed with its location; input errors exit 2', () =>
  withServer(async (server, dir) => {
    server.data.onSubmit = () => ({
      ok: false,
      error: { code: 'unknown-verb', message: 'unknown verb NOPE; known verbs: RUN', location: { field: 'entries[0].jobs[0].verb' } },
    });
    const r = await run('--data-dir', dir, 'exec', '--verb', 'NOPE', 'x');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'entries[0].jobs[0].verb: unknown verb NOPE; known verbs: RUN\n');
  }));

test('wrong token: says the server refused the token', () =>
  withServer(async (_server, dir) => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'cli.token'), 'b'.repeat(64));
    const r = await run('--data-dir', dir, 'manage', '--list-nodes');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the token in .*cli\.token \(unauthorized\)/);
  }));
