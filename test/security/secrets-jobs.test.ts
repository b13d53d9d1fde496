/**
 * `{{ secrets.NAME }}` in jobs (issue #18), end to end: a real server (in this process, so its whole
 * debug log is at hand), a real agent process, the real CLI and SQLite file. The job prints the
 * secret whole, split across output chunks (halves with a sleep between) and on stderr; only
 * `[secret:NAME]` shows in live output, stored output and `manage --job-info`, the value is nowhere
 * in the data dir (database, WAL, the agent's cache and outbox) nor in the logs, and the job really
 * had it (it writes it to a file whose SHA-256 is checked). Rotating the secret re-runs the job; an
 * unchanged one is a cache hit; an unknown one is refused with nothing dispatched.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { OutputAppended } from '../../protocol/ui-events.js';
import { Cluster, describeRun, eventually, req, statusLines } from '../integration/harness.js';

const NAME = 'DEPLOY_TOKEN';
const MASK = `[secret:${NAME}]`;
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** Every file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('secrets in jobs (real server, real agent, CLI)', { timeout: 150_000 }, () => {
  let c: Cluster;
  let out: string;
  const live: OutputAppended[] = [];
  // Random hex, so neither the value nor a half of it can occur by chance.
  const first = `s3cr3t-${randomBytes(12).toString('hex')}`;
  const second = `r0tated-${randomBytes(12).toString('hex')}`;
  before(
    async () => {
      c = await Cluster.start({ agents: ['s1'], inProcess: {} });
      out = mkdtempSync(join(tmpdir(), 'directord-secret-out-'));
      c.ui.on('output:appended', (chunks) => live.push(...chunks));
      await req(c.ui, 'ui:subscribe', { outputOf: '*' });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  // Whole on stdout; split in two writes 0.3 s apart (two output chunks at the source); the same on
  // stderr; then the value alone into a file outside the data dir.
  const command = () =>
    [
      `echo "whole {{ secrets.${NAME} }} end"`,
      `printf '%s' '{{ secrets.${NAME}[:15] }}'`,
      'sleep 0.3',
      `printf '%s\\n' '{{ secrets.${NAME}[15:] }}'`,
      `echo "err {{ secrets.${NAME} }}" >&2`,
      `printf '%s' '{{ secrets.${NAME}[:10] }}' >&2`,
      'sleep 0.3',
      `printf '%s\\n' '{{ secrets.${NAME}[10:] }}' >&2`,
      `printf '%s' '{{ secrets.${NAME} }}' > ${out}/received`,
    ].join('; ');
  const expectedStdout = `whole ${MASK} end\n${MASK}\n`;
  const expectedStderr = `err ${MASK}\n${MASK}\n`;

  async function runJob(): Promise<string> {
    const ran = await c.cli('exec', '--verb', 'RUN', command(), '--poll', '--check');
    assert.equal(ran.code, 0, describeRun(ran));
    const id = statusLines(ran.stdout)[0]?.id;
    assert.ok(id, describeRun(ran));
    return id;
  }

  /** The value, its halves and its base64 appear nowhere in the data dir (agent cache included) or any log. */
  function assertNowhere(value: string): void {
    const pieces = [value, value.slice(0, 15), value.slice(15), value.slice(0, 10), value.slice(10), Buffer.from(value).toString('base64')];
    const all = files(c.dataDir);
    assert.ok(
      all.some((f) => f.endsWith('directord.db-wal')),
      'the WAL is among the files checked',
    );
    assert.ok(
      all.some((f) => f.startsWith(c.agent('s1').cacheDir)),
      "the agent's cache dir is among the files checked",
    );
    for (const file of all) {
      const bytes = readFileSync(file);
      for (const piece of pieces) assert.ok(!bytes.includes(piece), `${file} holds (part of) the secret value`);
    }
    const logs = [c.serverLog.join(''), c.agent('s1').stdout, c.agent('s1').stderr];
    assert.ok(c.serverLog.length > 0, 'the server logged');
    for (const log of logs) for (const piece of pieces) assert.ok(!log.includes(piece), 'a log holds (part of) the secret value');
  }

  test(
    'the job gets the value; live, stored output and job-info show only the mask; the value is nowhere on disk or in logs',
    { timeout: 60_000 },
    async () => {
      const set = await req(c.ui, 'secrets:set', { name: NAME, value: first });
      assert.equal(set.version, 1);
      const id = await runJob();

      // The agent had the real value.
      assert.equal(sha256(readFileSync(join(out, 'received'))), sha256(first));

      // Stored output.
      const stored = await c.output(id, 's1');
      assert.equal(stored.stdout, expectedStdout);
      assert.equal(stored.stderr, expectedStderr);

      // Live output, as a console watching the run saw it, chunk by chunk.
      const mine = await eventually(
        'the live output of the job',
        () => {
          const chunks = live.filter((l) => l.jobId === id);
          const text = (stream: string) =>
            chunks
              .filter((l) => l.stream === stream)
              .map((l) => l.data)
              .join('');
          return text('stdout') === expectedStdout && text('stderr') === expectedStderr ? chunks : undefined;
        },
        10_000,
      );
      assert.ok(mine.filter((l) => l.stream === 'stdout').length >= 2, 'the split value came in more than one chunk');
      for (const chunk of mine) {
        for (const piece of [first, first.slice(0, 15), first.slice(15), first.slice(0, 10), first.slice(10)])
          assert.ok(!chunk.data.includes(piece), `a live chunk carries (part of) the value: ${JSON.stringify(chunk.data)}`);
      }

      // The stored job keeps the template; job-info shows the mask in output and INFO (the rendered command).
      const job = await req(c.ui, 'jobs:get', id);
      assert.equal(job.args.command, command());
      assert.ok(!JSON.stringify(job).includes(first));
      const info = await c.cli('manage', '--job-info', id);
      assert.equal(info.code, 0, describeRun(info));
      assert.ok(!info.stdout.includes(first) && !info.stdout.includes(first.slice(0, 15)), describeRun(info));
      assert.match(info.stdout, new RegExp(`^STDOUT +s1 = whole \\[secret:${NAME}\\] end$`, 'm'));
      assert.match(info.stdout, new RegExp(`^STDERR +s1 = err \\[secret:${NAME}\\] *$`, 'm'));
      assert.match(info.stdout, new RegExp(`^INFO +s1 = echo "whole \\[secret:${NAME}\\] end"`, 'm'));

      assertNowhere(first);
    },
  );

  test(
    'a second run with the same secret is a cache hit; after a rotation the job runs again with the new value',
    { timeout: 60_000 },
    async () => {
      const again = await runJob();
      const [cached] = await c.await([again]);
      assert.equal(cached?.targets[0]?.cached, true, 'unchanged secret: a cache hit');
      assert.equal(cached?.targets[0]?.info, 'task skipped');

      const rotated = await req(c.ui, 'secrets:set', { name: NAME, value: second });
      assert.equal(rotated.version, 2);
      const rerun = await runJob();
      const [ran] = await c.await([rerun]);
      assert.equal(ran?.targets[0]?.cached, false, 'a new version: the job runs again');
      assert.notEqual(ran?.sha, cached?.sha, 'the job SHA covers the version');
      assert.equal(sha256(readFileSync(join(out, 'received'))), sha256(second), 'the agent got the new value');
      const stored = await c.output(rerun, 's1');
      assert.equal(stored.stdout, expectedStdout);
      assert.equal(stored.stderr, expectedStderr);
      assertNowhere(first);
      assertNowhere(second);
    },
  );

  test('an unknown secret is refused at submit, naming it; nothing is stored or dispatched', { timeout: 30_000 }, async () => {
    const before = await req(c.ui, 'runs:list', {});
    const chunks = live.length;
    const ran = await c.cli('exec', '--verb', 'RUN', 'echo {{ secrets.NO_SUCH_SECRET }}', '--poll');
    assert.notEqual(ran.code, 0, describeRun(ran));
    assert.match(ran.stderr, /no secret NO_SUCH_SECRET \(set it with: directord secret set NO_SUCH_SECRET\)/, describeRun(ran));
    const afterList = await req(c.ui, 'runs:list', {});
    assert.deepEqual(
      afterList.map((r) => r.runId),
      before.map((r) => r.runId),
      'no run was stored',
    );
    assert.equal(live.length, chunks, 'no output: nothing ran');
  });
});
