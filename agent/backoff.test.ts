/**
 * Reconnect backoff (issue #5): exponential from 0.5 s to 10 s, each delay jittered by ±50 %, so
 * 500 agents that lose the server at once do not come back in one stampede.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from './connection.js';

test('backoff grows exponentially to a cap, each delay jittered between 0.5× and 1.5× its base', () => {
  const bases = [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000];
  for (const [attempt, base] of bases.entries()) {
    assert.equal(
      backoffDelay(attempt, () => 0),
      base * 0.5,
      `attempt ${attempt} low end`,
    );
    assert.equal(
      backoffDelay(attempt, () => 0.5),
      base,
      `attempt ${attempt} middle`,
    );
    assert.equal(
      backoffDelay(attempt, () => 0.999_999),
      Math.round(base * 1.499_999),
      `attempt ${attempt} high end`,
    );
  }
  assert.equal(
    backoffDelay(1000, () => 0.5),
    10_000,
    'huge attempt counts stay at the cap',
  );
});

test('500 agents reconnecting at once spread over the whole jitter window (no stampede)', () => {
  for (const attempt of [0, 3, 8]) {
    const delays = Array.from({ length: 500 }, () => backoffDelay(attempt));
    const base = Math.min(10_000, 500 * 2 ** attempt);
    assert.ok(Math.min(...delays) >= base * 0.5 && Math.max(...delays) <= base * 1.5, `attempt ${attempt} within ±50 %`);
    // Ten equal slices of the window: each gets some agents and none gets a crowd.
    const slices = new Array<number>(10).fill(0);
    for (const d of delays) slices[Math.min(9, Math.floor(((d - base * 0.5) / base) * 10))]! += 1;
    assert.ok(Math.min(...slices) >= 20, `attempt ${attempt}: slices ${slices.join(',')}`);
    assert.ok(Math.max(...slices) <= 90, `attempt ${attempt}: slices ${slices.join(',')}`);
    assert.ok(new Set(delays).size > 100, 'delays differ from agent to agent');
  }
});
