import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addOutput } from '../testing/fake-ui-server.js';
import { jobRecord, targetRecord } from '../testing/records.js';
import { runCli as run, withFakeServer as withServer } from '../testing/run-cli.js';

process.env.TZ = 'UTC';

test('--job-info last shows the record with every node output', () =>
  withServer(async (server, dir) => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    server.data.jobs.push(
      jobRecord('job-1', [
        targetRecord('n1', 'succeeded', { info: 'echo hi', startedAt: at, finishedAt: at, executionTime: 0.5, roundtripTime: 1 }),
      ]),
    );
    addOutput(server.data, { jobId: 'job-1', target: 'n1', stdout: 'hi\n', stderr: '', truncated: false });
    const r = await run('--data-dir', dir, 'manage', '--job-info', 'last');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID +last$/m);
    assert.match(r.stdout, /^JOB_ID +job-1$/m);
    assert.match(r.stdout, /^STDOUT +n1 = hi$/m);
    assert.match(r.stdout, /^RETURN_TIMESTAMP +2026-01-02 03:04:05$/m);
    assert.match(r.stdout, /^EXECUTION_TIME +0\.50000000$/m);
    assert.match(r.stdout, /^SUCCESS +n1$/m);
    assert.match(r.stdout, /\n\nTotal Items: 18\n$/);
  }));

test('--job-info of an unknown id: No data found on stderr, exit 1', () =>
  withServer(async (_server, dir) => {
    const r = await run('--data-dir', dir, 'manage', '--job-info', 'nope');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'No data found\n');
  }));

test('--list-nodes with no nodes: No data found, exit 1 (CI waits on this)', () =>
  withServer(async (_server, dir) => {
    const r = await run('--data-dir', dir, 'manage', '--list-nodes');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'No data found\n');
  }));

test('--list-jobs passes --filter to the server and renders the table', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', [targetRecord('n1', 'failed', { executionTime: 0.25 })]));
    const r = await run('--data-dir', dir, 'manage', '--list-jobs', '--filter', 'failed');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^job-1 +job-1 +RUN +0\.25000000 +False +0 +1$/m);
    assert.match(r.stdout, /\n\nTotal Items: 1\n$/);
  }));

test('--list-jobs --limit N shows the newest N, oldest first, and says on stderr how to see the older ones; --after continues', () =>
  withServer(async (server, dir) => {
    for (let i = 1; i <= 5; i++) server.data.jobs.push(jobRecord(`job-${i}`, [targetRecord('n1', 'succeeded')], { createdAt: i }));
    const first = await run('--data-dir', dir, 'manage', '--list-jobs', '--limit', '2');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      [...first.stdout.matchAll(/^(job-\d)/gm)].map((m) => m[1]),
      ['job-4', 'job-5'],
    );
    assert.equal(first.stderr, 'Showing the newest 2 jobs. Older ones: directord manage --list-jobs --after job-4 [--limit N]\n');
    const next = await run('--data-dir', dir, 'manage', '--list-jobs', '--limit', '2', '--after', 'job-4');
    assert.deepEqual(
      [...next.stdout.matchAll(/^(job-\d)/gm)].map((m) => m[1]),
      ['job-2', 'job-3'],
    );
    const last = await run('--data-dir', dir, 'manage', '--list-jobs', '--after', 'job-2');
    assert.deepEqual(
      [...last.stdout.matchAll(/^(job-\d)/gm)].map((m) => m[1]),
      ['job-1'],
    );
    assert.equal(last.stderr, '', 'no hint after the last page');
    const gone = await run('--data-dir', dir, 'manage', '--list-jobs', '--after', 'nope');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /--after: no job nope/);
    const misuse = await run('--data-dir', dir, 'manage', '--list-nodes', '--limit', '2');
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /--limit only applies to/);
  }));

test('--purge-jobs prints SUCCESS True', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-1', []));
    const r = await run('--data-dir', dir, 'manage', '--purge-jobs');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'KEY      VALUE\n-------  -------\nSUCCESS  True\n\nTotal Items: 1\n');
    assert.equal(server.data.jobs.length, 0);
  }));

test('--export-jobs writes YAML keyed by job id with sorted keys', () =>
  withServer(async (server, dir) => {
    server.data.jobs.push(jobRecord('job-2', []), jobRecord('job-1', []));
    const file = join(dir, 'jobs.yaml');
    const r = await run('--data-dir', dir, 'manage', '--export-jobs', file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Exported data to [ ${file} ]\n`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^job-1:\n {2}args:\n/);
    assert.ok(text.indexOf('job-1:') < text.indexOf('job-2:'));
  }));

test('--analyze-all renders the server rows', () =>
  withServer(async (server, dir) => {
    server.data.analysis = [
      ['ID', 'All-Jobs'],
      ['TOTAL_JOBS', 3],
    ];
    const r = await run('--data-dir', dir, 'manage', '--analyze-all');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'KEY         VALUE\n----------  --------\nID          All-Jobs\nTOTAL_JOBS  3\n\nTotal Items: 2\n');
  }));
