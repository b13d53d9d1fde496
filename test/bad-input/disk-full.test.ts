/**
 * Bad input table, part 4 (issue #5): the data dir's disk is full — for real: the data dir is a
 * small tmpfs (`mount -t tmpfs -o size=16m`, needs root; skipped with a note otherwise) filled to
 * the last byte. A submission is refused with `storage-full` naming the data dir, an agent's
 * result batch and an uploaded file are refused the same way (the agent keeps its batch and sends
 * it again), a heartbeat does not
 * bring the server down, the error is logged once for the episode; nothing is corrupted
 * (integrity_check ok), and once space is freed the same requests succeed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { sha3_224Hex } from '../../components/sha.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import { createLogger } from '../../protocol/log.js';
import { connectUi, eventually, FakeAgent, request, startTestServer, withTimeout } from '../../server/testing/harness.js';

/** Writes zeros until the file system says ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      try {
        writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        // Then the last few bytes, so not even a page is left.
        for (let size = block.length / 2; size >= 1; size = Math.floor(size / 2)) {
          try {
            while (writeSync(fd, block.subarray(0, size)) === size);
          } catch {
            /* next smaller size */
          }
        }
        return path;
      }
    }
  } finally {
    closeSync(fd);
  }
}

test(
  'a full disk for the data dir: storage-full, logged once, nothing corrupted, works again when space returns',
  { timeout: 60_000 },
  async (t) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'directord-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      rmdirSync(mountPoint);
      t.skip('cannot mount a tmpfs here (needs root): the full-disk case was not run');
      return;
    }
    const lines: string[] = [];
    const log = createLogger('directord:server', (line) => void lines.push(line), 'info');
    const dataDir = join(mountPoint, 'data');
    const ts = await startTestServer({ log, heartbeatIntervalMs: 1000 }, dataDir);
    const ui = await connectUi(ts.server);
    const agent = new FakeAgent(ts.server, 'd1');
    let filler = '';
    t.after(async () => {
      agent.close();
      ui.close();
      await ts.server.close().catch(() => {});
      try {
        execFileSync('umount', [mountPoint], { stdio: 'ignore' });
      } catch {
        /* best effort */
      }
      rmSync(mountPoint, { recursive: true, force: true });
    });
    await agent.start();
    const submission = (text: string): RunSubmission => ({
      kind: 'exec',
      entries: [{ jobs: [{ verb: 'RUN', text }] }],
      targets: ['d1'],
      sourceText: 'x'.repeat(512 * 1024),
    });

    // A job before the disk fills, so the agent has something to report while it is full.
    const first = await request(ui.emitWithAck('runs:submit', submission('echo before')));
    const [job] = await agent.waitForJobs(1);
    assert.ok(job && job.jobId === first.jobs[0]?.jobId);

    await eventually('the dispatch recorded', async () =>
      (await request(ui.emitWithAck('jobs:get', job.jobId))).targets[0]?.state === 'dispatched' ? true : undefined,
    );
    filler = fill(mountPoint);
    assert.ok(statfsSync(mountPoint).bavail * statfsSync(mountPoint).bsize < 4096, 'the file system is full');

    const refused = await withTimeout(ui.emitWithAck('runs:submit', submission('echo while-full')), 10_000, 'submit while full');
    assert.equal(refused.ok, false);
    if (!refused.ok) {
      assert.equal(refused.error.code, 'storage-full');
      assert.equal(
        refused.error.message,
        `the server's data dir ${dataDir} is full: the submission was not stored; free some space there (or lower --retention-max-mb) and try again`,
      );
    }
    agent.heartbeat();
    const now = Date.now();
    const results = [
      { type: 'started' as const, jobId: job.jobId, at: now },
      { type: 'output' as const, jobId: job.jobId, stream: 'stdout' as const, seq: 0, data: 'y'.repeat(256 * 1024) },
      {
        type: 'finished' as const,
        jobId: job.jobId,
        outcome: 'succeeded' as const,
        info: 'task finished',
        exitCode: 0,
        executionTime: 0.1,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 1,
        stderrChunks: 0,
      },
    ];
    const batchRefused = await agent.send(results, 1);
    assert.equal(batchRefused.ok, false);
    if (!batchRefused.ok) assert.equal(batchRefused.error.code, 'storage-full', batchRefused.error.message);
    // Still serving reads while full.
    assert.equal((await request(ui.emitWithAck('jobs:get', job.jobId))).targets[0]?.state, 'dispatched');
    const again = await withTimeout(ui.emitWithAck('runs:submit', submission('echo still-full')), 10_000, 'second submit while full');
    assert.equal(again.ok ? 'stored' : again.error.code, 'storage-full');
    // An ADD/COPY source uploaded while full: refused the same way (it is a file write, ENOSPC).
    const blob = Buffer.alloc(200 * 1024, 7);
    const put = await withTimeout(
      ui.emitWithAck('blobs:put', { sha: sha3_224Hex(blob), size: blob.length, offset: 0, content: blob.toString('base64') }),
      10_000,
      'blobs:put while full',
    );
    assert.equal(put.ok ? 'stored' : put.error.code, 'storage-full');
    // One ERROR for the episode (not one per refused submission or batch); other refused requests
    // get a WARN each.
    const fullLines = lines.filter((l) => l.includes(' ERROR ') && l.includes('the data dir is full'));
    assert.equal(fullLines.length, 1, `logged once per episode:\n${fullLines.join('')}`);
    assert.ok(
      lines.some((l) => l.includes(' WARN ') && l.includes('request refused: the data dir is full') && l.includes('"event":"blobs:put"')),
    );

    // Space returns: the agent's resent batch and a new submission are stored.
    unlinkSync(filler);
    const resent = await agent.send(results, 1);
    assert.deepEqual(resent, { ok: true, value: { applied: 3 } });
    const stored = await withTimeout(ui.emitWithAck('runs:submit', submission('echo after')), 10_000, 'submit after');
    assert.equal(stored.ok, true, JSON.stringify(stored));
    const record = await request(ui.emitWithAck('jobs:get', job.jobId));
    assert.equal(record.targets[0]?.state, 'succeeded');
    assert.ok(
      lines.some((l) => l.includes('the data dir accepts writes again')),
      'recovery logged',
    );

    await ts.server.close();
    const db = new Database(join(dataDir, 'directord.db'), { readonly: true });
    try {
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      assert.deepEqual(
        db.prepare('SELECT text FROM jobs ORDER BY seq').all(),
        [{ text: 'echo before' }, { text: 'echo after' }],
        'the refused submissions left nothing',
      );
    } finally {
      db.close();
    }
  },
);
