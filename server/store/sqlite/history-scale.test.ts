/**
 * Issue #15 on a real SQLite file: every list and search statement is served by an index (no full
 * scan of targets or output), the precomputed counts equal a recount through every kind of target
 * change (also after a SIGKILL mid-write and after the migration rebuilt them), keyset pages have
 * no gaps or repeats while new runs arrive, and output search reads tricky text right.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../protocol/log.js';
import { createHistoryService } from '../../history/history.service.js';
import type { Store } from '../types.js';
import { createHistorySql } from './history.sqlite.js';
import { openSqliteStore } from './index.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { openDb, type Db } from './open.js';
import { fillHistory, newJob, newRun, target } from './testing/history-fill.js';

const dir = mkdtempSync(join(tmpdir(), 'directord-history-scale-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Counts recomputed from the target rows; each row is [key, ...values]. */
function recount(db: Db): { jobs: unknown[]; hosts: unknown[] } {
  const jobs = db
    .prepare(
      `SELECT j.job_id, j.n_targets, j.n_open, j.n_ok, j.n_failed, j.n_cancelled, round(j.ex_sum, 6) AS ex, j.ex_n, round(j.rt_sum, 6) AS rt, j.rt_n,
              (SELECT COUNT(*) FROM targets t WHERE t.job_id = j.job_id) AS c_targets,
              (SELECT COUNT(*) FROM targets t WHERE t.job_id = j.job_id AND t.state IN ('queued','dispatched','running')) AS c_open,
              (SELECT COUNT(*) FROM targets t WHERE t.job_id = j.job_id AND t.state = 'succeeded') AS c_ok,
              (SELECT COUNT(*) FROM targets t WHERE t.job_id = j.job_id AND t.state IN ('failed','timed-out','lost')) AS c_failed,
              (SELECT COUNT(*) FROM targets t WHERE t.job_id = j.job_id AND t.state = 'cancelled') AS c_cancelled,
              (SELECT round(coalesce(SUM(execution_time), 0), 6) FROM targets t WHERE t.job_id = j.job_id) AS c_ex,
              (SELECT COUNT(execution_time) FROM targets t WHERE t.job_id = j.job_id) AS c_ex_n,
              (SELECT round(coalesce(SUM(roundtrip_time), 0), 6) FROM targets t WHERE t.job_id = j.job_id) AS c_rt,
              (SELECT COUNT(roundtrip_time) FROM targets t WHERE t.job_id = j.job_id) AS c_rt_n
       FROM jobs j ORDER BY j.seq`,
    )
    .all();
  const hosts = db
    .prepare(
      `SELECT h.target, h.run_id, h.n_targets, h.n_open, h.n_ok, h.n_failed, h.n_cancelled,
              COUNT(t.job_id) AS c_targets, coalesce(SUM(t.state IN ('queued','dispatched','running')), 0) AS c_open, coalesce(SUM(t.state = 'succeeded'), 0) AS c_ok,
              coalesce(SUM(t.state IN ('failed','timed-out','lost')), 0) AS c_failed, coalesce(SUM(t.state = 'cancelled'), 0) AS c_cancelled
       FROM host_runs h LEFT JOIN targets t ON t.target = h.target AND t.run_id = h.run_id GROUP BY h.target, h.run_id`,
    )
    .all();
  const missing = db
    .prepare(
      'SELECT DISTINCT target, run_id FROM targets t WHERE NOT EXISTS (SELECT 1 FROM host_runs h WHERE h.target = t.target AND h.run_id = t.run_id)',
    )
    .all();
  assert.deepEqual(missing, [], 'every (host, run) with targets has its counts row');
  return { jobs, hosts };
}

function assertCountsExact(db: Db): number {
  const { jobs, hosts } = recount(db);
  const bad: unknown[] = [];
  for (const r of jobs as Array<Record<string, number>>) {
    for (const k of ['targets', 'open', 'ok', 'failed', 'cancelled', 'ex_n', 'rt_n'])
      if (r[`n_${k}`] ?? r[k] !== r[`c_${k}`])
        if ((r[`n_${k}`] ?? r[k]) !== r[`c_${k}`]) bad.push([r.job_id, k, r[`n_${k}`] ?? r[k], r[`c_${k}`]]);
    if (Math.abs((r.ex ?? 0) - (r.c_ex ?? 0)) > 1e-6 || Math.abs((r.rt ?? 0) - (r.c_rt ?? 0)) > 1e-6)
      bad.push([r.job_id, 'times', r.ex, r.c_ex, r.rt, r.c_rt]);
  }
  for (const r of hosts as Array<Record<string, number>>) {
    for (const k of ['targets', 'open', 'ok', 'failed', 'cancelled'])
      if (r[`n_${k}`] !== r[`c_${k}`]) bad.push([r.target, r.run_id, k, r[`n_${k}`], r[`c_${k}`]]);
  }
  assert.deepEqual(bad, [], 'precomputed counts equal a recount');
  return jobs.length;
}

