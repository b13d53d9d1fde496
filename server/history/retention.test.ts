/**
 * History retention (issue #5): a pass over a large old history deletes settled runs older than
 * `retentionDays` (with jobs, targets, output) in small transactions while a job roundtrip goes
 * on; recent runs and open runs are untouched; `retentionMaxBytes` deletes oldest-first until the
 * database fits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { connectUi, FakeAgent, request, startTestServer } from '../testing/harness.js';

const DAY = 24 * 60 * 60 * 1000;

/** Writes `runs` settled runs of `jobsPerRun` jobs (one target, one 1 KiB output chunk each) created `ageMs` ago. */
function seedHistory(dbPath: string, prefix: string, runs: number, jobsPerRun: number, ageMs: number, status = 'succeeded'): void {
  const db = new Database(dbPath);
  const createdAt = Date.now() - ageMs;
  const run =
    db.prepare(`INSERT INTO runs (run_id, kind, source, source_text, requested_by, created_at, finished_at, status, rerun_of, job_count, target_list, verb_list, counts, submission)
    VALUES (?, 'exec', NULL, NULL, 'seed', ?, ?, ?, NULL, ?, '["old"]', '["RUN"]', '{}', '{}')`);
  const job =
    db.prepare(`INSERT INTO jobs (job_id, seq, run_id, parent_id, verb, sha, text, args, timeout, run_once, skip_cache, parent_async, created_at, updated_at)
    VALUES (?, ?, ?, ?, 'RUN', ?, 'echo seed', '{}', 600, 0, 0, 0, ?, ?)`);
  const target = db.prepare(`INSERT INTO targets (job_id, target, run_id, state, queued_at, finished_at) VALUES (?, 'old', ?, ?, ?, ?)`);
  const output = db.prepare(`INSERT INTO output (job_id, target, stream, seq, data) VALUES (?, 'old', 'stdout', 0, ?)`);
  const chunk = 'o'.repeat(1024);
  let seq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM jobs').get() as { s: number }).s;
  db.transaction(() => {
    for (let r = 0; r < runs; r++) {
      const runId = `${prefix}-run-${r}`;
      run.run(runId, createdAt + r, status === 'running' ? null : createdAt + r + 1, status, jobsPerRun);
      for (let j = 0; j < jobsPerRun; j++) {
        const jobId = `${prefix}-job-${r}-${j}`;
        job.run(jobId, ++seq, runId, runId, 'a'.repeat(56), createdAt + r, createdAt + r);
        target.run(
          jobId,
          runId,
          status === 'running' ? 'queued' : 'succeeded',
          createdAt + r,
          status === 'running' ? null : createdAt + r + 1,
        );
        output.run(jobId, chunk);
      }
    }
  })();
  db.close();
}

const count = (dbPath: string, sql: string): number => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('retention', { timeout: 120_000 }, () => {
  test('a pass over 20 000 old jobs deletes them in small chunks while a job roundtrip completes; recent and open runs stay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'directord-retention-'));
    try {
      const first = await startTestServer({}, dataDir);
      const dbPath = first.server.dbPath;
      await first.server.close();
      seedHistory(dbPath, 'old', 400, 50, 10 * DAY);
      seedHistory(dbPath, 'recent', 5, 4, 2 * 60 * 60 * 1000);
      seedHistory(dbPath, 'open', 1, 3, 10 * DAY, 'running');

      const t = await startTestServer({ retentionDays: 1, retentionIntervalMs: 60 * 60 * 1000 }, dataDir);
      const ui = await connectUi(t.server);
      const agent = new FakeAgent(t.server, 'a1');
      try {
        await agent.start();
        const pruning = t.server.pruneHistory().then((report) => ({ report, at: performance.now() }));
        // A roundtrip while the pass runs: submit, dispatch, results, await.
        const submitted = await request(
          ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'echo during' }] }], targets: ['a1'] }),
        );
        const [job] = await agent.waitForJobs(1);
        assert.ok(job);
        await agent.complete(job);
        const [record] = await request(ui.emitWithAck('jobs:await', { jobIds: [submitted.jobs[0]!.jobId], timeoutMs: 10_000 }));
        const roundtripAt = performance.now();
        assert.equal(record?.targets[0]?.state, 'succeeded');

        const { report, at: prunedAt } = await pruning;
        assert.deepEqual([report.runs, report.jobs], [400, 20_000], JSON.stringify(report));
        assert.ok(report.chunks >= 100, `deleted in ${report.chunks} chunks of at most 200 jobs`);
        assert.ok(roundtripAt < prunedAt, `the roundtrip finished while pruning was still going (${JSON.stringify(report)})`);

        assert.equal(count(dbPath, "SELECT COUNT(*) AS n FROM runs WHERE run_id LIKE 'old-%'"), 0);
        assert.equal(count(dbPath, "SELECT COUNT(*) AS n FROM output WHERE job_id LIKE 'old-%'"), 0);
        assert.equal(count(dbPath, "SELECT COUNT(*) AS n FROM targets WHERE job_id LIKE 'old-%'"), 0);
        assert.equal(count(dbPath, "SELECT COUNT(*) AS n FROM jobs WHERE run_id LIKE 'recent-%'"), 20, 'recent history intact');
        assert.equal(count(dbPath, "SELECT COUNT(*) AS n FROM output WHERE job_id LIKE 'recent-%'"), 20);
        assert.equal(
          count(dbPath, "SELECT COUNT(*) AS n FROM jobs WHERE run_id = 'open-run-0'"),
          3,
          'an open run is never touched, however old',
        );
        const runs = await request(ui.emitWithAck('runs:list', {}));
        assert.ok(
          runs.some((r) => r.runId === submitted.runId),
          'the new run is listed',
        );
      } finally {
        agent.close();
        ui.close();
        await t.server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('retentionMaxBytes deletes the oldest settled runs until the database fits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'directord-retention-'));
    try {
      const first = await startTestServer({}, dataDir);
      const dbPath = first.server.dbPath;
      await first.server.close();
      seedHistory(dbPath, 'a', 100, 20, 3 * DAY);
      seedHistory(dbPath, 'b', 100, 20, 2 * DAY);
      const t = await startTestServer({ retentionMaxBytes: 1024 * 1024, retentionIntervalMs: 60 * 60 * 1000 }, dataDir);
      try {
        const report = await t.server.pruneHistory();
        assert.ok(report.runs > 0 && report.runs < 200, JSON.stringify(report));
        const left = count(dbPath, "SELECT COUNT(*) AS n FROM runs WHERE run_id LIKE 'a-%'");
        const leftB = count(dbPath, "SELECT COUNT(*) AS n FROM runs WHERE run_id LIKE 'b-%'");
        assert.equal(left, 0, 'the oldest went first');
        assert.ok(leftB > 0, 'newer runs kept once it fits');
        const db = new Database(dbPath, { readonly: true });
        const used =
          ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) *
          (db.pragma('page_size', { simple: true }) as number);
        db.close();
        assert.ok(used <= 1024 * 1024, `uses ${used} bytes`);
      } finally {
        await t.server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
