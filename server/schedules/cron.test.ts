/** Cron through croner: seconds, zones, and both DST changes of a fixed-time job. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCron } from './cron.js';

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const plan = (expr: string, tz: string | null = null) => {
  const p = parseCron(expr, tz);
  if (!p.ok) throw new Error(p.error.message);
  return p.value;
};

test('six fields put seconds first; five fields fire on the minute', () => {
  const from = Date.UTC(2026, 0, 1, 0, 0, 1, 500);
  assert.deepEqual(iso(plan('*/2 * * * * *').upcoming(from, 3)), [
    '2026-01-01T00:00:02.000Z',
    '2026-01-01T00:00:04.000Z',
    '2026-01-01T00:00:06.000Z',
  ]);
  assert.deepEqual(iso(plan('*/15 * * * *', 'UTC').upcoming(from, 2)), ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z']);
  // Strictly after: asking at a fire time gives the next one.
  assert.equal(new Date(plan('*/2 * * * * *').next(Date.UTC(2026, 0, 1, 0, 0, 2))!).toISOString(), '2026-01-01T00:00:04.000Z');
  assert.equal(new Date(plan('*/2 * * * * *').latest(Date.UTC(2026, 0, 1, 0, 0, 3, 999))!).toISOString(), '2026-01-01T00:00:02.000Z');
  assert.equal(new Date(plan('*/2 * * * * *').latest(Date.UTC(2026, 0, 1, 0, 0, 2))!).toISOString(), '2026-01-01T00:00:02.000Z');
});

test('a zone shifts the fire times to its local time', () => {
  const from = Date.UTC(2026, 0, 10);
  assert.deepEqual(iso(plan('0 9 * * 1-5', 'Asia/Tokyo').upcoming(from, 2)), ['2026-01-12T00:00:00.000Z', '2026-01-13T00:00:00.000Z']);
  assert.deepEqual(iso(plan('30 0 9 * * *', 'America/New_York').upcoming(from, 1)), ['2026-01-10T14:00:30.000Z']);
});

test('DST: a time in the spring gap runs once right after it; a repeated autumn hour runs once', () => {
  // Europe/Paris springs forward on 2026-03-29 at 02:00 → 03:00: 02:30 does not exist that day.
  assert.deepEqual(iso(plan('30 2 * * *', 'Europe/Paris').upcoming(Date.UTC(2026, 2, 27, 12), 3)), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET (UTC+1)
    '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST (UTC+2)
  ]);
  // It falls back on 2026-10-25 at 03:00 → 02:00: 02:30 happens twice; the job runs on the first only.
  const autumn = iso(plan('30 2 * * *', 'Europe/Paris').upcoming(Date.UTC(2026, 9, 24, 12), 3));
  assert.deepEqual(autumn, ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  // An every-hour job keeps a fixed interval in UTC across the change (no hour lost or doubled).
  const hourly = plan('0 * * * *', 'Europe/Paris').upcoming(Date.UTC(2026, 9, 24, 23, 30), 4);
  assert.deepEqual(
    hourly.slice(1).map((t, i) => t - hourly[i]!),
    [3_600_000, 3_600_000, 3_600_000],
  );
});

test('bad expressions and zones are errors naming the option', () => {
  const bad = parseCron('61 * * * *', null);
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error.message, /^--cron: "61 \* \* \* \*" is not a cron expression/);
  const four = parseCron('* * * *', null);
  assert.equal(four.ok, false);
  const zone = parseCron('* * * * *', 'Mars/Olympus');
  assert.equal(zone.ok, false);
  assert.match(zone.ok ? '' : zone.error.message, /^--tz: Mars\/Olympus is not a time zone/);
  const never = parseCron('0 0 30 2 *', null);
  assert.equal(never.ok, false);
});