describe('query plans', () => {
  const db = openDb(join(dir, 'plans.db'));
  migrate(db, migrations, silentLogger);
  after(() => db.close());
  const history = createHistorySql(db);

  test('every list and search statement is served by an index: no full scan of targets or output', () => {
    const scans: string[] = [];
    for (const [name, statement] of Object.entries(history.perRequest)) {
      const source = statement.source;
      const named = [...source.matchAll(/@(\w+)/g)].map((m) => m[1]!);
      const explain = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${source}`);
      const rows = named.length
        ? explain.all(Object.fromEntries(named.map((k) => [k, k === 'fts' ? 'x' : null])))
        : explain.all(...Array<null>((source.match(/\?/g) ?? []).length).fill(null));
      const plan = rows.map((r) => r.detail);
      // A full scan reads as `SCAN <table>` without an index; `SCAN x USING INDEX` walks an index in order (keyset).
      for (const step of plan)
        if (/^SCAN (targets|output|t|o|h|host_runs|jobs|j)\b(?! USING)/.test(step) || /^SCAN (targets|output|t|o)\b/.test(step))
          scans.push(`${name}: ${step}`);
      if (name === 'searchOutput') assert.match(plan.join(' | '), /VIRTUAL TABLE INDEX \d+:M/, 'search goes through the FTS index');
    }
    assert.deepEqual(scans, []);
    assert.ok(Object.keys(history.perRequest).length >= 20, 'the statements are all listed');
  });
});

describe('precomputed counts', () => {
  const path = join(dir, 'counts.db');
  let store: Store;
  let db: Db;
  test('stay exact through dispatch, retries, late results, lost and cancelled targets', async () => {
    store = openSqliteStore({ path, log: silentLogger });
    db = openDb(path);
    const hosts = ['h1', 'h2', 'h3'];
    const at = 1_700_000_000_000;
    const jobs = [newJob('c1', 'c1-a', 1, at, hosts), newJob('c1', 'c1-b', 2, at, hosts)];
    await store.transaction((tx) => tx.jobs.insertSubmission(newRun('c1', at, hosts, 2), jobs));
    assertCountsExact(db);
    const set = (jobId: string, host: string, state: Parameters<typeof target>[2], extra = {}) =>
      store.transaction((tx) => tx.jobs.updateTarget({ ...target(host, at, state, extra), jobId }));
    await set('c1-a', 'h1', 'dispatched');
    await set('c1-a', 'h1', 'running', { startedAt: at + 1 });
    await set('c1-a', 'h1', 'succeeded', { finishedAt: at + 2, executionTime: 0.25, roundtripTime: 0.5 });
    // The same result again (an agent's resend) changes nothing.
    await set('c1-a', 'h1', 'succeeded', { finishedAt: at + 2, executionTime: 0.25, roundtripTime: 0.5 });
    await set('c1-a', 'h2', 'running');
    await set('c1-a', 'h2', 'lost', { finishedAt: at + 3 });
    // A late result replaces lost once.
    await set('c1-a', 'h2', 'failed', { finishedAt: at + 4, executionTime: 1.5, roundtripTime: 2 });
    await set('c1-a', 'h3', 'cancelled');
    await set('c1-b', 'h1', 'timed-out', { executionTime: 600 });
    // A retry goes back to queued and runs again.
    await set('c1-b', 'h1', 'queued');
    await set('c1-b', 'h1', 'succeeded', { executionTime: 0.1 });
    // A failed transaction leaves the counts as they were.
    await assert.rejects(
      store.transaction((tx) => {
        tx.jobs.updateTarget({ ...target('h2', at, 'succeeded'), jobId: 'c1-b' });
        throw new Error('turn failed');
      }),
    );
    assertCountsExact(db);
    const row = db
      .prepare<[], Record<string, number>>("SELECT n_targets, n_open, n_ok, n_failed, n_cancelled, ex_n FROM jobs WHERE job_id = 'c1-a'")
      .get();
    assert.deepEqual({ ...row }, { n_targets: 3, n_open: 0, n_ok: 1, n_failed: 1, n_cancelled: 1, ex_n: 2 });
    const page = await createHistoryService({ repo: store.history, liveRun: () => undefined }).pageJobs(undefined, 10, undefined);
    assert.ok(page.ok);
    const a = page.value.jobs.find((j) => j.jobId === 'c1-a');
    assert.deepEqual(a?.counts, {
      targets: 3,
      open: 0,
      succeeded: 1,
      failed: 1,
      cancelled: 1,
      executionTime: (0.25 + 1.5) / 2,
      roundtripTime: (0.5 + 2) / 2,
    });
    const host = await createHistoryService({ repo: store.history, liveRun: () => undefined }).hostHistory({ target: 'h2' });
    assert.deepEqual(
      host.runs.map((r) => [r.runId, r.targets, r.open, r.succeeded, r.failed]),
      [['c1', 2, 1, 0, 1]],
    );
    await store.close();
    db.close();
  });

  test('stay exact after the server is SIGKILLed in the middle of writing', async () => {
    const killed = join(dir, 'killed.db');
    const writer = fileURLToPath(new URL('./testing/history-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, killed], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Kill once it has committed a good number of turns and is mid-loop.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the writer did not start writing in 20 s')), 20_000);
      let seen = '';
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (/turn 30\b/.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const reopened = openSqliteStore({ path: killed, log: silentLogger });
    const raw = openDb(killed);
    try {
      assert.ok(assertCountsExact(raw) > 0, 'jobs were written before the kill');
    } finally {
      raw.close();
      await reopened.close();
    }
  });

  test('the migration rebuilds counts and the output index for data stored before it', async () => {
    const old = join(dir, 'old.db');
    let raw = openDb(old);
    migrate(raw, migrations.slice(0, 6), silentLogger);
    raw.exec(`INSERT INTO runs (run_id, kind, source, source_text, requested_by, created_at, finished_at, status, rerun_of, job_count, target_list, verb_list, counts, submission)
        VALUES ('o1', 'exec', NULL, NULL, 't', 5, 9, 'failed', NULL, 1, '["x","y"]', '["RUN"]', '{}', '{}');
      INSERT INTO jobs (job_id, seq, run_id, parent_id, verb, sha, text, args, timeout, run_once, skip_cache, parent_async, created_at, updated_at)
        VALUES ('o1-j', 1, 'o1', 'o1-j', 'RUN', 's', 'df', '{}', 600, 0, 0, 0, 5, 9);
      INSERT INTO targets (job_id, target, run_id, state, queued_at, execution_time) VALUES ('o1-j', 'x', 'o1', 'succeeded', 5, 0.5), ('o1-j', 'y', 'o1', 'failed', 5, NULL);
      INSERT INTO output (job_id, target, stream, seq, data) VALUES ('o1-j', 'y', 'stderr', 0, 'write error: No space left on device\n');`);
    raw.close();
    const store = openSqliteStore({ path: old, log: silentLogger });
    raw = openDb(old);
    try {
      assert.equal(store.migration.applied[0], '0007-history-scale');
      assertCountsExact(raw);
      const found = await createHistoryService({ repo: store.history, liveRun: () => undefined }).searchOutput({ text: '"no space left"' });
      assert.ok(found.ok);
      assert.deepEqual(
        found.value.hits.map((h) => [h.jobId, h.target, h.stream, h.line]),
        [['o1-j', 'y', 'stderr', 1]],
      );
    } finally {
      raw.close();
      await store.close();
    }
  });
});

describe('keyset pages', () => {
  test('no gaps or repeats while new runs and jobs arrive (runs created in the same millisecond included)', async () => {
    const store = openSqliteStore({ path: join(dir, 'pages.db'), log: silentLogger });
    const history = createHistoryService({ repo: store.history, liveRun: () => undefined });
    try {
      const at = 1_700_000_000_000;
      let seq = 1;
      // 30 runs, three per millisecond, one job each on two hosts.
      for (let r = 0; r < 30; r++) {
        const runId = `k-${String(r).padStart(2, '0')}`;
        await store.transaction((tx) =>
          tx.jobs.insertSubmission(newRun(runId, at + Math.floor(r / 3), ['a', 'b'], 1), [
            newJob(runId, `${runId}-j`, seq++, at + Math.floor(r / 3), ['a', 'b']),
          ]),
        );
      }
      const seenRuns: string[] = [];
      const seenHostRuns: string[] = [];
      const seenJobs: string[] = [];
      let cursor: { before: number; beforeRun: string } | undefined;
      let hostCursor: { before: number; beforeRun: string } | null | undefined;
      let jobCursor: string | null | undefined;
      for (let page = 0; page < 20; page++) {
        // A new run arrives between every two pages.
        const runId = `n-${page}`;
        await store.transaction((tx) =>
          tx.jobs.insertSubmission(newRun(runId, at + 1000 + page, ['a', 'b'], 1), [
            newJob(runId, `${runId}-j`, seq++, at + 1000 + page, ['a', 'b']),
          ]),
        );
        const runs = await history.listRuns({ limit: 4, ...(cursor ?? { before: at + 1000 }) });
        if (runs.length) {
          seenRuns.push(...runs.map((r) => r.runId));
          const last = runs[runs.length - 1]!;
          cursor = { before: last.createdAt, beforeRun: last.runId };
        }
        if (hostCursor !== null) {
          const h = await history.hostHistory({ target: 'a', limit: 7, ...(hostCursor ?? { before: at + 1000 }) });
          seenHostRuns.push(...h.runs.map((r) => r.runId));
          hostCursor = h.next;
        }
        if (jobCursor !== null) {
          const first = jobCursor === undefined;
          const j = await history.pageJobs(undefined, 5, jobCursor ?? 'k-29-j');
          assert.ok(j.ok);
          if (first) seenJobs.push('k-29-j');
          seenJobs.push(...j.value.jobs.map((x) => x.jobId));
          jobCursor = j.value.next;
        }
      }
      const expected = Array.from({ length: 30 }, (_, r) => `k-${String(29 - r).padStart(2, '0')}`);
      assert.deepEqual(seenRuns, expected, 'runs: every one once, newest first');
      assert.deepEqual(seenHostRuns, expected, "a host's runs: every one once, newest first");
      assert.deepEqual(
        seenJobs,
        expected.map((r) => `${r}-j`),
        'jobs: every one once, newest first',
      );
      const gone = await history.pageJobs(undefined, 5, 'no-such-job');
      assert.equal(gone.ok, false);
    } finally {
      await store.close();
    }
  });
});

describe('output search', () => {
  const store = openSqliteStore({ path: join(dir, 'search.db'), log: silentLogger });
  const history = createHistoryService({ repo: store.history, liveRun: () => undefined });
  after(() => store.close());
  const long = `${'x'.repeat(300_000)} needle-in-a-long-line ${'y'.repeat(10)}`;
  const corpus: Record<string, string> = {
    h1: 'starting\nwrite /var/tmp/a: No space left on device\ndone\n',
    h2: "\u001b[31mERROR\u001b[0m: disk \u001b[1mfull\u001b[0m\nsaid \"it's fine\" to the 'operator'\n",
    h3: 'Café crème — naïve résumé\n日本語のテキスト\nemoji 🚀 launch\n',
    h4: long + '\nlast\n',
    'web-1': 'No space here; left over on the device\n',
  };
  test('stored output is searchable by word, phrase and prefix, with host, verb and time filters', async () => {
    const at = Date.now() - 1000;
    await fillHistory(store, {
      runs: 1,
      jobsPerRun: 1,
      hosts: Object.keys(corpus),
      startSeq: 1,
      startAt: at,
      output: (_r, _j, h) => corpus[h] ?? null,
      prefix: 's',
    });
    const search = async (text: string, more = {}) => {
      const r = await history.searchOutput({ text, ...more });
      assert.ok(r.ok, `search ${text}: ${r.ok ? '' : r.error.message}`);
      return r.value.hits.map((h) => `${h.target}:${h.line}`).sort();
    };
    assert.deepEqual(await search('"No space left on device"'), ['h1:2'], 'a phrase matches in order only');
    assert.deepEqual(await search('no space left'), ['h1:2', 'web-1:1'], 'words match in any order');
    assert.deepEqual(await search('"no space left"', { host: 'web-*' }), []);
    assert.deepEqual(await search('space', { host: 'web-*' }), ['web-1:1']);
    assert.deepEqual(await search('ERROR full'), ['h2:1'], 'ANSI colour codes are not part of words');
    assert.deepEqual(await search('"it\'s fine"'), ['h2:2'], 'quotes inside text');
    assert.deepEqual(await search("'operator'"), ['h2:2']);
    assert.deepEqual(await search('cafe resume'), ['h3:1'], 'accents do not matter');
    assert.deepEqual(await search('CRÈME'), ['h3:1'], 'case does not matter');
    assert.deepEqual(await search('日本語のテキスト'), ['h3:2']);
    assert.deepEqual(await search('launch'), ['h3:3']);
    assert.deepEqual(await search('needle'), ['h4:1'], 'a 300 kB line');
    assert.deepEqual(await search('laun*'), ['h3:3'], 'a prefix');
    assert.deepEqual(await search('"left on dev"*'), ['h1:2'], 'a phrase with a prefix');
    assert.deepEqual(await search('space', { verb: 'RUN' }), ['h1:2', 'web-1:1']);
    assert.deepEqual(await search('space', { verb: 'ECHO' }), []);
    assert.deepEqual(await search('space', { since: Date.now() + 60_000 }), []);
    const hit = (await history.searchOutput({ text: 'needle' })).ok ? await history.searchOutput({ text: 'needle' }) : null;
    assert.ok(hit?.ok && hit.value.hits[0]!.text.length <= 2001, 'a hit line is cut for display');
  });
  test('a query that cannot be read is a clear error, never FTS5 syntax', async () => {
    for (const [text, why] of [
      ['"unclosed phrase', /unclosed quote/],
      ['*** --- ()', /nothing to search for/],
      ['NEAR(a b) OR col:x AND -y ^z', null],
    ] as const) {
      const r = await history.searchOutput({ text });
      if (why === null) {
        assert.ok(r.ok, 'FTS5 operators in the text are words, not syntax');
        continue;
      }
      assert.equal(r.ok, false);
      assert.equal(r.ok ? '' : r.error.code, 'invalid-payload');
      assert.match(r.ok ? '' : r.error.message, why);
      assert.doesNotMatch(r.ok ? '' : r.error.message, /fts5|syntax error/i);
    }
  });
  test('the index shrinks with retention and purge', async () => {
    const before = await history.searchOutput({ text: 'space' });
    assert.ok(before.ok && before.value.hits.length > 0);
    await store.jobs.purgeSettled();
    const afterPurge = await history.searchOutput({ text: 'space' });
    assert.deepEqual(afterPurge.ok && afterPurge.value.hits, []);
  });
});

describe('retention at scale', () => {
  test(
    'deletes in chunks bounded by target rows, the output index shrinks with it, and the file stops growing',
    { timeout: 120_000 },
    async () => {
      const path = join(dir, 'retention.db');
      const store = openSqliteStore({ path, log: silentLogger });
      const history = createHistoryService({ repo: store.history, liveRun: () => undefined });
      const hosts = Array.from({ length: 300 }, (_, i) => `r${i}`);
      const DAY = 86_400_000;
      const { createRetention } = await import('../../history/retention.js');
      const retention = createRetention({
        store: store.retention,
        options: { retentionDays: 1 },
        clock: () => Date.now(),
        log: silentLogger,
      });
      const fileMb = () => (statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0)) / 1e6;
      try {
        let seq = 1;
        const sizes: number[] = [];
        for (let cycle = 0; cycle < 3; cycle++) {
          seq = await fillHistory(store, {
            runs: 4,
            jobsPerRun: 10,
            hosts,
            startSeq: seq,
            startAt: Date.now() - 10 * DAY,
            prefix: `old${cycle}`,
            output: (r, j, h) => `cycle ${cycle} run ${r} job ${j} host ${h} disk full\n`.repeat(3),
            failEvery: 97,
          });
          const found = await history.searchOutput({ text: `"cycle ${cycle}" disk` });
          assert.ok(found.ok && found.value.hits.length > 0);
          const report = await retention.prune();
          assert.equal(report.runs, 4);
          assert.equal(report.jobs, 40);
          // 12,000 targets in chunks of at most 1,000: at least 12 (200 jobs per chunk would have been 4 runs in 4).
          assert.ok(report.chunks >= 12, `chunks: ${report.chunks}`);
          const gone = await history.searchOutput({ text: `"cycle ${cycle}" disk` });
          assert.deepEqual(gone.ok && gone.value.hits, [], 'the index forgot the deleted output');
          sizes.push(fileMb());
          if (process.env.HISTORY_FIGURES)
            process.stderr.write(`retention cycle ${cycle}: ${JSON.stringify(report)} file ${fileMb().toFixed(2)} MB\n`);
        }
        // Freed pages are reused: the second and third fills fit in the space the first left.
        assert.ok(sizes[2]! <= sizes[0]! * 1.1, `file MB after each cycle: ${sizes.map((s) => s.toFixed(2)).join(', ')}`);
      } finally {
        await retention.close();
        await store.close();
      }
    },
  );
});
