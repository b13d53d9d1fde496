import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../protocol/log.js';
import { AgentCache, STATE_TTL_MS } from './agent-cache.js';
import { mergeValues } from './merge.js';

const root = mkdtempSync(join(tmpdir(), 'dd-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `c${++n}`);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('merge rules', () => {
  test('without extend, top-level keys are replaced', () => {
    assert.deepEqual(mergeValues({ a: { x: 1 }, b: [1] }, { a: { y: 2 }, b: [2] }, false), { a: { y: 2 }, b: [2] });
  });
  test('with extend, dicts merge recursively and lists append', () => {
    assert.deepEqual(mergeValues({ a: { x: 1, n: { p: 1 } }, b: [1], c: 'k' }, { a: { y: 2, n: { q: 2 } }, b: [2], c: 'v' }, true), {
      a: { x: 1, y: 2, n: { p: 1, q: 2 } },
      b: [1, 2],
      c: 'v',
    });
  });
  test('__proto__ from the wire stays a plain key', () => {
    const merged = mergeValues({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>, true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(merged), ['__proto__']);
  });
});

describe('agent cache', () => {
  test("a job's end is one journal line that restores its SHA, parent and seen states (and survives compaction)", async () => {
    const dir = freshDir();
    const a = new AgentCache({ dir, log: silentLogger });
    a.markSeen('job-9', 'r');
    a.recordDone('job-9', 'sha9', 'p9', 'failed');
    await tick();
    const lines = readFileSync(join(dir, 'cache.journal.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    a.close();
    for (const compact of [true, false]) {
      const b = new AgentCache({ dir, log: silentLogger });
      assert.equal(b.jobState('sha9'), 'failed');
      assert.equal(b.parentState('p9'), 'failed');
      assert.equal(b.seen('job-9'), 'd');
      assert.deepEqual(b.interruptedAtLoad, []);
      if (compact) b.compact();
      b.close();
    }
  });

  test('args, envs and states survive a restart', async () => {
    const dir = freshDir();
    const a = new AgentCache({ dir, log: silentLogger });
    a.setArgs({ greeting: 'hi', list: [1] });
    a.setArgs({ list: [2] }, { extend: true });
    a.setEnvs({ PATH_EXTRA: '/opt' });
    a.set('configs', { x: 1 });
    a.setJobState('sha1', 'succeeded');
    a.setParentState('p1', 'failed');
    a.markSeen('job-1', 'd');
    await tick();
    a.close();
    const b = new AgentCache({ dir, log: silentLogger });
    assert.deepEqual(b.getArgs(), { greeting: 'hi', list: [1, 2] });
    assert.deepEqual(b.getEnvs(), { PATH_EXTRA: '/opt' });
    assert.deepEqual(b.get('configs'), { x: 1 });
    assert.equal(b.jobState('sha1'), 'succeeded');
    assert.equal(b.parentState('p1'), 'failed');
    assert.equal(b.seen('job-1'), 'd');
    b.close();
  });

  test('writes are coalesced per event-loop turn', async () => {
    const dir = freshDir();
    const c = new AgentCache({ dir, log: silentLogger });
    for (let i = 0; i < 1000; i++) c.setJobState(`sha${i}`, 'succeeded');
    assert.equal(readFileSync(join(dir, 'cache.journal.jsonl'), 'utf8'), '');
    await tick();
    assert.equal(readFileSync(join(dir, 'cache.journal.jsonl'), 'utf8').split('\n').length, 1001);
    c.close();
  });

  test('a torn last line is ignored and cut off', async () => {
    const dir = freshDir();
    const a = new AgentCache({ dir, log: silentLogger });
    a.setArgs({ kept: true });
    a.close();
    appendFileSync(join(dir, 'cache.journal.jsonl'), '{"o":"set","k":"args","v":{"torn"');
    const b = new AgentCache({ dir, log: silentLogger });
    assert.deepEqual(b.getArgs(), { kept: true });
    b.setArgs({ after: 1 }, { extend: true });
    b.close();
    const c = new AgentCache({ dir, log: silentLogger });
    assert.deepEqual(c.getArgs(), { kept: true, after: 1 });
    c.close();
  });

  test('compaction writes a snapshot and restarts the journal; replaying over it is harmless', async () => {
    const dir = freshDir();
    const a = new AgentCache({ dir, log: silentLogger, compactAfterOps: 50 });
    for (let i = 0; i < 120; i++) a.setArgs({ [`k${i}`]: i }, { extend: true });
    await tick();
    assert.ok(readFileSync(join(dir, 'cache.journal.jsonl'), 'utf8').split('\n').length < 60);
    a.close();
    // A crash between snapshot and truncation leaves old ops in the journal: same result.
    const journal = readFileSync(join(dir, 'cache.journal.jsonl'), 'utf8');
    writeFileSync(join(dir, 'cache.journal.jsonl'), journal + journal);
    const b = new AgentCache({ dir, log: silentLogger });
    assert.equal(Object.keys(b.getArgs()).length, 120);
    b.close();
  });

  test('job and parent states expire after 12 h; args do not', () => {
    let now = 1_000_000;
    const c = new AgentCache({ dir: freshDir(), log: silentLogger, now: () => now });
    c.setArgs({ a: 1 });
    c.setJobState('sha', 'succeeded');
    c.setParentState('p', 'failed');
    now += STATE_TTL_MS - 1;
    assert.equal(c.jobState('sha'), 'succeeded');
    now += 2;
    assert.equal(c.jobState('sha'), undefined);
    assert.equal(c.parentState('p'), undefined);
    assert.deepEqual(c.getArgs(), { a: 1 });
    c.close();
  });

  test('CACHEEVICT tags: all, args, envs, jobs, parents, query and any key', () => {
    const c = new AgentCache({ dir: freshDir(), log: silentLogger });
    c.setArgs({ a: 1, query: { host1: { x: 1 }, host2: { x: 2 } } });
    c.setEnvs({ E: '1' });
    c.set('configs', { c: 1 });
    c.setJobState('s1', 'succeeded');
    c.setJobState('s2', 'failed');
    c.setParentState('p1', 'succeeded');
    assert.deepEqual(c.evict('query'), { ok: true, removed: 2 });
    assert.deepEqual(c.getArgs(), { a: 1 });
    assert.deepEqual(c.evict('jobs'), { ok: true, removed: 2 });
    assert.equal(c.jobState('s1'), undefined);
    assert.deepEqual(c.evict('parents'), { ok: true, removed: 1 });
    assert.deepEqual(c.evict('envs'), { ok: true, removed: 1 });
    assert.deepEqual(c.getEnvs(), {});
    assert.deepEqual(c.evict('configs'), { ok: true, removed: 1 });
    assert.equal(c.evict('nothing-here').ok, false);
    c.setJobState('s3', 'succeeded');
    assert.equal(c.evict('all').ok, true);
    assert.deepEqual(c.getArgs(), {});
    assert.equal(c.jobState('s3'), undefined);
    c.close();
  });

  test('jobs queued at a stop are forgotten (the server re-sends them); running ones are reported', () => {
    const dir = freshDir();
    const a = new AgentCache({ dir, log: silentLogger });
    a.markSeen('queued', 'q');
    a.markSeen('running', 'r');
    a.markSeen('done', 'd');
    a.close();
    const b = new AgentCache({ dir, log: silentLogger });
    assert.equal(b.seen('queued'), undefined);
    assert.deepEqual(b.interruptedAtLoad, ['running']);
    assert.equal(b.seen('done'), 'd');
    b.close();
  });
});
