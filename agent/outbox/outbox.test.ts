import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { JobEvent, JobEventBatch } from '../../protocol/jobs.js';
import { silentLogger } from '../../protocol/log.js';
import { Outbox, type SendResult } from './outbox.js';

const root = mkdtempSync(join(tmpdir(), 'dd-outbox-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const started = (i: number): JobEvent => ({ type: 'started', jobId: `job-${i}`, at: i });

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
    assert.deepEqual(batches[1]?.events.map((e) => e.jobId), ['job-3', 'job-4', 'job-5']);
    release({ ok: true });
    assert.equal(await box.whenDrained(1000), true);
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
    a.push(started(1));
    assert.equal(await a.whenDrained(1000), true);
    a.detach();
    a.push(started(2));
    a.push(started(3));
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
