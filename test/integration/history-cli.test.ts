/**
 * Issue #15's CLI contracts against a real server and agents: `manage --search-output` prints run,
 * job, host, stream:line and the line, filters by --host, --verb and --since, reads a phrase and a
 * prefix, and turns a bad query into a usage error; `--host-history NAME` lists the host's runs
 * newest first from the counts, pages with --limit/--after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, marker, req, statusLines } from './harness.js';

describe('history CLI (real server, 2 agents)', { timeout: 120_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await Cluster.start({ agents: ['s1', 's2'] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    await c?.close();
  });

  test('--search-output finds the line on each host that printed it', { timeout: 60_000 }, async () => {
    const m = marker();
    const ran = await c.cli(
      'exec',
      '--verb',
      'RUN',
      `printf 'first\\n\\033[31mwrite failed\\033[0m: No space left on device ${m}\\nlast\\n' >&2; exit 3`,
      '--poll',
    );
    assert.equal(ran.code, 1, describeRun(ran));
    const jobId = statusLines(ran.stdout)[0]?.id;
    assert.ok(jobId);
    const job = await req(c.ui, 'jobs:get', jobId);
    const found = await c.cli('manage', '--search-output', `"no space left" ${m}`);
    assert.equal(found.code, 0, describeRun(found));
    const lines = found.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [
      `${job.runId} ${jobId} s1 stderr:2: write failed: No space left on device ${m}`,
      `${job.runId} ${jobId} s2 stderr:2: write failed: No space left on device ${m}`,
    ]);
    const one = await c.cli('manage', '--search-output', `${m.slice(0, -2)}*`, '--host', 's2', '--verb', 'RUN', '--since', '1h');
    assert.equal(one.code, 0, describeRun(one));
    assert.deepEqual(
      one.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[2]),
      ['s2'],
    );
    const otherVerb = await c.cli('manage', '--search-output', m, '--verb', 'ECHO');
    assert.equal(otherVerb.code, 1);
    assert.equal(otherVerb.stderr, 'No data found\n');
    const bad = await c.cli('manage', '--search-output', '"unclosed');
    assert.equal(bad.code, 2, describeRun(bad));
    assert.match(bad.stderr, /unclosed quote/);
    assert.doesNotMatch(bad.stderr, /fts5|syntax/i);
    const badSince = await c.cli('manage', '--search-output', m, '--since', 'last week');
    assert.equal(badSince.code, 2);
    assert.match(badSince.stderr, /--since: expected a duration/);
  });

  test('--host-history NAME lists its runs newest first and pages with --limit/--after', { timeout: 60_000 }, async () => {
    const runs: string[] = [];
    for (const cmd of ['true', 'exit 1', 'true']) {
      const r = await c.cli('exec', '--verb', 'RUN', cmd, '--target', 's1', '--poll');
      const id = statusLines(r.stdout)[0]?.id;
      assert.ok(id, describeRun(r));
      runs.push((await req(c.ui, 'jobs:get', id)).runId);
    }
    const page = await c.cli('manage', '--host-history', 's1', '--limit', '2');
    assert.equal(page.code, 0, describeRun(page));
    const rows = page.stdout
      .split('\n')
      .slice(2, 4)
      .map((l) => l.split(/\s{2,}/));
    assert.deepEqual(
      rows.map((r) => r[0]),
      [runs[2], runs[1]],
    );
    assert.deepEqual(
      rows.map((r) => r.slice(3)),
      [
        ['succeeded', '1', '1', '0', 'False'],
        ['failed', '1', '0', '1', 'False'],
      ],
    );
    assert.equal(page.stderr, `Older runs: directord manage --host-history s1 --after ${runs[1]} [--limit N]\n`);
    const older = await c.cli('manage', '--host-history', 's1', '--limit', '1', '--after', runs[1]!);
    assert.equal(older.stdout.split('\n')[2]?.split(/\s{2,}/)[0], runs[0]);
    const none = await c.cli('manage', '--host-history', 'no-such-host');
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'No data found\n');
  });
});
