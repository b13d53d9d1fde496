/**
 * Micro-measurement for the store seam's worker-thread question (issue #14, not the bench): the
 * job path's write pattern — RESULTS target results in transactions of BATCH (one target update
 * and one output chunk each) — on the real schema, once on the event loop (better-sqlite3 as the
 * SQLite store uses it) and once in a worker thread (each batch posted as data, committed there,
 * answered). Prints the median wall time of both and the longest the main thread was blocked
 * per batch. Run: node --import tsx scripts/measure-worker.ts [RESULTS] [BATCH] [ROUNDS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { silentLogger } from '../protocol/log.js';
import type { TargetRecord } from '../protocol/records.js';
import { createJobsSql } from '../server/store/sqlite/jobs.sqlite.js';
import { migrate } from '../server/store/sqlite/migrate.js';
import { migrations } from '../server/store/sqlite/migrations/index.js';
import { openDb, type Db } from '../server/store/sqlite/open.js';
import type { TargetWrite } from '../server/store/types.js';

type Batch = { targets: TargetWrite[]; chunks: Array<[string, string, number, string]> };

const RESULTS = Number(process.argv[2] ?? 6000);
const BATCH = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 5);

function record(target: string, state: TargetRecord['state'], now: number): TargetRecord {
  return {
    target,
    state,
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
}

/** One run of RESULTS jobs on one target, stored queued. */
function seed(db: Db): string[] {
  const { writes } = createJobsSql(db);
  const now = Date.now();
  const ids = Array.from({ length: RESULTS }, (_, i) => `job-${i}`);
  db.transaction(() => {
    writes.insertSubmission(
      {
        runId: 'run-1',
        kind: 'exec',
        source: null,
        sourceText: null,
        requestedBy: 'measure',
        createdAt: now,
        rerunOf: null,
        partOf: null,
        title: null,
        jobCount: RESULTS,
        targets: ['m0'],
        verbs: ['RUN'],
        submission: '{}',
      },
      ids.map((jobId, i) => ({
        seq: i + 1,
        job: {
          jobId,
          runId: 'run-1',
          parentId: jobId,
          verb: 'RUN',
          args: { command: 'true' },
          sha: 'x',
          timeout: 600,
          skipCache: false,
          parentAsync: false,
        },
        parentSha: null,
        text: 'true',
        runOnce: false,
        createdAt: now,
        skippedReason: null,
        targets: [record('m0', 'queued', now)],
      })),
    );
  })();
  return ids;
}

function batches(ids: readonly string[]): Batch[] {
  const now = Date.now();
  const out: Batch[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const slice = ids.slice(i, i + BATCH);
    out.push({
      targets: slice.map((jobId) => ({
        ...record('m0', 'succeeded', now),
        jobId,
        exitCode: 0,
        info: 'ok',
        finishedAt: now,
        stdoutBytes: 12,
      })),
      chunks: slice.map((jobId) => [jobId, 'm0', 0, `ran ${jobId}\n`]),
    });
  }
  return out;
}

function writer(db: Db): (b: Batch) => void {
  const { writes } = createJobsSql(db);
  return db.transaction((b: Batch) => {
    for (const [jobId, target, seq, data] of b.chunks) writes.insertChunk(jobId, target, 'stdout', seq, data);
    for (const t of b.targets) writes.updateTarget(t);
  });
}

function fresh(dir: string, name: string): Db {
  const db = openDb(join(dir, name));
  migrate(db, migrations, silentLogger);
  return db;
}

if (!isMainThread) {
  const db = openDb(workerData as string);
  const write = writer(db);
  parentPort?.on('message', (b: Batch | 'close') => {
    if (b === 'close') {
      db.close();
      parentPort?.postMessage('closed');
      return;
    }
    write(b);
    parentPort?.postMessage('ok');
  });
  parentPort?.postMessage('ready');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'directord-measure-worker-'));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const inProcess: number[] = [];
  const inWorker: number[] = [];
  const blockedIn: number[] = [];
  const blockedWorker: number[] = [];
  try {
    for (let r = 0; r < ROUNDS + 1; r++) {
      // On the event loop: each batch one transaction, awaited as the store's async interface is.
      {
        const db = fresh(dir, `in-${r}.db`);
        const work = batches(seed(db));
        const write = writer(db);
        let blocked = 0;
        const t0 = performance.now();
        for (const b of work) {
          const s = performance.now();
          await Promise.resolve(write(b));
          blocked = Math.max(blocked, performance.now() - s);
        }
        if (r > 0) {
          inProcess.push(performance.now() - t0);
          blockedIn.push(blocked);
        }
        db.close();
      }
      // In a worker: the batch is posted (structured clone), committed there, answered.
      {
        const path = join(dir, `worker-${r}.db`);
        const db = fresh(dir, `worker-${r}.db`);
        const work = batches(seed(db));
        db.close();
        // tsx's loader does not reach a worker through execArgv on Node 20: register it there first.
        const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
        const worker = new Worker(boot, { eval: true, workerData: path });
        const answers: Array<() => void> = [];
        worker.on('message', () => answers.shift()?.());
        // The worker's start (loading modules, opening the file) is not timed.
        await new Promise<void>((resolve) => answers.push(resolve));
        const send = (b: Batch | 'close') => new Promise<void>((resolve) => (answers.push(resolve), worker.postMessage(b)));
        let blocked = 0;
        const t0 = performance.now();
        for (const b of work) {
          const s = performance.now();
          const answered = send(b);
          blocked = Math.max(blocked, performance.now() - s);
          await answered;
        }
        if (r > 0) {
          inWorker.push(performance.now() - t0);
          blockedWorker.push(blocked);
        }
        await send('close');
        await worker.terminate();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      results: RESULTS,
      batch: BATCH,
      rounds: ROUNDS,
      eventLoop: { medianMs: round(median(inProcess)), longestBlockMs: round(median(blockedIn)) },
      worker: { medianMs: round(median(inWorker)), longestBlockMs: round(median(blockedWorker)) },
    }),
  );
}
