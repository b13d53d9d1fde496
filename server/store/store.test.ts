/**
 * The store seam: SQL stays in server/store/sqlite/ (only server/index.ts opens that store), and a
 * unit of work commits all of its writes or none (a real SQLite file).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../protocol/log.js';
import type { TargetRecord } from '../../protocol/records.js';
import { openSqliteStore } from './sqlite/index.js';
import type { NewJob, NewRun } from './types.js';

const SERVER = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the store seam', () => {
  test('SQL and better-sqlite3 only in server/store/sqlite/; only server/index.ts opens it', () => {
    const offenders: string[] = [];
    for (const path of sources(SERVER)) {
      const rel = relative(SERVER, path).split('\\').join('/');
      if (rel.startsWith('store/sqlite/') || rel.startsWith('testing/')) continue;
      const text = readFileSync(path, 'utf8');
      if (/from ['"]better-sqlite3['"]/.test(text) || /\.prepare(<[^>]*>)?\(/.test(text) || /\.pragma\(/.test(text))
        offenders.push(`${rel}: SQL outside the store`);
      if (rel !== 'index.ts' && /from ['"][./]*\/?store\/sqlite\//.test(text))
        offenders.push(`${rel}: imports the SQLite store (use store/types.ts)`);
    }
    assert.deepEqual(offenders, []);
  });

  describe('Store.transaction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'directord-store-'));
    const store = openSqliteStore({ path: join(dir, 'directord.db'), log: silentLogger });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const now = Date.now();
    const run = (runId: string): NewRun => ({
      runId,
      kind: 'exec',
      source: null,
      sourceText: null,
      requestedBy: 'test',
      createdAt: now,
      rerunOf: null,
      partOf: null,
      title: null,
      jobCount: 1,
      targets: ['a1'],
      verbs: ['RUN'],
      submission: '{}',
    });
    const target: TargetRecord = {
      target: 'a1',
      state: 'queued',
      info: null,
      exitCode: null,
      cached: false,
      queuedAt: now,
      dispatchedAt: null,
      startedAt: null,
      finishedAt: null,
      executionTime: null,
      roundtripTime: null,
      stdoutBytes: 0,
      stderrBytes: 0,
      truncated: false,
    };
    const job = (runId: string, seq: number): NewJob => ({
      seq,
      job: {
        jobId: `${runId}-job`,
        runId,
        parentId: `${runId}-job`,
        verb: 'RUN',
        args: { command: 'true' },
        sha: 'sha',
        timeout: 600,
        skipCache: false,
        parentAsync: false,
      },
      parentSha: null,
      text: 'true',
      runOnce: false,
      createdAt: now,
      skippedReason: null,
      targets: [target],
    });

    test('a body that throws rolls back every write and rejects', async () => {
      await assert.rejects(
        store.transaction((tx) => {
          tx.jobs.insertSubmission(run('r-bad'), [job('r-bad', 1)]);
          assert.equal(tx.jobs.insertChunk('r-bad-job', 'a1', 'stdout', 0, 'x'), true);
          throw new Error('the turn failed');
        }),
        /the turn failed/,
      );
      assert.equal(await store.history.getRun('r-bad'), undefined);
      assert.equal(await store.history.getJob('r-bad-job'), undefined);
    });

    test('a body that returns commits everything; output is idempotent by seq', async () => {
      const value = await store.transaction((tx) => {
        tx.jobs.insertSubmission(run('r-ok'), [job('r-ok', 1)]);
        return [
          tx.jobs.insertChunk('r-ok-job', 'a1', 'stdout', 0, 'hello\n'),
          tx.jobs.insertChunk('r-ok-job', 'a1', 'stdout', 0, 'again\n'),
        ];
      });
      assert.deepEqual(value, [true, false]);
      assert.equal((await store.history.getRun('r-ok'))?.status, 'running');
      assert.deepEqual(await store.history.output('r-ok-job', 'a1'), [{ stream: 'stdout', data: 'hello\n' }]);
      assert.equal(await store.jobs.nextSeq(), 2);
      assert.deepEqual(
        (await store.jobs.loadOpen()).jobs.map((j) => j.job_id),
        ['r-ok-job'],
      );
    });
  });
  describe('schedule fire times (issue #19)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'directord-store-fire-'));
    const store = openSqliteStore({ path: join(dir, 'directord.db'), log: silentLogger });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const now = Date.now();
    const run = (runId: string): NewRun => ({
      runId,
      kind: 'exec',
      source: null,
      sourceText: null,
      requestedBy: 'schedule:nightly',
      createdAt: now,
      rerunOf: null,
      partOf: null,
      title: null,
      jobCount: 1,
      targets: ['a1'],
      verbs: ['RUN'],
      submission: '{}',
    });
    const job = (runId: string, seq: number): NewJob => ({
      seq,
      job: {
        jobId: `${runId}-job`,
        runId,
        parentId: `${runId}-job`,
        verb: 'RUN',
        args: { command: 'true' },
        sha: 'sha',
        timeout: 600,
        skipCache: false,
        parentAsync: false,
      },
      parentSha: null,
      text: 'true',
      runOnce: false,
      createdAt: now,
      skippedReason: null,
      targets: [],
    });
    let seq = 0;
    test('a schedule fire time commits once with its run; a second commit of it changes nothing (issue #19)', async () => {
      const row = {
        id: 's1',
        name: 'nightly',
        cron: '* * * * *',
        tz: null,
        libraryId: null,
        file: 'f.yaml',
        fileText: '- jobs: []',
        target: null,
        vars: {},
        misfire: 'skip' as const,
        overlap: 'allow' as const,
        enabled: true,
        createdAt: now,
        lastFiredAt: null,
        lastRunId: null,
        queuedAt: null,
      };
      assert.equal(await store.schedules.insert(row), true);
      assert.equal(await store.schedules.insert({ ...row, id: 's2' }), false, 'names are unique');
      const fire = (runId: string, at: number) =>
        store.transaction((tx) => {
          tx.jobs.insertSubmission(run(runId), [job(runId, ++seq)]);
          if (!tx.schedules.markFired('s1', at, runId, null)) throw new Error('already fired');
        });
      await fire('r-fire-1', 1000);
      await assert.rejects(fire('r-fire-2', 1000), /already fired/);
      await assert.rejects(fire('r-fire-0', 999), /already fired/, 'an older fire time neither');
      assert.equal(await store.history.getRun('r-fire-2'), undefined, 'the duplicate run was rolled back');
      assert.equal((await store.schedules.byName('nightly'))?.lastRunId, 'r-fire-1');
      await fire('r-fire-3', 2000);
      assert.equal((await store.schedules.byName('nightly'))?.lastFiredAt, 2000);
    });
  });
});
