import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockOffset } from './clock-offset.js';
import { relativeTime } from './format.js';

test('a browser 10 minutes ahead shows a run started 5 s ago (server time) as 5s ago', () => {
  let browser = 1_000_000 + 600_000;
  const clock = new ClockOffset(() => browser);
  clock.sample(browser, 1_000_020, browser + 40);
  assert.equal(clock.offset, -600_000);
  browser += 5_000;
  const serverCreatedAt = 1_000_000;
  assert.equal(relativeTime(serverCreatedAt, clock.now()), '5s ago');
  // Uncorrected, the browser's own clock says something else entirely.
  assert.equal(relativeTime(serverCreatedAt, browser), '10m ago');
});

test('a browser behind the server; a slow sample does not replace a quick one', () => {
  let browser = 500_000;
  const clock = new ClockOffset(() => browser);
  clock.sample(500_000, 536_010, 500_020);
  assert.equal(clock.offset, 36_000);
  clock.sample(500_100, 600_000, 504_100);
  assert.equal(clock.offset, 36_000);
  browser = 510_000;
  assert.equal(relativeTime(541_000, clock.now()), '5s ago');
});
