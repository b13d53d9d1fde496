import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { JobEvent, JobEventBatch } from '../../protocol/jobs.js';
import { silentLogger } from '../../protocol/log.js';
import { BUSY_COALESCE_MS, Outbox, STARTED_COALESCE_MS, type SendResult } from './outbox.js';

const root = mkdtempSync(join(tmpdir(), 'dd-outbox-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const started = (i: number): JobEvent => ({ type: 'started', jobId: `job-${i}`, at: i });
const output = (i: number): JobEvent => ({ type: 'output', jobId: `job-${i}`, stream: 'stdout', seq: 0, data: `line ${i}\n` });

describe('outbox', () => {
  test('events pushed in one turn travel in one batch; the next accumulates while one is in flight', async () => {
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger });
    const batches: JobEventBatch[] = [];
    let release: (r: SendResult) => void = () => {};
    box.attach((batch) => {
      batches.push(batch);
      return new Promise((resolve) => (release = resolve));
    });
    for (let i = 0; i < 3; i++) box.push(started(i));
    await tick();
    assert.equal(batches.length, 1);
    assert.equal(batches[0]?.events.length, 3);
    for (let i = 3; i < 6; i++) box.push(started(i));
    await tick();
    assert.equal(batches.length, 1, 'waits for the ack');
    release({ ok: true });
    await tick();
    await tick();
    assert.equal(batches.length, 2);
    assert.deepEqual(
      batches[1]?.events.map((e) => e.jobId),
      ['job-3', 'job-4', 'job-5'],
    );
    release({ ok: true });
    assert.equal(await box.whenDrained(1000), true);
    box.close();
  });

  test('a fresh started waits briefly for its finished (one batch), and leaves alone once the wait is over', async () => {
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger });
    const batches: Array<{ at: number; types: string[] }> = [];
    box.attach(async (batch) => {
      batches.push({ at: Date.now(), types: batch.events.map((e) => e.type) });
      return { ok: true };
    });
    box.push({ type: 'started', jobId: 'fast', at: Date.now() });
    await tick();
    await tick();
    assert.equal(batches.length, 0, 'a batch of only started events is held');
    box.push({
      type: 'finished',
      jobId: 'fast',
      outcome: 'succeeded',
      info: 'ok',
      executionTime: 0,
      startedAt: 0,
      finishedAt: 0,
      stdoutChunks: 0,
      stderrChunks: 0,
    });
    await tick();
    assert.deepEqual(
      batches.map((b) => b.types),
      [['finished']],
      'the result is sent at once; it carries the start, so the started that waited is left out',
    );

    const pushedAt = Date.now();
    box.push({ type: 'started', jobId: 'slow', at: pushedAt });
    assert.equal(await box.whenDrained(2000), true, 'a lone started is sent after the wait');
    assert.equal(batches.length, 2);
    assert.ok(batches[1]!.at - pushedAt >= STARTED_COALESCE_MS - 2, `held ${batches[1]!.at - pushedAt} ms`);
    box.close();
  });

  test('while jobs are queued, results wait briefly to share a batch; the last one goes at once', async () => {
    let queued = true;
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger, moreComing: () => queued });
    const batches: Array<{ at: number; ids: string[] }> = [];
    box.attach(async (batch) => {
      batches.push({ at: Date.now(), ids: batch.events.map((e) => e.jobId) });
      return { ok: true };
    });
    const finished = (jobId: string): JobEvent => ({
      type: 'finished',
      jobId,
      outcome: 'succeeded',
      info: 'ok',
      executionTime: 0,
      startedAt: 0,
      finishedAt: 0,
      stdoutChunks: 0,
      stderrChunks: 0,
    });
    const pushedAt = Date.now();
    box.push(finished('a'));
    await tick();
    box.push(finished('b'));
    await tick();
    assert.equal(batches.length, 0, 'held while more jobs are queued');
    assert.equal(await box.whenDrained(2000), true, 'sent once the wait is over');
    assert.deepEqual(
      batches.map((b) => b.ids),
      [['a', 'b']],
    );
    assert.ok(batches[0]!.at - pushedAt >= BUSY_COALESCE_MS - 2, `held ${batches[0]!.at - pushedAt} ms`);

    box.push(finished('c'));
    await tick();
    assert.equal(batches.length, 1);
    queued = false;
    box.push(finished('d'));
    await tick();
    assert.deepEqual(
      batches.map((b) => b.ids),
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      'nothing queued any more: sent at once, with what waited',
    );
    box.close();
  });

  test('batches hold at most 5000 events', async () => {
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger });
    const sizes: number[] = [];
    for (let i = 0; i < 12_000; i++) box.push(started(i));
    box.attach(async (batch) => {
      sizes.push(batch.events.length);
      return { ok: true };
    });
    assert.equal(await box.whenDrained(5000), true);
    assert.deepEqual(sizes, [5000, 5000, 2000]);
    box.close();
  });

  test('unacked events survive a restart and are resent in order; acked ones are not', async () => {
    const dir = join(root, `o${++n}`);
    const a = new Outbox({ dir, log: silentLogger });
    a.attach(async () => ({ ok: true }));
    a.push(output(1));
    assert.equal(await a.whenDrained(1000), true);
    a.detach();
    a.push(output(2));
    a.push(output(3));
    await tick();
    a.close();
    const b = new Outbox({ dir, log: silentLogger });
    assert.equal(b.size, 2);
    const seen: string[] = [];
    b.attach(async (batch) => {
      seen.push(...batch.events.map((e) => e.jobId));
      return { ok: true };
    });
    assert.equal(await b.whenDrained(1000), true);
    assert.deepEqual(seen, ['job-2', 'job-3']);
    b.close();
    const c = new Outbox({ dir, log: silentLogger });
    assert.equal(c.size, 0);
    c.close();
  });

  test('acks are journaled lazily: a crash right after an ack resends (the server dedupes), a second later it does not', async () => {
    const dir = join(root, `o${++n}`);
    const a = new Outbox({ dir, log: silentLogger });
    a.attach(async () => ({ ok: true }));
    a.push(output(1));
    a.push(output(2));
    assert.equal(await a.whenDrained(1000), true);
    // A process that died now: the journal on disk has the events but not yet their ack.
    const crashedNow = new Outbox({ dir, log: silentLogger });
    assert.deepEqual(
      crashedNow.pendingEvents().map((e) => e.jobId),
      ['job-1', 'job-2'],
    );
    crashedNow.close();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const crashedLater = new Outbox({ dir, log: silentLogger });
    assert.equal(crashedLater.size, 0, 'the ack was written within a second, with nothing else to carry it');
    crashedLater.close();
    a.close();
  });

  test('started events are not journaled: after a crash the job is reported interrupted instead', async () => {
    const dir = join(root, `o${++n}`);
    const a = new Outbox({ dir, log: silentLogger });
    a.push(started(1));
    a.push(output(1));
    await tick();
    const crashed = new Outbox({ dir, log: silentLogger });
    assert.deepEqual(
      crashed.pendingEvents().map((e) => e.type),
      ['output'],
    );
    crashed.close();
    a.close();
  });

  test('a started is left out only of a batch that also carries its finished', async () => {
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger });
    const batches: string[][] = [];
    box.attach(async (batch) => {
      batches.push(batch.events.map((e) => `${e.type}:${e.jobId}`));
      return { ok: true };
    });
    box.push(started(1));
    box.push(started(2));
    box.push(output(2));
    box.push({
      type: 'finished',
      jobId: 'job-2',
      outcome: 'succeeded',
      info: 'ok',
      executionTime: 0,
      startedAt: 0,
      finishedAt: 0,
      stdoutChunks: 1,
      stderrChunks: 0,
    });
    assert.equal(await box.whenDrained(1000), true);
    assert.deepEqual(batches, [['started:job-1', 'output:job-2', 'finished:job-2']]);
    box.close();
  });

  test('a lost connection resends the batch that was in flight', async () => {
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger });
    box.attach(() => new Promise<SendResult>(() => {})); // never acked
    box.push(started(1));
    await tick();
    box.detach();
    const resent: string[] = [];
    box.attach(async (batch) => {
      resent.push(...batch.events.map((e) => e.jobId));
      return { ok: true };
    });
    assert.equal(await box.whenDrained(1000), true);
    assert.deepEqual(resent, ['job-1']);
    box.close();
  });

  test('a batch the server refuses as malformed is dropped so later results still flow', async () => {
    const box = new Outbox({ dir: join(root, `o${++n}`), log: silentLogger });
    let calls = 0;
    box.attach(async () => (++calls === 1 ? { ok: false, retry: false, message: 'invalid-payload' } : { ok: true }));
    box.push(started(1));
    await tick();
    box.push(started(2));
    assert.equal(await box.whenDrained(1000), true);
    assert.equal(calls, 2);
    box.close();
  });
});
