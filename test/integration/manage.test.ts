/**
 * The CLI's output formats against a real server and agents (issue #2's list item 7, spec 2.4):
 * `manage --list-nodes`, `--list-jobs [--filter]`, `orchestrate --finger-print`,
 * `--analyze-parent`, `--export-jobs`, `--job-info` of an unknown id, `--purge-jobs`, and a
 * wrong UI token (item 8).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { Cluster, connectUi, describeRun, marker, req, runCli, statusLines } from './harness.js';

type Table = { headers: string[]; rows: string[][]; footer: string };

/**
 * Parses a tabulate "simple" table (header, dashes, rows, blank line, footer) and checks that
 * every cell sits in its column: the gaps between the dash runs are blank on every line.
 */
function parseTable(text: string): Table {
  const [body = '', footer = ''] = text.split(/\n\n(?=Total Items)/);
  const lines = body.split('\n');
  const dashes = lines[1] ?? '';
  assert.match(dashes, /^-+( {2}-+)*$/, `second line is the dash rule:\n${text}`);
  const cols = [...dashes.matchAll(/-+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  const cells = (line: string, lineNo: number): string[] => {
    cols.forEach((col, i) => {
      const next = cols[i + 1];
      if (next) assert.equal(line.slice(col.end, next.start).trim(), '', `line ${lineNo} spills out of column ${i}:\n${text}`);
    });
    return cols.map((col, i) => line.slice(col.start, i === cols.length - 1 ? undefined : col.end).trim());
  };
  const headers = cells(lines[0] ?? '', 0);
  const rows: string[][] = [];
  let current: string[] | null = null;
  for (const [i, line] of lines.slice(2).entries()) {
    const row = cells(line, i + 2);
    // A multi-line value continues on lines whose first cell is empty.
    if (row[0] === '' && current) current.forEach((v, j) => (current![j] = row[j] ? `${v}\n${row[j]}` : v));
    else rows.push((current = row));
  }
  return { headers, rows, footer };
}

describe('CLI output formats (real server, 2 agents)', { timeout: 120_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await Cluster.start({ agents: ['a1', 'a2'] });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('manage --list-nodes: the spec 2.4 columns, one row per agent, totals', { timeout: 20_000 }, async () => {
    const ran = await c.cli('manage', '--list-nodes');
    assert.equal(ran.code, 0, describeRun(ran));
    const table = parseTable(ran.stdout);
    assert.deepEqual(table.headers, ['ID', 'EXPIRY', 'VERSION', 'HOST_UPTIME', 'AGENT_UPTIME', 'MACHINE_ID', 'DRIVER']);
    assert.match(ran.stdout, /^ID {2,}EXPIRY {2,}VERSION {2,}HOST_UPTIME {2,}AGENT_UPTIME {2,}MACHINE_ID {2,}DRIVER\n/);
    const agents = await req(c.ui, 'agents:list');
    assert.deepEqual(
      table.rows.map((r) => r[0]),
      ['a1', 'a2'],
    );
    let sum = 0;
    for (const row of table.rows) {
      const agent = agents.find((a) => a.identity === row[0]);
      assert.ok(agent, row[0]);
      const [, expiry, version, hostUp, agentUp, machineId, driver] = row;
      assert.match(expiry ?? '', /^\d+\.\d{2}$/);
      assert.ok(Number(expiry) > 0 && Number(expiry) <= 30, `EXPIRY ${expiry}: seconds left of 3 × 10 s heartbeats`);
      sum += Number(expiry);
      assert.equal(version, agent.agentVersion);
      assert.match(hostUp ?? '', /^(\d+ days?, )?\d+:\d{2}:\d{2}(\.\d{6})?$/);
      assert.match(agentUp ?? '', /^\d+:\d{2}:\d{2}(\.\d{6})?$/);
      assert.equal(machineId, agent.machineId);
      assert.equal(driver, 'socketio');
    }
    const total = /^Total Items: 2\nTotal EXPIRY: (\d+\.\d{2})\n$/.exec(table.footer);
    assert.ok(total, `footer: ${JSON.stringify(table.footer)}`);
    assert.ok(Math.abs(Number(total[1]) - sum) <= 0.02, `Total EXPIRY ${total[1]} is the sum of the column (${sum})`);
  });

  test('manage --list-jobs: header, one row per job with node counts, --filter', { timeout: 30_000 }, async () => {
    const m = marker();
    const good = await c.cli('exec', '--verb', 'RUN', `echo listed-${m}`, '--poll');
    const bad = await c.cli('exec', '--verb', 'RUN', `exit 7 # ${m}`, '--poll');
    assert.equal(good.code, 0, describeRun(good));
    assert.equal(bad.code, 1, describeRun(bad));
    const goodId = statusLines(good.stdout)[0]?.id;
    const badId = statusLines(bad.stdout)[0]?.id;
    assert.ok(goodId && badId);

    const ran = await c.cli('manage', '--list-jobs');
    assert.equal(ran.code, 0, describeRun(ran));
    const table = parseTable(ran.stdout);
    assert.deepEqual(table.headers, ['ID', 'PARENT_JOB_NAME', 'VERB', 'EXECUTION_TIME', 'PROCESSING', 'SUCCESS', 'FAILED']);
    const jobs = await req(c.ui, 'jobs:list', {});
    assert.equal(table.rows.length, jobs.length);
    assert.equal(table.footer, `Total Items: ${jobs.length}\n`);
    const rowOf = (id: string) => table.rows.find((r) => r[0] === id);
    const goodRow = rowOf(goodId);
    const badRow = rowOf(badId);
    assert.ok(goodRow && badRow, ran.stdout);
    assert.deepEqual([goodRow[1], goodRow[2], goodRow[4], goodRow[5], goodRow[6]], [goodId, 'RUN', 'False', '2', '0']);
    assert.match(goodRow[3] ?? '', /^\d+\.\d{8}$/);
    assert.deepEqual([badRow[4], badRow[5], badRow[6]], ['False', '0', '2']);
    // Oldest first.
    assert.ok(table.rows.findIndex((r) => r[0] === goodId) < table.rows.findIndex((r) => r[0] === badId));

    const failed = await c.cli('manage', '--list-jobs', '--filter', 'failed');
    assert.equal(failed.code, 0, describeRun(failed));
    const failedIds = parseTable(failed.stdout).rows.map((r) => r[0]);
    assert.ok(failedIds.includes(badId) && !failedIds.includes(goodId), failed.stdout);
    const success = await c.cli('manage', '--list-jobs', '--filter', 'success');
    const successIds = parseTable(success.stdout).rows.map((r) => r[0]);
    assert.ok(successIds.includes(goodId) && !successIds.includes(badId), success.stdout);
  });

  let namedParentId = '';

  test('orchestrate --finger-print: the table, sending nothing; its SHAs are the ones the server stores', { timeout: 30_000 }, async () => {
    const m = marker();
    const file = join(c.dataDir, `fp-${m}.yaml`);
    writeFileSync(
      file,
      `- name: first parent ${m}
  jobs:
    - RUN: echo one-${m}
      name: job one
    - RUN: --skip-cache echo a very long command string ${m}
- jobs:
    - RUN: echo two-${m}
`,
    );
    const before = (await req(c.ui, 'jobs:list', {})).length;
    const fp = await c.cli('orchestrate', file, '--finger-print');
    assert.equal(fp.code, 0, describeRun(fp));
    const table = parseTable(fp.stdout.replace(/\n$/, '\n\nTotal Items: -\n'));
    assert.deepEqual(table.headers, ['count', 'parent', 'verb', 'exec', 'job']);
    assert.equal(table.rows.length, 3);
    const [r0, r1, r2] = table.rows;
    assert.deepEqual(r0, ['0', `first parent ${m}`, 'RUN', `echo one-${m}`, 'job one']);
    assert.deepEqual(r1?.slice(0, 4), ['1', `first parent ${m}`, 'RUN', '--skip-cache echo a very lo...']);
    assert.match(r1?.[4] ?? '', /^[0-9a-f]{56}$/);
    assert.equal(r2?.[0], '2');
    assert.match(r2?.[1] ?? '', /^[0-9a-f]{56}$/, 'an unnamed parent shows its SHA');
    assert.deepEqual(r2?.slice(2, 4), ['RUN', `echo two-${m}`]);
    assert.equal((await req(c.ui, 'jobs:list', {})).length, before, '--finger-print submits nothing');

    const ran = await c.cli('orchestrate', file, '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    const [j0, j1, j2] = await c.await(statusLines(ran.stdout).map((l) => l.id));
    assert.ok(j0 && j1 && j2);
    assert.equal(j0.jobName, 'job one');
    assert.equal(j1.sha, r1?.[4]);
    assert.equal(j2.sha, r2?.[4]);
    assert.equal(j2.parentSha, r2?.[1]);
    namedParentId = j0.parentId;
  });

  test('manage --analyze-parent: the spec 2.4 rows in order; an unknown parent says so', { timeout: 20_000 }, async () => {
    assert.ok(namedParentId, 'needs the previous test');
    const ran = await c.cli('manage', '--analyze-parent', namedParentId);
    assert.equal(ran.code, 0, describeRun(ran));
    const table = parseTable(ran.stdout);
    assert.deepEqual(table.headers, ['KEY', 'VALUE']);
    assert.deepEqual(
      table.rows.map((r) => r[0]),
      [
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
      ],
    );
    const row = Object.fromEntries(table.rows.map((r) => [r[0], r[1]]));
    assert.equal(row.ID, namedParentId);
    assert.deepEqual([row.TOTAL_JOBS, row.TOTAL_NODE_COUNT, row.TOTAL_SUCCESSES, row.TOTAL_FAILURES], ['2', '2', '4', '0']);
    assert.ok(['a1', 'a2'].includes(row.FASTEST_NODE_EXECUTION ?? ''));
    assert.ok(Number(row.ACTUAL_RUNTIME) >= 0 && Number(row.COMBINED_EXECUTION_TIME) >= 0);
    assert.equal(table.footer, 'Total Items: 12\n');

    const unknown = await c.cli('manage', '--analyze-parent', 'no-such-parent');
    assert.match(unknown.stdout, /^PARENT_ID_NOT_FOUND +no-such-parent$/m, describeRun(unknown));
  });

  test('manage --export-jobs FILE writes every job record as YAML keyed by job id', { timeout: 20_000 }, async () => {
    const file = join(c.dataDir, 'export.yaml');
    const ran = await c.cli('manage', '--export-jobs', file);
    assert.equal(ran.code, 0, describeRun(ran));
    assert.equal(ran.stdout, `Exported data to [ ${file} ]\n`);
    const exported = parse(readFileSync(file, 'utf8')) as Record<
      string,
      { jobId: string; verb: string; sha: string; targets: { target: string; state: string }[] }
    >;
    const jobs = await req(c.ui, 'jobs:list', {});
    const ids = jobs.map((j) => j.jobId).sort();
    assert.deepEqual(Object.keys(exported), ids, 'keyed by job id, sorted');
    for (const job of jobs) {
      const record = exported[job.jobId];
      assert.equal(record?.verb, job.verb);
      assert.equal(record?.sha, job.sha);
      assert.deepEqual(
        record?.targets.map((t) => [t.target, t.state]),
        job.targets.map((t) => [t.target, t.state]),
      );
    }
  });

  test('manage --job-info of an unknown id: No data found on stderr, exit 1', { timeout: 20_000 }, async () => {
    const ran = await c.cli('manage', '--job-info', 'nope');
    assert.equal(ran.code, 1, describeRun(ran));
    assert.equal(ran.stdout, '');
    assert.equal(ran.stderr, 'No data found\n');
  });

  test('a wrong UI token is refused with a clear error (CLI and raw socket)', { timeout: 20_000 }, async () => {
    // A data dir that points at the running server but holds another token.
    const other = mkdtempSync(join(tmpdir(), 'directord-it-token-'));
    try {
      copyFileSync(join(c.dataDir, 'server.json'), join(other, 'server.json'));
      writeFileSync(join(other, 'cli.token'), 'not-the-token\n', { mode: 0o600 });
      const ran = await runCli(['--data-dir', other, 'manage', '--list-nodes'], { env: c.env });
      assert.equal(ran.code, 1, describeRun(ran));
      assert.equal(ran.stdout, '');
      assert.match(ran.stderr, /refused the token/);
      assert.ok(ran.stderr.includes(join(other, 'cli.token')), `names the token file: ${ran.stderr}`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    await assert.rejects(connectUi(c.url, 'wrong'), (error: Error & { data?: { code?: string; message?: string } }) => {
      assert.equal(error.message, 'unauthorized');
      assert.equal(error.data?.code, 'unauthorized');
      assert.match(error.data?.message ?? '', /token/);
      return true;
    });
  });

  test('manage --purge-jobs prints SUCCESS True; the history is then empty', { timeout: 20_000 }, async () => {
    const ran = await c.cli('manage', '--purge-jobs');
    assert.equal(ran.code, 0, describeRun(ran));
    const table = parseTable(ran.stdout);
    assert.deepEqual(table.headers, ['KEY', 'VALUE']);
    assert.deepEqual(table.rows, [['SUCCESS', 'True']]);
    assert.match(ran.stdout, /^SUCCESS {2}True$/m);
    assert.equal(table.footer, 'Total Items: 1\n');
    assert.deepEqual(await req(c.ui, 'jobs:list', {}), []);
    const list = await c.cli('manage', '--list-jobs');
    assert.equal(list.code, 1, describeRun(list));
    assert.equal(list.stderr, 'No data found\n');
  });
});
