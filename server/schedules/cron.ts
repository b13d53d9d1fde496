/**
 * Cron expressions through croner (zero dependencies, bundled types, 5 or 6 fields with seconds
 * first, IANA zones, and a stated DST rule: a fixed-time job whose time falls in a spring-forward
 * gap runs at the first valid time after it, and once when an autumn hour repeats).
 */
import { Cron } from 'croner';
import { fail, ok, type Result } from '../../protocol/result.js';

export type CronPlan = Readonly<{
  /** The first fire time strictly after `after` (ms), or null when there is none. */
  next(after: number): number | null;
  /** The latest fire time at or before `at`, or null. */
  latest(at: number): number | null;
  /** Up to `n` fire times strictly after `after`. */
  upcoming(after: number, n: number): number[];
}>;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseCron(expression: string, tz: string | null): Result<CronPlan> {
  if (tz !== null && !isTimeZone(tz))
    return fail('invalid-payload', `--tz: ${tz} is not a time zone (an IANA name such as Europe/Paris or UTC)`, {
      location: { field: 'tz' },
    });
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), { paused: true, mode: '5-or-6-parts', ...(tz ? { timezone: tz } : {}) });
  } catch (error) {
    return fail(
      'invalid-payload',
      `--cron: ${JSON.stringify(expression)} is not a cron expression (${(error as Error).message}); five fields, or six with seconds first`,
      { location: { field: 'cron' } },
    );
  }
  // croner reads "after" with second precision; asking from the exact millisecond keeps "strictly after".
  const next = (after: number): number | null => cron.nextRun(new Date(after))?.getTime() ?? null;
  const plan: CronPlan = {
    next,
    latest: (at) => cron.previousRuns(1, new Date(at + 1))[0]?.getTime() ?? null,
    upcoming(after, n) {
      const out: number[] = [];
      let from = after;
      while (out.length < n) {
        const t = next(from);
        if (t === null) break;
        out.push(t);
        from = t;
      }
      return out;
    },
  };
  if (next(Date.now()) === null && next(0) === null)
    return fail('invalid-payload', `--cron: ${JSON.stringify(expression)} never fires`, { location: { field: 'cron' } });
  return ok(plan);
}
