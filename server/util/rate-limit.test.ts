/** Failed-authentication limiting (issue #5): a token bucket per address, one log line per window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../protocol/log.js';
import { createFailureLimiter } from './rate-limit.js';

function setup() {
  let now = 1_000_000;
  const lines: string[] = [];
  const limiter = createFailureLimiter({
    burst: 5,
    refillPerSecond: 1,
    logWindowMs: 10_000,
    clock: () => now,
    log: createLogger('auth', (l) => void lines.push(l), 'info'),
  });
  return { limiter, lines, advance: (ms: number) => (now += ms) };
}

test('an address is refused after its burst of failures, earns tries back over time, and is logged once per window', () => {
  const { limiter, lines, advance } = setup();
  for (let i = 0; i < 5; i++) {
    assert.equal(limiter.refusal('10.0.0.1', '/agent'), null, `try ${i + 1}`);
    limiter.failed('10.0.0.1');
  }
  const refused = limiter.refusal('10.0.0.1', '/agent');
  assert.deepEqual(refused, {
    message: 'too many failed attempts from 10.0.0.1: refused without checking for about 1 s; check the credential and retry later',
    retryInS: 1,
  });
  for (let i = 0; i < 100; i++) assert.notEqual(limiter.refusal('10.0.0.1', '/agent'), null);
  assert.equal(lines.filter((l) => l.includes('too many failed attempts')).length, 1, 'one line for the whole flood');
  // Another address is not affected.
  assert.equal(limiter.refusal('10.0.0.2', '/ui'), null);
  // One second later one try is back; the next window logs again (with the count since).
  advance(1000);
  assert.equal(limiter.refusal('10.0.0.1', '/agent'), null);
  limiter.failed('10.0.0.1');
  advance(10_000);
  limiter.failed('10.0.0.1');
  for (let i = 0; i < 6; i++) limiter.failed('10.0.0.1');
  assert.notEqual(limiter.refusal('10.0.0.1', '/agent'), null);
  assert.equal(lines.filter((l) => l.includes('too many failed attempts')).length, 2);
  assert.match(lines.at(-1) ?? '', /"refusedSinceLastLog":1\b/);
});

test('a bucket that refilled is forgotten', () => {
  const { limiter, advance } = setup();
  limiter.failed('10.0.0.3');
  assert.equal(limiter.size(), 1);
  advance(20_000);
  assert.equal(limiter.refusal('10.0.0.3', 'http'), null);
  assert.equal(limiter.size(), 0, 'forgotten once full again');
});
